// Provider clients for pushing, reused per store (and per namespace for referent ClusterSecretStores) for a
// while instead of one login per reconcile. Every call is counted in the provider-call metric.
import type {
  KubeAccess,
  ProviderRegistry,
  PushRemoteRef,
  PushSecretData,
  PushSource,
  SecretsClient,
} from '../../providers/index.js';
import type { StoreRateLimits } from '../externalsecret/store-rate-limits.js';
import type { ResolvedStore } from '../externalsecret/stores.js';
import { ProviderClientCache } from '../provider-clients.js';

export type PushCall = 'PushSecret' | 'DeleteSecret' | 'SecretExists';

export interface PushClientsOptions {
  registry: ProviderRegistry;
  kube: KubeAccess;
  clientTtlMs?: number;
  /** As ProviderAccessOptions.onCall: the provider's own API calls, or one per client method (a PushCall). */
  onCall?(provider: string, call: string, status: 'success' | 'error'): void;
  /** The stores' provider-call budgets (shared with the ExternalSecret reads); none: unlimited. */
  rateLimits?: StoreRateLimits;
  onThrottled?(provider: string, waitedMs: number): void;
  now?: () => number;
  /** The operator's provider clients, shared with ExternalSecret reads and store validation; else a cache of its own. */
  clients?: ProviderClientCache;
}

export class PushClients {
  readonly #clients: ProviderClientCache;
  readonly #ownsClients: boolean;

  constructor(options: PushClientsOptions) {
    this.#ownsClients = !options.clients;
    this.#clients =
      options.clients ??
      new ProviderClientCache({
        registry: options.registry,
        kube: options.kube,
        ttlMs: options.clientTtlMs,
        now: options.now,
        onCall: options.onCall,
        rateLimits: options.rateLimits,
        onThrottled: options.onThrottled,
      });
  }

  push(store: ResolvedStore, namespace: string, source: PushSource, data: PushSecretData): Promise<void> {
    return this.#call(store, namespace, 'PushSecret', (c) => c.pushSecret(source, data));
  }

  delete(store: ResolvedStore, namespace: string, ref: PushRemoteRef): Promise<void> {
    return this.#call(store, namespace, 'DeleteSecret', (c) => c.deleteSecret(ref));
  }

  exists(store: ResolvedStore, namespace: string, ref: PushRemoteRef): Promise<boolean> {
    return this.#call(store, namespace, 'SecretExists', (c) => c.secretExists(ref));
  }

  async close(): Promise<void> {
    if (this.#ownsClients) await this.#clients.close();
  }

  #call<T>(store: ResolvedStore, namespace: string, call: PushCall, run: (c: SecretsClient) => Promise<T>) {
    return this.#clients.call(store, namespace, call, run);
  }
}
