// A work queue of string keys with priority lanes and client-go's queue guarantees:
//
// * Stingy: a key is handed out by get() to at most one worker at a time. Adding a key that is already queued
//   does nothing (duplicates collapse). Adding a key that is being processed marks it dirty; it is queued again
//   when the worker calls done(key), so the newest state is always processed once more ("process it again").
// * Laned: every queued key sits in exactly one lane. Lanes are listed highest priority first. Adding a queued
//   key to a higher lane promotes it (it keeps its original enqueue time for latency); adding it to a lower lane
//   never demotes it. A key re-added while processing is queued in the highest lane any re-add asked for.
// * Fair between lanes (starvation policy): get() serves the highest non-empty lane, except that a lane which
//   has been passed over `maxSkips` times in a row while it had work is served next. With lanes
//   ['urgent', 'refresh'] and maxSkips 10, a backlogged refresh lane still gets at least 1 of every 11 items,
//   while urgent work is never behind more than one refresh item. Within a lane the order is FIFO.
// * Shutdown: shutDown() drops everything queued, ignores later adds and releases waiting get() calls with
//   undefined; shutDownWithDrain() ignores later adds but lets workers finish everything queued and in flight,
//   up to an optional deadline.
//
// Caller obligations: every key returned by get() must be passed to done() exactly once, whatever happened.
// len() and depths are informational; never gate add() on them.
import { type Clock, realClock, type Timer } from '../clock.js';

/** Optional observers; each is called synchronously and must not throw (exceptions are swallowed). */
export interface QueueMetrics {
  /** The number of keys queued in a lane changed. */
  depth?(lane: string, depth: number): void;
  /** add() was called for a lane (including adds that collapse). */
  add?(lane: string): void;
  /** A key left the queue after waiting `ms` since it was (first) added. */
  latency?(lane: string, ms: number): void;
  /** A worker finished a key after `ms` of processing. */
  workDuration?(lane: string, ms: number): void;
  /** A key was re-added through the rate limiter (a retry). */
  retry?(lane: string): void;
}

export interface QueueOptions<L extends string = string> {
  /** Lane names, highest priority first (default ['default']). */
  lanes?: readonly L[];
  /** Lane used by add(key) without a lane (default: the lowest-priority lane, so urgency is always explicit). */
  defaultLane?: L;
  /** Fairness: how often a waiting lane may be passed over before it is served (default 10). */
  maxSkips?: number;
  clock?: Clock;
  metrics?: QueueMetrics;
}

export interface QueueItem<L extends string = string> {
  key: string;
  lane: L;
}

interface Entry {
  lane: number;
  /** Distinguishes the live position of a key from stale slots left behind by promotions. */
  seq: number;
  /** When the key was first added since it was last handed out (for the latency metric). */
  addedAt: number;
}

interface Slot {
  key: string;
  seq: number;
}

/** One lane's FIFO. Slots are consumed from `head`; the array is compacted once half of it is consumed. */
class LaneFifo {
  slots: Slot[] = [];
  head = 0;
  /** Live keys in this lane (stale slots excluded). */
  depth = 0;
  /** Consecutive get() calls that passed this lane over while it had work. */
  skips = 0;

  push(slot: Slot): void {
    this.slots.push(slot);
  }

  shift(): Slot | undefined {
    if (this.head >= this.slots.length) return undefined;
    const slot = this.slots[this.head];
    // Clear the consumed slot so a long-lived queue does not pin old keys in memory.
    this.slots[this.head] = undefined as unknown as Slot;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
    return slot;
  }

  clear(): void {
    this.slots = [];
    this.head = 0;
    this.depth = 0;
    this.skips = 0;
  }
}

export class LanedQueue<L extends string = string> {
  readonly lanes: readonly L[];
  readonly defaultLane: L;
  protected readonly clock: Clock;
  protected readonly metrics: QueueMetrics;
  readonly #maxSkips: number;
  readonly #fifos: LaneFifo[];
  readonly #laneIndex = new Map<string, number>();
  /** Every key that needs processing: queued keys, and processing keys that were re-added. */
  readonly #dirty = new Map<string, Entry>();
  /** Keys currently handed out to a worker, with the lane and time they were handed out. */
  readonly #processing = new Map<string, { lane: number; since: number }>();
  /** Pending get() calls, oldest first. */
  readonly #waiters: Array<(item: QueueItem<L> | undefined) => void> = [];
  #queuedCount = 0;
  #seq = 0;
  #shuttingDown = false;
  #draining = false;
  #drainWaiters: Array<() => void> = [];

  constructor(options: QueueOptions<L> = {}) {
    this.lanes = options.lanes ?? (['default'] as unknown as readonly L[]);
    if (this.lanes.length === 0) throw new RangeError('a work queue needs at least one lane');
    this.lanes.forEach((lane, i) => {
      if (this.#laneIndex.has(lane)) throw new RangeError(`work queue lane "${lane}" is listed twice`);
      this.#laneIndex.set(lane, i);
    });
    this.defaultLane = options.defaultLane ?? (this.lanes[this.lanes.length - 1] as L);
    if (!this.#laneIndex.has(this.defaultLane)) {
      throw new RangeError(`default lane "${this.defaultLane}" is not one of the lanes ${this.lanes.join(', ')}`);
    }
    this.#maxSkips = options.maxSkips ?? 10;
    if (!(this.#maxSkips >= 1)) throw new RangeError(`maxSkips must be >= 1, got ${this.#maxSkips}`);
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? {};
    this.#fifos = this.lanes.map(() => new LaneFifo());
  }

  /** Marks key as needing processing in `lane`. Ignored after shutdown. */
  add(key: string, lane: L = this.defaultLane): void {
    const laneIdx = this.#resolveLane(lane);
    if (this.#shuttingDown) return;
    this.#observe(() => this.metrics.add?.(lane));
    const entry = this.#dirty.get(key);
    if (entry) {
      if (laneIdx >= entry.lane) return; // already dirty at the same or a higher priority
      if (this.#processing.has(key)) {
        entry.lane = laneIdx; // re-queued in this lane by done()
        return;
      }
      this.#moveQueued(key, entry, laneIdx);
      this.#dispatch();
      return;
    }
    const fresh: Entry = { lane: laneIdx, seq: 0, addedAt: this.clock.now() };
    this.#dirty.set(key, fresh);
    if (this.#processing.has(key)) return; // deferred until done(key)
    this.#enqueue(key, fresh);
    this.#dispatch();
  }

  /**
   * The next key to process, waiting until one is available. Resolves undefined once the queue is shut down
   * (after a drain: once nothing is left).
   */
  get(): Promise<QueueItem<L> | undefined> {
    const item = this.tryGet();
    if (item || this.#closed()) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Like get(), but returns undefined at once if nothing is queued. */
  tryGet(): QueueItem<L> | undefined {
    if (this.#queuedCount === 0) return undefined;
    return this.#pop();
  }

  /** Ends processing of key; if it was re-added meanwhile, it is queued again. */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (!started) return;
    this.#processing.delete(key);
    const lane = this.lanes[started.lane] as L;
    this.#observe(() => this.metrics.workDuration?.(lane, this.clock.now() - started.since));
    const entry = this.#dirty.get(key);
    // While draining, a re-add that arrived before the shutdown still counts as queued work.
    if (entry && (!this.#shuttingDown || this.#draining)) {
      this.#enqueue(key, entry);
      this.#dispatch();
    } else if (entry) {
      this.#dirty.delete(key);
    }
    this.#checkDrained();
  }

  /** Keys queued (not counting keys in processing). Informational only. */
  len(): number {
    return this.#queuedCount;
  }

  /** Queued keys per lane. */
  depths(): Record<L, number> {
    const out = {} as Record<L, number>;
    this.lanes.forEach((lane, i) => {
      out[lane] = this.#fifos[i]?.depth ?? 0;
    });
    return out;
  }

  /** Keys currently handed out to workers. */
  processingCount(): number {
    return this.#processing.size;
  }

  /** How long the longest-running key has been in processing, in ms (0 if none). */
  longestRunningMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const p of this.#processing.values()) oldest = Math.min(oldest, p.since);
    return Number.isFinite(oldest) ? this.clock.now() - oldest : 0;
  }

  /** Total time all keys currently in processing have spent there, in ms. */
  unfinishedWorkMs(): number {
    const now = this.clock.now();
    let total = 0;
    for (const p of this.#processing.values()) total += now - p.since;
    return total;
  }

  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Stops at once: queued keys are dropped, later adds are ignored, waiting get() calls resolve undefined. */
  shutDown(): void {
    this.#shuttingDown = true;
    this.#draining = false;
    for (const fifo of this.#fifos) fifo.clear();
    for (const lane of this.lanes) this.#observe(() => this.metrics.depth?.(lane, 0));
    this.#queuedCount = 0;
    for (const key of [...this.#dirty.keys()]) if (!this.#processing.has(key)) this.#dirty.delete(key);
    this.onShutDown();
    this.#releaseWaiters();
    this.#checkDrained();
  }

  /**
   * Stops accepting adds, lets workers finish everything already queued and in flight, and resolves true once
   * nothing is left. With a deadline, resolves false when it passes first; the queue is then shut down hard
   * (the keys still queued are dropped; keys in flight finish on their own).
   */
  shutDownWithDrain(timeoutMs?: number): Promise<boolean> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      this.#draining = true;
      this.onShutDown();
    }
    const drained = new Promise<boolean>((resolve) => {
      let timer: Timer | undefined;
      const finish = () => {
        timer?.cancel();
        resolve(true);
      };
      this.#drainWaiters.push(finish);
      if (timeoutMs !== undefined) {
        timer = this.clock.setTimer(() => {
          this.#drainWaiters = this.#drainWaiters.filter((w) => w !== finish);
          if (this.#draining) this.shutDown();
          resolve(false);
        }, timeoutMs);
      }
    });
    if (this.#queuedCount === 0) this.#releaseWaiters();
    this.#checkDrained();
    return drained;
  }

  /** Hook for subclasses to drop their own pending work (timers) when the queue shuts down. */
  protected onShutDown(): void {}

  protected laneIndex(lane: L): number {
    return this.#resolveLane(lane);
  }

  #resolveLane(lane: L): number {
    const idx = this.#laneIndex.get(lane);
    if (idx === undefined)
      throw new RangeError(`unknown work queue lane "${lane}"; lanes are ${this.lanes.join(', ')}`);
    return idx;
  }

  #closed(): boolean {
    return this.#shuttingDown && this.#queuedCount === 0;
  }

  #enqueue(key: string, entry: Entry): void {
    entry.seq = ++this.#seq;
    const fifo = this.#fifos[entry.lane] as LaneFifo;
    fifo.push({ key, seq: entry.seq });
    fifo.depth++;
    this.#queuedCount++;
    this.#reportDepth(entry.lane);
  }

  #moveQueued(key: string, entry: Entry, toLane: number): void {
    const from = this.#fifos[entry.lane] as LaneFifo;
    from.depth--;
    if (from.depth === 0) from.skips = 0;
    this.#queuedCount--;
    this.#reportDepth(entry.lane);
    entry.lane = toLane; // the old slot becomes stale because enqueue() gives the entry a new seq
    this.#enqueue(key, entry);
  }

  #pop(): QueueItem<L> | undefined {
    const laneIdx = this.#chooseLane();
    if (laneIdx === undefined) return undefined;
    const fifo = this.#fifos[laneIdx] as LaneFifo;
    for (;;) {
      const slot = fifo.shift();
      if (!slot) return undefined; // unreachable while depth > 0
      const entry = this.#dirty.get(slot.key);
      if (!entry || entry.seq !== slot.seq || entry.lane !== laneIdx || this.#processing.has(slot.key)) continue;
      fifo.depth--;
      this.#queuedCount--;
      this.#dirty.delete(slot.key);
      const now = this.clock.now();
      this.#processing.set(slot.key, { lane: laneIdx, since: now });
      const lane = this.lanes[laneIdx] as L;
      this.#reportDepth(laneIdx);
      this.#observe(() => this.metrics.latency?.(lane, now - entry.addedAt));
      return { key: slot.key, lane };
    }
  }

  /** Strict priority, except a lane passed over maxSkips times in a row is served next (see top of file). */
  #chooseLane(): number | undefined {
    let chosen: number | undefined;
    for (let i = 0; i < this.#fifos.length; i++) {
      const fifo = this.#fifos[i] as LaneFifo;
      if (fifo.depth > 0 && fifo.skips >= this.#maxSkips) {
        chosen = i;
        break;
      }
    }
    if (chosen === undefined) chosen = this.#fifos.findIndex((f) => f.depth > 0);
    if (chosen < 0) return undefined;
    for (let i = 0; i < this.#fifos.length; i++) {
      const fifo = this.#fifos[i] as LaneFifo;
      if (i === chosen) fifo.skips = 0;
      else if (i > chosen && fifo.depth > 0) fifo.skips++;
    }
    return chosen;
  }

  #dispatch(): void {
    while (this.#waiters.length > 0 && this.#queuedCount > 0) {
      const item = this.#pop();
      if (!item) break;
      this.#waiters.shift()?.(item);
    }
    if (this.#closed()) this.#releaseWaiters();
  }

  #releaseWaiters(): void {
    if (this.#queuedCount > 0) {
      this.#dispatch();
      return;
    }
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  #checkDrained(): void {
    if (!this.#shuttingDown || this.#queuedCount > 0 || this.#processing.size > 0) return;
    if (this.#waiters.length > 0) this.#releaseWaiters();
    this.#draining = false;
    for (const finish of this.#drainWaiters.splice(0)) finish();
  }

  #reportDepth(laneIdx: number): void {
    const lane = this.lanes[laneIdx] as L;
    const depth = this.#fifos[laneIdx]?.depth ?? 0;
    this.#observe(() => this.metrics.depth?.(lane, depth));
  }

  #observe(fn: () => void): void {
    try {
      fn();
    } catch {
      // Metrics must never break the queue.
    }
  }
}
