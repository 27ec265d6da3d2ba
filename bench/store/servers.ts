// The store and the gateway as separate processes, started through the real CLI (`custos store serve`,
// `custos gateway serve`), so the benchmark client never shares an event loop or a core schedule with them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', 'bin', 'custos.js');

export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `custos <args>` (the real CLI) and resolves with the URL it prints on stdout. */
export function startCli(name: string, args: string[]): Promise<ServerProcess> {
  return startNode(name, [cli, ...args]);
}

/** Starts `custos gateway serve` over plain HTTP on loopback, unsealed by the key file, at its default log level. */
export function startGateway(
  storeUrl: string,
  configDir: string,
  keyFile: string,
  extraArgs: string[] = [],
): Promise<ServerProcess> {
  return startCli('gateway', [
    'gateway',
    'serve',
    '--store',
    storeUrl,
    '--config-dir',
    configDir,
    '--unseal-key-file',
    keyFile,
    '--insecure-http',
    '--listen',
    '127.0.0.1',
    '--port',
    '0',
    ...extraArgs,
  ]);
}

function startNode(name: string, args: string[]): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} did not print its URL in 120 s:\n${stderr}`));
    }, 120_000);
    child.stdout?.on('data', (c: Buffer) => {
      // Only the first lines matter (the URL line); later output is dropped so the buffer stays small.
      if (stdout.length < 64 * 1024) stdout += c.toString();
      const url = stdout.split('\n').find((line) => /^https?:\/\/\S+$/.test(line.trim()));
      if (url) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ url: url.trim(), pid: child.pid ?? 0, stop });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${stderr}`));
    });
  });
}

/** User + system CPU time of a process in milliseconds, from /proc/<pid>/stat (Linux). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12] are utime and stime (fields 14 and 15 of proc(5), counted after the name)
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** CPU time of each direct child of a process by command name (summed when names repeat). */
export function childrenCpuMs(pid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      byName[name] = (byName[name] ?? 0) + cpuMs(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return byName;
}

/** CPU time of a process and all its direct children (PostgreSQL: the postmaster and its backends). */
export function cpuMsWithChildren(pid: number): number {
  let total = cpuMs(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) total += cpuMs(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}
