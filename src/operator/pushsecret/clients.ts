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
import type { ResolvedStore } from '../externalsecret/stores.js';

export type PushCall = 'PushSecret' | 'DeleteSecret' | 'SecretExists';

export interface PushClientsOptions {
  registry: ProviderRegistry;
  kube: KubeAccess;
  clientTtlMs?: number;
  onCall?(provider: string, call: PushCall, status: 'success' | 'error'): void;
  now?: () => number;
}

export class PushClients {
  readonly #options: PushClientsOptions;
  readonly #clients = new Map<string, { at: number; client: Promise<SecretsClient> }>();
  readonly #now: () => number;

  constructor(options: PushClientsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
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
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(
      clients.map(async (c) => (await c.client.catch(() => undefined))?.close().catch(() => undefined)),
    );
  }

  async #call<T>(store: ResolvedStore, namespace: string, call: PushCall, run: (c: SecretsClient) => Promise<T>) {
    const provider = Object.keys(store.object.spec.provider ?? {})[0] ?? 'unknown';
    const client = await this.#clientFor(store, namespace);
    try {
      const result = await run(client);
      this.#options.onCall?.(provider, call, 'success');
      return result;
    } catch (error) {
      this.#options.onCall?.(provider, call, 'error');
      throw error;
    }
  }

  #clientFor(store: ResolvedStore, namespace: string): Promise<SecretsClient> {
    const key = `${store.identity}|${namespace}`;
    const now = this.#now();
    const cached = this.#clients.get(key);
    if (cached && now - cached.at < (this.#options.clientTtlMs ?? 300_000)) return cached.client;
    if (cached) {
      this.#clients.delete(key);
      void cached.client.then((c) => c.close()).catch(() => undefined);
    }
    const provider = this.#options.registry.forStore(store.object.spec);
    const client = provider.newClient({ store: store.object, namespace, kube: this.#options.kube });
    const entry = { at: now, client };
    this.#clients.set(key, entry);
    client.catch(() => {
      if (this.#clients.get(key) === entry) this.#clients.delete(key);
    });
    return client;
  }
}
