// Shared informers: one cache (and one watch) per resource view, however many controllers ask for it.
// A view is identified by resource type, namespace, label selector, field selector and metadataOnly; asking
// twice for the same view returns the same Informer. Other options (indexers, resync, transform, backoff) are
// taken from the first request; later requests add their indexers with addIndex() instead.
// Informers requested after start() are started at once, so late registration cannot leave a cache unfed.
import type { KubeClient, KubeObject } from './client.js';
import { Informer, type InformerOptions } from './informer.js';
import type { ResourceType } from './resources.js';

export class InformerFactory {
  readonly #client: KubeClient;
  readonly #defaults: InformerOptions<KubeObject>;
  readonly #informers = new Map<string, Informer<KubeObject>>();
  #started = false;

  constructor(client: KubeClient, defaults: InformerOptions<KubeObject> = {}) {
    this.#client = client;
    this.#defaults = defaults;
  }

  /** The shared informer for this view, created on first use. */
  informer<T extends KubeObject = KubeObject>(type: ResourceType, options: InformerOptions<T> = {}): Informer<T> {
    const key = JSON.stringify([
      type.group,
      type.version,
      type.plural,
      options.namespace ?? '',
      options.labelSelector ?? '',
      options.fieldSelector ?? '',
      options.metadataOnly === true,
    ]);
    const existing = this.#informers.get(key);
    if (existing) {
      for (const [name, fn] of Object.entries(options.indexers ?? {})) existing.addIndex(name, fn as never);
      return existing as unknown as Informer<T>;
    }
    const informer = new Informer<T>(this.#client, type, { ...(this.#defaults as InformerOptions<T>), ...options });
    this.#informers.set(key, informer as unknown as Informer<KubeObject>);
    if (this.#started) informer.start();
    return informer;
  }

  /** Starts every informer created so far, and any created later. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const informer of this.#informers.values()) informer.start();
  }

  hasSynced(): boolean {
    return [...this.#informers.values()].every((i) => i.hasSynced());
  }

  /** Resolves true once every informer has synced; false if the signal aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }

  informers(): Informer<KubeObject>[] {
    return [...this.#informers.values()];
  }
}
