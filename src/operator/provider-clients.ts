// Provider clients reused per store (and per namespace, for referent ClusterSecretStores) for a while, instead of
// one client -- and one login -- per reconcile. Shared by the ExternalSecret reads and the PushSecret writes.
import type { KubeAccess, ProviderRegistry, SecretsClient } from '../providers/index.js';
import type { ResolvedStore } from './externalsecret/stores.js';

export interface ProviderClientCacheOptions {
  registry: ProviderRegistry;
  kube: KubeAccess;
  /** How long a client is reused (default 5 minutes). */
  ttlMs?: number;
  now?: () => number;
  /** API calls reported by providers that count their own (Provider.countsApiCalls). */
  onApiCall?(provider: string, call: string, status: 'success' | 'error'): void;
}

export class ProviderClientCache {
  readonly #options: ProviderClientCacheOptions;
  readonly #clients = new Map<string, { at: number; client: Promise<SecretsClient> }>();
  readonly #now: () => number;

  constructor(options: ProviderClientCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The client for a store as seen from a namespace; an expired one is closed and replaced. */
  get(store: ResolvedStore, namespace: string): Promise<SecretsClient> {
    const key = `${store.identity}|${namespace}`;
    const now = this.#now();
    const cached = this.#clients.get(key);
    if (cached && now - cached.at < (this.#options.ttlMs ?? 300_000)) return cached.client;
    if (cached) {
      this.#clients.delete(key);
      void cached.client.then((c) => c.close()).catch(() => undefined);
    }
    const provider = this.#options.registry.forStore(store.object.spec);
    const onApiCall = this.#options.onApiCall;
    const client = provider.newClient({
      store: store.object,
      namespace,
      kube: this.#options.kube,
      apiCalls: onApiCall && ((call, failed) => onApiCall(provider.key, call, failed ? 'error' : 'success')),
    });
    const entry = { at: now, client };
    this.#clients.set(key, entry);
    // A client that failed to build is not cached: the next call tries again.
    client.catch(() => {
      if (this.#clients.get(key) === entry) this.#clients.delete(key);
    });
    return client;
  }

  /**
   * The store's provider reports its own API calls (through onApiCall); otherwise callers count one call per
   * client method.
   */
  countsOwnCalls(store: ResolvedStore): boolean {
    return this.#options.registry.forStore(store.object.spec).countsApiCalls === true;
  }

  /** Closes every cached client. */
  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(
      clients.map(async (c) => (await c.client.catch(() => undefined))?.close().catch(() => undefined)),
    );
  }
}
