// The Custos operator in a child process of the benchmark (bench/sync/run-operator.ts over an IPC channel), so
// it has its own event loop and its own CPU and memory figures, as in a cluster and as ESO has in sync.ts.
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OperatorChildOptions {
  kubeconfigPath: string;
  concurrency: number;
  qps: number;
  burst: number;
  controllerClass: string;
  providerDelayMs: number;
  /** ESO-like baseline: no coalescing (window 0) and status.refreshTime on every refresh. */
  esoLike?: boolean;
}

interface Stats {
  metrics: string;
  providerCalls: number;
}

type Reply = { type: 'ready' } | { type: 'started' } | ({ type: 'stats' } & Stats);

export class OperatorChild {
  readonly #child: ChildProcess;
  #exited = false;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.once('exit', () => {
      this.#exited = true;
    });
  }

  /** Forks the process and waits until its modules are loaded; the operator itself starts with start(). */
  static async fork(options: OperatorChildOptions): Promise<OperatorChild> {
    const args = [
      options.kubeconfigPath,
      `--concurrency=${options.concurrency}`,
      `--qps=${options.qps}`,
      `--burst=${options.burst}`,
      `--controller-class=${options.controllerClass}`,
      `--provider-delay-ms=${options.providerDelayMs}`,
      ...(options.esoLike ? ['--coalesce-window-ms=0', '--eso-status-writes'] : []),
    ];
    const child = fork(join(import.meta.dirname, 'run-operator.ts'), args, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const operator = new OperatorChild(child);
    await operator.#reply('ready');
    return operator;
  }

  get pid(): number {
    return this.#child.pid as number;
  }

  async start(): Promise<void> {
    this.#child.send({ type: 'start' });
    await this.#reply('started');
  }

  async stats(): Promise<Stats> {
    this.#child.send({ type: 'stats' });
    const { metrics, providerCalls } = (await this.#reply('stats')) as Stats;
    return { metrics, providerCalls };
  }

  /** Peak resident memory of the operator process so far, in bytes (VmHWM). */
  peakRssBytes(): number {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  }

  assertRunning(): void {
    if (this.#exited) throw new Error('the operator process exited during the benchmark');
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send({ type: 'stop' });
    await exited;
  }

  #reply(type: Reply['type']): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: Reply) => {
        if (message.type !== type) return;
        cleanup();
        resolve(message);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`the operator process exited (code ${code}) before it answered "${type}"`));
      };
      const cleanup = () => {
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
    });
  }
}
