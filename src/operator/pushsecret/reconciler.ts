// The PushSecret reconcile loop (ESO semantics, eso.md 1.5): resolve stores and source Secrets, apply the
// template, push every desired entry whose content changed since it was last pushed (updatePolicy IfNotExists
// never overwrites an existing remote secret), remove entries no longer desired with deletionPolicy Delete, and
// write status.syncedPushSecrets with a Ready condition. Only entries listed in syncedPushSecrets (which this
// PushSecret pushed) are ever deleted. Messages carry names and keys, never values.
import type { Logger } from 'pino';
import type {
  PushSecretData as ApiPushSecretData,
  LabelSelector,
  PushSecretStatus,
} from '../../api/generated/types.js';
import type { Informer, KubeClient, KubeObject, ReconcileResult } from '../../kube/index.js';
import { isNotFound } from '../../kube/index.js';
import { refreshIntervalMs } from '../duration.js';
import type { EventRecorder } from '../events.js';
import { resourceVersionOf } from '../externalsecret/hash.js';
import { rfc3339, setReadyCondition } from '../externalsecret/status.js';
import {
  isStorePending,
  type ResolvedStore,
  type StoreResolver,
  type StoreResource,
} from '../externalsecret/stores.js';
import { matchesLabelSelector } from '../labelselector.js';
import type { PushClients } from './clients.js';
import { entryDigest, PushedDigests } from './content-hash.js';
import { desiredEntries, PushSpecError, type SourceSecret, storeKey } from './entries.js';
import { PUSHSECRET_FINALIZER, type PushSecretObject, PushSecretResources } from './resources.js';
import { type GeneratorRunner, resolveSources, SourceMissingError, selectsSecret } from './sources.js';
import { templatedSource } from './template.js';

type Synced = Record<string, Record<string, ApiPushSecretData>>;

export interface PushSecretReconcilerOptions {
  client: KubeClient;
  pushSecrets: Informer<PushSecretObject>;
  /** Metadata-only cache of Secrets: which ones exist and their labels, never their data. */
  secretMeta: Informer<KubeObject>;
  secretStores: Informer<StoreResource>;
  clusterSecretStores: Informer<StoreResource>;
  stores: StoreResolver;
  clients: PushClients;
  events: EventRecorder;
  logger: Logger;
  generators: GeneratorRunner;
  controllerClass: string;
}

const SYNCED_MESSAGE = 'PushSecret synced successfully';

function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace}/${o.metadata?.name}`;
}

interface StoreTarget {
  store: ResolvedStore;
  key: string;
  labels: Record<string, string>;
}

export class PushSecretReconciler {
  readonly #o: PushSecretReconcilerOptions;
  readonly #digests = new PushedDigests();
  /** syncedPushSecrets as last written, per uid: the cache may not show our own write yet. */
  readonly #lastSynced = new Map<string, Synced>();
  /** The metadata version (generation + labels/annotations) the remembered digests belong to, per uid. */
  readonly #digestVersion = new Map<string, string>();

  constructor(options: PushSecretReconcilerOptions) {
    this.#o = options;
  }

  watch(enqueue: (key: string) => void): void {
    const o = this.#o;
    o.pushSecrets.addIndex('namespace', (p) => [p.metadata?.namespace ?? '']);
    o.pushSecrets.addEventHandler({
      onAdd: (p) => enqueue(keyOf(p)),
      onUpdate: (old, p) => {
        const a = old.metadata ?? {};
        const b = p.metadata ?? {};
        // Status writes are ignored; spec, labels, annotations, finalizers and deletion are not.
        if (
          a.generation !== b.generation ||
          JSON.stringify([a.labels, a.annotations, a.finalizers, a.deletionTimestamp]) !==
            JSON.stringify([b.labels, b.annotations, b.finalizers, b.deletionTimestamp])
        ) {
          enqueue(keyOf(p));
        }
      },
      onDelete: (p) => {
        this.#digests.forget(p.metadata?.uid ?? '');
        this.#lastSynced.delete(p.metadata?.uid ?? '');
        this.#digestVersion.delete(p.metadata?.uid ?? '');
        o.events.forget(p.metadata?.uid);
      },
    });
    // A source Secret changed: its PushSecrets push at once (the metadata cache has names and labels only).
    const onSecret = (secret: KubeObject, old?: KubeObject) => {
      const namespace = secret.metadata?.namespace ?? '';
      const name = secret.metadata?.name ?? '';
      for (const p of o.pushSecrets.byIndex('namespace', namespace)) {
        const selector = p.spec?.selector;
        if (
          selectsSecret(selector, name, secret.metadata?.labels ?? {}) ||
          (old && selectsSecret(selector, name, old.metadata?.labels ?? {}))
        ) {
          enqueue(keyOf(p));
        }
      }
    };
    o.secretMeta.addEventHandler({
      onAdd: (s) => onSecret(s),
      onUpdate: (old, s) => {
        if (old.metadata?.resourceVersion !== s.metadata?.resourceVersion) onSecret(s, old);
      },
      onDelete: (s) => onSecret(s),
    });
    // A store turned Ready (or changed): PushSecrets that are not Ready try again.
    const onStore = (store: StoreResource, cluster: boolean) => {
      for (const p of o.pushSecrets.list()) {
        if (!cluster && p.metadata?.namespace !== store.metadata?.namespace) continue;
        const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True') enqueue(keyOf(p));
      }
    };
    for (const [informer, cluster] of [
      [o.secretStores, false],
      [o.clusterSecretStores, true],
    ] as const) {
      informer.addEventHandler({
        onAdd: (s) => onStore(s, cluster),
        onUpdate: (old, s) => {
          const was = old.status?.conditions?.find((c) => c.type === 'Ready')?.status;
          const is = s.status?.conditions?.find((c) => c.type === 'Ready')?.status;
          if (was !== is || old.metadata?.generation !== s.metadata?.generation) onStore(s, cluster);
        },
      });
    }
  }

  async reconcile(key: string, signal?: AbortSignal): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const ps = this.#o.pushSecrets.getByName(namespace, name);
    if (!ps?.spec) return undefined;
    // Every store belongs to another controller class: another operator handles this PushSecret (ESO skips it).
    if (this.#onlyForeignStores(ps, namespace)) return undefined;
    const uid = ps.metadata?.uid ?? '';
    const finalizers = ps.metadata?.finalizers ?? [];
    const deletionPolicy = ps.spec.deletionPolicy ?? 'None';

    if (ps.metadata?.deletionTimestamp) {
      if (finalizers.includes(PUSHSECRET_FINALIZER)) {
        if (deletionPolicy === 'Delete') {
          await this.#deleteEntries(ps, this.#lastSynced.get(uid) ?? ps.status?.syncedPushSecrets ?? {}, {});
        }
        await this.#setFinalizer(ps, false);
      }
      this.#digests.forget(uid);
      this.#lastSynced.delete(uid);
      this.#digestVersion.delete(uid);
      return undefined;
    }
    if ((deletionPolicy === 'Delete') !== finalizers.includes(PUSHSECRET_FINALIZER)) {
      await this.#setFinalizer(ps, deletionPolicy === 'Delete');
    }

    const resourceVersion = resourceVersionOf(ps.metadata ?? {});
    // Spec, labels or annotations changed: push everything again (ESO refreshes on such a change). Tracked in
    // memory, not through status, so retries after a partial failure do not push the successful entries again.
    if (this.#digestVersion.get(uid) !== resourceVersion) {
      this.#digests.forget(uid);
      this.#digestVersion.set(uid, resourceVersion);
    }
    const old: Synced = this.#lastSynced.get(uid) ?? ps.status?.syncedPushSecrets ?? {};
    const interval = refreshIntervalMs(ps.spec.refreshInterval);
    const requeue: ReconcileResult | undefined = interval > 0 ? { requeueAfter: interval } : undefined;
    const now = new Date();
    let synced: Synced = {};
    let pushed = 0;
    let keptExisting = false;
    try {
      const targets = this.#resolveStores(ps, namespace);
      const sources: SourceSecret[] = [];
      for (const source of await resolveSources(this.#o, namespace, ps.spec.selector, signal)) {
        sources.push(await templatedSource(this.#o.client, namespace, ps.spec.template, source));
      }
      for (const target of targets) {
        const identity = { kind: target.store.object.kind, name: target.store.object.name, labels: target.labels };
        const entries = sources.flatMap((source) => desiredEntries(ps.spec!, identity, source));
        const seen = new Set<string>();
        // Listed before the pushes, as ESO does: the store's key appears even when nothing is pushed to it, and the
        // entries pushed before a failure stay recorded (so a later Delete still finds them).
        const out: Record<string, ApiPushSecretData> = {};
        synced[target.key] = out;
        for (const entry of entries) {
          if (seen.has(entry.statusKey)) {
            throw new PushSpecError(
              `more than one selected Secret pushes to "${entry.statusKey}" in ${target.key}: use one Secret per remote key`,
            );
          }
          seen.add(entry.statusKey);
          const digestKey = `${target.key}|${entry.statusKey}`;
          const digest = entryDigest(target.store.identity, entry);
          const remembered = this.#digests.get(uid, digestKey);
          const ours = old[target.key]?.[entry.statusKey] !== undefined || remembered !== undefined;
          if (ours && remembered === digest) {
            out[entry.statusKey] = entry.status;
            continue;
          }
          if (ps.spec.updatePolicy === 'IfNotExists') {
            if (await this.#o.clients.exists(target.store, namespace, entry.data.remoteRef)) {
              keptExisting = true;
              // Still ours if we created it; someone else's stays out of status (never deleted by us).
              if (ours) out[entry.statusKey] = entry.status;
              continue;
            }
          }
          try {
            await this.#o.clients.push(target.store, namespace, entry.source, entry.data);
          } catch (error) {
            if (isStorePending(error)) throw error;
            // ESO's wording, which names the source key (empty when the whole Secret is pushed) and the store.
            throw new Error(
              `could not write remote ref ${entry.data.secretKey ?? ''} to target secretstore ` +
                `${target.store.object.name}: ${(error as Error)?.message ?? String(error)}`,
            );
          }
          this.#digests.set(uid, digestKey, digest);
          pushed++;
          out[entry.statusKey] = entry.status;
        }
      }
      // Entries pushed through another operator's stores stay listed (that operator owns them).
      for (const [key, entries] of Object.entries(old)) {
        if (!synced[key] && this.#o.stores.isForeign(storeRefOfKey(key), namespace)) synced[key] = entries;
      }
      if (deletionPolicy === 'Delete') await this.#deleteEntries(ps, old, synced);
      const message =
        ps.spec.updatePolicy === 'IfNotExists' && keptExisting
          ? `${SYNCED_MESSAGE}. Existing secrets in providers unchanged.`
          : SYNCED_MESSAGE;
      await this.#writeStatus(ps, { synced, resourceVersion, now, pushed, ready: ['True', 'Synced', message] });
      if (pushed > 0) {
        void this.#o.events.record(this.#eventTarget(ps), 'Normal', 'Synced', message);
        this.#o.logger.info({ pushsecret: key, pushed }, 'pushed secrets');
      }
      return requeue;
    } catch (error) {
      // A store not validated yet is no failure: wait for its first validation without a status or an event, as
      // for ExternalSecrets (a PushSecret created with its store would otherwise start with a false Errored).
      if (isStorePending(error)) return { requeueAfter: 1_000 };
      const message = (error as Error)?.message ?? String(error);
      if (error instanceof SourceMissingError && Object.keys(old).length > 0) {
        // The source is gone after a sync: remove what we pushed (Delete policy), then report it.
        if (deletionPolicy === 'Delete') await this.#deleteEntries(ps, old, {});
        synced = deletionPolicy === 'Delete' ? {} : old;
        await this.#writeStatus(ps, {
          synced,
          resourceVersion,
          now,
          pushed,
          ready: ['False', 'SourceDeleted', message],
        });
        void this.#o.events.record(this.#eventTarget(ps), 'Normal', 'SourceDeleted', message);
        return requeue;
      }
      // ESO prefixes every failure of the push itself (the source Secret is looked up before, with its own message).
      const failure = error instanceof SourceMissingError ? message : `set secret failed: ${message}`;
      // Keep what is known to be pushed (old entries plus this run's) so a later Delete still finds it.
      const merged: Synced = { ...old };
      for (const [store, entries] of Object.entries(synced)) merged[store] = { ...merged[store], ...entries };
      await this.#writeStatus(ps, {
        synced: merged,
        resourceVersion: ps.status?.syncedResourceVersion,
        now,
        pushed,
        ready: ['False', 'Errored', failure],
      });
      void this.#o.events.record(this.#eventTarget(ps), 'Warning', 'Errored', failure);
      // Retrying cannot fix a bad spec or a missing Secret; their watches bring the PushSecret back when they change.
      if (error instanceof PushSpecError || error instanceof SourceMissingError) return requeue;
      throw error;
    }
  }

  /** Names of the stores a label selector picks (same namespace for SecretStores; not being deleted). */
  #storesByLabel(kind: 'SecretStore' | 'ClusterSecretStore', selector: LabelSelector, namespace: string): string[] {
    const informer = kind === 'ClusterSecretStore' ? this.#o.clusterSecretStores : this.#o.secretStores;
    return informer
      .list()
      .filter((s) => kind === 'ClusterSecretStore' || s.metadata?.namespace === namespace)
      .filter((s) => !s.metadata?.deletionTimestamp)
      .filter((s) => matchesLabelSelector(selector, s.metadata?.labels ?? {}))
      .map((s) => s.metadata?.name ?? '');
  }

  /**
   * True if every store the PushSecret references belongs to another controller class: then another operator
   * handles it, and this one must not touch it at all (no finalizer, no status, no deletes).
   */
  #onlyForeignStores(ps: PushSecretObject, namespace: string): boolean {
    let foreignSeen = false;
    for (const ref of ps.spec?.secretStoreRefs ?? []) {
      const kind = ref.kind ?? 'SecretStore';
      const names = ref.name
        ? [ref.name]
        : ref.labelSelector
          ? this.#storesByLabel(kind, ref.labelSelector, namespace)
          : [];
      if (!ref.name && !ref.labelSelector) return false; // invalid: reported by the reconcile
      for (const name of names) {
        if (!this.#o.stores.isForeign({ kind, name }, namespace)) return false;
        foreignSeen = true;
      }
    }
    return foreignSeen;
  }

  /** Stores by name or label selector; stores of another controller class are skipped, as in ESO. */
  #resolveStores(ps: PushSecretObject, namespace: string): StoreTarget[] {
    const targets = new Map<string, StoreTarget>();
    for (const [index, ref] of (ps.spec?.secretStoreRefs ?? []).entries()) {
      const kind = ref.kind ?? 'SecretStore';
      let names: string[];
      if (ref.name) names = [ref.name];
      else if (ref.labelSelector) {
        names = this.#storesByLabel(kind, ref.labelSelector, namespace);
      } else throw new PushSpecError(`secretStoreRefs[${index}] must set name or labelSelector`);
      for (const storeName of names) {
        if (this.#o.stores.isForeign({ kind, name: storeName }, namespace)) continue;
        const store = this.#o.stores.resolve({ kind, name: storeName }, namespace);
        const key = storeKey({ kind, name: storeName });
        targets.set(key, { store, key, labels: store.resource.metadata?.labels ?? {} });
      }
    }
    return [...targets.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Deletes entries of `old` that are not in `keep`; entries of a store that no longer exists are dropped. */
  async #deleteEntries(ps: PushSecretObject, old: Synced, keep: Synced): Promise<void> {
    const namespace = ps.metadata?.namespace ?? '';
    const uid = ps.metadata?.uid ?? '';
    for (const [key, entries] of Object.entries(old)) {
      const gone = Object.entries(entries).filter(([statusKey]) => keep[key]?.[statusKey] === undefined);
      if (gone.length === 0) continue;
      const ref = storeRefOfKey(key);
      if (this.#o.stores.isForeign(ref, namespace)) continue; // another operator's store: not ours to clean
      if (!this.#o.stores.lookup(ref, namespace)) {
        this.#o.logger.warn(
          { pushsecret: `${namespace}/${ps.metadata?.name}`, store: key },
          'store is gone; cannot delete pushed entries',
        );
        continue;
      }
      const store = this.#o.stores.resolve(ref, namespace);
      for (const [statusKey, data] of gone) {
        const remoteRef = data.match.remoteRef;
        await this.#o.clients.delete(store, namespace, {
          remoteKey: remoteRef.remoteKey,
          property: remoteRef.property || undefined,
        });
        this.#digests.delete(uid, `${key}|${statusKey}`);
      }
    }
  }

  async #setFinalizer(ps: PushSecretObject, present: boolean): Promise<void> {
    const current = ps.metadata?.finalizers ?? [];
    const finalizers = present
      ? [...current.filter((f) => f !== PUSHSECRET_FINALIZER), PUSHSECRET_FINALIZER]
      : current.filter((f) => f !== PUSHSECRET_FINALIZER);
    try {
      await this.#o.client.patch(
        PushSecretResources.pushSecrets,
        ps.metadata?.name ?? '',
        { metadata: { finalizers, resourceVersion: ps.metadata?.resourceVersion } },
        { namespace: ps.metadata?.namespace },
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async #writeStatus(
    ps: PushSecretObject,
    s: {
      synced: Synced;
      resourceVersion: string | undefined;
      now: Date;
      pushed: number;
      ready: ['True' | 'False', string, string];
    },
  ): Promise<void> {
    const uid = ps.metadata?.uid ?? '';
    const before = { ...ps.status, syncedPushSecrets: this.#lastSynced.get(uid) ?? ps.status?.syncedPushSecrets };
    const conditions = setReadyCondition(before.conditions, s.ready[0], s.ready[1], s.ready[2], s.now);
    const next: PushSecretStatus = {
      refreshTime: before.refreshTime ?? null,
      syncedResourceVersion: s.resourceVersion ?? before.syncedResourceVersion,
      syncedPushSecrets: s.synced,
      conditions,
    };
    const changed =
      JSON.stringify([next.syncedResourceVersion, next.syncedPushSecrets, next.conditions]) !==
      JSON.stringify([before.syncedResourceVersion, before.syncedPushSecrets ?? {}, before.conditions]);
    if (!changed && s.pushed === 0) return;
    next.refreshTime = rfc3339(s.now);
    try {
      await this.#o.client.patchStatus(
        PushSecretResources.pushSecrets,
        ps.metadata?.name ?? '',
        // Merge patch: syncedPushSecrets is replaced as a whole by sending null first for removed stores.
        {
          status: {
            ...next,
            syncedPushSecrets: withRemovals(before.syncedPushSecrets ?? {}, next.syncedPushSecrets ?? {}),
          },
        },
        { namespace: ps.metadata?.namespace },
      );
      this.#lastSynced.set(uid, s.synced);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  #eventTarget(ps: PushSecretObject) {
    return {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: {
        name: ps.metadata?.name,
        namespace: ps.metadata?.namespace,
        uid: ps.metadata?.uid,
        resourceVersion: ps.metadata?.resourceVersion,
      },
    };
  }
}

/** A JSON merge patch turning `before` into `after` (removed keys become null at both levels). */
function withRemovals(before: Synced, after: Synced): Record<string, Record<string, ApiPushSecretData | null> | null> {
  const patch: Record<string, Record<string, ApiPushSecretData | null> | null> = {};
  for (const key of Object.keys(before)) if (!(key in after)) patch[key] = null;
  for (const [key, entries] of Object.entries(after)) {
    const inner: Record<string, ApiPushSecretData | null> = { ...entries };
    for (const statusKey of Object.keys(before[key] ?? {})) if (!(statusKey in entries)) inner[statusKey] = null;
    patch[key] = inner;
  }
  return patch;
}

/** The store a syncedPushSecrets key ("<kind>/<name>") names. */
function storeRefOfKey(key: string): { kind: 'SecretStore' | 'ClusterSecretStore'; name: string } {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash) === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
  return { kind, name: key.slice(slash + 1) };
}
