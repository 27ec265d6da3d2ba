// `custos dev cluster` stopped by SIGTERM while it is still starting (etcd up, the API server not yet ready) leaves
// no etcd or kube-apiserver behind; stopped once ready, it stops them and removes its directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { integration } from '../../helpers/cluster.js';

const root = join(import.meta.dirname, '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Command lines of the processes that mention the directory (the control plane keeps its files there). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(dir) && !cmdline.includes('custos.js')) found.push(`${pid}: ${cmdline.slice(0, 120)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function startDevCluster(dir: string) {
  const child = spawn(process.execPath, [join(root, 'bin', 'custos.js'), 'dev', 'cluster', '--dir', dir, '--no-crds'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('custos dev cluster and signals', { skip: integration.skipReason }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM during start-up stops what was already started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-devcluster-sig-'));
    dirs.push(dir);
    const run = startDevCluster(dir);
    // etcd is the first thing started; stop as soon as it runs, long before the API server is ready.
    await waitFor('etcd to start', () => processesUsing(dir).length > 0);
    run.child.kill('SIGTERM');
    const code = await run.exited;
    assert.equal(code, 130, run.output());
    assert.match(run.output(), /interrupted while starting/);
    await waitFor('the control plane processes to go', () => processesUsing(dir).length === 0, 5000).catch(() => {
      assert.deepEqual(processesUsing(dir), [], 'processes left running');
    });
  });

  it('SIGTERM once ready stops the control plane and cleans up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-devcluster-ready-'));
    dirs.push(dir);
    const run = startDevCluster(dir);
    await waitFor(
      'the kubeconfig path',
      () => /kubeconfig/.test(run.output()) && /control plane ready/.test(run.output()),
    );
    const kubeconfig =
      run
        .output()
        .split('\n')
        .find((l) => l.endsWith('kubeconfig')) ?? '';
    assert.ok(existsSync(kubeconfig), run.output());
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
    assert.deepEqual(processesUsing(dir), []);
    assert.equal(existsSync(kubeconfig), false, 'the control plane directory was removed');
  });
});
