// Finds the store an ExternalSecret (or one of its data entries) reads from, from the informer caches, and
// applies ESO's gates: ClusterSecretStore namespace conditions, controller class and the flood gate (store must
// be Ready). Errors are StoreError with the messages ESO uses, so users see the same text.
import { RE2JS } from 're2js';
import type { SecretStore, SecretStoreRef } from '../../api/generated/types.js';
import type { Informer, KubeObject } from '../../kube/index.js';
import type { StoreKind, StoreObject } from '../../providers/index.js';
import { matchesLabelSelector } from '../labelselector.js';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    message: string,
    /** The store exists but has not been validated yet: wait for it instead of reporting a failure. */
    readonly pending = false,
  ) {
    super(message);
  }
}

/** True if error (or its cause chain) is a store that is still being validated. */
export function isStorePending(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof StoreError && e.pending) return true;
  }
  return false;
}

export type StoreResource = KubeObject & Pick<SecretStore, 'spec' | 'status'> & { kind?: string };

export interface ResolvedStore {
  object: StoreObject;
  /** Changes whenever the store spec changes (keys provider clients and coalesced reads). */
  identity: string;
  resource: StoreResource;
}

export interface StoreResolverOptions {
  secretStores: Informer<StoreResource>;
  clusterSecretStores: Informer<StoreResource>;
  namespaces: Informer<KubeObject>;
  controllerClass: string;
  /** Require the store's Ready condition to be True (ESO's --enable-flood-gate, default true). */
  floodGate: boolean;
}

export class StoreResolver {
  constructor(private readonly options: StoreResolverOptions) {}

  /** The store as cached, or undefined if it does not exist. */
  lookup(ref: SecretStoreRef | undefined, namespace: string): StoreResource | undefined {
    const kind: StoreKind = ref?.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
    const name = ref?.name ?? '';
    if (!name) return undefined;
    return kind === 'ClusterSecretStore'
      ? this.options.clusterSecretStores.getByName(undefined, name)
      : this.options.secretStores.getByName(namespace, name);
  }

  /** True if the store exists and belongs to another controller class (ESO then skips the ExternalSecret). */
  isForeign(ref: SecretStoreRef | undefined, namespace: string): boolean {
    const store = this.lookup(ref, namespace);
    const controller = store?.spec?.controller ?? '';
    return controller !== '' && controller !== this.options.controllerClass;
  }

  resolve(ref: SecretStoreRef | undefined, namespace: string): ResolvedStore {
    const kind: StoreKind = ref?.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
    const name = ref?.name ?? '';
    if (!name) {
      throw new StoreError(
        'no store referenced: set spec.secretStoreRef.name (or sourceRef.storeRef.name of the entry)',
      );
    }
    const resource = this.lookup(ref, namespace);
    if (!resource) {
      throw new StoreError(
        kind === 'ClusterSecretStore'
          ? `could not get ClusterSecretStore "${name}": it does not exist`
          : `could not get SecretStore "${name}" in namespace "${namespace}": it does not exist`,
      );
    }
    const controller = resource.spec?.controller ?? '';
    if (controller !== '' && controller !== this.options.controllerClass) {
      throw new StoreError(`can not reference unmanaged store "${name}" (controller class "${controller}")`);
    }
    if (kind === 'ClusterSecretStore' && !this.namespaceAllowed(resource, namespace)) {
      throw new StoreError(
        `using cluster store "${name}" is not allowed from namespace "${namespace}": denied by spec.condition`,
      );
    }
    if (this.options.floodGate) {
      const ready = resource.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') {
        // ESO says only "is not ready"; the store's own message tells the user what to fix.
        const why = ready?.message ? ` (${ready.reason}: ${ready.message})` : ' (not validated yet)';
        throw new StoreError(`${kind} "${name}" is not ready${why}`, !ready);
      }
    }
    if (!resource.spec) throw new StoreError(`${kind} "${name}" has no spec`);
    return resolvedStore(kind, namespace, name, resource, resource.spec);
  }

  namespaceAllowed(store: StoreResource, namespace: string): boolean {
    const conditions = store.spec?.conditions ?? [];
    if (conditions.length === 0) return true;
    const labels = this.options.namespaces.getByName(undefined, namespace)?.metadata?.labels ?? {
      'kubernetes.io/metadata.name': namespace,
    };
    for (const condition of conditions) {
      if (condition.namespaceSelector && matchesLabelSelector(condition.namespaceSelector, labels)) return true;
      if ((condition.namespaces ?? []).includes(namespace)) return true;
      for (const pattern of condition.namespaceRegexes ?? []) {
        try {
          if (RE2JS.compile(pattern).test(namespace)) return true;
        } catch {
          // An invalid regexp matches nothing; the store's own status reports it.
        }
      }
    }
    return false;
  }
}

/**
 * A store as provider clients see it. Its identity changes with every spec change (generation), so a changed store
 * gets new clients and fresh reads.
 */
export function resolvedStore(
  kind: StoreKind,
  storeNamespace: string,
  name: string,
  resource: StoreResource,
  spec: StoreObject['spec'],
): ResolvedStore {
  const namespace = kind === 'SecretStore' ? storeNamespace : undefined;
  const version = resource.metadata?.generation ?? resource.metadata?.resourceVersion ?? '';
  return {
    object: { kind, name, namespace, spec },
    identity: `${kind}/${namespace ?? ''}/${name}/${resource.metadata?.uid ?? ''}/${version}`,
    resource,
  };
}
