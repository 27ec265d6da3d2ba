// Benchmark: logins and requests that reach HashiCorp Vault, Custos against the real ESO v0.16.2 in the same run.
// Users report Vault login and lease storms from ESO (users.md 1.3 #14: #376, a new token per reconcile piled up
// leases and "took our cluster completely down in a few days"; #1273, an LDAP login on every reconcile; #4032, a
// login every 5 min from store validation). Both operators read one real Vault (test/helpers/vault-server.ts,
// Vault v1.21.4 in memory) through a counting reverse proxy of their own (in this file), each with its own userpass
// user, namespace and the same workload:
//   - a SecretStore on KV v2 at secret/ logging in with userpass (a policy that reads secret/data/*);
//   - READERS ExternalSecrets reading three properties (username, password, host) of one secret, app/db.
// Both run with the same concurrency and refresh interval; Vault's requests are counted (logins, data reads,
// lookup-self, revoke-self, anything else) until the readers are Ready, and over the whole run (two refresh
// intervals after that). At the end, the tokens of each user still alive in Vault are counted with the root token
// (auth/token/accessors and lookup-accessor): while the operator still runs, and after it stopped (the requests it
// makes while stopping, e.g. revoking its tokens, are counted apart).
//
// Run: npx tsx bench/sync/vault-calls.ts [--readers 20] [--refresh 30s] [--concurrency 5] [--modes custos,eso]
//        [--token-ttl 768h]
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { installCrds } from '../../src/api/install.js';
import { startControlPlane } from '../../src/kube/controlplane/index.js';
import { KubeClient, type KubeObject, Resources } from '../../src/kube/index.js';
import { parseGoDuration } from '../../src/operator/duration.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { buildEso } from '../../test/helpers/eso-oracle.js';
import { buildVault, startVault, type VaultServer, vaultVersion } from '../../test/helpers/vault-server.js';
import { startModeOperator } from './mode-operator.js';
import { isReady } from './workload.js';

const { values: args } = parseArgs({
  options: {
    readers: { type: 'string', default: '20' },
    refresh: { type: 'string', default: '30s' },
    concurrency: { type: 'string', default: '5' },
    modes: { type: 'string', default: 'custos,eso' },
    // The userpass users' token TTL; empty: Vault's default (768 h, the TTL of ESO #376).
    'token-ttl': { type: 'string', default: '' },
  },
});
const READERS = Number(args.readers);
const REFRESH = args.refresh as string;
const CONCURRENCY = Number(args.concurrency);
const TOKEN_TTL = args['token-ttl'] as string;
const PASSWORD = 'bench-userpass-pw';
const PROPERTIES = ['username', 'password', 'host'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Kind = 'login' | 'read' | 'lookupSelf' | 'revokeSelf' | 'other';

function kindOf(method: string, url: string): Kind {
  const path = (url.split('?')[0] ?? '').replace(/^\/v1\//, '');
  if (path.startsWith('auth/userpass/login/')) return 'login';
  if (path === 'auth/token/lookup-self') return 'lookupSelf';
  if (path === 'auth/token/revoke-self') return 'revokeSelf';
  if (method === 'GET' && path.startsWith('secret/data/')) return 'read';
  return 'other';
}

interface Seen {
  kind: Kind;
  method: string;
  path: string;
  status?: number;
}

/** A reverse proxy in front of Vault that records every request it forwards. */
class CountingProxy {
  readonly requests: Seen[] = [];
  url = '';
  #server: Server | undefined;

  constructor(readonly target: string) {}

  async start(): Promise<void> {
    const target = new URL(this.target);
    const server = createServer((req, res) => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const seen: Seen = { kind: kindOf(method, path), method, path: path.split('?')[0] ?? path };
      this.requests.push(seen);
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method, path, headers: { ...req.headers, host: target.host } },
        (answer) => {
          seen.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [`bench proxy: ${error.message}`] }));
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests so far by kind, the failed ones (status >= 400) and what the "other" ones were. */
  count() {
    const by = (kind: Kind) => this.requests.filter((r) => r.kind === kind).length;
    const others: Record<string, number> = {};
    for (const r of this.requests) {
      if (r.kind === 'other') others[`${r.method} ${r.path}`] = (others[`${r.method} ${r.path}`] ?? 0) + 1;
    }
    return {
      total: this.requests.length,
      logins: by('login'),
      reads: by('read'),
      lookupSelf: by('lookupSelf'),
      revokeSelf: by('revokeSelf'),
      other: by('other'),
      failed: this.requests.filter((r) => (r.status ?? 0) >= 400).length,
      ...(Object.keys(others).length ? { others } : {}),
    };
  }
}

async function vaultCall(vault: VaultServer, method: string, path: string, body?: unknown) {
  const res = await vault.request(method, path, body);
  if (res.status >= 300) throw new Error(`Vault ${method} ${path}: HTTP ${res.status} ${res.text}`);
  return res;
}

/** Tokens alive in Vault that a userpass login of `username` created (counted with the root token). */
async function liveTokens(vault: VaultServer, username: string): Promise<number> {
  const list = await vaultCall(vault, 'GET', 'auth/token/accessors?list=true');
  const accessors: string[] = list.body?.data?.keys ?? [];
  let n = 0;
  for (const accessor of accessors) {
    const res = await vault.request('POST', 'auth/token/lookup-accessor', { accessor });
    if (res.status !== 200) continue; // revoked or expired between the list and the lookup
    const data = res.body?.data ?? {};
    if (data.meta?.username === username || data.display_name === `userpass-${username}`) n++;
  }
  return n;
}

async function setUpVault(vault: VaultServer, users: string[]): Promise<void> {
  await vaultCall(vault, 'POST', 'secret/data/app/db', {
    data: { username: 'app-user', password: 'bench-password-1', host: 'db.internal' },
  });
  await vaultCall(vault, 'PUT', 'sys/policies/acl/bench-reader', {
    policy: 'path "secret/data/*" { capabilities = ["read"] }',
  });
  await vaultCall(vault, 'POST', 'sys/auth/userpass', { type: 'userpass' });
  for (const user of users) {
    await vaultCall(vault, 'POST', `auth/userpass/users/${user}`, {
      password: PASSWORD,
      token_policies: ['bench-reader'],
      ...(TOKEN_TTL ? { token_ttl: TOKEN_TTL } : {}),
    });
  }
}

async function setUp(client: KubeClient, mode: string, server: string, username: string) {
  const namespace = `vault-calls-${mode}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await client.create(Resources.secrets, {
    metadata: { name: 'vault-userpass', namespace },
    stringData: { password: PASSWORD },
  });
  await client.create(OperatorResources.secretStores, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'SecretStore',
    metadata: { name: 'vault', namespace },
    spec: {
      controller: mode,
      provider: {
        vault: {
          server,
          path: 'secret',
          version: 'v2',
          auth: { userPass: { path: 'userpass', username, secretRef: { name: 'vault-userpass', key: 'password' } } },
        },
      },
    },
  });
  return namespace;
}

async function createWorkload(client: KubeClient, namespace: string): Promise<void> {
  for (let i = 0; i < READERS; i++) {
    const name = `reader-${i}`;
    await client.create(OperatorResources.externalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace },
      spec: {
        refreshInterval: REFRESH,
        secretStoreRef: { name: 'vault' },
        target: { name },
        data: PROPERTIES.map((p) => ({ secretKey: p, remoteRef: { key: 'app/db', property: p } })),
      },
    });
  }
}

type Counts = ReturnType<CountingProxy['count']>;

function table(results: Record<string, unknown>, modes: string[]): string {
  const split = (c: unknown) => {
    const n = c as Counts;
    return `${n.total} (${n.logins} / ${n.reads} / ${n.lookupSelf} / ${n.revokeSelf} / ${n.other})`;
  };
  const stopping = (c: unknown) => {
    const n = c as { total: number; lookupSelf: number; revokeSelf: number };
    return `${n.total} (${n.lookupSelf} / ${n.revokeSelf})`;
  };
  const rows: Array<[string, (r: Record<string, unknown>) => unknown]> = [
    [`${READERS} readers Ready after (ms)`, (r) => r.readersReadyMs],
    [
      'requests until Ready: all (logins / reads / lookup-self / revoke-self / other)',
      (r) => split(r.untilReadersReady),
    ],
    ['requests in the whole run: all (same split)', (r) => split(r.inRun)],
    ['run length (s)', (r) => r.runSeconds],
    ['live tokens of its user at the end', (r) => r.liveTokensAtEnd],
    ['requests while it stopped: all (lookup-self / revoke-self)', (r) => stopping(r.whileStopping)],
    ['live tokens of its user after it stopped', (r) => r.liveTokensAfterStop],
  ];
  const head = `| | ${modes.join(' | ')} |\n|---|${modes.map(() => '---:|').join('')}\n`;
  const body = rows.map(
    ([label, get]) => `| ${label} | ${modes.map((m) => get(results[m] as Record<string, unknown>)).join(' | ')} |`,
  );
  return head + body.join('\n');
}

async function main(): Promise<void> {
  const modes = (args.modes as string).split(',');
  const esoBuild = modes.includes('eso') ? buildEso() : undefined;
  if (modes.includes('eso') && !esoBuild) throw new Error('--modes eso needs Go to build tools/eso-oracle');
  const vaultBinary = buildVault();
  if (!vaultBinary) throw new Error('this benchmark needs Go to build the real Vault (tools/vault-dev)');
  process.stderr.write('starting a control plane and Vault...\n');
  const [plane, vault] = await Promise.all([startControlPlane(), startVault({ binary: vaultBinary })]);
  const users = Object.fromEntries(modes.map((mode) => [mode, `${mode}-bench`]));
  const results: Record<string, unknown> = {
    params: {
      READERS,
      REFRESH,
      CONCURRENCY,
      TOKEN_TTL: TOKEN_TTL || 'default',
      vault: vaultVersion,
      node: process.version,
    },
  };
  let client: KubeClient | undefined;
  try {
    await setUpVault(vault, Object.values(users));
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    await installCrds(kc);
    client = new KubeClient(kc, { qps: 200, burst: 400 });
    for (const mode of modes) {
      const username = users[mode] as string;
      const proxy = new CountingProxy(vault.address);
      await proxy.start();
      const namespace = await setUp(client, mode, proxy.url, username);
      const operator = await startModeOperator({
        mode,
        esoBuild,
        kubeconfigPath: plane.kubeconfigPath,
        kc,
        namespace,
        concurrency: CONCURRENCY,
      });
      const t0 = performance.now();
      await createWorkload(client, namespace);
      const readersReady = async () => {
        const list = await (client as KubeClient).list<KubeObject>(OperatorResources.externalSecrets, { namespace });
        return list.items.filter((es) => es.metadata?.name?.startsWith('reader-') && isReady(es)).length;
      };
      while ((await readersReady()) < READERS) {
        operator.assertRunning();
        await sleep(200);
      }
      const readyMs = performance.now() - t0;
      const atReady = proxy.count();
      await sleep(2 * parseGoDuration(REFRESH));
      const runMs = performance.now() - t0;
      const atEnd = proxy.count();
      const liveAtEnd = await liveTokens(vault, username);
      await operator.stop();
      const atStop = proxy.count();
      const liveAfterStop = await liveTokens(vault, username);
      process.stderr.write(
        `${mode}: ${atEnd.total} Vault requests (${atEnd.logins} logins) in ${Math.round(runMs / 1000)} s\n`,
      );
      results[mode] = {
        ...(operator.label ? { operator: operator.label } : {}),
        readersReadyMs: Math.round(readyMs),
        untilReadersReady: atReady,
        runSeconds: Math.round(runMs / 1000),
        inRun: atEnd,
        liveTokensAtEnd: liveAtEnd,
        whileStopping: {
          total: atStop.total - atEnd.total,
          logins: atStop.logins - atEnd.logins,
          lookupSelf: atStop.lookupSelf - atEnd.lookupSelf,
          revokeSelf: atStop.revokeSelf - atEnd.revokeSelf,
        },
        liveTokensAfterStop: liveAfterStop,
      };
      await proxy.stop();
    }
  } finally {
    client?.close();
    await vault.stop();
    await plane.stop();
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n\n${table(results, modes)}\n`);
}

await main();
