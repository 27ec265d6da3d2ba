// Runs the real `custos` binary for the CLI tests: one-shot commands, and a `custos dev` process on a free port
// with HOME, XDG_CONFIG_HOME and XDG_DATA_HOME in a temp dir.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin/custos.js');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DevProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** spawn to the address on stdout, in ms */
  readyMs: number;
  stop(): Promise<number>;
}

export function cliSandbox(prefix: string) {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(home, 'dev-data');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
  };
  delete env.CUSTOS_PROFILE;

  function custos(args: string[], stdin?: string): Promise<Result> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, ...args],
        { cwd: root, env, timeout: 60_000 },
        (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
      child.stdin?.end(stdin ?? '');
    });
  }

  async function ok(args: string[], stdin?: string): Promise<string> {
    const result = await custos(args, stdin);
    assert.equal(result.code, 0, `custos ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  async function startDev(dir = dataDir): Promise<DevProcess> {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, 'dev', '--data-dir', dir, '--port', '0', '--log-level', 'info'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`custos dev did not start within 60 s: ${err}`)), 60_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.split('\n')[0]!);
        }
      });
      void exited.then((code) => reject(new Error(`custos dev exited with ${code}: ${err}`)));
    });
    const readyMs = Date.now() - started;
    // The summary on stderr follows the address on stdout; wait for its last line.
    while (!err.includes('press Ctrl-C')) await new Promise((r) => setTimeout(r, 20));
    return {
      child,
      url,
      stderr: () => err,
      readyMs,
      async stop() {
        child.kill('SIGINT');
        return exited;
      },
    };
  }

  return { home, dataDir, env, custos, ok, startDev };
}
