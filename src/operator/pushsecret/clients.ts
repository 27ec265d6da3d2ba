// PushSecret's provider calls: through the operator's provider clients (one per store, shared with ExternalSecret
// reads and store validation, drawing on the same per-store budget). Every call is counted in the provider-call
// metric.
import type { PushRemoteRef, PushSecretData, PushSource, SecretsClient } from '../../providers/index.js';
import type { ResolvedStore } from '../externalsecret/stores.js';
import type { ProviderClientCache } from '../provider-clients.js';

export type PushCall = 'PushSecret' | 'DeleteSecret' | 'SecretExists';

export class PushClients {
  readonly #clients: ProviderClientCache;

  constructor(clients: ProviderClientCache) {
    this.#clients = clients;
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

  #call<T>(store: ResolvedStore, namespace: string, call: PushCall, run: (c: SecretsClient) => Promise<T>) {
    return this.#clients.call(store, namespace, call, run);
  }
}
