// Rate limiters decide how long a key waits before a retry. A limiter is three calls: when(key) counts one
// failure of key and returns the delay, forget(key) clears its history after a success, numRequeues(key) says
// how many failures are counted. The default combines a per-key exponential backoff (one failing key slows only
// itself) with a global token bucket (many failing keys together cannot exceed a steady retry rate), taking the
// larger delay of the two.
import type { Clock } from '../clock.js';
import { TokenBucket } from '../tokenbucket.js';

export interface RateLimiter {
  /**
   * Counts one failure of key and returns how many ms to wait before retrying it. `longerCapMs` lets this key's
   * backoff grow past the limiter's own cap (never below it): a key that is retried rarely on purpose.
   */
  when(key: string, longerCapMs?: number): number;
  /** Clears the failure history of key (call after it succeeded or was given up on). */
  forget(key: string): void;
  /** Failures counted for key since the last forget. */
  numRequeues(key: string): number;
}

/** Per-key delay base * 2^failures, capped at max. */
export class ExponentialFailureRateLimiter implements RateLimiter {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<string, number>();

  constructor(baseMs: number, maxMs: number) {
    if (!(baseMs > 0)) throw new RangeError(`exponential backoff base must be > 0 ms, got ${baseMs}`);
    if (!(maxMs >= baseMs))
      throw new RangeError(`exponential backoff cap (${maxMs} ms) must be >= base (${baseMs} ms)`);
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(key: string, longerCapMs?: number): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // Past 2^52 the product is meaningless; the cap is reached long before, so stop growing the exponent.
    const exponent = Math.min(failures, 52);
    const cap = Math.max(this.#maxMs, longerCapMs ?? 0);
    return Math.min(cap, this.#baseMs * 2 ** exponent);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/** One shared token bucket for all keys; it keeps no per-key history. */
export class BucketRateLimiter implements RateLimiter {
  readonly #bucket: TokenBucket;

  constructor(ratePerSecond: number, burst: number, clock?: Clock) {
    this.#bucket = new TokenBucket(ratePerSecond, burst, clock);
  }

  when(): number {
    return this.#bucket.reserve();
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** The largest delay of several limiters; requeue counts come from the limiter that counts the most. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.#limiters = limiters;
  }

  when(key: string, longerCapMs?: number): number {
    let delay = 0;
    for (const limiter of this.#limiters) delay = Math.max(delay, limiter.when(key, longerCapMs));
    return delay;
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    let n = 0;
    for (const limiter of this.#limiters) n = Math.max(n, limiter.numRequeues(key));
    return n;
  }
}

export interface ControllerRateLimiterOptions {
  /** First retry delay in ms (default 1000, as ESO configures controller-runtime). */
  baseDelayMs?: number;
  /** Longest retry delay in ms (default 7 minutes, as ESO). */
  maxDelayMs?: number;
  /** Global retry rate (default 10 per second). */
  qps?: number;
  /** Global retry burst (default 100). */
  burst?: number;
  clock?: Clock;
}

/** max(per-key exponential backoff, global token bucket): the default retry policy of the work queue. */
export function controllerRateLimiter(options: ControllerRateLimiterOptions = {}): RateLimiter {
  return new MaxOfRateLimiter(
    new ExponentialFailureRateLimiter(options.baseDelayMs ?? 1000, options.maxDelayMs ?? 7 * 60_000),
    new BucketRateLimiter(options.qps ?? 10, options.burst ?? 100, options.clock),
  );
}
