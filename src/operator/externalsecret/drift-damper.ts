// Repairs of a target Secret that something else keeps changing. Drift is repaired at once, but when another
// controller writes the same Secret (users: ESO in a write loop with the Postgres operator over a shared Secret),
// "at once" becomes a loop at the API server's speed. The first few repairs in a minute go at once; past that,
// each repair must wait twice as long after the previous one (5 s doubling to 5 min) for as long as the changes go
// on; ten quiet minutes forget the history. Pure bookkeeping on a caller-supplied clock, so it is unit-testable.

export interface DriftDamperOptions {
  /** Repairs within `windowMs` that go at once (default 5). */
  burst?: number;
  windowMs?: number;
  /** Spacing enforced after the burst: first, then doubling to the most (defaults 5 s and 5 min). */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** No repair for this long resets the history (default 10 min). */
  quietMs?: number;
}

export interface DriftAdmission {
  /** Wait this long and ask again; 0 means repair now (counted). */
  waitMs: number;
  /** This repair is the one that started the spacing (tell the user once). */
  startedSpacing: boolean;
  /** The spacing now in force after this repair (0 while within the burst). */
  spacingMs: number;
}

interface History {
  recent: number[];
  spacingMs: number;
  notBefore: number;
  last: number;
}

export class DriftDamper {
  readonly #burst: number;
  readonly #windowMs: number;
  readonly #firstDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #quietMs: number;
  readonly #histories = new Map<string, History>();

  constructor(options: DriftDamperOptions = {}) {
    this.#burst = options.burst ?? 5;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#firstDelayMs = options.firstDelayMs ?? 5_000;
    this.#maxDelayMs = options.maxDelayMs ?? 300_000;
    this.#quietMs = options.quietMs ?? 600_000;
  }

  /** Asks whether the drifted target of `key` may be repaired at `now`. */
  admit(key: string, now: number): DriftAdmission {
    let history = this.#histories.get(key);
    if (history && now - history.last > this.#quietMs) history = undefined;
    if (!history) {
      history = { recent: [], spacingMs: 0, notBefore: 0, last: now };
      this.#histories.set(key, history);
    }
    if (now < history.notBefore)
      return { waitMs: history.notBefore - now, startedSpacing: false, spacingMs: history.spacingMs };
    history.recent = history.recent.filter((t) => now - t < this.#windowMs);
    let startedSpacing = false;
    // Once spacing started it stays (and grows) until a quiet period, so a steady fight settles at one repair per
    // maxDelayMs instead of a burst every time the window empties.
    if (history.spacingMs > 0 || history.recent.length >= this.#burst) {
      startedSpacing = history.spacingMs === 0;
      history.spacingMs = startedSpacing ? this.#firstDelayMs : Math.min(history.spacingMs * 2, this.#maxDelayMs);
      history.notBefore = now + history.spacingMs;
    }
    history.recent.push(now);
    history.last = now;
    return { waitMs: 0, startedSpacing, spacingMs: history.spacingMs };
  }

  forget(key: string): void {
    this.#histories.delete(key);
  }
}
