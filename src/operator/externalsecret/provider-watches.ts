// Instant refresh: for every store client (store + namespace, or the store alone when it shares one client between
// namespaces: keyed as ProviderAccess keys them) whose provider can
// watch (custos), one watch on the remote keys and paths the ExternalSecrets of that client read. A reported change
// names the ExternalSecrets to refresh at once; polling at refreshInterval stays the safety net (a watch misses
// what changes while it reconnects or is being reopened).
//
// Watches use their own long-lived clients: ProviderAccess replaces its clients every few minutes, and closing a
// client ends its watches. A client's watch is reopened (new one first, then the old one closed) when the set of
// refs changes, after a short delay so that many ExternalSecrets appearing together cost one reopen.
import type { Logger } from 'pino';
import type { KubeAccess, ProviderRegistry, RemoteChange, SecretsClient, Watch } from '../../providers/index.js';
import { clientKey as clientKeyOf } from '../provider-clients.js';
import type { ExternalSecretObject } from './reconciler.js';
import type { ResolvedStore, StoreResolver } from './stores.js';
import { type ClientRef, readRefsOf, WatchBook, wantsRemoteChanges } from './watch-refs.js';

export interface ProviderWatchesOptions {
  registry: ProviderRegistry;
  kube: KubeAccess;
  stores: StoreResolver;
  logger: Logger;
  /** ExternalSecrets (namespace/name) whose remote data changed, and the client it changed behind. */
  onRemoteChange(esKeys: string[], store: ResolvedStore, namespace: string): void;
  /** Delay before a changed set of refs reopens a watch (default 100 ms). */
  reopenDelayMs?: number;
}

interface ClientState {
  store: ResolvedStore;
  namespace: string;
  /** undefined while being created; null when the provider cannot watch. */
  client?: Promise<SecretsClient | null>;
  watch?: Watch;
  /** The refs the open watch was opened with. */
  signature?: string;
  timer?: NodeJS.Timeout;
  /** Serialises reopen work per client. */
  busy: Promise<void>;
}

export class ProviderWatches {
  readonly #o: ProviderWatchesOptions;
  readonly #book = new WatchBook();
  readonly #clients = new Map<string, ClientState>();
  /** Providers whose clients have no watch (a provider's clients all share one implementation). */
  readonly #cannotWatch = new Set<string>();
  #closed = false;

  constructor(options: ProviderWatchesOptions) {
    this.#o = options;
  }

  /** Records what an ExternalSecret reads (stores that cannot be resolved yet are left out until it is retried). */
  track(esKey: string, es: ExternalSecretObject): void {
    if (this.#closed) return;
    const refs: ClientRef[] = [];
    if (wantsRemoteChanges(es)) {
      const namespace = es.metadata?.namespace ?? '';
      for (const read of readRefsOf(es)) {
        let store: ResolvedStore;
        try {
          store = this.#o.stores.resolve(read.storeRef, namespace);
        } catch {
          continue;
        }
        // Nothing could watch the refs of a provider without a change feed: not booked (most stores; saves
        // every reconcile the booking and every client the reopen work).
        if (!this.#mayWatch(store)) continue;
        const clientKey = clientKeyOf(store, namespace);
        if (!this.#clients.has(clientKey)) this.#clients.set(clientKey, { store, namespace, busy: Promise.resolve() });
        refs.push({ clientKey, ref: read.ref });
      }
    }
    const changed = new Set(this.#book.set(esKey, refs));
    // A client whose creation failed earlier is tried again when one of its readers is reconciled.
    for (const { clientKey } of refs) {
      const state = this.#clients.get(clientKey);
      if (state && state.client === undefined && state.signature === undefined) changed.add(clientKey);
    }
    for (const clientKey of changed) this.#schedule(clientKey);
  }

  #mayWatch(store: ResolvedStore): boolean {
    try {
      const provider = this.#o.registry.forStore(store.object.spec);
      return provider.hasChangeFeed === true && !this.#cannotWatch.has(provider.key);
    } catch {
      return false; // an unsupported provider: the reconcile reports it
    }
  }

  untrack(esKey: string): void {
    for (const clientKey of this.#book.delete(esKey)) this.#schedule(clientKey);
  }

  /** Number of open watches (for tests and metrics). */
  openWatches(): number {
    return [...this.#clients.values()].filter((c) => c.watch !== undefined).length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const states = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(
      states.map(async (state) => {
        clearTimeout(state.timer);
        await state.busy.catch(() => undefined);
        await state.watch?.close().catch(() => undefined);
        const client = await state.client?.catch(() => null);
        await client?.close().catch(() => undefined);
      }),
    );
  }

  #schedule(clientKey: string): void {
    const state = this.#clients.get(clientKey);
    if (!state || state.timer) return;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.busy = state.busy.then(() => this.#reconcileWatch(clientKey, state)).catch(() => undefined);
    }, this.#o.reopenDelayMs ?? 100);
    state.timer.unref?.();
  }

  async #reconcileWatch(clientKey: string, state: ClientState): Promise<void> {
    if (this.#closed) return;
    const refs = this.#book.refsOf(clientKey);
    const log = this.#o.logger.child({
      store: `${state.store.object.kind}/${state.store.object.name}`,
      namespace: state.namespace,
    });
    if (refs.length === 0) {
      if (this.#clients.get(clientKey) === state) this.#clients.delete(clientKey);
      await state.watch?.close().catch(() => undefined);
      const client = await state.client?.catch(() => null);
      await client?.close().catch(() => undefined);
      log.debug('no ExternalSecret reads through this store client any more: watch closed');
      return;
    }
    const signature = JSON.stringify(refs);
    if (signature === state.signature) return;
    state.client ??= this.#newClient(state);
    const client = await state.client.catch((error) => {
      // Not cached: the next change of refs (or the next reconcile of a reader) tries again.
      state.client = undefined;
      log.debug({ err: (error as Error)?.message }, 'could not create a client for the change feed');
      return null;
    });
    if (!client?.watch) return;
    const previous = state.watch;
    state.watch = client.watch(refs, (change) => this.#changed(clientKey, state, change), {
      onError: (error) => log.debug({ err: error.message }, 'change feed interrupted (reconnecting)'),
    });
    state.signature = signature;
    await previous?.close().catch(() => undefined);
    log.debug({ refs: refs.length }, 'watching the change feed');
  }

  async #newClient(state: ClientState): Promise<SecretsClient | null> {
    // No client (for most providers a login) just to find out there is no feed.
    if (!this.#mayWatch(state.store)) return null;
    const provider = this.#o.registry.forStore(state.store.object.spec);
    const client = await provider.newClient({
      store: state.store.object,
      namespace: state.namespace,
      kube: this.#o.kube,
    });
    if (typeof client.watch === 'function') return client;
    this.#cannotWatch.add(provider.key);
    await client.close().catch(() => undefined);
    return null;
  }

  #changed(clientKey: string, state: ClientState, change: RemoteChange): void {
    const esKeys = this.#book.affected(clientKey, change.key);
    if (esKeys.length > 0) this.#o.onRemoteChange(esKeys, state.store, state.namespace);
  }
}
