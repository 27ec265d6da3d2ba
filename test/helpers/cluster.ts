// Gives integration tests a real control plane. Under `npm test` the runner starts one shared control plane and
// passes its kubeconfig in CUSTOS_TEST_KUBECONFIG; a test file run on its own starts a private one. Without Go
// the integration suites are skipped with a one-line reason — except under CI=true, where that is a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { after } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { type ControlPlane, type StartOptions, startControlPlane } from '../../src/kube/controlplane/index.js';

export interface TestCluster {
  kubeconfigPath: string;
  kc: KubeConfig;
  server: string;
}

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function computeSkipReason(): string | undefined {
  if (process.env.CUSTOS_TEST_KUBECONFIG || process.env.CUSTOS_TESTENV_BIN) return undefined;
  if (process.env.CUSTOS_TESTENV_SKIP) return process.env.CUSTOS_TESTENV_SKIP;
  if (process.env.CI === 'true') return undefined; // must run; a missing toolchain fails loudly in cluster()
  return hasGo() ? undefined : 'Go is not installed, so the real control plane cannot be built (install Go to run)';
}

let started: Promise<TestCluster> | undefined;
let privatePlane: ControlPlane | undefined;

// A file run on its own owns its private plane: stop it when the file's tests are done, or the process never exits.
after(async () => {
  await privatePlane?.stop();
  privatePlane = undefined;
});
process.once('exit', () => {
  if (privatePlane) rmSync(privatePlane.dir, { recursive: true, force: true });
});

function load(kubeconfigPath: string): TestCluster {
  const kc = new KubeConfig();
  kc.loadFromString(readFileSync(kubeconfigPath, 'utf8'));
  return { kubeconfigPath, kc, server: kc.getCurrentCluster()?.server ?? '' };
}

async function startOrShare(): Promise<TestCluster> {
  const shared = process.env.CUSTOS_TEST_KUBECONFIG;
  if (shared) {
    if (!existsSync(shared)) throw new Error(`CUSTOS_TEST_KUBECONFIG=${shared} does not exist`);
    return load(shared);
  }
  privatePlane = await startControlPlane();
  return load(privatePlane.kubeconfigPath);
}

export const integration = {
  skipReason: computeSkipReason(),
  /** The running control plane (shared across the test run, or private to this file). */
  cluster(): Promise<TestCluster> {
    started ??= startOrShare();
    return started;
  },
  /** Starts a separate control plane for a test that must not share one (e.g. one that restarts it). */
  startPrivate(options: StartOptions = {}): Promise<ControlPlane> {
    return startControlPlane(options);
  },
};

/** A namespace name unique to this process and call, so parallel test files never collide. */
export function uniqueName(prefix: string): string {
  const suffix = `${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  return `${prefix}-${suffix}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
}
