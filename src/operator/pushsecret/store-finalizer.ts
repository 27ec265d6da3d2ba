// ESO's store finalizer (`secretstore.externalsecrets.io/finalizer`): while a PushSecret with deletionPolicy Delete
// references a SecretStore or ClusterSecretStore, the store keeps this finalizer, so deleting the store (or the
// whole namespace) cannot remove it before the PushSecret has deleted what it pushed through it. Once no such
// PushSecret is left, the finalizer goes and a pending deletion completes.
import type { Logger } from 'pino';
import type { Informer, KubeClient } from '../../kube/index.js';
import { isNotFound } from '../../kube/index.js';
import type { StoreResource } from '../externalsecret/stores.js';
import { matchesLabelSelector } from '../labelselector.js';
import { OperatorResources } from '../resources.js';
import type { PushSecretObject } from './resources.js';

export const STORE_FINALIZER = 'secretstore.externalsecrets.io/finalizer';

type StoreKind = 'SecretStore' | 'ClusterSecretStore';

export interface StoreFinalizerOptions {
  client: KubeClient;
  pushSecrets: Informer<PushSecretObject>;
  secretStores: Informer<StoreResource>;
  /** Absent when the operator is limited to one namespace (it then never touches cluster-scoped stores). */
  clusterSecretStores?: Informer<StoreResource>;
  logger: Logger;
}

/** Work-queue key of a store: `SecretStore/<namespace>/<name>` or `ClusterSecretStore/<name>`. */
export function storeQueueKey(kind: StoreKind, name: string, namespace?: string): string {
  return kind === 'ClusterSecretStore' ? `ClusterSecretStore/${name}` : `SecretStore/${namespace}/${name}`;
}

function parseStoreQueueKey(key: string): { kind: StoreKind; namespace?: string; name: string } {
  const [kind, a, b] = key.split('/');
  return kind === 'ClusterSecretStore'
    ? { kind, name: a ?? '' }
    : { kind: 'SecretStore', namespace: a ?? '', name: b ?? '' };
}

export class StoreFinalizer {
  readonly #o: StoreFinalizerOptions;

  constructor(options: StoreFinalizerOptions) {
    this.#o = options;
  }

  /** Enqueues a store whenever it changes and every store a PushSecret references (before and after a change). */
  watch(enqueue: (key: string) => void): void {
    const onStore = (kind: StoreKind) => (store: StoreResource) =>
      enqueue(storeQueueKey(kind, store.metadata?.name ?? '', store.metadata?.namespace));
    this.#o.secretStores.addEventHandler({
      onAdd: onStore('SecretStore'),
      onUpdate: (_, s) => onStore('SecretStore')(s),
    });
    this.#o.clusterSecretStores?.addEventHandler({
      onAdd: onStore('ClusterSecretStore'),
      onUpdate: (_, s) => onStore('ClusterSecretStore')(s),
    });
    const onPushSecret = (ps: PushSecretObject) => {
      for (const key of this.#referencedStores(ps)) enqueue(key);
    };
    this.#o.pushSecrets.addEventHandler({
      onAdd: onPushSecret,
      onUpdate: (old, ps) => {
        onPushSecret(old);
        onPushSecret(ps);
      },
      onDelete: onPushSecret,
    });
  }

  async reconcile(key: string): Promise<undefined> {
    const { kind, namespace, name } = parseStoreQueueKey(key);
    const informer = kind === 'ClusterSecretStore' ? this.#o.clusterSecretStores : this.#o.secretStores;
    const store = informer?.getByName(namespace, name);
    if (!store) return undefined;
    const finalizers = store.metadata?.finalizers ?? [];
    const needed = this.#o.pushSecrets
      .list()
      .some((ps) => ps.spec?.deletionPolicy === 'Delete' && this.#referencedStores(ps).includes(key));
    const has = finalizers.includes(STORE_FINALIZER);
    // A store already being deleted gets no new finalizer; one it has stays until the PushSecrets are done.
    if (needed === has || (needed && store.metadata?.deletionTimestamp)) return undefined;
    const next = needed ? [...finalizers, STORE_FINALIZER] : finalizers.filter((f) => f !== STORE_FINALIZER);
    const resource =
      kind === 'ClusterSecretStore' ? OperatorResources.clusterSecretStores : OperatorResources.secretStores;
    try {
      await this.#o.client.patch(
        resource,
        name,
        { metadata: { finalizers: next, resourceVersion: store.metadata?.resourceVersion } },
        { namespace },
      );
      this.#o.logger.info({ store: key, finalizer: needed ? 'added' : 'removed' }, 'store finalizer updated');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error; // a conflict retries with backoff against the newer object
    }
    return undefined;
  }

  /** Queue keys of the stores a PushSecret references by name or label selector (deleting stores included). */
  #referencedStores(ps: PushSecretObject): string[] {
    const namespace = ps.metadata?.namespace ?? '';
    const keys: string[] = [];
    for (const ref of ps.spec?.secretStoreRefs ?? []) {
      const kind: StoreKind = ref.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
      if (ref.name) keys.push(storeQueueKey(kind, ref.name, namespace));
      else if (ref.labelSelector) {
        const informer = kind === 'ClusterSecretStore' ? this.#o.clusterSecretStores : this.#o.secretStores;
        for (const store of informer?.list() ?? []) {
          if (kind === 'SecretStore' && store.metadata?.namespace !== namespace) continue;
          if (matchesLabelSelector(ref.labelSelector, store.metadata?.labels ?? {})) {
            keys.push(storeQueueKey(kind, store.metadata?.name ?? '', namespace));
          }
        }
      }
    }
    return keys;
  }
}
