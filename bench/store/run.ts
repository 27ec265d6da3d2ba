// Store + gateway benchmark (issue 5): reads/s and p50/p99 latency through the gateway's native API with full
// split-key decryption, next to the same reads straight from the store (the same ciphertext records, no gateway, no
// decryption) in the same run; writes/s through the gateway; SQLite and PostgreSQL; docs/benchmarks.md.
//
//   npx tsx bench/store/run.ts --items 1000 --backend both
//
// This process is only the client (and the seeder, before the servers start): the store and the gateway run as
// their own processes through the real CLI, PostgreSQL as its own server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initFragments } from '../../src/gateway/crypto/admin.js';
import { bootstrapStore } from '../../src/store/local.js';
import { measureCryptoOnly } from './crypto-only.js';
import { combine, HttpClient, type PhaseResult, runPhase } from './load.js';
import { startPostgres } from './postgres.js';
import { type BackendResult, formatReport } from './report.js';
import { bulkSeed, itemPath, itemValue } from './seed.js';
import { cpuMs, cpuMsWithChildren, startCli, startGateway } from './servers.js';

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '1000' },
    backend: { type: 'string', default: 'both' },
    concurrency: { type: 'string', default: '16' },
    writes: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    'value-bytes': { type: 'string', default: '64' },
    json: { type: 'string' },
  },
});

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not "${text}"`);
  return n;
}

const items = positive('items', args.items);
const concurrency = positive('concurrency', args.concurrency);
const writes = Math.min(items, positive('writes', args.writes));
const seconds = positive('seconds', args.seconds);
const rounds = positive('rounds', args.rounds);
const valueBytes = positive('value-bytes', args['value-bytes']);
if (!['sqlite', 'postgres', 'both'].includes(args.backend ?? '')) {
  throw new Error(`--backend must be sqlite, postgres or both, not "${args.backend}"`);
}
const backends = args.backend === 'both' ? (['sqlite', 'postgres'] as const) : [args.backend as 'sqlite' | 'postgres'];
const log = (line: string) => process.stderr.write(`[bench/store] ${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const randomItem = () => Math.floor(Math.random() * items);

async function json(reply: Promise<{ status: number; body: string }>, expected: number, what: string) {
  const r = await reply;
  if (r.status !== expected) throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body);
}

async function runBackend(backend: 'sqlite' | 'postgres'): Promise<BackendResult> {
  const root = mkdtempSync(join(tmpdir(), `custos-bench-store-${backend}-`));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(root, { recursive: true, force: true })];
  try {
    const pg = backend === 'postgres' ? await startPostgres() : undefined;
    if (pg) cleanups.unshift(pg.stop);
    const location = { dataDir: join(root, 'store'), postgresUrl: pg?.url };
    const configDir = join(root, 'gateway');
    const keyFile = join(root, 'unseal.key');
    const creds = await bootstrapStore(location);
    await initFragments(configDir, { type: 'key-file', keyFile });

    const seedStart = Date.now();
    if (writes < items) {
      log(`${backend}: bulk seeding items ${writes}..${items - 1} through the storage API`);
      await bulkSeed({
        location,
        configDir,
        keyFile,
        from: writes,
        to: items,
        valueBytes,
        onProgress: (done) => {
          if (done % 10_000 === 0) log(`${backend}: seeded ${done}`);
        },
      });
    }
    const seedSeconds = (Date.now() - seedStart) / 1000;

    const storeArgs = [
      'store',
      'serve',
      '--data-dir',
      location.dataDir,
      '--listen',
      '127.0.0.1:0',
      '--token-ttl',
      '3600',
    ];
    if (pg) storeArgs.push('--postgres', pg.url);
    const store = await startCli('store', storeArgs);
    cleanups.unshift(store.stop);
    const gateway = await startGateway(store.url, configDir, keyFile);
    cleanups.unshift(gateway.stop);
    // A second gateway on the same store and fragment with read batching off: one store request per read, as
    // before batching, so the run measures both in the same conditions.
    const unbatchedGateway = await startGateway(store.url, configDir, keyFile, ['--store-read-batching', 'false']);
    cleanups.unshift(unbatchedGateway.stop);
    log(
      `${backend}: store ${store.url} (pid ${store.pid}), gateway ${gateway.url} (pid ${gateway.pid}), unbatched gateway ${unbatchedGateway.url} (pid ${unbatchedGateway.pid})`,
    );

    const toStore = new HttpClient(store.url, concurrency);
    const toGateway = new HttpClient(gateway.url, concurrency);
    const toUnbatchedGateway = new HttpClient(unbatchedGateway.url, concurrency);
    cleanups.unshift(async () => {
      toStore.close();
      toGateway.close();
      toUnbatchedGateway.close();
    });

    // A bench identity with a path-scoped role, as an application would have (not the admin).
    const admin = (
      await json(
        toStore.send('POST', '/v1/auth/login', { body: { type: 'api_key', ...creds.admin } }),
        200,
        'admin login',
      )
    ).token;
    const method = await json(
      toStore.send('POST', '/v1/admin/auth-methods', { token: admin, body: { name: 'bench', type: 'api_key' } }),
      201,
      'auth method',
    );
    await json(
      toStore.send('PUT', '/v1/admin/roles', {
        token: admin,
        body: { name: 'bench', rules: [{ path: '/bench/*', capabilities: ['read', 'list', 'create', 'update'] }] },
      }),
      200,
      'role',
    );
    await json(
      toStore.send('POST', '/v1/admin/roles/bind', {
        token: admin,
        body: { role: 'bench', accessId: method.accessId },
      }),
      200,
      'bind',
    );
    const login = { type: 'api_key', accessId: method.accessId, accessKey: method.accessKey };
    const token = (await json(toGateway.send('POST', '/v1/auth/login', { body: login }), 200, 'bench login'))
      .token as string;

    const writeOp = async (n: number) => {
      const r = await toGateway.send('POST', '/v1/secrets', {
        token,
        body: { path: itemPath(n), value: itemValue(n, valueBytes), mode: 'create' },
      });
      return r.status === 201 ? undefined : `HTTP ${r.status} ${r.body.slice(0, 120)}`;
    };
    const decryptingRead = (client: HttpClient) => async () => {
      const i = randomItem();
      const r = await client.send('GET', `/v1/secrets?path=${encodeURIComponent(itemPath(i))}`, { token });
      if (r.status !== 200) return `HTTP ${r.status} ${r.body.slice(0, 120)}`;
      return JSON.parse(r.body).value === itemValue(i, valueBytes) ? undefined : 'wrong value';
    };
    const gatewayRead = decryptingRead(toGateway);
    const unbatchedGatewayRead = decryptingRead(toUnbatchedGateway);
    const storeRead = async () => {
      const i = randomItem();
      const r = await toStore.send('GET', `/v1/items?path=${encodeURIComponent(itemPath(i))}`, { token });
      if (r.status !== 200) return `HTTP ${r.status} ${r.body.slice(0, 120)}`;
      return JSON.parse(r.body).ciphertext ? undefined : 'no ciphertext';
    };

    // The same gateway hop without decryption: describe relays the store's metadata (no ciphertext, no share).
    const gatewayDescribe = async () => {
      const i = randomItem();
      const r = await toGateway.send('GET', `/v1/secrets/describe?path=${encodeURIComponent(itemPath(i))}`, { token });
      if (r.status !== 200) return `HTTP ${r.status} ${r.body.slice(0, 120)}`;
      return JSON.parse(r.body).path === itemPath(i) ? undefined : 'wrong item';
    };

    const measured = async <T extends PhaseResult>(run: () => Promise<T>, gatewayPid = gateway.pid) => {
      const before = { store: cpuMs(store.pid), gateway: cpuMs(gatewayPid), pg: pg ? cpuMsWithChildren(pg.pid) : 0 };
      const result = await run();
      const per = (ms: number) => (ms / result.requests).toFixed(3);
      return {
        ...result,
        cpuMsPerRequest: {
          store: per(cpuMs(store.pid) - before.store),
          gateway: per(cpuMs(gatewayPid) - before.gateway),
          postgres: pg ? per(cpuMsWithChildren(pg.pid) - before.pg) : '-',
        },
        load: load(),
      };
    };

    log(`${backend}: ${writes} writes through the gateway (load ${load()})`);
    const writePhase = await measured(() => runPhase(writeOp, { concurrency, count: writes }));
    log(`${backend}: warm-up`);
    await runPhase(storeRead, { concurrency, seconds: 2 });
    await runPhase(gatewayDescribe, { concurrency, seconds: 2 });
    await runPhase(gatewayRead, { concurrency, seconds: 2 });
    await runPhase(unbatchedGatewayRead, { concurrency, seconds: 2 });
    const storeRounds = [];
    const describeRounds = [];
    const gatewayRounds = [];
    const unbatchedRounds = [];
    for (let round = 1; round <= rounds; round++) {
      log(
        `${backend}: round ${round}/${rounds}: store direct, gateway describe, gateway read, unbatched gateway read, ${seconds} s each (load ${load()})`,
      );
      storeRounds.push(await measured(() => runPhase(storeRead, { concurrency, seconds })));
      describeRounds.push(await measured(() => runPhase(gatewayDescribe, { concurrency, seconds })));
      gatewayRounds.push(await measured(() => runPhase(gatewayRead, { concurrency, seconds })));
      unbatchedRounds.push(
        await measured(() => runPhase(unbatchedGatewayRead, { concurrency, seconds }), unbatchedGateway.pid),
      );
    }
    return {
      backend,
      backendVersion: pg?.version ?? 'SQLite (better-sqlite3)',
      items,
      seedSeconds,
      bulkSeeded: items - writes,
      writes: writePhase,
      storeRounds,
      describeRounds,
      gatewayRounds,
      unbatchedRounds,
      store: combine(storeRounds),
      describe: combine(describeRounds),
      gateway: combine(gatewayRounds),
      unbatched: combine(unbatchedRounds),
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
  }
}

const startedAt = new Date().toISOString();
const loadBefore = load();
const cryptoOnly = measureCryptoOnly(valueBytes);
log(`crypto only: ${cryptoOnly.openMicros.toFixed(1)} us per openValue`);
const results: BackendResult[] = [];
for (const backend of backends) results.push(await runBackend(backend));
const report = formatReport({
  command: `npx tsx bench/store/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt,
  cpu: `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} vCPUs`,
  node: process.version,
  loadBefore,
  loadAfter: load(),
  concurrency,
  seconds,
  rounds,
  valueBytes,
  cryptoOnly,
  results,
});
process.stdout.write(report);
if (args.json) {
  const strip = (p: PhaseResult) => ({ ...p, latencies: undefined });
  writeFileSync(
    args.json,
    JSON.stringify(
      results.map((r) => ({
        ...r,
        writes: strip(r.writes),
        storeRounds: r.storeRounds.map(strip),
        describeRounds: r.describeRounds.map(strip),
        describe: strip(r.describe),
        gatewayRounds: r.gatewayRounds.map(strip),
        unbatchedRounds: r.unbatchedRounds.map(strip),
        store: strip(r.store),
        gateway: strip(r.gateway),
        unbatched: strip(r.unbatched),
      })),
      null,
      2,
    ),
  );
}
