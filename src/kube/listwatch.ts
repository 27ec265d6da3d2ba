// A list-watch that keeps a local copy of one resource in step with the API server and never stops on its own.
//
// Guarantees:
// * It lists (in pages), then watches from the list's resourceVersion with allowWatchBookmarks=true and a
//   server-side timeoutSeconds drawn at random from [min, max] (default 300..600 s), so the server ends every
//   watch and a fleet of clients does not reconnect in lock-step.
// * A watchdog aborts a watch that has been silent (no event, no bookmark) for timeoutSeconds + grace: by then
//   the server must have closed it, so the connection is dead (a half-open TCP connection otherwise stalls
//   forever; @kubernetes/client-node 1.4.0's own client-side timeout never fires).
// * 410 Gone (an expired resourceVersion), whether as an HTTP status or a watch ERROR event, triggers a fresh
//   list at once. The new list is diffed against the local copy: objects that vanished meanwhile are reported
//   as deleted, changed ones as updated, unchanged ones (same resourceVersion) not at all.
// * "Too large resource version" (the server is behind us, e.g. after an etcd restore) also leads to a relist,
//   after the backoff below.
// * Any other failure (network, 5xx, 403...) is reported through onError and retried after an exponential
//   backoff with jitter (default 0.8 s doubling to 30 s). It never gives up; only stop() ends it.
// * Events: onAdd(obj), onUpdate(old, new), onDelete(lastKnown). An update whose resourceVersion equals the
//   one already held (replays after a reconnect) is suppressed. Handlers that throw are reported through
//   onError and do not disturb the stream.
// * metadataOnly asks for PartialObjectMetadata(List): the server sends metadata only, so Secret data never
//   reaches this process.
// Ordering: events for one object arrive in the order of its resourceVersions; nothing is promised across objects.
import { Backoff, type BackoffOptions } from './backoff.js';
import type { KubeClient, KubeList, KubeObject, Query } from './client.js';
import { metadataOnlyAccept } from './client.js';
import { type Clock, realClock, sleep, type Timer } from './clock.js';
import { isGone, KubeApiError } from './errors.js';
import { type ResourceType, resourcePath } from './resources.js';

export interface ListWatchHandlers<T extends KubeObject> {
  onAdd?(object: T): void;
  onUpdate?(oldObject: T, newObject: T): void;
  onDelete?(object: T): void;
  /** After every complete list (the first one, and each relist) has been applied to the local copy. */
  onSynced?(): void;
  /** Something went wrong and is being handled (retried or skipped). For logs and metrics only. */
  onError?(error: unknown, during: 'list' | 'watch' | 'handler'): void;
}

export interface ListWatchOptions {
  /** Only this namespace (default: all namespaces, or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Watch metadata only (PartialObjectMetadata). */
  metadataOnly?: boolean;
  /** Items per list page (default 500). */
  pageSize?: number;
  /** Server-side watch timeout, drawn at random from this range in seconds (default [300, 600]). */
  timeoutSeconds?: number | { min: number; max: number };
  /** Silence beyond timeoutSeconds after which the watchdog aborts the watch, in ms (default 30000). */
  watchdogGraceMs?: number;
  /**
   * Applied to every object before it is stored or handed to handlers, e.g. stripManagedFields to save memory.
   * It must keep metadata.name, namespace and resourceVersion.
   */
  transform?: (object: KubeObject) => KubeObject;
  /**
   * Relist this often even when the watch is healthy, in ms (default: never). Checked between watches, so the
   * effective period is at least one watch (timeoutSeconds).
   */
  relistIntervalMs?: number;
  backoff?: BackoffOptions;
  clock?: Clock;
  random?: () => number;
}

export interface ListWatchStats {
  lists: number;
  watches: number;
  /** Relists forced by 410 Gone. */
  relistsOnGone: number;
  /** Watches the watchdog aborted. */
  watchdogAborts: number;
  errors: number;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

/** The cache key of an object: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(object: KubeObject): string {
  const ns = object.metadata?.namespace;
  const name = object.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** The server has not yet seen our resourceVersion (it answers 504 with cause ResourceVersionTooLarge). */
function isTooLargeResourceVersion(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  return (
    error.details?.causes?.some((c) => c.reason === 'ResourceVersionTooLarge') === true ||
    /too large resource version/i.test(error.apiMessage)
  );
}

/** A transform that drops metadata.managedFields, which is often the largest part of a small object. */
export function stripManagedFields<T extends KubeObject>(object: T): T {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

class WatchdogError extends Error {
  constructor(ms: number) {
    super(`the watch was silent for ${ms} ms (past its server-side timeout); reconnecting`);
    this.name = 'WatchdogError';
  }
}

export class ListWatch<T extends KubeObject = KubeObject> {
  readonly stats: ListWatchStats = { lists: 0, watches: 0, relistsOnGone: 0, watchdogAborts: 0, errors: 0 };
  readonly #client: KubeClient;
  readonly #type: ResourceType;
  readonly #handlers: ListWatchHandlers<T>;
  readonly #options: ListWatchOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  readonly #items = new Map<string, T>();
  #resourceVersion = '';
  #synced = false;
  #lastListAt = 0;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(client: KubeClient, type: ResourceType, handlers: ListWatchHandlers<T>, options: ListWatchOptions = {}) {
    this.#client = client;
    this.#type = type;
    this.#handlers = handlers;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff({ initialMs: 800, maxMs: 30_000, random: this.#random, ...options.backoff });
    if (options.namespace && !type.namespaced) {
      throw new Error(`${type.plural} are cluster-scoped; a list-watch for them cannot be limited to a namespace`);
    }
  }

  /** Starts listing and watching in the background. Calling it twice is a mistake and throws. */
  start(): void {
    if (this.#loop) throw new Error(`the list-watch for ${this.#type.plural} was started twice`);
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  /** Stops watching and waits until the background loop has ended. The local copy stays readable. */
  async stop(): Promise<void> {
    this.#abort?.abort(new Error('list-watch stopped'));
    await this.#loop;
  }

  /** True once the first complete list has been applied. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the local copy is at. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  get size(): number {
    return this.#items.size;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        const relistDue =
          this.#options.relistIntervalMs !== undefined &&
          this.#clock.now() - this.#lastListAt >= this.#options.relistIntervalMs;
        if (needList || relistDue) {
          await this.#listAll(signal);
          needList = false;
          this.#backoff.reset();
        }
        const healthy = await this.#watchOnce(signal);
        if (healthy) this.#backoff.reset();
        // A watch that the server (or a proxy) ends at once without a single event must not become a tight loop.
        else await sleep(this.#clock, this.#backoff.next(), signal).catch(() => undefined);
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          // Our resourceVersion is too old for the server: only a fresh list can catch up.
          this.stats.relistsOnGone++;
          needList = true;
          continue;
        }
        if (isTooLargeResourceVersion(error)) {
          // The server is behind our version (e.g. restored from an older etcd): start over from its state.
          needList = true;
        }
        this.stats.errors++;
        if (error instanceof WatchdogError) this.stats.watchdogAborts++;
        this.#report(error, needList ? 'list' : 'watch');
        await sleep(this.#clock, this.#backoff.next(), signal).catch(() => undefined);
      }
    }
  }

  async #listAll(signal: AbortSignal): Promise<void> {
    const path = resourcePath(this.#type, { namespace: this.#options.namespace });
    const pageSize = this.#options.pageSize ?? 500;
    const listed = new Map<string, T>();
    let resourceVersion = '';
    let cont: string | undefined;
    let paged = true;
    do {
      let page: KubeList<T>;
      try {
        page = await this.#client.request<KubeList<T>>('GET', path, {
          query: {
            labelSelector: this.#options.labelSelector,
            fieldSelector: this.#options.fieldSelector,
            limit: paged ? pageSize : undefined,
            continue: cont,
          },
          accept: this.#options.metadataOnly ? metadataOnlyAccept.list : undefined,
          signal,
        });
      } catch (error) {
        if (cont && isGone(error)) {
          // The continue token expired between pages: take everything in one unpaged list instead.
          listed.clear();
          cont = undefined;
          paged = false;
          continue;
        }
        throw error;
      }
      for (const item of page.items ?? []) {
        const object = this.#transform(item);
        listed.set(objectKey(object), object);
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont);

    this.stats.lists++;
    this.#lastListAt = this.#clock.now();
    this.#replace(listed);
    this.#resourceVersion = resourceVersion;
    this.#synced = true;
    this.#call(() => this.#handlers.onSynced?.());
  }

  /** Applies a full list to the local copy, emitting only real differences. */
  #replace(listed: Map<string, T>): void {
    for (const [key, old] of this.#items) {
      if (!listed.has(key)) {
        this.#items.delete(key);
        this.#call(() => this.#handlers.onDelete?.(old));
      }
    }
    for (const [key, object] of listed) this.#upsert(key, object);
  }

  #upsert(key: string, object: T): void {
    const old = this.#items.get(key);
    if (old && old.metadata?.resourceVersion === object.metadata?.resourceVersion) return; // a replay, not a change
    this.#items.set(key, object);
    if (old) this.#call(() => this.#handlers.onUpdate?.(old, object));
    else this.#call(() => this.#handlers.onAdd?.(object));
  }

  /**
   * One watch from the current resourceVersion until the server ends it. Resolves true if it delivered an event
   * or lasted about as long as its timeout (at least half of it, or 1 s); throws on errors (410 means "relist").
   */
  async #watchOnce(signal: AbortSignal): Promise<boolean> {
    const timeoutSeconds = this.#drawTimeout();
    const query: Query = {
      watch: true,
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
    };
    const path = resourcePath(this.#type, { namespace: this.#options.namespace });
    const local = new AbortController();
    const onAbort = () => local.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort(); // stop() may have come between the list and this watch

    const silenceMs = timeoutSeconds * 1000 + (this.#options.watchdogGraceMs ?? 30_000);
    let watchdog: Timer | undefined;
    let watchdogFired = false;
    // Each event only notes the time; the one timer, when due, re-arms itself for the rest of the silence window.
    // (A timer replaced per event costs more than the event itself when thousands arrive per second.)
    let lastActivity = this.#clock.now();
    const checkSilence = () => {
      const quietMs = this.#clock.now() - lastActivity;
      if (quietMs < silenceMs) {
        watchdog = this.#clock.setTimer(checkSilence, silenceMs - quietMs);
        return;
      }
      watchdogFired = true;
      local.abort(new WatchdogError(silenceMs));
    };

    try {
      watchdog = this.#clock.setTimer(checkSilence, silenceMs);
      const stream = await this.#client.stream(path, {
        query,
        accept: this.#options.metadataOnly ? metadataOnlyAccept.object : undefined,
        signal: local.signal,
      });
      this.stats.watches++;
      const onLocalAbort = () => stream.destroy(local.signal.reason);
      local.signal.addEventListener('abort', onLocalAbort, { once: true });
      if (local.signal.aborted) onLocalAbort();
      const openedAt = this.#clock.now();
      let buffered = '';
      let events = 0;
      try {
        stream.setEncoding('utf8');
        for await (const chunk of stream as AsyncIterable<string>) {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            newline = buffered.indexOf('\n');
            if (!line) continue;
            lastActivity = this.#clock.now();
            this.#apply(JSON.parse(line) as WatchEvent, path);
            events++;
          }
        }
      } finally {
        local.signal.removeEventListener('abort', onLocalAbort);
        stream.destroy();
      }
      if (watchdogFired) throw new WatchdogError(silenceMs);
      // Ended by the server's timeout (or after real work): healthy. Ended at once and empty: suspicious.
      return events > 0 || this.#clock.now() - openedAt >= Math.min(1000, timeoutSeconds * 500);
    } catch (error) {
      if (watchdogFired && !signal.aborted) throw new WatchdogError(silenceMs);
      throw error;
    } finally {
      watchdog?.cancel();
      signal.removeEventListener('abort', onAbort);
    }
  }

  #apply(event: WatchEvent, path: string): void {
    const object = event.type === 'ADDED' || event.type === 'MODIFIED' ? this.#transform(event.object) : event.object;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.#upsert(objectKey(object), object as T);
        break;
      case 'DELETED': {
        const key = objectKey(object);
        const old = this.#items.get(key);
        this.#items.delete(key);
        if (old) this.#call(() => this.#handlers.onDelete?.(object as T));
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = object as { code?: number; reason?: string; message?: string };
        throw new KubeApiError({
          status: status.code ?? 500,
          method: 'WATCH',
          path,
          apiStatus: { reason: status.reason, message: status.message },
        });
      }
      default:
        return;
    }
    const rv = object.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
  }

  #transform(object: KubeObject): T {
    const transform = this.#options.transform;
    return (transform ? transform(object) : object) as T;
  }

  #drawTimeout(): number {
    const option = this.#options.timeoutSeconds ?? { min: 300, max: 600 };
    if (typeof option === 'number') return option;
    return Math.floor(option.min + this.#random() * (option.max - option.min + 1));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#report(error, 'handler');
    }
  }

  #report(error: unknown, during: 'list' | 'watch' | 'handler'): void {
    try {
      this.#handlers.onError?.(error, during);
    } catch {
      // A failing error reporter must not stop the list-watch.
    }
  }
}
