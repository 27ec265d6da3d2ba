// What each kind of API write costs the control plane: kube-apiserver and etcd CPU per request for the writes one
// ExternalSecret needs to become Ready (its Secret, its status, ESO's `Created` event), next to the floor's write
// (a plain Secret create) and the Secret as the operator writes it (ESO's labels, annotation, ownerReference). A
// second, schema-less CRD with a status subresource separates what the ExternalSecret schema costs from what any
// custom resource costs. This bounds what "time to all Ready / floor" can reach on a machine where the API server
// is CPU-bound, whatever the operator does.
//
// Run: npx tsx bench/sync/write-cost.ts [--count 1000] [--concurrency 10] [--rounds 2]
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../src/api/install.js';
import { startControlPlane } from '../../src/kube/controlplane/index.js';
import { KubeClient, type KubeObject, metadataOnlyAccept, Resources, type ResourceType } from '../../src/kube/index.js';
import { resourcePath } from '../../src/kube/resources.js';
import type { ExternalSecretObject } from '../../src/operator/externalsecret/reconciler.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { childrenCpuMs } from '../store/servers.js';
import { operatorSecret, pool, readyStatus } from './workload.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    namespaces: { type: 'string', default: '20' },
  },
});
const N = Number(args.count);
const C = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const namespaces = Array.from({ length: Number(args.namespaces) }, (_, i) => `wc-${i}`);
const indexes = Array.from({ length: N }, (_, i) => i);
const nsOf = (i: number) => namespaces[i % namespaces.length] as string;

const slim: ResourceType = {
  group: 'bench.custos.dev',
  version: 'v1',
  plural: 'slimexternalsecrets',
  namespaced: true,
  kind: 'SlimExternalSecret',
};

interface Row {
  write: string;
  round: number;
  wallMs: number;
  apiserverMsPerRequest: number;
  etcdMsPerRequest: number;
}
const rows: Row[] = [];

async function measure(write: string, round: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  const before = childrenCpuMs(process.pid);
  const started = performance.now();
  await pool(indexes, C, fn);
  const wallMs = performance.now() - started;
  const after = childrenCpuMs(process.pid);
  const per = (name: string) => ((after[name] ?? 0) - (before[name] ?? 0)) / N;
  rows.push({
    write,
    round,
    wallMs: Math.round(wallMs),
    apiserverMsPerRequest: per('kube-apiserver'),
    etcdMsPerRequest: per('etcd'),
  });
}

const spec = (i: number) => ({
  secretStoreRef: { name: 'store' },
  refreshInterval: '10s',
  data: [{ secretKey: 'a', remoteRef: { key: `key-${i % 10}` } }],
});
const status = (i: number, round: number) => readyStatus(`es-${i}`, `secret synced (round ${round})`, `1-${i}`);
const event = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { generateName: `es-${i}.`, namespace: nsOf(i) },
  involvedObject: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: `es-${i}`, namespace: nsOf(i) },
  reason: 'Created',
  message: 'secret created',
  type: 'Normal',
  source: { component: 'external-secrets' },
  count: 1,
  firstTimestamp: new Date().toISOString(),
  lastTimestamp: new Date().toISOString(),
});

const plane = await startControlPlane();
try {
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  await installCrds(kc);
  const client = new KubeClient(kc, { qps: 0 });
  await client.create(Resources.customResourceDefinitions, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${slim.plural}.${slim.group}` },
    spec: {
      group: slim.group,
      scope: 'Namespaced',
      names: { plural: slim.plural, singular: 'slimexternalsecret', kind: slim.kind },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  for (const name of namespaces) {
    await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  // Discovery of the new CRD takes a moment; the first create retries until it is served.
  for (let attempt = 0; ; attempt++) {
    try {
      await client.create(slim, {
        apiVersion: 'bench.custos.dev/v1',
        kind: slim.kind,
        metadata: { name: 'probe', namespace: nsOf(0) },
      });
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  await measure('POST secrets (the floor)', 1, (i) =>
    client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `es-${i}`, namespace: nsOf(i) },
      data: { a: Buffer.from(`value-${i}`).toString('base64') },
    }),
  );
  await measure('POST secrets (metadata-only answer)', 1, (i) =>
    client.request('POST', resourcePath(Resources.secrets, { namespace: nsOf(i) }), {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `es-meta-${i}`, namespace: nsOf(i) },
        data: { a: Buffer.from(`value-${i}`).toString('base64') },
      },
      accept: metadataOnlyAccept.object,
    }),
  );
  await measure('POST externalsecrets', 1, (i) =>
    client.create(OperatorResources.externalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: `es-${i}`, namespace: nsOf(i) },
      spec: spec(i),
    }),
  );
  // The Secret an ESO-compatible operator writes for each ExternalSecret (ESO's managed and created-by labels,
  // data-hash annotation, controller ownerReference, per-ExternalSecret field manager), built by the operator's
  // own code before the clock starts; and the same without the ownerReference, to see what that costs.
  const owners = new Map<string, ExternalSecretObject>();
  for (const namespace of namespaces) {
    const { items } = await client.list<ExternalSecretObject>(OperatorResources.externalSecrets, { namespace });
    for (const es of items) owners.set(`${namespace}/${es.metadata.name}`, es);
  }
  const secretFor = (i: number, name: string) =>
    operatorSecret(owners.get(`${nsOf(i)}/es-${i}`) as ExternalSecretObject, name, `value-${i}`);
  const withOwner = indexes.map((i) => secretFor(i, `op-${i}`));
  await measure("POST secrets (the operator's Secret)", 1, (i) => {
    const { secret, fieldManager } = withOwner[i] as (typeof withOwner)[number];
    return client.create(Resources.secrets, secret, { fieldManager });
  });
  const withoutOwner = indexes.map((i) => {
    const write = secretFor(i, `op-no-owner-${i}`);
    delete write.secret.metadata.ownerReferences;
    return write;
  });
  await measure("POST secrets (the operator's Secret without ownerReference)", 1, (i) => {
    const { secret, fieldManager } = withoutOwner[i] as (typeof withoutOwner)[number];
    return client.create(Resources.secrets, secret, { fieldManager });
  });
  await measure('POST slimexternalsecrets (no schema)', 1, (i) =>
    client.create(slim, {
      apiVersion: 'bench.custos.dev/v1',
      kind: slim.kind,
      metadata: { name: `es-${i}`, namespace: nsOf(i) },
      spec: spec(i),
    }),
  );
  for (let round = 1; round <= ROUNDS; round++) {
    await measure('PATCH externalsecrets/status (merge)', round, (i) =>
      client.patchStatus(OperatorResources.externalSecrets, `es-${i}`, status(i, round), { namespace: nsOf(i) }),
    );
    // The same write asking for a metadata-only answer: less for the server to encode and the operator to parse.
    await measure('PATCH externalsecrets/status (merge, metadata-only answer)', round, (i) =>
      client.request(
        'PATCH',
        resourcePath(OperatorResources.externalSecrets, { namespace: nsOf(i), name: `es-${i}`, subresource: 'status' }),
        {
          body: status(i, round + 200),
          contentType: 'application/merge-patch+json',
          accept: metadataOnlyAccept.object,
        },
      ),
    );
    await measure('PATCH slimexternalsecrets/status (merge, no schema)', round, (i) =>
      client.patchStatus(slim, `es-${i}`, status(i, round), { namespace: nsOf(i) }),
    );
    // PUT needs the live object (as an operator has it from its watch cache): listed outside the measurement.
    for (const [type, write] of [
      [OperatorResources.externalSecrets, 'PUT externalsecrets/status (update)'],
      [slim, 'PUT slimexternalsecrets/status (update, no schema)'],
    ] as const) {
      const live = new Map<string, KubeObject>();
      for (const namespace of namespaces) {
        for (const item of (await client.list(type, { namespace })).items)
          live.set(`${namespace}/${item.metadata?.name}`, item);
      }
      await measure(write, round, (i) => {
        const object = live.get(`${nsOf(i)}/es-${i}`);
        return client.updateStatus(type, { ...object, ...status(i, round + 100) } as KubeObject);
      });
    }
    await measure('PATCH secrets (merge, one annotation)', round, (i) =>
      client.patch(
        Resources.secrets,
        `es-${i}`,
        { metadata: { annotations: { round: `${round}` } } },
        { namespace: nsOf(i) },
      ),
    );
    await measure('POST events', round, (i) => client.create(Resources.events, event(i)));
  }
} finally {
  await plane.stop();
}

const fixed = (n: number) => n.toFixed(2);
console.log(`${N} requests per row at concurrency ${C}; CPU ms per request (user + system, from /proc)\n`);
console.log('| write | round | wall ms | kube-apiserver ms/request | etcd ms/request |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.write} | ${r.round} | ${r.wallMs} | ${fixed(r.apiserverMsPerRequest)} | ${fixed(r.etcdMsPerRequest)} |`,
  );
}
/** Mean over the rounds of one write. */
const mean = (write: string) => {
  const matching = rows.filter((r) => r.write === write);
  return matching.reduce((s, r) => s + r.apiserverMsPerRequest + r.etcdMsPerRequest, 0) / matching.length;
};
const cheapestStatus = Math.min(
  mean('PATCH externalsecrets/status (merge)'),
  mean('PUT externalsecrets/status (update)'),
);
const floor = mean('POST secrets (the floor)');
const operatorSecretMs = mean("POST secrets (the operator's Secret)");
const perExternalSecret = operatorSecretMs + mean('PATCH externalsecrets/status (merge)') + mean('POST events');
console.log(
  `\nAPI server + etcd CPU: floor ${fixed(floor)} ms per Secret, ${fixed(operatorSecretMs)} ms for the operator's ` +
    `Secret; ESO's writes per ExternalSecret (Secret + status + event) ${fixed(perExternalSecret)} ms = ` +
    `${fixed(perExternalSecret / floor)}x the floor; without the event ` +
    `${fixed((operatorSecretMs + mean('PATCH externalsecrets/status (merge)')) / floor)}x; with the cheaper status write ` +
    `and no event ${fixed((operatorSecretMs + cheapestStatus) / floor)}x`,
);
