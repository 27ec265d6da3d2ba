// Exponential backoff with jitter, for reconnect loops (list-watch, leader election retries).
// Guarantees: the n-th delay (n counted from 0 since the last reset) lies in
// [min(cap, initial * factor^n) * (1 - jitter), min(cap, initial * factor^n)], so a fleet of clients that
// failed together spreads out instead of retrying in lock-step, and no delay ever exceeds `maxMs`.

export interface BackoffOptions {
  /** First delay in ms (default 1000). */
  initialMs?: number;
  /** Upper bound for any delay in ms (default 30000). */
  maxMs?: number;
  /** Growth per failure (default 2). */
  factor?: number;
  /** Fraction of the delay that is randomised away, 0..1 (default 0.5). */
  jitter?: number;
  /** Source of randomness in [0, 1) (default Math.random); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 1000;
    this.#max = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.5;
    this.#random = options.random ?? Math.random;
    if (!(this.#initial > 0)) throw new RangeError(`backoff initialMs must be > 0, got ${this.#initial}`);
    if (!(this.#max >= this.#initial)) throw new RangeError('backoff maxMs must be >= initialMs');
    if (!(this.#factor >= 1)) throw new RangeError(`backoff factor must be >= 1, got ${this.#factor}`);
    if (!(this.#jitter >= 0 && this.#jitter <= 1)) throw new RangeError('backoff jitter must be within [0, 1]');
  }

  /** Failures counted since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; counts one failure. */
  next(): number {
    // Cap the exponent before it can overflow to Infinity.
    const steps = Math.min(this.#attempt, 64);
    const ceiling = Math.min(this.#max, this.#initial * this.#factor ** steps);
    this.#attempt++;
    return Math.round(ceiling * (1 - this.#jitter * this.#random()));
  }

  /** Call after a success, so the next failure starts from initialMs again. */
  reset(): void {
    this.#attempt = 0;
  }
}
