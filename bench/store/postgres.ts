// A throwaway PostgreSQL server for the benchmark, from the Debian server binaries (/usr/lib/postgresql/<v>/bin):
// initdb into a temp dir, postgres on a free loopback port, removed on stop. As root it runs as user `postgres`,
// because PostgreSQL refuses to run as root. fsync=off: the store's SQLite runs WAL with synchronous=NORMAL (no fsync
// per commit) on the same disk, so neither backend waits for the disk on each commit.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchPostgres {
  url: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  return join(root, versions[0], 'bin');
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForConnections(base: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`postgres exited early:\n${log()}`);
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    try {
      await client.connect();
      await client.query('CREATE DATABASE custos_bench');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres not ready in 60 s: ${(error as Error).message}\n${log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function startPostgres(): Promise<BenchPostgres> {
  const bin = binDir();
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const owner = user ? { uid: user.uid, gid: user.gid } : {};
  const dataDir = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    stdio: 'ignore',
    ...owner,
  });
  const port = await freePort();
  const proc = spawn(
    join(bin, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { stdio: ['ignore', 'ignore', 'pipe'], ...owner },
  );
  let log = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForConnections(base, proc, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  const version = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  return { url: `${base}/custos_bench`, pid: proc.pid ?? 0, version, stop };
}
