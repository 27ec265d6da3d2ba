// `custos operator` must not load @kubernetes/client-node: importing it costs ~80 MB of resident memory, and the
// operator's memory target (250 MB at 10,000 ExternalSecrets, docs/benchmarks.md) has no room for it. esbuild (the
// transpiler tsx runs, with the same tsconfig) resolves the module graph; only static imports count, since
// commands that need client-node load it with import() when they run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { build, type Metafile } from 'esbuild';

const root = join(import.meta.dirname, '..', '..', '..');
const forbidden = '@kubernetes/client-node';

/** The chain of static imports from `entry` to the first import of `forbidden`, or undefined if there is none. */
async function staticPathTo(entry: string): Promise<string[] | undefined> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs: Metafile['inputs'] = result.metafile.inputs;
  const parent = new Map<string, string>();
  const queue = [entry];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.kind === 'dynamic-import') continue;
      if (imported.path === forbidden || imported.path.startsWith(`${forbidden}/`)) {
        const chain = [imported.path, file];
        for (let at = parent.get(file); at; at = parent.get(at)) chain.push(at);
        return chain.reverse();
      }
      if (!imported.external && !seen.has(imported.path)) {
        seen.add(imported.path);
        parent.set(imported.path, file);
        queue.push(imported.path);
      }
    }
  }
  return undefined;
}

describe('operator import graph', () => {
  for (const entry of [
    'src/cli/operator.ts',
    'src/cli/main.ts',
    'src/operator/index.ts',
    'bench/sync/run-operator.ts',
  ]) {
    it(`${entry} does not statically import ${forbidden}`, async () => {
      const chain = await staticPathTo(entry);
      assert.equal(chain, undefined, `static import chain: ${chain?.join(' -> ')}`);
    });
  }

  it('finds the import where it is static (the check can fail)', async () => {
    const chain = await staticPathTo('src/api/install.ts');
    assert.deepEqual(chain, ['src/api/install.ts', forbidden]);
  });
});
