// The deployed shape every end-to-end file starts from, as separate `custos` processes: a store bootstrapped and
// served from a data dir, a customer fragment sealed by a key file, a gateway (TLS with its generated CA) in front
// of the store, and one operator per namespace (other test files share the control plane and run operators of
// their own, so an e2e operator is limited with --namespace).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustosProcess, ProcessGroup } from './e2e-processes.js';

export interface StackDirs {
  dataDir: string;
  configDir: string;
  keyFile: string;
}

export function stackDirs(root: string): StackDirs {
  return { dataDir: join(root, 'store'), configDir: join(root, 'gateway'), keyFile: join(root, 'unseal.key') };
}

export interface AdminCredential {
  accessId: string;
  accessKey: string;
}

/** `custos store bootstrap` and `custos fragment init` (independent, so in parallel); the admin credential. */
export async function bootstrapStack(group: ProcessGroup, dirs: StackDirs): Promise<AdminCredential> {
  const [bootstrapped] = await Promise.all([
    group.run('store-bootstrap', ['store', 'bootstrap', '--data-dir', dirs.dataDir, '-o', 'json']),
    group.run('fragment-init', ['fragment', 'init', '--config-dir', dirs.configDir, '--key-file', dirs.keyFile]),
  ]);
  const json = bootstrapped.slice(bootstrapped.indexOf('{'), bootstrapped.lastIndexOf('}') + 1);
  return (JSON.parse(json) as { admin: AdminCredential }).admin;
}

/** `custos store serve` on a free loopback port; its URL is `.url`. */
export function startStore(group: ProcessGroup, dirs: StackDirs): CustosProcess {
  return group.start('store', ['store', 'serve', '--data-dir', dirs.dataDir, '--listen', '127.0.0.1:0']);
}

/** `custos gateway serve` on the given port (fixed, so a restarted gateway comes back at the same address). */
export function startGateway(group: ProcessGroup, dirs: StackDirs, storeUrl: string, port: number): CustosProcess {
  return group.start('gateway', [
    'gateway',
    'serve',
    '--store',
    storeUrl,
    '--config-dir',
    dirs.configDir,
    '--listen',
    '127.0.0.1',
    '--port',
    String(port),
    '--unseal-key-file',
    dirs.keyFile,
  ]);
}

/** The CA the gateway generated for its TLS certificate (PEM). */
export function gatewayCaPem(dirs: StackDirs): string {
  return readFileSync(join(dirs.configDir, 'tls', 'ca.crt'), 'utf8');
}

/** `custos operator` limited to one namespace, metrics on a free port, debug logs (searched for values later). */
export function startNamespaceOperator(group: ProcessGroup, kubeconfigPath: string, namespace: string): CustosProcess {
  return group.start(`operator-${namespace}`, [
    'operator',
    '--kubeconfig',
    kubeconfigPath,
    '--namespace',
    namespace,
    '--metrics-addr',
    '127.0.0.1:0',
    '--log-level',
    'debug',
  ]);
}

/** Secret values made for a test, remembered so that no log or status may ever contain one of them. */
export function valueRecorder(): { values: string[]; secretValue(label: string): string } {
  const values: string[] = [];
  return {
    values,
    secretValue(label: string): string {
      const v = `${label}-${randomBytes(12).toString('hex')}`;
      values.push(v);
      return v;
    },
  };
}

/** Durations a test measured, by what was measured (printed at the end, copied into docs/e2e.md). */
export function measurements(): { measured: Record<string, number[]>; measure(what: string, ms: number): void } {
  const measured: Record<string, number[]> = {};
  return {
    measured,
    measure(what, ms) {
      measured[what] ??= [];
      measured[what].push(ms);
    },
  };
}

/**
 * Polls `check` every `intervalMs` until it returns a truthy value (returned); thrown errors count as "not yet".
 * Fails after timeoutMs with the last value or error seen.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
