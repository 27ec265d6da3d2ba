// Helpers for the seed 003 end-to-end test (Akeyless + ESO usage doc): the manifests extracted from the seed,
// `custos` CLI calls with their own config dir (so a login never touches the user's profiles), and a throw-away
// TLS certificate for the certificate item.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/kube/index.js';
import type { ProcessGroup } from './e2e-processes.js';

export { selfSignedPair } from './self-signed.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'seeds');

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML; the tests read and set known fields
export type Manifest = KubeObject & { spec: any };

/** The manifests of one seed by their number in the file name (`003-4-externalsecret.yaml` is 4). */
export function seedManifests(seed: string): Map<number, Manifest> {
  const out = new Map<number, Manifest>();
  for (const file of readdirSync(fixtures).sort()) {
    const m = /^(\d{3})-(\d+)-.*\.ya?ml$/.exec(file);
    if (!m || m[1] !== seed) continue;
    out.set(Number(m[2]), parse(readFileSync(join(fixtures, file), 'utf8')) as Manifest);
  }
  return out;
}

/** A deep copy, so a test can change a manifest without touching the loaded original. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Runs `custos <args>` to completion with extra environment (ProcessGroup.run takes none); its output stays in the
 * group for the log checks. Fails with the output when the exit code is not 0.
 */
export async function runCli(
  group: ProcessGroup,
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<string> {
  const proc = group.start(name, args, env);
  const timer = setTimeout(() => void proc.kill(), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`custos ${args.join(' ')} exited with ${code}:\n${proc.output().slice(-3000)}`);
  return proc.output();
}

/** The JSON object a `-o json` command printed (its output may carry log lines around it). */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the tests
export function jsonOf(output: string): any {
  return JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1));
}
