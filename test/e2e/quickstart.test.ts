// docs/quickstart.md stays runnable: scripts/quickstart.sh holds every command block of the page verbatim, runs
// the walkthrough (custos dev, custos dev cluster, login, secret, auth method and role, SecretStore, operator,
// ExternalSecret, rotation) to the end with a synced and rotated Secret, and leaves no process or directory behind,
// also when it fails.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { integration } from '../helpers/cluster.js';

const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'quickstart.md'), 'utf8');
const script = readFileSync(join(root, 'scripts', 'quickstart.sh'), 'utf8');

/** The ```sh blocks of a Markdown page, without their fences. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

/**
 * The directory of a kubectl: the one on PATH, or one tools/testenv/kubectl.sh builds into the testenv cache (so CI
 * needs no kubectl package). Undefined when neither works.
 */
function kubectlDir(): string | undefined {
  if (integration.skipReason) return undefined;
  try {
    const path = execFileSync('bash', [join(root, 'tools', 'testenv', 'kubectl.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    return path ? dirname(path) : undefined;
  } catch {
    return undefined;
  }
}

const kubectl = kubectlDir();
const skipReason =
  integration.skipReason ??
  (kubectl ? undefined : 'no kubectl on PATH and tools/testenv/kubectl.sh could not build one');

/** Runs the script; resolves with its exit code and everything it wrote. */
function runScript(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(root, 'scripts', 'quickstart.sh')], {
      cwd: root,
      env: {
        ...process.env,
        PATH: `${kubectl}:${process.env.PATH ?? ''}`,
        CUSTOS_QUICKSTART_SKIP_BUILD: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output: chunks.join('') }));
  });
}

/** Processes whose command line mentions the directory (everything the script starts keeps its files there). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  if (!existsSync('/proc')) return found; // not Linux: the directory check below still runs
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline.slice(0, 200)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function scratchDirOf(output: string): string {
  const dir = /^scratch directory: (\S+)$/m.exec(output)?.[1];
  assert.ok(dir, `the script did not print its scratch directory:\n${output.slice(-3000)}`);
  return dir;
}

/** The script has stopped what it started; give the last process a moment to be reaped. */
async function assertCleanedUp(dir: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (processesUsing(dir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(processesUsing(dir), [], 'processes left running');
  assert.equal(existsSync(dir), false, `${dir} was not removed`);
}

describe('docs/quickstart.md', () => {
  it('every command block of the page is in scripts/quickstart.sh, in the same order', () => {
    const blocks = shellBlocks(doc);
    assert.ok(blocks.length >= 8, `found only ${blocks.length} sh blocks`);
    let from = 0;
    for (const block of blocks) {
      const at = script.indexOf(block, from);
      assert.ok(
        at >= 0,
        `scripts/quickstart.sh lacks this block of docs/quickstart.md (or has it out of order):\n${block}`,
      );
      from = at + block.length;
    }
  });

  it(
    'scripts/quickstart.sh runs the walkthrough to a synced, rotated Secret and cleans up',
    { skip: skipReason },
    async () => {
      const started = Date.now();
      const { code, output } = await runScript({ CUSTOS_QUICKSTART_TIMEOUT: '240' });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`# quickstart.sh: exit ${code} in ${seconds} s`);
      assert.equal(code, 0, output.slice(-4000));
      assert.match(output, /externalsecret\.external-secrets\.io\/db condition met/);
      assert.match(output, /^\s*demo\s+db\s+SecretStore\/custos\s+1h\s+Ready\s+SecretSynced\s+\S+\s+1$/m);
      // The first sync printed v1, the rotation v2.
      assert.match(output, /^s3cr3t-v1$/m);
      assert.match(output, /quickstart OK: the Secret demo\/db-credentials followed the rotation to s3cr3t-v2$/m);
      const rotation = /rotation reached the Secret (\d+) ms/.exec(output)?.[1];
      console.log(`# quickstart.sh: rotation reached the Secret ${rotation} ms after \`custos secret put\` started`);
      await assertCleanedUp(scratchDirOf(output));
    },
  );

  it('a run that fails says so, exits non-zero and stops what it started', { skip: skipReason }, async () => {
    // The watchdog fires while custos dev and custos dev cluster are starting.
    const { code, output } = await runScript({ CUSTOS_QUICKSTART_TIMEOUT: '3' });
    assert.equal(code, 1, output.slice(-3000));
    assert.match(output, /quickstart FAILED: no result after 3 s \(CUSTOS_QUICKSTART_TIMEOUT\)/);
    await assertCleanedUp(scratchDirOf(output));
  });
});
