// A throwaway real PostgreSQL for tests, started from the Debian server binaries (/usr/lib/postgresql/<v>/bin,
// package `postgresql` / `postgresql-<v>`): initdb into a temp dir, postgres on a free 127.0.0.1 port, stopped and
// removed when the test file ends. Without the binaries the PostgreSQL suites skip with a one-line reason, except
// under CI=true, where that is a failure. PostgreSQL refuses to run as root, so as root it runs as user `postgres`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export interface TestPostgres {
  /** connection URL of a fresh, empty database */
  url: string;
  /** creates another empty database and returns its URL */
  createDatabase(name: string): Promise<string>;
}

function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function runAsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

const binDir = findBinDir();

function computeSkipReason(): string | undefined {
  if (process.env.CI === 'true') return undefined; // must run; missing binaries fail loudly in postgres()
  if (!binDir) return 'PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)';
  if (process.getuid?.() === 0 && !runAsUser()) return 'running as root without a "postgres" user to run PostgreSQL';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let started: Promise<TestPostgres> | undefined;
let child: ChildProcess | undefined;
let dir: string | undefined;

after(async () => {
  const running = child;
  child = undefined;
  if (running && running.exitCode === null) {
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGINT'); // fast shutdown
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});
process.once('exit', () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<TestPostgres> {
  if (!binDir)
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  const user = runAsUser();
  if (process.getuid?.() === 0 && !user) throw new Error('running as root without a "postgres" user to run PostgreSQL');
  dir = mkdtempSync(join(tmpdir(), 'custos-pg-'));
  const dataDir = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  const spawnOptions = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    stdio: 'ignore',
    ...spawnOptions,
  });
  const port = await freePort();
  const proc = spawn(
    join(binDir, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { stdio: ['ignore', 'ignore', 'pipe'], ...spawnOptions },
  );
  child = proc;
  let log = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const { default: pg } = await import('pg');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`postgres exited early:\n${log}`);
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections in 30 s: ${(error as Error).message}\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const createDatabase = async (name: string) => {
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
    return `${base}/${name}`;
  };
  return { url: await createDatabase('custos_test'), createDatabase };
}

export const postgres = {
  skipReason: computeSkipReason(),
  /** The file's PostgreSQL server, started on first use. */
  server(): Promise<TestPostgres> {
    started ??= start();
    return started;
  },
};
