// Locates (and if needed builds) the kube-apiserver, kube-controller-manager and etcd binaries that
// tools/testenv/build.sh compiles from the Go module proxy into ~/.cache/custos/testenv/<version>/bin.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ControlPlaneBinaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
}

/** Raised when the binaries cannot be had on this machine (no Go toolchain); carries a one-line reason. */
export class BinariesUnavailableError extends Error {
  override name = 'BinariesUnavailableError';
}

function repoRoot(): string {
  // src/kube/controlplane/ or dist/kube/controlplane/ -> repository root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

function binariesIn(dir: string): ControlPlaneBinaries {
  return {
    dir,
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
  };
}

async function allExecutable(bins: ControlPlaneBinaries): Promise<boolean> {
  try {
    for (const file of [bins.etcd, bins.kubeApiserver, bins.kubeControllerManager]) await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the binaries, building them first when the cache is cold. `CUSTOS_TESTENV_BIN` points at a ready
 * directory and skips the build check entirely.
 */
export async function ensureControlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  const preset = process.env.CUSTOS_TESTENV_BIN;
  if (preset) {
    const bins = binariesIn(preset);
    if (await allExecutable(bins)) return bins;
    throw new Error(`CUSTOS_TESTENV_BIN=${preset} does not contain etcd, kube-apiserver and kube-controller-manager`);
  }
  const script = join(repoRoot(), 'tools', 'testenv', 'build.sh');
  try {
    const { stdout } = await execFileAsync('bash', [script], { maxBuffer: 16 * 1024 * 1024 });
    const dir = stdout.trim().split('\n').pop() ?? '';
    return binariesIn(dir);
  } catch (error) {
    const err = error as { code?: number; stderr?: string };
    if (err.code === 3)
      throw new BinariesUnavailableError('Go is not installed, so the test control plane cannot be built');
    throw new Error(
      `building the test control plane failed (bash ${script}): ${err.stderr?.trim().split('\n').slice(-5).join(' | ') ?? String(error)}`,
    );
  }
}
