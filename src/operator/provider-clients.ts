// Provider clients reused per store for a while, instead of one client -- and one login -- per reconcile. Shared
// by the ExternalSecret reads and the PushSecret writes. A ClusterSecretStore whose credentials do not depend on
// the using namespace has one client for all namespaces; otherwise (SecretStores, referent ClusterSecretStores)
// there is one per namespace. A client that failed to build is shared briefly too, so many readers of a store with
// bad credentials do not each log in again (1Password / Akeyless rate limits).

import { isReferentSpec as isAkeylessReferent } from '../providers/akeyless/credentials.js';
import { isReferentAuth as isCustosReferent } from '../providers/custos/credentials.js';
import type { KubeAccess, ProviderRegistry, SecretsClient, StoreObject } from '../providers/index.js';
import { isReferentSpec as isKubernetesReferent } from '../providers/kubernetes/auth.js';
import type { StoreRateLimits } from './externalsecret/store-rate-limits.js';
import type { ResolvedStore } from './externalsecret/stores.js';

/**
 * True when every namespace using this store gets the same client, and so the same answer to the same read.
 *
 * Why: a ClusterSecretStore fanned out to many namespaces (ClusterExternalSecret) should cost one login and one
 * read per key, not one per namespace. But a "referent" ClusterSecretStore (a credential ref without a namespace)
 * resolves its credentials in each ExternalSecret's namespace, and a few providers use the namespace in the request
 * itself; sharing those would hand one tenant's secret to another namespace. So this is an allowlist: only the
 * providers checked below, and only when nothing they use comes from the namespace; anything else (SecretStores,
 * unknown or new providers, invalid specs) stays per namespace -- an extra read is cheap, a leak is not.
 * - kubernetes: referent auth (token, serviceAccount, cert without namespace) and authRef without namespace read
 *   in the using namespace; remoteNamespace defaults to "default", never to the using namespace.
 * - akeyless, custos: referent auth refs; the mounted-token logins use the operator's own identity.
 * - onepassword: the Connect token ref must name its namespace in a ClusterSecretStore.
 * - webhook: never -- url, headers, body and result.jsonPath are templates that may use `.remoteRef.namespace`.
 * - fake: static data, per store.
 * caProvider must name its namespace in a ClusterSecretStore (checked again here all the same).
 */
export function sharesAcrossNamespaces(store: StoreObject): boolean {
  if (store.kind !== 'ClusterSecretStore') return false;
  const provider = store.spec?.provider ?? {};
  const named = Object.entries(provider).filter(([, value]) => value !== undefined && value !== null);
  if (named.length !== 1) return false;
  const caNamed = (spec: { caProvider?: { namespace?: string } }) => !spec.caProvider || !!spec.caProvider.namespace;
  if (provider.fake) return true;
  if (provider.kubernetes) {
    const spec = provider.kubernetes;
    if (spec.authRef && !spec.authRef.namespace) return false;
    return !isKubernetesReferent(spec) && caNamed(spec.server ?? {});
  }
  if (provider.akeyless) return !isAkeylessReferent(provider.akeyless) && caNamed(provider.akeyless);
  if (provider.custos) return !isCustosReferent(provider.custos.auth) && caNamed(provider.custos);
  if (provider.onepassword) {
    const refs = provider.onepassword.auth?.secretRef;
    return [refs?.connectTokenSecretRef, refs?.connectToken].every((ref) => !ref || !!ref.namespace);
  }
  return false;
}

/** What a client (and what it reads) is keyed by: the store, and the using namespace unless the store shares. */
export function clientKey(store: ResolvedStore, namespace: string): string {
  // "*" cannot be a namespace name, so a shared key never equals a per-namespace one.
  return `${store.identity}|${sharesAcrossNamespaces(store.object) ? '*' : namespace}`;
}

export interface ProviderClientCacheOptions {
  registry: ProviderRegistry;
  kube: KubeAccess;
  /** How long a client is reused (default 5 minutes). */
  ttlMs?: number;
  /**
   * How long a client that failed to build is answered with the same error after the failure (default 5 seconds;
   * 0 shares it only while it is being built). The next call after that tries again.
   */
  failureTtlMs?: number;
  now?: () => number;
  /**
   * Every real provider call (for externalsecret_provider_api_calls_count): the provider's own API calls when it
   * counts them (Provider.countsApiCalls, named as ESO names them), else one per `call`.
   */
  onCall?(provider: string, call: string, status: 'success' | 'error'): void;
  /** Per-store budgets of provider calls (custos.dev/provider-qps, --provider-qps); none: unlimited. */
  rateLimits?: StoreRateLimits;
  /** A provider call waited this long for its store's budget. */
  onThrottled?(provider: string, waitedMs: number): void;
}

interface CachedClient {
  at: number;
  client: Promise<SecretsClient>;
  /** When building the client failed. */
  failedAt?: number;
}

export const DEFAULT_CLIENT_FAILURE_TTL_MS = 5_000;

export class ProviderClientCache {
  readonly #options: ProviderClientCacheOptions;
  readonly #clients = new Map<string, CachedClient>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: ProviderClientCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The client for a store as seen from a namespace; an expired one is closed and replaced. */
  get(store: ResolvedStore, namespace: string): Promise<SecretsClient> {
    const key = clientKey(store, namespace);
    const now = this.#now();
    this.#sweep(now);
    const cached = this.#clients.get(key);
    if (cached && this.#fresh(cached, now)) return cached.client;
    if (cached) {
      this.#clients.delete(key);
      if (cached.failedAt === undefined) void cached.client.then((c) => c.close()).catch(() => undefined);
    }
    const provider = this.#options.registry.forStore(store.object.spec);
    const onApiCall = this.#options.onCall;
    const client = provider.newClient({
      store: store.object,
      namespace,
      kube: this.#options.kube,
      apiCalls: onApiCall && ((call, failed) => onApiCall(provider.key, call, failed ? 'error' : 'success')),
    });
    const entry: CachedClient = { at: now, client };
    this.#clients.set(key, entry);
    // A client that failed to build answers with the same error for failureTtlMs, then the next call tries again.
    client.catch(() => {
      entry.failedAt = this.#now();
      if (this.#failureTtlMs <= 0 && this.#clients.get(key) === entry) this.#clients.delete(key);
    });
    return client;
  }

  /** The store's client after waiting for the store's budget: what any provider call (or validation) starts with. */
  async acquire(store: ResolvedStore, namespace: string): Promise<SecretsClient> {
    const wait = this.#options.rateLimits?.reserve(store) ?? 0;
    if (wait > 0) {
      this.#options.onThrottled?.(this.#options.registry.forStore(store.object.spec).key, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return this.get(store, namespace);
  }

  /**
   * One provider call on the store's client: waits for the store's budget first, and counts it as `call` unless
   * the provider reports its own API calls.
   */
  async call<T>(
    store: ResolvedStore,
    namespace: string,
    call: string,
    run: (client: SecretsClient) => Promise<T>,
  ): Promise<T> {
    const provider = this.#options.registry.forStore(store.object.spec);
    const client = await this.acquire(store, namespace);
    const onCall = provider.countsApiCalls === true ? undefined : this.#options.onCall;
    try {
      const result = await run(client);
      onCall?.(provider.key, call, 'success');
      return result;
    } catch (error) {
      onCall?.(provider.key, call, 'error');
      throw error;
    }
  }

  /** A working client for the store is cached (built, not expired): the next call reuses it. */
  hasWorking(store: ResolvedStore, namespace: string): Promise<boolean> {
    const cached = this.#clients.get(clientKey(store, namespace));
    if (!cached || cached.failedAt !== undefined || !this.#fresh(cached, this.#now())) return Promise.resolve(false);
    return cached.client.then(
      () => true,
      () => false,
    );
  }

  /** Closes and drops the store's cached client (e.g. its credentials stopped working): the next call builds anew. */
  forget(store: ResolvedStore, namespace: string): void {
    const key = clientKey(store, namespace);
    const cached = this.#clients.get(key);
    if (!cached) return;
    this.#clients.delete(key);
    void cached.client.then((c) => c.close()).catch(() => undefined);
  }

  /** Closes every cached client. */
  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(
      clients.map(async (c) => (await c.client.catch(() => undefined))?.close().catch(() => undefined)),
    );
  }

  get #failureTtlMs(): number {
    return this.#options.failureTtlMs ?? DEFAULT_CLIENT_FAILURE_TTL_MS;
  }

  #fresh(entry: CachedClient, now: number): boolean {
    if (entry.failedAt !== undefined) return now - entry.failedAt < this.#failureTtlMs;
    return now - entry.at < (this.#options.ttlMs ?? 300_000);
  }

  /**
   * Drops expired entries, closing expired clients: those of a store that changed (a new spec is a new key) or was
   * deleted are never asked for again, and would otherwise keep their connections open for the operator's life.
   */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 10_000) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#clients) {
      if (this.#fresh(entry, now)) continue;
      this.#clients.delete(key);
      if (entry.failedAt === undefined) void entry.client.then((c) => c.close()).catch(() => undefined);
    }
  }
}
