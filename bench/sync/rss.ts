// Peak memory of the operator process alone: N ExternalSecrets over M namespaces (fake provider), the operator in
// a child process, its peak RSS read from /proc/<pid>/status (VmHWM) once all are Ready and after two refresh
// intervals of steady state. Linux only. With --backlog the ExternalSecrets exist before the operator starts (a
// restart or an upgrade of the operator), so it lists and syncs all of them at once.
//
// Run: npx tsx bench/sync/rss.ts [--count 1000] [--namespaces 20] [--keys 10] [--refresh 10s] [--backlog]
//      [--operator-js DIR/bench/sync/run-operator.js]  (compiled with tsc: plain node, no tsx in the child)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../src/api/install.js';
import { startControlPlane } from '../../src/kube/controlplane/index.js';
import { Informer, KubeClient, type KubeObject } from '../../src/kube/index.js';
import { parseGoDuration } from '../../src/operator/duration.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { createExternalSecrets, createStoreNamespaces, isReady } from './workload.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '20' },
    keys: { type: 'string', default: '10' },
    refresh: { type: 'string', default: '10s' },
    concurrency: { type: 'string', default: '10' },
    'operator-js': { type: 'string' },
    backlog: { type: 'boolean', default: false },
  },
});
const N = Number(args.count);
const NS = Number(args.namespaces);
const KEYS = Number(args.keys);
const REFRESH = args.refresh as string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kib = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const plane = await startControlPlane();
try {
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  await installCrds(kc);
  const client = new KubeClient(kc, { qps: 1000, burst: 2000 });
  const namespaces = await createStoreNamespaces(client, 'rss', NS, { keys: KEYS });
  const workload = { count: N, namespaces, keys: KEYS, refresh: REFRESH, concurrency: 10 };
  if (args.backlog) await createExternalSecrets(client, workload);
  const tStart = performance.now();
  const operatorArgs = [plane.kubeconfigPath, `--concurrency=${args.concurrency}`];
  const child = spawn(
    process.execPath,
    args['operator-js']
      ? [args['operator-js'], ...operatorArgs]
      : ['--import', 'tsx', join(import.meta.dirname, 'run-operator.ts'), ...operatorArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  const pid = child.pid as number;
  const idle = kib(pid, 'VmRSS');
  const watcher = new Informer<KubeObject>(client, OperatorResources.externalSecrets);
  watcher.start();
  await watcher.waitForSync();
  const t0 = args.backlog ? tStart : performance.now();
  if (!args.backlog) await createExternalSecrets(client, workload);
  while (watcher.list().filter(isReady).length < N) await sleep(100);
  const readyMs = performance.now() - t0;
  const atReady = { rss: kib(pid, 'VmRSS'), peak: kib(pid, 'VmHWM') };
  await sleep(2 * parseGoDuration(REFRESH));
  const steady = { rss: kib(pid, 'VmRSS'), peak: kib(pid, 'VmHWM') };
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await watcher.stop();
  client.close();
  const mb = (k: number) => Math.round(k / 1024);
  process.stdout.write(
    `${JSON.stringify(
      {
        params: {
          N,
          NS,
          KEYS,
          REFRESH,
          backlog: args.backlog,
          node: process.version,
          operator: args['operator-js'] ?? 'tsx',
        },
        allReadyMs: Math.round(readyMs),
        operatorRssMB: {
          [args.backlog ? 'started' : 'idle']: mb(idle),
          atAllReady: mb(atReady.rss),
          afterTwoIntervals: mb(steady.rss),
          peak: mb(steady.peak),
        },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await plane.stop();
}
