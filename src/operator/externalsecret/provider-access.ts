// Provider reads for every ExternalSecret go through here, which is where Custos is cheaper than ESO:
// * provider clients are reused per store for clientTtlMs, instead of one client (and one login) per reconcile
//   (in the operator one cache for reads, PushSecret writes and store validation: ControllerContext.providerClients):
//   one for all namespaces when the store's credentials do not depend on the using namespace, else one per
//   namespace (SecretStores, referent ClusterSecretStores; see sharesAcrossNamespaces). A client that failed to
//   build answers its callers with the same error for a few seconds instead of each logging in again;
// * reads are coalesced: identical reads (same store spec, client -- so the same namespace unless the store shares
//   one client between namespaces --, call and reference) share one provider call while it is in flight, and its
//   result for up to the caller's maxAgeMs afterwards. Many ExternalSecrets reading the same remote key in one
//   refresh window cost one provider call, also when a ClusterExternalSecret puts them in many namespaces. For
//   providers that pick `property` from one fetch (Provider.fetchesWholeSecrets) the reference leaves the property
//   out: the data[] entries reading user and password of one remote secret share one call too (a property the
//   fetch lacks, a 1Password file, costs one call more: FetchedSecret.load), and so does a dataFrom.extract of that
//   secret (FetchedSecret.secretMap; a 1Password document's files are read by getSecretMap itself). Webhook stores
//   do so when their request does not use the property (which then only shapes result.jsonPath).
// * a failed read answers the other readers of the next 5 seconds too (never longer than reads are shared; never
//   a fresh read, nor a reader that already had it), so the backed-off retries of many ExternalSecrets reading one
//   missing secret cost about one call per retry round, and one ExternalSecret's own retry still asks again.
// Results are shared between callers: treat returned maps and byte arrays as read-only.
import {
  type FetchedSecret,
  type FindRef,
  type KubeAccess,
  type ProviderRegistry,
  type RemoteRef,
  type SecretsClient,
  secretMapOf,
} from '../../providers/index.js';
import { clientKey, DEFAULT_CLIENT_FAILURE_TTL_MS, ProviderClientCache } from '../provider-clients.js';
import type { StoreRateLimits } from './store-rate-limits.js';
import type { ResolvedStore } from './stores.js';

export type ProviderCall = 'GetSecret' | 'GetSecretMap' | 'GetAllSecrets';

export interface ProviderAccessOptions {
  registry: ProviderRegistry;
  kube: KubeAccess;
  /** How long a provider client is reused (default 5 minutes). */
  clientTtlMs?: number;
  /** Longest time a read result is shared, whatever callers ask (default 5 minutes; 0 disables coalescing). */
  coalesceWindowMs?: number;
  /**
   * Every real provider call (for externalsecret_provider_api_calls_count): the provider's own API calls when it
   * counts them (Provider.countsApiCalls, named as ESO names them), else one per client method (a ProviderCall).
   */
  onCall?(provider: string, call: string, status: 'success' | 'error'): void;
  /** A read answered from a shared result or an in-flight call. */
  onCoalesced?(provider: string, call: ProviderCall): void;
  /** Per-store budgets of provider calls (custos.dev/provider-qps, --provider-qps); none: unlimited. */
  rateLimits?: StoreRateLimits;
  /** A provider call waited this long for its store's budget. */
  onThrottled?(provider: string, waitedMs: number): void;
  now?: () => number;
  /**
   * The operator's provider clients, shared with PushSecret writes and store validation (one client, one login per
   * store); without it ProviderAccess keeps its own, built from the options above.
   */
  clients?: ProviderClientCache;
}

interface CachedRead {
  at: number;
  settled: boolean;
  /** The call failed: its error is shared for failureTtlMs only, and never twice with one reader. */
  failed?: boolean;
  /** The readers this call answered (kept until it succeeds): a failure is not handed to the same reader again. */
  readers?: Set<string>;
  /** Readers whose answer derived from this result failed (#fromWhole): their next read fetches fresh. */
  refused: Set<string>;
  value: Promise<unknown>;
}

export class ProviderAccess {
  readonly #options: ProviderAccessOptions;
  readonly #reads = new Map<string, CachedRead>();
  readonly #clients: ProviderClientCache;
  /** Whether #clients is this object's own (closed with it) rather than the operator's shared cache. */
  readonly #ownsClients: boolean;
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: ProviderAccessOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#ownsClients = !options.clients;
    this.#clients = options.clients ?? providerClientCache(options);
  }

  get coalesceWindowMs(): number {
    return this.#options.coalesceWindowMs ?? 300_000;
  }

  /** How long a failed read answers its readers (as a failed client build does), never longer than reads are shared. */
  get #failureTtlMs(): number {
    return clientFailureTtlMs(this.coalesceWindowMs);
  }

  /**
   * `maxAgeMs`: the oldest shared result the caller accepts. `reader` (the ExternalSecret's key) lets a failed read
   * answer other readers for a few seconds; without it a failure is shared only while in flight.
   */
  getSecret(
    store: ResolvedStore,
    namespace: string,
    ref: RemoteRef,
    maxAgeMs: number,
    reader?: string,
  ): Promise<Uint8Array> {
    const age = { maxAgeMs, reader };
    if (!this.#fetchesWholeSecrets(store)) {
      return this.#read(store, namespace, 'GetSecret', ref, age, (c) => c.getSecret(ref));
    }
    // Properties of one remote secret (user and password of one login, say) share one fetch.
    const { property, ...whole } = ref;
    return this.#fromWhole(store, namespace, whole, age, (fetched) =>
      fetched.then((secret) => {
        const load = secret.load?.(property);
        if (!load) return secret.pick(property);
        // Not in the fetch (a 1Password file): its own call, shared and under the store's budget like any other.
        const part = { ...whole, property: property ?? null };
        return this.#read(store, namespace, 'GetSecret', part, age, load);
      }),
    );
  }

  async getSecretMap(
    store: ResolvedStore,
    namespace: string,
    ref: RemoteRef,
    maxAgeMs: number,
    reader?: string,
  ): Promise<Record<string, Uint8Array>> {
    const age = { maxAgeMs, reader };
    const ownCall = () => this.#read(store, namespace, 'GetSecretMap', ref, age, (c) => c.getSecretMap(ref));
    if (!this.#fetchesWholeSecrets(store)) return ownCall();
    // An extract and the data[] entries reading the same remote secret share one fetch (same key as getSecret's).
    const { property, ...whole } = ref;
    return (
      (await this.#fromWhole(store, namespace, whole, age, (fetched) => secretMapOf(fetched, property))) ?? ownCall()
    );
  }

  getAllSecrets(store: ResolvedStore, namespace: string, find: FindRef, maxAgeMs: number, reader?: string) {
    return this.#read(store, namespace, 'GetAllSecrets', find, { maxAgeMs, reader }, (c) => c.getAllSecrets(find));
  }

  /**
   * Drops every shared result (finished or in flight) read through one store client: its remote data changed, so
   * the next reads must ask the provider again. For a store shared between namespaces that is every namespace's.
   */
  forget(store: ResolvedStore, namespace: string): void {
    const prefix = `${clientKey(store, namespace)}|`;
    for (const key of this.#reads.keys()) if (key.startsWith(prefix)) this.#reads.delete(key);
  }

  /** Closes every cached client. */
  async close(): Promise<void> {
    this.#reads.clear();
    if (this.#ownsClients) await this.#clients.close();
  }

  #fetchesWholeSecrets(store: ResolvedStore): boolean {
    try {
      const fetchesWhole = this.#options.registry.forStore(store.object.spec).fetchesWholeSecrets;
      return typeof fetchesWhole === 'function' ? fetchesWhole(store.object) : fetchesWhole === true;
    } catch {
      return false; // an unsupported provider: the read fails with the registry's error
    }
  }

  /**
   * The shared fetch of a whole remote secret, and what one reader derives from it (a property, an extract's map).
   * When the fetch succeeded but the derived answer fails (a property the secret lacks, a value that is not JSON),
   * that reader's next read fetches fresh, as after a failed call: a value fixed at the provider is seen at the
   * ExternalSecret's next retry, not only when the shared result expires.
   */
  async #fromWhole<R>(
    store: ResolvedStore,
    namespace: string,
    whole: RemoteRef,
    age: { maxAgeMs: number; reader?: string },
    derive: (fetched: Promise<FetchedSecret>) => Promise<R>,
  ): Promise<R> {
    const fetched = this.#read(store, namespace, 'GetSecret', whole, age, (c) => fetchWhole(c, whole));
    try {
      return await derive(fetched);
    } catch (error) {
      const fetchSucceeded = await fetched.then(
        () => true,
        () => false,
      );
      if (fetchSucceeded && age.reader !== undefined) {
        this.#reads.get(readKey(store, namespace, 'GetSecret', whole))?.refused.add(age.reader);
      }
      throw error;
    }
  }

  async #read<T>(
    store: ResolvedStore,
    namespace: string,
    call: ProviderCall,
    ref: unknown,
    { maxAgeMs, reader }: { maxAgeMs: number; reader?: string },
    run: (client: SecretsClient) => Promise<T>,
  ): Promise<T> {
    const provider = Object.keys(store.object.spec.provider ?? {})[0] ?? 'unknown';
    const key = readKey(store, namespace, call, ref);
    const now = this.#now();
    this.#sweep(now);
    const window = Math.min(maxAgeMs, this.coalesceWindowMs);
    const cached = this.#reads.get(key);
    if (cached && this.#answers(cached, now, window, reader)) {
      this.#options.onCoalesced?.(provider, call);
      return cached.value as Promise<T>;
    }
    const entry: CachedRead = {
      at: now,
      settled: false,
      refused: new Set(),
      readers: reader === undefined ? new Set() : new Set([reader]),
      value: this.#clients.call(store, namespace, call, run),
    };
    this.#reads.set(key, entry);
    entry.value.then(
      () => {
        entry.settled = true;
        entry.at = this.#now();
        entry.readers = undefined;
      },
      () => {
        entry.settled = true;
        entry.failed = true;
        entry.at = this.#now();
      },
    );
    return entry.value as Promise<T>;
  }

  /**
   * Whether a cached read answers this caller: an in-flight call always; a result while younger than the window; a
   * failure for a few seconds, to readers that have not had it yet. So the retries of many ExternalSecrets reading
   * one missing secret cost about one call per retry round (50 of them: 229 calls in 20 s before, 5 now), while
   * one ExternalSecret's own retry always asks the provider again.
   */
  #answers(entry: CachedRead, now: number, window: number, reader: string | undefined): boolean {
    if (!entry.settled) {
      if (reader !== undefined) entry.readers?.add(reader);
      return true;
    }
    if (!entry.failed) return now - entry.at < window && !(reader !== undefined && entry.refused.has(reader));
    if (reader === undefined || entry.readers?.has(reader)) return false;
    if (now - entry.at >= Math.min(window, this.#failureTtlMs)) return false;
    entry.readers?.add(reader);
    return true;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 10_000) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#reads) {
      const kept = entry.failed ? this.#failureTtlMs : this.coalesceWindowMs;
      if (entry.settled && now - entry.at > kept) this.#reads.delete(key);
    }
  }
}

/** A client cache of ProviderAccess's own, for callers (tests, tools) that do not share the operator's. */
export function providerClientCache(options: ProviderAccessOptions): ProviderClientCache {
  return new ProviderClientCache({
    registry: options.registry,
    kube: options.kube,
    ttlMs: options.clientTtlMs,
    failureTtlMs: clientFailureTtlMs(options.coalesceWindowMs),
    now: options.now,
    onCall: options.onCall,
    rateLimits: options.rateLimits,
    onThrottled: options.onThrottled,
  });
}

/** Within a few seconds (and never longer than reads are shared) a failed login is not tried again. */
export function clientFailureTtlMs(coalesceWindowMs: number | undefined): number {
  return Math.min(DEFAULT_CLIENT_FAILURE_TTL_MS, coalesceWindowMs ?? DEFAULT_CLIENT_FAILURE_TTL_MS);
}

/** The key of a shared read: the store client, the call and the reference. */
function readKey(store: ResolvedStore, namespace: string, call: ProviderCall, ref: unknown): string {
  return `${clientKey(store, namespace)}|${call}|${JSON.stringify(ref)}`;
}

function fetchWhole(client: SecretsClient, ref: RemoteRef): Promise<FetchedSecret> {
  if (!client.fetchSecret)
    throw new Error('the provider declares fetchesWholeSecrets but its client has no fetchSecret');
  return client.fetchSecret(ref);
}
