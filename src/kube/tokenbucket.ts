// A token bucket: `ratePerSecond` tokens refill continuously up to `burst`. reserve() always succeeds and returns
// how long the caller must wait before its token is really available (the bucket may go into debt), so callers
// queue up fairly in reservation order instead of racing. A rate <= 0 means "unlimited" (every wait is 0).
import { type Clock, realClock, sleep } from './clock.js';

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, burst: number, clock: Clock = realClock) {
    if (!Number.isFinite(ratePerSecond)) throw new RangeError(`token bucket rate must be finite, got ${ratePerSecond}`);
    if (ratePerSecond > 0 && !(burst >= 1)) throw new RangeError(`token bucket burst must be >= 1, got ${burst}`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Takes one token and returns the delay in ms until it may be used (0 = now). */
  reserve(): number {
    if (this.ratePerSecond <= 0) return 0;
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    return Math.ceil((-this.#tokens * 1000) / this.ratePerSecond);
  }

  /** Waits for one token. */
  async take(signal?: AbortSignal): Promise<void> {
    const delay = this.reserve();
    if (delay > 0) await sleep(this.#clock, delay, signal);
  }
}
