// An informer: a read-only cache of one resource kept current by a ListWatch, with secondary indexes and event
// handlers.
//
// Contract (the same shape client-go's SharedInformer promises):
// * The cached states of each object are a subsequence of its real states, in order; nothing is promised about
//   ordering across objects. A delete may be seen late (after a relist) but is always seen.
// * hasSynced() turns true once the first complete list is in the cache and every handler registered by then
//   has been called for it; waitForSync() waits for that. Start workers only after it: before, "missing from the
//   cache" does not mean "does not exist".
// * Indexes are always consistent with the cache when a handler runs. addIndex() may be called at any time;
//   it indexes what is already cached.
// * A handler added after objects are cached first receives onAdd for each of them.
// * With resyncMs, every handler receives onUpdate(obj, obj) for every cached object each period (a periodic
//   nudge for level-based controllers; it does not contact the server).
// * Handlers and index functions that throw are reported through onError and never stop the informer.
// The objects handed out are the cache's own: treat them as read-only (copy before changing).
import type { KubeClient, KubeObject } from './client.js';
import { type Clock, realClock, type Timer } from './clock.js';
import { ListWatch, type ListWatchOptions, objectKey } from './listwatch.js';
import type { ResourceType } from './resources.js';

/** Maps an object to the index values it should be found under (e.g. its owner's name, a label value). */
export type IndexFunc<T> = (object: T) => string[];

export interface InformerEventHandler<T> {
  onAdd?(object: T): void;
  onUpdate?(oldObject: T, newObject: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions<T> extends ListWatchOptions {
  /** Period of synthetic onUpdate(obj, obj) calls for every cached object (default: none). */
  resyncMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /** Failures being retried, and handler exceptions. For logs and metrics. */
  onError?(error: unknown, during: 'list' | 'watch' | 'handler' | 'index'): void;
  clock?: Clock;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly type: ResourceType;
  readonly #listWatch: ListWatch<T>;
  readonly #handlers = new Set<InformerEventHandler<T>>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  /** index name -> index value -> keys */
  readonly #indices = new Map<string, Map<string, Set<string>>>();
  /** index name -> key -> values the object was indexed under (to unindex it later) */
  readonly #indexed = new Map<string, Map<string, string[]>>();
  readonly #options: InformerOptions<T>;
  readonly #clock: Clock;
  #syncWaiters: Array<() => void> = [];
  #resyncTimer: Timer | undefined;
  #started = false;
  #stopped = false;

  constructor(client: KubeClient, type: ResourceType, options: InformerOptions<T> = {}) {
    this.type = type;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    for (const [name, fn] of Object.entries(options.indexers ?? {})) this.addIndex(name, fn);
    this.#listWatch = new ListWatch<T>(
      client,
      type,
      {
        onAdd: (obj) => {
          this.#index(objectKey(obj), obj);
          this.#dispatch((h) => h.onAdd?.(obj));
        },
        onUpdate: (old, obj) => {
          this.#index(objectKey(obj), obj);
          this.#dispatch((h) => h.onUpdate?.(old, obj));
        },
        onDelete: (obj) => {
          this.#unindex(objectKey(obj));
          this.#dispatch((h) => h.onDelete?.(obj));
        },
        onSynced: () => {
          for (const resolve of this.#syncWaiters.splice(0)) resolve();
        },
        onError: (error, during) => this.#report(error, during),
      },
      { ...options, clock: this.#clock },
    );
  }

  /** Starts the list-watch (and the resync timer). */
  start(): void {
    if (this.#started) throw new Error(`the informer for ${this.type.plural} was started twice`);
    this.#started = true;
    this.#listWatch.start();
    this.#scheduleResync();
  }

  /** Stops watching; the cache stays readable. Pending waitForSync() calls resolve false. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#resyncTimer?.cancel();
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
    await this.#listWatch.stop();
  }

  hasSynced(): boolean {
    return this.#listWatch.synced;
  }

  /** Resolves true once synced, or false if the informer is stopped or the signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.hasSynced()) return Promise.resolve(true);
    if (this.#stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve(this.hasSynced());
      };
      this.#syncWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Registers a handler; it is first told about every object already cached. Returns a function removing it. */
  addEventHandler(handler: InformerEventHandler<T>): () => void {
    this.#handlers.add(handler);
    for (const obj of this.#listWatch.list()) this.#callOne(() => handler.onAdd?.(obj));
    return () => {
      this.#handlers.delete(handler);
    };
  }

  /** Adds (or replaces) an index and indexes every cached object with it. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.#indexers.set(name, fn);
    this.#indices.set(name, new Map());
    this.#indexed.set(name, new Map());
    for (const obj of this.#listWatch?.list() ?? []) this.#indexOne(name, fn, objectKey(obj), obj);
  }

  /** Cached objects whose index `name` produced `value`. Throws for an unknown index (a programming error). */
  byIndex(name: string, value: string): T[] {
    const index = this.#indices.get(name);
    if (!index) throw new Error(`the informer for ${this.type.plural} has no index named "${name}"`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.#listWatch.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** The distinct values of an index (e.g. every namespace that holds a managed Secret). */
  indexValues(name: string): string[] {
    return [...(this.#indices.get(name)?.keys() ?? [])];
  }

  /** The cached object with key "namespace/name" (or "name"). */
  get(key: string): T | undefined {
    return this.#listWatch.get(key);
  }

  /** The cached object by namespace and name. */
  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.#listWatch.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return this.#listWatch.list();
  }

  get size(): number {
    return this.#listWatch.size;
  }

  /** Counters of the underlying list-watch (lists, watches, relists on 410, watchdog aborts, errors). */
  get stats() {
    return this.#listWatch.stats;
  }

  #index(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) this.#indexOne(name, fn, key, obj);
  }

  #indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    let values: string[];
    try {
      values = [...new Set(fn(obj))];
    } catch (error) {
      this.#report(error, 'index');
      values = [];
    }
    this.#unindexOne(name, key);
    const index = this.#indices.get(name);
    const indexed = this.#indexed.get(name);
    if (!index || !indexed) return;
    for (const value of values) {
      let keys = index.get(value);
      if (!keys) {
        keys = new Set();
        index.set(value, keys);
      }
      keys.add(key);
    }
    if (values.length > 0) indexed.set(key, values);
  }

  #unindex(key: string): void {
    for (const name of this.#indexers.keys()) this.#unindexOne(name, key);
  }

  #unindexOne(name: string, key: string): void {
    const index = this.#indices.get(name);
    const indexed = this.#indexed.get(name);
    const previous = indexed?.get(key);
    if (!index || !indexed || !previous) return;
    for (const value of previous) {
      const keys = index.get(value);
      keys?.delete(key);
      if (keys?.size === 0) index.delete(value);
    }
    indexed.delete(key);
  }

  #scheduleResync(): void {
    const period = this.#options.resyncMs;
    if (!period || period <= 0 || this.#stopped) return;
    this.#resyncTimer = this.#clock.setTimer(() => {
      if (this.#stopped) return;
      for (const obj of this.#listWatch.list()) this.#dispatch((h) => h.onUpdate?.(obj, obj));
      this.#scheduleResync();
    }, period);
  }

  #dispatch(call: (handler: InformerEventHandler<T>) => void): void {
    for (const handler of this.#handlers) this.#callOne(() => call(handler));
  }

  #callOne(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#report(error, 'handler');
    }
  }

  #report(error: unknown, during: 'list' | 'watch' | 'handler' | 'index'): void {
    try {
      this.#options.onError?.(error, during);
    } catch {
      // A failing error reporter must not stop the informer.
    }
  }
}
