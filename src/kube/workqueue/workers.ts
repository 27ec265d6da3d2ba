// Runs N async workers over a WorkQueue. The outcome of one handler call decides what happens to its key:
//
// | handler                                   | the key                                                      |
// |-------------------------------------------|--------------------------------------------------------------|
// | throws a TerminalError (or one wrapping it)| forgotten, not retried; onError(kind 'terminal')             |
// | throws anything else / rejects            | re-added through the rate limiter in the same lane; onError  |
// |                                           | (a SlowRetryError lets its backoff grow to maxBackoffMs)     |
// | returns { requeueAfter: ms > 0 }          | forgotten, then added again after ms (in result.lane or the   |
// |                                           | lane it came from)                                           |
// | returns anything else                     | forgotten (its retry history is cleared)                      |
//
// done(key) is always called, so the key is never stuck in processing. A throwing handler never ends a worker;
// neither does a throwing onError. With timeoutMs, the handler's signal aborts when the time is up; JavaScript
// cannot stop a promise, so the key is released only when the handler settles (it never runs twice at once). Workers stop once the queue is shut down and empty; `stopped` then resolves.
// Reconciliation is level-based: a handler gets only the key and must read current state itself.
import { type Clock, realClock } from '../clock.js';
import type { ReconcileObserver } from './reconcile-prometheus.js';
import type { WorkQueue } from './workqueue.js';

/** An error that retrying cannot fix (bad input): the key is not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * A failure to retry with backoff whose delay may grow past the queue's usual cap, up to maxBackoffMs: an object
 * that is meant to be read rarely (a long refresh interval) should not be retried every few minutes for days.
 */
export class SlowRetryError extends Error {
  readonly maxBackoffMs: number;

  constructor(message: string, maxBackoffMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SlowRetryError';
    this.maxBackoffMs = maxBackoffMs;
  }
}

/** True if err or anything in its cause chain is a TerminalError. */
export function isTerminalError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}

export interface ReconcileResult<L extends string = string> {
  /** Process the key again after this many ms (e.g. the next refresh). */
  requeueAfter?: number;
  /** Lane for that requeue (default: the lane the key came from). */
  lane?: L;
}

export interface WorkerContext<L extends string = string> {
  lane: L;
  /** Failures counted for this key so far (0 on a first attempt). */
  retries: number;
  /** Index of the worker, 0..n-1 (for logs). */
  worker: number;
  /**
   * Aborts when the per-key timeout (RunWorkersOptions.timeoutMs) passes. Pass it to API calls; the key stays
   * "in processing" until the handler really returns, so a timed-out handler still never overlaps itself.
   */
  signal: AbortSignal;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing (async () => {}) is valid
type HandlerOutcome<L extends string> = ReconcileResult<L> | undefined | void;

export type ReconcileHandler<L extends string = string> = (
  key: string,
  context: WorkerContext<L>,
) => Promise<HandlerOutcome<L>> | HandlerOutcome<L>;

export interface RunWorkersOptions {
  /** Called for every failed handler call (never with a secret value: pass errors that do not carry any). */
  onError?(key: string, error: unknown, kind: 'retry' | 'terminal'): void;
  /** Abort each handler's signal after this many ms (default: no timeout). */
  timeoutMs?: number;
  /** Clock for the timeout (default: the real clock). */
  clock?: Clock;
  /** Told when each handler call starts and how it ended (controller-runtime's reconcile metrics). */
  observer?: ReconcileObserver;
}

export interface WorkersHandle {
  /** Resolves once every worker has exited (after the queue was shut down and no key is left for them). */
  stopped: Promise<void>;
}

export function runWorkers<L extends string>(
  queue: WorkQueue<L>,
  count: number,
  handler: ReconcileHandler<L>,
  options: RunWorkersOptions = {},
): WorkersHandle {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`worker count must be an integer >= 1, got ${count}`);
  const clock = options.clock ?? realClock;
  const report = (key: string, error: unknown, kind: 'retry' | 'terminal') => {
    try {
      options.onError?.(key, error, kind);
    } catch {
      // An error reporter that throws must not take the worker down.
    }
  };

  // The metrics must never change what happens to a key: an observer that throws is ignored.
  const observe = (call: (observer: ReconcileObserver) => void) => {
    if (!options.observer) return;
    try {
      call(options.observer);
    } catch {
      // Ignored on purpose (see above).
    }
  };

  const work = async (worker: number): Promise<void> => {
    for (;;) {
      const item = await queue.get();
      if (!item) return;
      const { key, lane } = item;
      const deadline = new AbortController();
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : clock.setTimer(
              () => deadline.abort(new Error(`reconcile of ${key} timed out after ${options.timeoutMs} ms`)),
              options.timeoutMs,
            );
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      observe((o) => o.started());
      try {
        const result = await handler(key, { lane, retries: queue.numRequeues(key), worker, signal: deadline.signal });
        queue.forget(key);
        const after = result?.requeueAfter;
        const requeued = typeof after === 'number' && after > 0;
        if (requeued) queue.addAfter(key, after, result?.lane ?? lane);
        observe((o) => o.finished(requeued ? 'requeue_after' : 'success', seconds()));
      } catch (error) {
        const terminal = isTerminalError(error);
        if (terminal) {
          queue.forget(key);
          report(key, error, 'terminal');
        } else {
          queue.addRateLimited(key, lane, error instanceof SlowRetryError ? error.maxBackoffMs : undefined);
          report(key, error, 'retry');
        }
        observe((o) => o.finished('error', seconds(), { terminal, thrown: error }));
      } finally {
        timer?.cancel();
        queue.done(key);
      }
    }
  };

  const workers = Array.from({ length: count }, (_, i) => work(i));
  return { stopped: Promise.all(workers).then(() => undefined) };
}
