// The work queue controllers use: a LanedQueue (see queue.ts for the core guarantees) plus
// * delayed adds: addAfter(key, ms, lane) queues key once ms have passed on the queue's clock. While a key waits,
//   further delayed adds collapse into one: the earliest due time wins and the highest lane wins. A delayed add
//   does not cancel or postpone an immediate add of the same key.
// * rate-limited adds: addRateLimited(key, lane) = addAfter(key, rateLimiter.when(key), lane), by default
//   max(per-key exponential backoff 1 s .. 7 min, global token bucket 10/s burst 100).
//   Remember to call forget(key) once key succeeded, or its backoff keeps growing.
// Shutting down drops every waiting delayed add and cancels the timer.
import type { Timer } from '../clock.js';
import { MinHeap } from './heap.js';
import { LanedQueue, type QueueOptions } from './queue.js';
import { type ControllerRateLimiterOptions, controllerRateLimiter, type RateLimiter } from './ratelimiter.js';

export interface WorkQueueOptions<L extends string = string> extends QueueOptions<L> {
  /** Retry policy (default controllerRateLimiter with `retry` options and the queue's clock). */
  rateLimiter?: RateLimiter;
  /** Options for the default rate limiter. */
  retry?: Omit<ControllerRateLimiterOptions, 'clock'>;
}

interface Waiting {
  key: string;
  lane: number;
  dueAt: number;
  seq: number;
}

export class WorkQueue<L extends string = string> extends LanedQueue<L> {
  readonly #rateLimiter: RateLimiter;
  readonly #heap = new MinHeap<Waiting>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq));
  /** The live waiting record per key; heap entries that are not the live record are stale and skipped. */
  readonly #waiting = new Map<string, Waiting>();
  #seq = 0;
  #timer: Timer | undefined;
  #timerDue = Number.POSITIVE_INFINITY;

  constructor(options: WorkQueueOptions<L> = {}) {
    super(options);
    this.#rateLimiter = options.rateLimiter ?? controllerRateLimiter({ ...options.retry, clock: this.clock });
  }

  /** Adds key to lane after delayMs (at once if delayMs <= 0). */
  addAfter(key: string, delayMs: number, lane: L = this.defaultLane): void {
    const laneIdx = this.laneIndex(lane);
    if (this.isShuttingDown()) return;
    if (!(delayMs > 0)) {
      this.add(key, lane);
      return;
    }
    const dueAt = this.clock.now() + delayMs;
    const existing = this.#waiting.get(key);
    if (existing && existing.dueAt <= dueAt && existing.lane <= laneIdx) return;
    const record: Waiting = {
      key,
      lane: existing ? Math.min(existing.lane, laneIdx) : laneIdx,
      dueAt: existing ? Math.min(existing.dueAt, dueAt) : dueAt,
      seq: ++this.#seq,
    };
    this.#waiting.set(key, record);
    this.#heap.push(record);
    this.#schedule();
  }

  /** Re-adds key after the delay its rate limiter assigns; counts as one retry. */
  addRateLimited(key: string, lane: L = this.defaultLane, longerCapMs?: number): void {
    if (this.isShuttingDown()) return;
    this.#safe(() => this.metrics.retry?.(lane));
    this.addAfter(key, this.#rateLimiter.when(key, longerCapMs), lane);
  }

  /** Clears key's retry history (its next failure starts from the base delay again). */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  /** Retries counted for key since the last forget. */
  numRequeues(key: string): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /** Keys waiting for a delayed add. */
  waitingCount(): number {
    return this.#waiting.size;
  }

  protected override onShutDown(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    this.#heap.clear();
    this.#waiting.clear();
  }

  #schedule(): void {
    const next = this.#peekLive();
    if (!next) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#timerDue = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.#timer && this.#timerDue <= next.dueAt) return;
    this.#timer?.cancel();
    this.#timerDue = next.dueAt;
    this.#timer = this.clock.setTimer(() => this.#fire(), next.dueAt - this.clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (;;) {
      const next = this.#peekLive();
      if (!next || next.dueAt > now) break;
      this.#heap.pop();
      this.#waiting.delete(next.key);
      this.add(next.key, this.lanes[next.lane] as L);
    }
    this.#schedule();
  }

  #peekLive(): Waiting | undefined {
    for (;;) {
      const top = this.#heap.peek();
      if (!top || this.#waiting.get(top.key) === top) return top;
      this.#heap.pop();
    }
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch {
      // Metrics must never break the queue.
    }
  }
}
