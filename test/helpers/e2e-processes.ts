// End-to-end helpers: `custos` commands as separate processes (store, gateway, operator), their logs kept for the
// "no secret value in any log" check, and a guarantee that every process started is killed, even when a test
// fails or the test process exits early.
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'custos.js');

export interface CustosProcess {
  name: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The first stdout line that is a URL (the serve commands print theirs there, among log lines). */
  url: Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash). */
  kill(): Promise<void>;
}

const everyChild = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: whatever happens to the test, no custos process outlives it.
  process.on('exit', () => {
    for (const child of everyChild) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

export class ProcessGroup {
  readonly processes: CustosProcess[] = [];

  /** Starts `custos <args>` in the background. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): CustosProcess {
    installExitHook();
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    everyChild.add(child);
    const chunks: string[] = [];
    let stdout = '';
    let resolveLine!: (line: string) => void;
    let rejectLine!: (error: Error) => void;
    const firstLine = new Promise<string>((resolve, reject) => {
      resolveLine = resolve;
      rejectLine = reject;
    });
    firstLine.catch(() => undefined);
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      chunks.push(chunk);
      stdout += chunk;
      const line = stdout.split('\n').find((l) => /^https?:\/\/\S+$/.test(l.trim()));
      if (line) resolveLine(line.trim());
    });
    child.stderr?.on('data', (chunk: string) => void chunks.push(chunk));
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => {
        everyChild.delete(child);
        rejectLine(
          new Error(`${name} exited (code ${code}) before printing its URL:\n${chunks.join('').slice(-2000)}`),
        );
        resolve(code);
      });
    });
    const alive = () => child.exitCode === null && child.signalCode === null;
    const proc: CustosProcess = {
      name,
      child,
      output: () => chunks.join(''),
      url: firstLine,
      exited,
      async stop(graceMs = 5000) {
        if (!alive()) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
      async kill() {
        if (!alive()) return;
        child.kill('SIGKILL');
        await exited;
      },
    };
    this.processes.push(proc);
    return proc;
  }

  /** Runs `custos <args>` to completion; fails with its output when the exit code is not 0. */
  async run(name: string, args: string[], timeoutMs = 60_000): Promise<string> {
    const proc = this.start(name, args);
    const timer = setTimeout(() => void proc.kill(), timeoutMs);
    const code = await proc.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`custos ${args.join(' ')} exited with ${code}:\n${proc.output().slice(-3000)}`);
    return proc.output();
  }

  /** Every line the processes of the group wrote (all, or those whose name passes the filter). */
  allOutput(filter: (name: string) => boolean = () => true): string {
    return this.processes
      .filter((p) => filter(p.name))
      .map((p) => p.output())
      .join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop(3000)));
  }
}

/** A TCP port free at the moment of asking, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface JsonReply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the tests
  body: any;
  text: string;
}

/** One JSON call over HTTP or HTTPS (trusting `ca` when given). */
export function callJson(
  url: string,
  options: { method?: string; body?: unknown; token?: string; ca?: string } = {},
): Promise<JsonReply> {
  const target = new URL(url);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: options.method ?? 'GET', headers, ca: options.ca, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 15 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
