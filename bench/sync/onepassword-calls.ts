// Benchmark: requests that reach 1Password Connect, Custos against the real ESO v0.16.2 in the same run. Users
// report 1Password's request limits used up by ESO (users.md 1.3 #13: a missing item exhausted an account's daily
// limit in 20 minutes; #15: one lookup per property). Each operator gets its own Connect stand-in
// (test/helpers/onepassword-connect-double.ts, which counts every request), its own namespace and the same
// workload:
//   - READERS ExternalSecrets reading three fields (username, password, database) of one item, the shape of seed 004;
//   - MISSING ExternalSecrets reading an item that does not exist (they fail and retry with backoff);
//   - EXTRACTORS ExternalSecrets (none by default) that extract every field of another item with dataFrom.extract
//     and map its password under a second name with data[]: two reads of one item per ExternalSecret.
// Both run with the same concurrency and refresh interval; the Connect requests are counted until the readers are
// Ready, and over the whole run (two refresh intervals after that).
//
// Run: npx tsx bench/sync/onepassword-calls.ts [--readers 20] [--missing 20] [--extractors 0] [--refresh 1m]
//        [--concurrency 5] [--modes custos,eso]
import { parseArgs } from 'node:util';
import { installCrds } from '../../src/api/install.js';
import { startControlPlane } from '../../src/kube/controlplane/index.js';
import { KubeClient, type KubeObject, Resources } from '../../src/kube/index.js';
import { parseGoDuration } from '../../src/operator/duration.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { buildEso } from '../../test/helpers/eso-oracle.js';
import { ConnectDouble } from '../../test/helpers/onepassword-connect-double.js';
import { startModeOperator } from './mode-operator.js';
import { isReady } from './workload.js';

const { values: args } = parseArgs({
  options: {
    readers: { type: 'string', default: '20' },
    missing: { type: 'string', default: '20' },
    extractors: { type: 'string', default: '0' },
    refresh: { type: 'string', default: '1m' },
    concurrency: { type: 'string', default: '5' },
    modes: { type: 'string', default: 'custos,eso' },
  },
});
const READERS = Number(args.readers);
const MISSING = Number(args.missing);
const EXTRACTORS = Number(args.extractors);
const EXTRACTED_TITLE = 'redis-credentials';
const REFRESH = args.refresh as string;
const CONCURRENCY = Number(args.concurrency);
const TOKEN = 'bench-connect-token';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connect requests so far, split by what they were for (`extractedItemId`: the extractors' item). */
function countRequests(connect: ConnectDouble, extractedItemId: string) {
  const missing = connect.requests.filter((r) => r.query.includes('no-such-item')).length;
  const extracted = connect.requests.filter(
    (r) => r.query.includes(EXTRACTED_TITLE) || r.path.includes(extractedItemId),
  ).length;
  return { total: connect.requests.length, forTheMissingItem: missing, forTheExtractedItem: extracted };
}

async function setUp(client: KubeClient, mode: string, connect: ConnectDouble) {
  const namespace = `op-calls-${mode}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await client.create(Resources.secrets, {
    metadata: { name: 'connect-token', namespace },
    stringData: { token: TOKEN },
  });
  await client.create(OperatorResources.secretStores, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'SecretStore',
    metadata: { name: 'onepassword', namespace },
    spec: {
      controller: mode,
      provider: {
        onepassword: {
          connectHost: connect.url,
          vaults: { infrastructure: 1, applications: 2 },
          auth: { secretRef: { connectTokenSecretRef: { name: 'connect-token', key: 'token' } } },
        },
      },
    },
  });
  return namespace;
}

async function createWorkload(client: KubeClient, namespace: string): Promise<void> {
  const es = (
    name: string,
    data: Array<{ secretKey: string; remoteRef: { key: string; property?: string } }>,
    dataFrom?: Array<{ extract: { key: string } }>,
  ) =>
    client.create(OperatorResources.externalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace },
      spec: { refreshInterval: REFRESH, secretStoreRef: { name: 'onepassword' }, target: { name }, data, dataFrom },
    });
  for (let i = 0; i < READERS; i++) {
    await es(
      `reader-${i}`,
      ['username', 'password', 'database'].map((p) => ({
        secretKey: p,
        remoteRef: { key: 'postgres-database', property: p },
      })),
    );
  }
  for (let i = 0; i < MISSING; i++) {
    await es(`missing-${i}`, [{ secretKey: 'x', remoteRef: { key: 'no-such-item' } }]);
  }
  for (let i = 0; i < EXTRACTORS; i++) {
    await es(
      `reader-extract-${i}`,
      [{ secretKey: 'REDIS_PASSWORD', remoteRef: { key: EXTRACTED_TITLE, property: 'password' } }],
      [{ extract: { key: EXTRACTED_TITLE } }],
    );
  }
}

async function main(): Promise<void> {
  const modes = (args.modes as string).split(',');
  const esoBuild = modes.includes('eso') ? buildEso() : undefined;
  if (modes.includes('eso') && !esoBuild) throw new Error('--modes eso needs Go to build tools/eso-oracle');
  process.stderr.write('starting a control plane...\n');
  const plane = await startControlPlane();
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  await installCrds(kc);
  const client = new KubeClient(kc, { qps: 200, burst: 400 });
  const results: Record<string, unknown> = {
    params: { READERS, MISSING, EXTRACTORS, REFRESH, CONCURRENCY, node: process.version },
  };
  try {
    for (const mode of modes) {
      const connect = new ConnectDouble(TOKEN);
      const infrastructure = connect.addVault('infrastructure');
      const applications = connect.addVault('applications');
      connect.addItem(infrastructure, {
        title: 'unrelated',
        category: 'LOGIN',
        fields: [{ label: 'password', value: 'u' }],
      });
      connect.addItem(applications, {
        title: 'postgres-database',
        category: 'DATABASE',
        fields: [
          { label: 'username', value: 'app-user' },
          { label: 'password', value: 'bench-password-1', type: 'CONCEALED', purpose: 'PASSWORD' },
          { label: 'database', value: 'app' },
        ],
      });
      const extracted = connect.addItem(applications, {
        title: EXTRACTED_TITLE,
        category: 'DATABASE',
        fields: [
          { label: 'username', value: 'redis-user' },
          { label: 'password', value: 'bench-password-2', type: 'CONCEALED', purpose: 'PASSWORD' },
        ],
      });
      await connect.start();
      const namespace = await setUp(client, mode, connect);
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
        const list = await client.list<KubeObject>(OperatorResources.externalSecrets, { namespace });
        return list.items.filter((es) => es.metadata?.name?.startsWith('reader-') && isReady(es)).length;
      };
      while ((await readersReady()) < READERS + EXTRACTORS) {
        operator.assertRunning();
        await sleep(200);
      }
      const readyMs = performance.now() - t0;
      const atReady = countRequests(connect, extracted.id);
      await sleep(2 * parseGoDuration(REFRESH));
      const runMs = performance.now() - t0;
      const atEnd = countRequests(connect, extracted.id);
      process.stderr.write(`${mode}: ${atEnd.total} Connect requests in ${Math.round(runMs / 1000)} s\n`);
      results[mode] = {
        ...(operator.label ? { operator: operator.label } : {}),
        readersReadyMs: Math.round(readyMs),
        requestsUntilReadersReady: atReady,
        runSeconds: Math.round(runMs / 1000),
        requestsInRun: atEnd,
      };
      await operator.stop();
      await connect.stop();
    }
  } finally {
    client.close();
    await plane.stop();
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

await main();
