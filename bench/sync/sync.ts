// Benchmark: N ExternalSecrets over M namespaces on a real control plane with the fake provider (with an
// artificial provider latency), comparing Custos's defaults with an ESO-like baseline measured in the same run:
//   custos   — coalesced provider reads, no status write when a refresh changed nothing
//   baseline — no coalescing, status.refreshTime written on every refresh (what ESO does)
//   eso      — the real External Secrets Operator v0.16.2 (tools/eso-oracle), as its own process
// Custos runs in a child process of its own (bench/sync/run-operator.ts; --operator in-process runs it inside this
// process, where the benchmark's own readiness watch shares its event loop),
// plus the floor: a plain client creating the same N Secrets at the same client rate limit and concurrency, and
// the contract floor: the same client writing each ExternalSecret's Secret and Ready status (ESO's minimum).
// Reported per mode: time until all are Ready, API requests by verb/resource (kube-apiserver /metrics deltas),
// provider calls, writes in steady state over two refresh intervals, and the latency of one new ExternalSecret
// while all N keep refreshing.
//
// Run: npx tsx bench/sync/sync.ts [--count 1000] [--namespaces 20] [--keys 10] [--refresh 10s]
//        [--concurrency 10] [--qps 200] [--burst 400] [--provider-delay-ms 20] [--modes baseline,custos,eso] [--backlog]
//        [--operator process|in-process] [--cpu-profile PATH (in-process only)] [--contract-watches]
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { installCrds } from '../../src/api/install.js';
import { startControlPlane } from '../../src/kube/controlplane/index.js';
import { Informer, KubeClient, type KubeObject, Resources } from '../../src/kube/index.js';
import { resourcePath } from '../../src/kube/resources.js';
import { parseGoDuration } from '../../src/operator/duration.js';
import { resourceVersionOf } from '../../src/operator/externalsecret/hash.js';
import type { ExternalSecretObject } from '../../src/operator/externalsecret/reconciler.js';
import { startOperator } from '../../src/operator/index.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../src/providers/index.js';
import { buildEso, type EsoProcess, esoVersion, startEso } from '../../test/helpers/eso-oracle.js';
import { childrenCpuMs, cpuMs } from '../store/servers.js';
import { OperatorChild } from './operator-child.js';
import {
  createExternalSecrets,
  createStoreNamespaces,
  isReady,
  operatorSecret,
  pool,
  readyStatus,
} from './workload.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '20' },
    keys: { type: 'string', default: '10' },
    refresh: { type: 'string', default: '10s' },
    concurrency: { type: 'string', default: '10' },
    qps: { type: 'string', default: '200' },
    burst: { type: 'string', default: '400' },
    'provider-delay-ms': { type: 'string', default: '20' },
    modes: { type: 'string', default: 'baseline,custos' },
    samples: { type: 'string', default: '5' },
    // Create all ExternalSecrets before the operator starts and time only the operator's drain of that backlog
    // (an operator restart or first install), instead of creating them while it runs.
    backlog: { type: 'boolean', default: false },
    // Write a V8 CPU profile of this process (operator included) from the operator's start until all are Ready,
    // for each Custos mode, to <path>.<mode>.cpuprofile (open in Chrome DevTools or speedscope).
    'cpu-profile': { type: 'string' },
    operator: { type: 'string', default: 'process' },
    // Also time the contract floor with the watches an operator keeps open (its ExternalSecret and managed
    // Secret informers), to see what the API server's watch work costs.
    'contract-watches': { type: 'boolean', default: false },
  },
});
const BACKLOG = args.backlog === true;
const N = Number(args.count);
const NS = Number(args.namespaces);
const KEYS = Number(args.keys);
const REFRESH = args.refresh as string;
const REFRESH_MS = parseGoDuration(REFRESH);
const CONCURRENCY = Number(args.concurrency);
const QPS = Number(args.qps);
const BURST = Number(args.burst);
const DELAY = Number(args['provider-delay-ms']);
const SAMPLES = Number(args.samples);
const CPU_PROFILE = args['cpu-profile'];
const IN_PROCESS = args.operator === 'in-process';
const CONTRACT_WATCHES = args['contract-watches'] === true;
if (!IN_PROCESS && args.operator !== 'process') throw new Error('--operator is "process" or "in-process"');
if (CPU_PROFILE && !IN_PROCESS) throw new Error('--cpu-profile profiles this process: add --operator in-process');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ms so far of the control plane's processes (etcd, kube-apiserver, ...), the operator's and this process. */
function cpuSnapshot(operator?: OperatorChild): Record<string, number> {
  const self = process.cpuUsage();
  const children = childrenCpuMs(process.pid);
  if (operator) {
    children['operator process'] = cpuMs(operator.pid);
    delete children.node; // the same process, under its command name
  }
  return { ...children, 'benchmark process': (self.user + self.system) / 1000 };
}

/** CPU seconds spent per process between two snapshots. */
function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after)) spent[name] = Number(((ms - (before[name] ?? 0)) / 1000).toFixed(2));
  return spent;
}

/** apiserver_request_total by "VERB resource[/subresource]", and the server time of each in ms ("... server ms"). */
async function apiRequests(client: KubeClient): Promise<Map<string, number>> {
  const stream = await client.stream('/metrics');
  let text = '';
  for await (const chunk of stream) text += chunk;
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const total = line.startsWith('apiserver_request_total{');
    if (!total && !line.startsWith('apiserver_request_duration_seconds_sum{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!['secrets', 'externalsecrets', 'events'].includes(labels.resource ?? '')) continue;
    if (labels.verb === 'WATCH' || labels.verb === 'LIST' || labels.verb === 'GET') {
      if (labels.resource === 'events') continue;
    }
    const request = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    // Server time is summed in ms under its own key, so deltas give the API server's mean latency per request.
    const key = total ? request : `${request} server ms`;
    if (!total) {
      out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)) * 1000);
      continue;
    }
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d > 0) out[key] = Math.round(d);
  }
  return Object.fromEntries(Object.entries(out).sort());
}

/**
 * Contract floor: the writes ESO's contract makes for each ExternalSecret to become Ready -- its Secret and its
 * status (Ready=True) -- done by a plain client with no operator logic, at the same rate limit and concurrency,
 * for N ExternalSecrets that already exist (like --backlog). The Secret is the one the operator writes (ESO's
 * labels, data-hash annotation, ownerReference and field manager), built before the clock starts; nothing timed
 * reads a provider or the cluster. With `operatorWatches`, the watches an operator keeps open are open too (every
 * ExternalSecret, and the managed Secrets' metadata), so the API server sends each write to them.
 */
async function contractFloor(client: KubeClient, prefix: string, operatorWatches: boolean) {
  // Stores of a controller class no operator of this run has, so the operators below skip these
  // ExternalSecrets instead of reporting a missing store on each.
  const namespaces = await createStoreNamespaces(client, prefix, NS, { keys: 0, controller: 'contract-floor' });
  await createExternalSecrets(client, { count: N, namespaces, keys: KEYS, refresh: REFRESH, concurrency: CONCURRENCY });
  const writes = await contractWrites(client, namespaces, KEYS);
  // The same readiness watch as the operator modes below have open: the API server's work for it is in both.
  const watches = [new Informer<KubeObject>(client, OperatorResources.externalSecrets)];
  if (operatorWatches) {
    watches.push(
      new Informer<KubeObject>(client, OperatorResources.externalSecrets),
      new Informer<KubeObject>(client, Resources.secrets, {
        labelSelector: 'reconcile.external-secrets.io/managed=true',
        metadataOnly: true,
      }),
    );
  }
  for (const watch of watches) watch.start();
  for (const watch of watches) await watch.waitForSync();
  const apiBefore = await apiRequests(client);
  const cpuBefore = cpuSnapshot();
  const t0 = performance.now();
  await pool(writes, CONCURRENCY, async (write) => {
    await client.create(Resources.secrets, write.secret, { fieldManager: write.fieldManager });
    await client.patchStatus(OperatorResources.externalSecrets, write.name, write.status, {
      namespace: write.namespace,
    });
  });
  const ms = Math.round(performance.now() - t0);
  for (const watch of watches) await watch.stop();
  const cpuSeconds = cpuSpent(cpuBefore, cpuSnapshot());
  const apiRequestsDone = delta(apiBefore, await apiRequests(client));
  process.stderr.write(
    `contract floor${operatorWatches ? " with the operator's watches" : ''}: ${N} Secrets + statuses in ${ms} ms\n`,
  );
  // These Secrets carry ESO's managed label: left in place, the operators below would list and cache them too.
  for (const namespace of namespaces) {
    await client.request('DELETE', resourcePath(Resources.secrets, { namespace }), {
      query: { labelSelector: 'reconcile.external-secrets.io/managed=true' },
    });
  }
  return { ms, cpuSeconds, apiRequests: apiRequestsDone };
}

/**
 * For each ExternalSecret in the namespaces, the Secret the operator writes for it (reading key-k of a store
 * holding value-k, as createExternalSecrets assigns keys) and the Ready status it then writes.
 */
async function contractWrites(client: KubeClient, namespaces: string[], keys: number) {
  const writes = [];
  for (const namespace of namespaces) {
    const { items } = await client.list<ExternalSecretObject>(OperatorResources.externalSecrets, { namespace });
    for (const es of items) {
      const name = es.metadata.name ?? '';
      const key = es.spec?.data?.[0]?.remoteRef.key ?? `key-${keys - 1}`;
      writes.push({
        namespace,
        name,
        ...operatorSecret(es, name, key.replace('key-', 'value-')),
        status: readyStatus(name, 'secret synced', resourceVersionOf(es.metadata)),
      });
    }
  }
  return writes;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  process.stderr.write('starting a control plane...\n');
  const plane = await startControlPlane();
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  await installCrds(kc);
  const client = new KubeClient(kc, { qps: QPS, burst: BURST });
  const modes = (args.modes as string).split(',');
  const esoBuild = modes.includes('eso') ? buildEso() : undefined;
  if (modes.includes('eso') && !esoBuild) throw new Error('--modes eso needs Go to build tools/eso-oracle');
  const results: Record<string, unknown> = {
    params: { N, NS, KEYS, REFRESH, CONCURRENCY, QPS, BURST, providerDelayMs: DELAY, node: process.version },
  };

  try {
    // Floor: a plain client creating N Secrets at the same rate limit and concurrency.
    {
      const namespaces = Array.from({ length: NS }, (_, i) => `floor-${i}`);
      for (const name of namespaces) {
        await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      }
      const floorApiBefore = await apiRequests(client);
      const cpuBefore = cpuSnapshot();
      const t0 = performance.now();
      await pool(
        Array.from({ length: N }, (_, i) => i),
        CONCURRENCY,
        (i) =>
          client.create(Resources.secrets, {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: `s-${i}`, namespace: namespaces[i % NS] },
            data: { a: Buffer.from(`value-${i % KEYS}`).toString('base64') },
          }),
      );
      results.floorMs = Math.round(performance.now() - t0);
      results.floorCpuSeconds = cpuSpent(cpuBefore, cpuSnapshot());
      results.floorApiRequests = delta(floorApiBefore, await apiRequests(client));
      process.stderr.write(`floor: ${N} Secrets in ${results.floorMs} ms\n`);
    }

    const contract = await contractFloor(client, 'contract', false);
    results.contractFloorMs = contract.ms;
    results.contractFloorCpuSeconds = contract.cpuSeconds;
    results.contractFloorApiRequests = contract.apiRequests;
    if (CONTRACT_WATCHES) {
      const watched = await contractFloor(client, 'watched', true);
      results.contractFloorWithWatchesMs = watched.ms;
      results.contractFloorWithWatchesCpuSeconds = watched.cpuSeconds;
      results.contractFloorWithWatchesApiRequests = watched.apiRequests;
    }

    for (const mode of modes) {
      const fake = new FakeSecretsProvider({ delayMs: DELAY });
      // Each mode's operator handles only its own stores (controller class), so the ExternalSecrets of an
      // earlier mode (still in the cluster) cost the next one nothing but a skip.
      const namespaces = await createStoreNamespaces(client, mode, NS, { keys: KEYS, controller: mode });
      const memory = { peakRss: 0 };
      const rssTimer = setInterval(() => {
        memory.peakRss = Math.max(memory.peakRss, process.memoryUsage().rss);
      }, 200);
      const createAll = () =>
        createExternalSecrets(client, { count: N, namespaces, keys: KEYS, refresh: REFRESH, concurrency: CONCURRENCY });
      // Watch readiness through an informer (one watch, no polling load on the server).
      const watcher = new Informer<KubeObject>(client, OperatorResources.externalSecrets);
      let apiBefore = await apiRequests(client);
      if (BACKLOG) await createAll();
      // Forked and loaded before the clock starts; the operator itself starts with the clock, as in-process.
      const child =
        mode === 'eso' || IN_PROCESS
          ? undefined
          : await OperatorChild.fork({
              kubeconfigPath: plane.kubeconfigPath,
              concurrency: CONCURRENCY,
              qps: QPS,
              burst: BURST,
              controllerClass: mode,
              providerDelayMs: DELAY,
              esoLike: mode === 'baseline',
            });
      const providerCalls = async () => (child ? (await child.stats()).providerCalls : fake.calls.count('getSecret'));
      let cpuBefore = cpuSnapshot(child);
      const profiler = CPU_PROFILE && mode !== 'eso' ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const tOperator = performance.now();
      // The real ESO runs as its own process with the same concurrency and client rate limit; its fake provider
      // answers from the store's spec at once (no --provider-delay-ms), which only favours ESO.
      const eso: EsoProcess | undefined =
        mode === 'eso' && esoBuild
          ? await startEso(esoBuild, {
              kubeconfigPath: plane.kubeconfigPath,
              kc,
              controllerClass: mode,
              concurrent: CONCURRENCY,
              qps: QPS,
              burst: BURST,
            })
          : undefined;
      await child?.start();
      const op =
        eso || child
          ? undefined
          : await startOperator({
              kubeConfig: kc,
              logger: pino({ level: 'warn' }, pino.destination(2)), // stderr: stdout carries the JSON result
              concurrency: CONCURRENCY,
              controllerClass: mode,
              clientQps: QPS,
              clientBurst: BURST,
              providers: defaultProviderRegistry({ fake }),
              coalesceWindowMs: mode === 'baseline' ? 0 : undefined,
              alwaysWriteRefreshTime: mode === 'baseline',
              leaderElection: undefined,
            });
      // Ready ExternalSecrets of this mode, kept up to date by the watch (counting the whole cache every 50 ms
      // would cost this process CPU that the operator and the API server need, at 20,000 cached objects).
      const ready = new Set<string>();
      const track = (es: KubeObject) => {
        if (!es.metadata?.namespace?.startsWith(`${mode}-`)) return;
        const key = `${es.metadata.namespace}/${es.metadata.name}`;
        if (isReady(es)) ready.add(key);
        else ready.delete(key);
      };
      watcher.addEventHandler({
        onAdd: track,
        onUpdate: (_old, es) => track(es),
        onDelete: (es) => ready.delete(`${es.metadata?.namespace}/${es.metadata?.name}`),
      });
      watcher.start();
      await watcher.waitForSync();
      const readyCount = () => ready.size;
      if (!BACKLOG) {
        await sleep(1000); // stores validated
        apiBefore = await apiRequests(client);
        cpuBefore = cpuSnapshot(child);
      }
      const callsBefore = await providerCalls();
      const t0 = BACKLOG ? tOperator : performance.now();
      if (!BACKLOG) await createAll();
      const createdMs = performance.now() - t0;
      while (readyCount() < N) {
        eso?.assertRunning();
        child?.assertRunning();
        await sleep(50);
      }
      const allReadyMs = performance.now() - t0;
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        await writeFile(`${CPU_PROFILE}.${mode}.cpuprofile`, JSON.stringify(profile));
        profiler.disconnect();
      }
      const cpuUntilReady = cpuSpent(cpuBefore, cpuSnapshot(child));
      const apiCreate = delta(apiBefore, await apiRequests(client));
      const providerCallsCreate = (await providerCalls()) - callsBefore;
      process.stderr.write(`${mode}: all ${N} Ready after ${Math.round(allReadyMs)} ms\n`);

      // Steady state: two refresh intervals in which nothing changes; meanwhile time single new ExternalSecrets.
      const steadyBefore = await apiRequests(client);
      const steadyCallsBefore = await providerCalls();
      const tSteady = performance.now();
      const latencies: number[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        await sleep((2 * REFRESH_MS) / (SAMPLES + 1));
        const name = `probe-${s}`;
        const t = performance.now();
        await client.create(OperatorResources.externalSecrets, {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ExternalSecret',
          metadata: { name, namespace: namespaces[0] },
          spec: {
            secretStoreRef: { name: 'store' },
            refreshInterval: REFRESH,
            data: [{ secretKey: 'a', remoteRef: { key: 'key-0' } }],
          },
        });
        while (!ready.has(`${namespaces[0]}/${name}`)) {
          eso?.assertRunning();
          child?.assertRunning();
          await sleep(10);
        }
        latencies.push(performance.now() - t);
      }
      const remaining = 2 * REFRESH_MS - (performance.now() - tSteady);
      if (remaining > 0) await sleep(remaining);
      const apiSteady = delta(steadyBefore, await apiRequests(client));
      // Two intervals, unless the probes took longer (an operator whose queue is saturated).
      const steadyStateSeconds = Math.round((performance.now() - tSteady) / 1000);
      // The probes' own creation is not steady-state work: subtract what SAMPLES new ExternalSecrets cost.
      const providerCallsSteady = (await providerCalls()) - steadyCallsBefore;
      const text = op ? await op.metrics.registry.metrics() : child ? (await child.stats()).metrics : '';
      clearInterval(rssTimer);
      results[mode] = {
        createRequestsMs: Math.round(createdMs),
        readyAfterLastCreateMs: Math.round(allReadyMs - createdMs),
        allReadyMs: Math.round(allReadyMs),
        vsFloor: Number((allReadyMs / (results.floorMs as number)).toFixed(2)),
        vsContractFloor: Number((allReadyMs / (results.contractFloorMs as number)).toFixed(2)),
        ...(CONTRACT_WATCHES
          ? {
              vsContractFloorWithWatches: Number(
                (allReadyMs / (results.contractFloorWithWatchesMs as number)).toFixed(2),
              ),
            }
          : {}),
        apiRequestsUntilReady: apiCreate,
        // CPU seconds per process until all were Ready ("operator process" unless it ran in-process).
        cpuSecondsUntilReady: cpuUntilReady,
        // ESO's fake provider runs inside ESO, where nothing counts its calls.
        providerCallsUntilReady: eso ? null : providerCallsCreate,
        steadyStateSeconds,
        steadyStateApiRequests: apiSteady,
        steadyStateProviderCalls: eso ? null : providerCallsSteady,
        newExternalSecretLatencyMs: {
          count: latencies.length,
          p50: Math.round(percentile(latencies, 50)),
          p90: Math.round(percentile(latencies, 90)),
          // Meaningful from 100 samples (--samples 100); with fewer it is the maximum or close to it.
          p99: Math.round(percentile(latencies, 99)),
          max: Math.round(Math.max(...latencies)),
          ...(latencies.length <= 10 ? { samples: latencies.map(Math.round) } : {}),
        },
        // The operator's own process (Custos or ESO); in-process, the whole benchmark process (operator,
        // control-plane client, readiness watch).
        peakRssMB: Math.round(((eso ?? child)?.peakRssBytes() ?? memory.peakRss) / 1e6),
        operator: eso
          ? `External Secrets Operator ${esoVersion}`
          : `Custos, ${child ? 'its own process' : 'in the benchmark process'}`,
        // Custos's own metrics; ESO exposes neither count, so its rows say null rather than a 0 nobody measured.
        coalescedReads: eso
          ? null
          : Number(/custos_provider_reads_coalesced_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? 0),
        // Events beyond the event queue's bound (1,000, as client-go's broadcaster) are dropped and counted.
        eventsDropped: eso
          ? null
          : [...text.matchAll(/^custos_events_dropped_total\{[^}]*\} (\d+)/gm)].reduce(
              (sum, m) => sum + Number(m[1]),
              0,
            ),
      };
      await watcher.stop();
      await op?.stop();
      await child?.stop();
      await eso?.stop();
    }
  } finally {
    client.close();
    await plane.stop();
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

await main();
