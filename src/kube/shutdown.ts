// Graceful shutdown of a controller process, in the only safe order:
//   1. stop the informers, so no new work is queued (their caches stay readable for in-flight work);
//   2. drain the work queues: in-flight and queued keys finish, up to a deadline (default 20 s);
//   3. wait for the workers to return (within the same deadline);
//   4. cancel leader election, which releases the Lease so a standby replica takes over at once. This comes
//      last because writes may happen until the workers are done, and only the leader may write.
// Each step is bounded, so a stuck informer or worker cannot keep the process from exiting; every step is
// reported through onStep for logs. onTerminationSignal() wires this to SIGTERM/SIGINT; a second signal
// forces the exit.
import { type Clock, realClock } from './clock.js';

export interface ShutdownPlan {
  informers?: Array<{ stop(): Promise<void> | void }>;
  queues?: Array<{ shutDownWithDrain(timeoutMs?: number): Promise<boolean> }>;
  workers?: Array<{ stopped: Promise<void> }>;
  /** The AbortController passed to LeaderElector.run() and the promise run() returned. */
  leaderElection?: { stop: AbortController; done: Promise<void> };
  /** Time for the queues and workers to finish (default 20000 ms). */
  drainTimeoutMs?: number;
  /** Time for each other step (stopping informers, releasing the lease); default 5000 ms. */
  stepTimeoutMs?: number;
  onStep?(step: 'informers' | 'queues' | 'workers' | 'lease', outcome: 'done' | 'timed out', ms: number): void;
  clock?: Clock;
}

export interface ShutdownResult {
  /** True if every step finished within its time. */
  clean: boolean;
  durationMs: number;
}

export async function shutdownGracefully(plan: ShutdownPlan): Promise<ShutdownResult> {
  const clock = plan.clock ?? realClock;
  const stepTimeout = plan.stepTimeoutMs ?? 5_000;
  const drainTimeout = plan.drainTimeoutMs ?? 20_000;
  const started = clock.now();
  let clean = true;

  const step = async (
    name: 'informers' | 'queues' | 'workers' | 'lease',
    timeoutMs: number,
    work: () => Promise<unknown>,
  ) => {
    const t0 = clock.now();
    const finished = await within(clock, timeoutMs, work);
    if (!finished) clean = false;
    try {
      plan.onStep?.(name, finished ? 'done' : 'timed out', clock.now() - t0);
    } catch {
      // Logging must not stop the shutdown.
    }
  };

  await step('informers', stepTimeout, () =>
    Promise.all((plan.informers ?? []).map(async (i) => i.stop())).then(() => true),
  );
  const drainDeadline = clock.now() + drainTimeout;
  await step('queues', drainTimeout, async () => {
    const results = await Promise.all((plan.queues ?? []).map((q) => q.shutDownWithDrain(drainTimeout)));
    return results.every(Boolean);
  });
  await step('workers', Math.max(0, drainDeadline - clock.now()), () =>
    Promise.all((plan.workers ?? []).map((w) => w.stopped)).then(() => true),
  );
  if (plan.leaderElection) {
    const election = plan.leaderElection;
    await step('lease', stepTimeout, async () => {
      election.stop.abort(new Error('shutting down'));
      await election.done;
      return true;
    });
  }
  return { clean, durationMs: clock.now() - started };
}

/** Resolves true if work() resolved truthy within timeoutMs; false on timeout, falsy result or error. */
async function within(clock: Clock, timeoutMs: number, work: () => Promise<unknown>): Promise<boolean> {
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = clock.setTimer(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      work().then(
        (ok) => Boolean(ok),
        () => false,
      ),
      timeout,
    ]);
  } finally {
    timer?.cancel();
  }
}

export interface SignalSource {
  once(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
}

export interface TerminationOptions {
  signals?: string[];
  /** Called on a second signal while the first shutdown is still running (default: exit with code 1). */
  onSecondSignal?(): void;
  /** Where signals come from (default: process). */
  source?: SignalSource;
}

/**
 * Runs `shutdown` once on the first SIGTERM or SIGINT. Returns a function that removes the listeners.
 * The handler decides when the process exits (e.g. process.exit after shutdownGracefully resolves).
 */
export function onTerminationSignal(
  shutdown: (signal: string) => Promise<void> | void,
  options: TerminationOptions = {},
): () => void {
  const source: SignalSource = options.source ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let shuttingDown = false;
  const listeners = new Map<string, () => void>();
  const arm = (signal: string) => {
    const listener = () => {
      if (shuttingDown) {
        (options.onSecondSignal ?? (() => process.exit(1)))();
        return;
      }
      shuttingDown = true;
      arm(signal); // listen for a second signal of the same kind
      for (const other of signals) if (other !== signal) arm(other);
      void Promise.resolve()
        .then(() => shutdown(signal))
        .catch(() => undefined);
    };
    const previous = listeners.get(signal);
    if (previous) source.removeListener(signal, previous);
    listeners.set(signal, listener);
    source.once(signal, listener);
  };
  for (const signal of signals) arm(signal);
  return () => {
    for (const [signal, listener] of listeners) source.removeListener(signal, listener);
    listeners.clear();
  };
}
