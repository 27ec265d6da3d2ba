// ClusterPushSecret: the same PushSecret stamped into every namespace its namespaceSelectors pick (ESO, eso.md
// 1.5). Children carry the ClusterPushSecret as controller owner; a child of the same name that someone else
// made is never touched (the namespace is reported as failed). The controller's finalizer deletes the children
// itself, so cleanup does not depend on the cluster's garbage collector.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ClusterPushSecretSpec, ClusterPushSecretStatus } from '../../api/generated/types.js';
import {
  type Informer,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type OwnerReference,
  type ReconcileResult,
} from '../../kube/index.js';
import { canonicalGoDuration, refreshIntervalMs } from '../duration.js';
import { matchesLabelSelector } from '../labelselector.js';
import { type PushSecretObject, PushSecretResources } from './resources.js';

export const CLUSTER_PUSHSECRET_FINALIZER = 'clusterpushsecret.externalsecrets.io/cleanup';
export const CPS_OWNER_INDEX = 'clusterpushsecret-owner';
export const PUSHSECRET_EXISTS_REASON = 'push secret already exists in namespace';
const FAILED_MESSAGE = 'one or more namespaces failed';
const API_VERSION = 'external-secrets.io/v1alpha1';

export type ClusterPushSecretObject = KubeObject & { spec?: ClusterPushSecretSpec; status?: ClusterPushSecretStatus };

export interface ClusterPushSecretControllerOptions {
  client: KubeClient;
  clusterPushSecrets: Informer<ClusterPushSecretObject>;
  namespaces: Informer<KubeObject>;
  /** PushSecrets of all namespaces. */
  pushSecrets: Informer<PushSecretObject>;
  logger: Logger;
}

function owner(object: KubeObject): string | undefined {
  const ref = object.metadata?.ownerReferences?.find((r) => r.controller === true);
  return ref && ref.kind === 'ClusterPushSecret' && ref.apiVersion.startsWith('external-secrets.io/')
    ? ref.name
    : undefined;
}

/** Namespaces picked by any of spec.namespaceSelectors (none set: no namespace), sorted. */
export function selectedNamespaces(spec: ClusterPushSecretSpec | undefined, namespaces: KubeObject[]): string[] {
  const selectors = spec?.namespaceSelectors ?? [];
  return namespaces
    .filter((ns) => !ns.metadata?.deletionTimestamp)
    .filter((ns) => selectors.some((s) => matchesLabelSelector(s ?? {}, ns.metadata?.labels ?? {})))
    .map((ns) => ns.metadata?.name ?? '')
    .filter(Boolean)
    .sort();
}

export class ClusterPushSecretController {
  readonly #o: ClusterPushSecretControllerOptions;

  constructor(options: ClusterPushSecretControllerOptions) {
    this.#o = options;
    options.pushSecrets.addIndex(CPS_OWNER_INDEX, (p) => {
      const name = owner(p);
      return name ? [name] : [];
    });
  }

  watch(enqueue: (name: string) => void): void {
    const o = this.#o;
    const all = () => {
      for (const c of o.clusterPushSecrets.list()) enqueue(c.metadata?.name ?? '');
    };
    o.clusterPushSecrets.addEventHandler({
      onAdd: (c) => enqueue(c.metadata?.name ?? ''),
      onUpdate: (old, c) => {
        if (!isDeepStrictEqual({ ...old.metadata, resourceVersion: '' }, { ...c.metadata, resourceVersion: '' })) {
          enqueue(c.metadata?.name ?? '');
        }
      },
    });
    o.namespaces.addEventHandler({
      onAdd: all,
      onUpdate: (old, ns) => {
        if (!isDeepStrictEqual(old.metadata?.labels, ns.metadata?.labels)) all();
      },
      onDelete: all,
    });
    // A child edited or deleted by someone else is put back.
    const child = (p: PushSecretObject) => {
      const name = owner(p);
      if (name) enqueue(name);
    };
    o.pushSecrets.addEventHandler({
      onUpdate: (old, p) => {
        if (old.metadata?.generation !== p.metadata?.generation) child(p);
      },
      onDelete: child,
    });
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const cps = this.#o.clusterPushSecrets.getByName(undefined, name);
    if (!cps) return undefined;
    const finalizers = cps.metadata?.finalizers ?? [];
    if (cps.metadata?.deletionTimestamp) {
      for (const child of this.#o.pushSecrets.byIndex(CPS_OWNER_INDEX, name)) await this.#deleteChild(child);
      if (finalizers.includes(CLUSTER_PUSHSECRET_FINALIZER)) {
        await this.#patchFinalizers(
          cps,
          finalizers.filter((f) => f !== CLUSTER_PUSHSECRET_FINALIZER),
        );
      }
      return undefined;
    }
    if (!finalizers.includes(CLUSTER_PUSHSECRET_FINALIZER)) {
      await this.#patchFinalizers(cps, [...finalizers, CLUSTER_PUSHSECRET_FINALIZER]);
    }
    const childName = cps.spec?.pushSecretName || name;
    const wanted = new Set(selectedNamespaces(cps.spec, this.#o.namespaces.list()));
    const failed = new Map<string, string>();
    let firstError: unknown;
    for (const child of this.#o.pushSecrets.byIndex(CPS_OWNER_INDEX, name)) {
      if (wanted.has(child.metadata?.namespace ?? '') && child.metadata?.name === childName) continue;
      try {
        await this.#deleteChild(child);
      } catch (error) {
        failed.set(child.metadata?.namespace ?? '', (error as Error).message);
        firstError ??= error;
      }
    }
    const provisioned: string[] = [];
    for (const namespace of wanted) {
      const existing = this.#o.pushSecrets.getByName(namespace, childName);
      if (existing && owner(existing) !== name) {
        failed.set(namespace, PUSHSECRET_EXISTS_REASON);
        continue;
      }
      try {
        await this.#applyChild(cps, namespace, childName, existing);
        provisioned.push(namespace);
      } catch (error) {
        failed.set(namespace, (error as Error).message);
        firstError ??= error;
      }
    }
    await this.#writeStatus(cps, childName, provisioned, failed);
    if (firstError) throw firstError;
    const interval = refreshIntervalMs(cps.spec?.refreshTime);
    return interval > 0 ? { requeueAfter: interval } : undefined;
  }

  #ownerReference(cps: ClusterPushSecretObject): OwnerReference {
    return {
      apiVersion: API_VERSION,
      kind: 'ClusterPushSecret',
      name: cps.metadata?.name ?? '',
      uid: cps.metadata?.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  async #applyChild(
    cps: ClusterPushSecretObject,
    namespace: string,
    name: string,
    existing: PushSecretObject | undefined,
  ): Promise<void> {
    const labels = { ...(cps.spec?.pushSecretMetadata?.labels ?? {}) };
    const annotations = { ...(cps.spec?.pushSecretMetadata?.annotations ?? {}) };
    // ESO copies the spec through its Go types, so refreshInterval is written in Go's form ("1h" -> "1h0m0s").
    const spec = structuredClone(cps.spec?.pushSecretSpec);
    if (typeof spec?.refreshInterval === 'string') spec.refreshInterval = canonicalGoDuration(spec.refreshInterval);
    const ownerReferences = [
      ...(existing?.metadata?.ownerReferences ?? []).filter(
        (r) => !(r.kind === 'ClusterPushSecret' && r.name === cps.metadata?.name),
      ),
      this.#ownerReference(cps),
    ];
    if (!existing) {
      await this.#o.client.create(PushSecretResources.pushSecrets, {
        apiVersion: API_VERSION,
        kind: 'PushSecret',
        metadata: { name, namespace, labels, annotations, ownerReferences },
        spec,
      });
      return;
    }
    const meta = existing.metadata ?? {};
    if (
      isDeepStrictEqual(existing.spec, spec) &&
      isDeepStrictEqual(meta.labels ?? {}, labels) &&
      isDeepStrictEqual(meta.annotations ?? {}, annotations) &&
      isDeepStrictEqual(meta.ownerReferences ?? [], ownerReferences)
    ) {
      return;
    }
    const { status: _status, ...rest } = existing;
    await this.#o.client.update(PushSecretResources.pushSecrets, {
      ...rest,
      metadata: { ...meta, labels, annotations, ownerReferences },
      spec,
    });
  }

  async #deleteChild(child: PushSecretObject): Promise<void> {
    try {
      await this.#o.client.delete(PushSecretResources.pushSecrets, child.metadata?.name ?? '', {
        namespace: child.metadata?.namespace,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async #patchFinalizers(cps: ClusterPushSecretObject, finalizers: string[]): Promise<void> {
    try {
      await this.#o.client.patch(PushSecretResources.clusterPushSecrets, cps.metadata?.name ?? '', {
        metadata: { finalizers, resourceVersion: cps.metadata?.resourceVersion },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async #writeStatus(
    cps: ClusterPushSecretObject,
    pushSecretName: string,
    provisioned: string[],
    failed: Map<string, string>,
  ): Promise<void> {
    const failedNamespaces = [...failed.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([namespace, reason]) => ({ namespace, reason }));
    const status = {
      pushSecretName,
      provisionedNamespaces: provisioned.length > 0 ? [...provisioned].sort() : null,
      failedNamespaces: failedNamespaces.length > 0 ? failedNamespaces : null,
      conditions:
        failedNamespaces.length === 0
          ? [{ type: 'Ready', status: 'True' }]
          : [{ type: 'Ready', status: 'False', message: FAILED_MESSAGE }],
    };
    const before = cps.status ?? {};
    if (
      isDeepStrictEqual(
        [
          before.pushSecretName,
          before.provisionedNamespaces ?? null,
          before.failedNamespaces ?? null,
          before.conditions,
        ],
        [status.pushSecretName, status.provisionedNamespaces, status.failedNamespaces, status.conditions],
      )
    ) {
      return;
    }
    try {
      await this.#o.client.patchStatus(PushSecretResources.clusterPushSecrets, cps.metadata?.name ?? '', { status });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
