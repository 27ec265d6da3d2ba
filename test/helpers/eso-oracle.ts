// Runs the real External Secrets Operator (tools/eso-oracle: ESO v0.16.2's own controllers, fake and kubernetes
// providers) against a control plane, so benchmarks and differential tests compare Custos with ESO by running both.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { KubeApiError, KubeClient, type KubeObject, Resources } from '../../src/kube/index.js';
import { freePort } from './e2e-processes.js';
import { repoRoot } from './template-corpus.js';

export const esoVersion = 'v0.16.2';

export interface EsoBuild {
  binary: string;
  /** ESO's template engine over the template-oracle protocol (tools/eso-oracle/template). */
  templateBinary: string;
  /** ESO's own GeneratorState CRD: its ExternalSecret controller needs the kind served, Custos does not define it. */
  generatorStateCrd: string;
}

/**
 * Builds (or finds in the cache) the ESO controller; undefined when Go is not installed. A failed build with Go
 * present throws: that is a broken oracle, not a missing tool.
 */
export function buildEso(): EsoBuild | undefined {
  const r = spawnSync('bash', [join(repoRoot, 'tools', 'eso-oracle', 'build.sh')], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  if (r.status === 3) return undefined;
  if (r.status !== 0) throw new Error(`eso-oracle build failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  const dir = r.stdout.trim().split('\n').pop();
  if (!dir) throw new Error('eso-oracle build printed no directory');
  return {
    binary: join(dir, 'eso-controller'),
    templateBinary: join(dir, 'eso-template'),
    generatorStateCrd: join(dir, 'crds', 'generatorstates.yaml'),
  };
}

export interface EsoOptions {
  kubeconfigPath: string;
  kc: KubeConfig;
  controllerClass: string;
  concurrent?: number;
  qps?: number;
  burst?: number;
  /**
   * Watch this namespace only. ESO processes ExternalSecrets of stores without `spec.controller` whatever its own
   * class, so on a cluster shared with other tests it must be kept to its namespace.
   */
  namespace?: string;
  /**
   * Run ESO's ClusterExternalSecret and ClusterPushSecret controllers (default true). Neither is limited by class
   * or namespace, so a test on the shared cluster turns them off.
   */
  clusterScoped?: boolean;
  /** Serve ESO's Prometheus metrics at this address (host:port; default off). */
  metricsAddr?: string;
}

export interface EsoProcess {
  pid: number;
  /** What ESO printed on stderr so far (its logs: errors only unless verbose). */
  logs(): string;
  /** Throws, with the end of ESO's logs, when the process has exited. */
  assertRunning(): void;
  /** Peak resident memory of the ESO process so far, in bytes (VmHWM). */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/** Serves ESO's GeneratorState kind (once per cluster) and waits until the API server serves it. */
export async function installGeneratorStateCrd(kc: KubeConfig, build: EsoBuild): Promise<void> {
  const client = new KubeClient(kc, { qps: 0 });
  try {
    const crd = parse(readFileSync(build.generatorStateCrd, 'utf8')) as KubeObject;
    try {
      await client.create(Resources.customResourceDefinitions, crd);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    }
    const served = { group: 'generators.external-secrets.io', version: 'v1alpha1', plural: 'generatorstates' };
    for (let attempt = 0; ; attempt++) {
      try {
        await client.list({ ...served, namespaced: true, kind: 'GeneratorState' });
        return;
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.close();
  }
}

export async function startEso(build: EsoBuild, options: EsoOptions): Promise<EsoProcess> {
  await installGeneratorStateCrd(options.kc, build);
  const child: ChildProcess = spawn(
    build.binary,
    [
      `--kubeconfig=${options.kubeconfigPath}`,
      `--controller-class=${options.controllerClass}`,
      `--concurrent=${options.concurrent ?? 1}`,
      `--client-qps=${options.qps ?? 50}`,
      `--client-burst=${options.burst ?? 100}`,
      `--namespace=${options.namespace ?? ''}`,
      `--enable-cluster-external-secret-reconciler=${options.clusterScoped ?? true}`,
      `--enable-cluster-push-secret-reconciler=${options.clusterScoped ?? true}`,
      `--metrics-addr=${options.metricsAddr ?? '0'}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-200_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  const pid = child.pid as number;
  return {
    pid,
    logs: () => stderr,
    assertRunning: () => {
      if (child.exitCode === null && child.signalCode === null) return;
      throw new Error(`ESO exited (${child.exitCode ?? child.signalCode}); its last logs:\n${stderr.slice(-4000)}`);
    },
    peakRssBytes: () => {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * ESO with its metrics served on a free port. A free port can be taken by another process between asking and
 * ESO binding it (test files run in parallel): ESO then exits with "address already in use", and another port is
 * tried. Resolves once /metrics answers.
 */
export async function startEsoWithMetrics(
  build: EsoBuild,
  options: Omit<EsoOptions, 'metricsAddr'>,
): Promise<EsoProcess & { metricsUrl: string }> {
  for (let attempt = 1; ; attempt++) {
    const address = `127.0.0.1:${await freePort()}`;
    const eso = await startEso(build, { ...options, metricsAddr: address });
    const metricsUrl = `http://${address}/metrics`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        eso.assertRunning();
      } catch (error) {
        if (attempt < 4 && /address already in use/.test(eso.logs())) break;
        throw error;
      }
      const answered = await fetch(metricsUrl).then(
        (r) => r.ok,
        () => false,
      );
      if (answered) return { ...eso, metricsUrl };
      if (Date.now() > deadline) {
        await eso.stop();
        throw new Error(`ESO's metrics did not answer at ${metricsUrl} within 60 s:\n${eso.logs().slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await eso.stop();
  }
}
