// Test runner: `npm test` (unit + integration), `npm run test:unit`, `npm run test:integration`, and
// `npx tsx scripts/run-tests.ts files <file.test.ts>...` for a chosen few (with the control plane if any needs it).
// Node 20's --test takes no globs, so this finds the files, starts one shared real control plane for the
// integration tests, runs node:test once over all files (one summary at the end) and tears the plane down.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  BinariesUnavailableError,
  type ControlPlane,
  ensureControlPlaneBinaries,
  startControlPlane,
} from '../src/kube/controlplane/index.js';
import { createTestCa } from '../test/helpers/self-signed.js';

const root = join(import.meta.dirname, '..');
const mode = process.argv[2] ?? 'all';
const chosenFiles = mode === 'files' ? process.argv.slice(3).filter((a) => a.endsWith('.test.ts')) : [];
const extraArgs = process.argv.slice(3).filter((a) => !chosenFiles.includes(a));
const suites: Record<string, string[]> = {
  unit: ['test/unit'],
  integration: ['test/integration', 'test/e2e'],
  all: ['test/unit', 'test/integration', 'test/e2e'],
};
const dirs = mode === 'files' ? [] : suites[mode];
if (!dirs) {
  console.error(`unknown test suite "${mode}"; use one of: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}

function findTests(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return findTests(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

const files = [...dirs.flatMap((d) => findTests(join(root, d))).map((f) => relative(root, f)), ...chosenFiles];
const needsCluster = files.some((f) => !f.startsWith('test/unit/'));
const env: NodeJS.ProcessEnv = { ...process.env };
let plane: ControlPlane | undefined;

if (needsCluster) {
  try {
    const started = Date.now();
    const binaries = await ensureControlPlaneBinaries();
    env.CUSTOS_TESTENV_BIN = binaries.dir;
    plane = await startControlPlane({ binaries });
    env.CUSTOS_TEST_KUBECONFIG = plane.kubeconfigPath;
    console.log(`# control plane ready in ${Date.now() - started} ms (${plane.server})`);
  } catch (error) {
    if (error instanceof BinariesUnavailableError && process.env.CI !== 'true') {
      env.CUSTOS_TESTENV_SKIP = error.message;
      console.log(`# integration tests skipped: ${error.message}`);
    } else {
      console.error(`# cannot start the test control plane: ${(error as Error).message}`);
      process.exit(1);
    }
  }
}

// One CA per run for the HTTPS doubles (test/helpers/test-ca.ts): trusted by the test processes as a public CA is,
// on top of any CA file already named by NODE_EXTRA_CA_CERTS.
const caDir = mkdtempSync(join(tmpdir(), 'custos-test-ca-'));
{
  const ca = await createTestCa();
  const extra = process.env.NODE_EXTRA_CA_CERTS ? readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8') : '';
  writeFileSync(join(caDir, 'ca.pem'), ca.caPem);
  writeFileSync(join(caDir, 'ca-key.pem'), ca.caKeyPem, { mode: 0o600 });
  writeFileSync(join(caDir, 'trusted.pem'), `${extra.trim()}\n${ca.caPem}`.trim());
  env.CUSTOS_TEST_CA_DIR = caDir;
  env.NODE_EXTRA_CA_CERTS = join(caDir, 'trusted.pem');
}

const concurrency = process.env.CUSTOS_TEST_CONCURRENCY ?? '2';
// TAP to stdout as node:test would print it, plus a list of the failures written to a file and printed last.
const summaryDir = mkdtempSync(join(tmpdir(), 'custos-test-summary-'));
const summaryFile = join(summaryDir, 'failures.txt');
const reporters = [
  '--test-reporter=tap',
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(root, 'scripts/test-failure-summary.mjs')}`,
  `--test-reporter-destination=${summaryFile}`,
];
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...reporters, ...extraArgs, ...files],
  { cwd: root, env, stdio: 'inherit' },
);
const stopPlane = async () => {
  await plane?.stop();
  plane = undefined;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    child.kill(signal);
  });
}
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await stopPlane();
rmSync(caDir, { recursive: true, force: true });
printFailureSummary();
process.exit(code);

function printFailureSummary(): void {
  try {
    const summary = readFileSync(summaryFile, 'utf8');
    if (summary) process.stdout.write(`\n${summary}`);
  } catch {
    // No file: the run ended before the reporter wrote anything; the TAP output above is all there is.
  } finally {
    rmSync(summaryDir, { recursive: true, force: true });
  }
}
