// The ExternalSecret reconciler: ESO's order of operations (reference eso.md 2.1) on Custos's plumbing.
// Level-based: it gets a key, reads the current ExternalSecret from the informer cache and converges.
//
// Differences from ESO, all aimed at fewer API and provider calls:
// * Target Secrets are seen through a metadata-only informer filtered by the managed label; their data is read
//   only when it may have changed behind our back (resourceVersion we did not write), never cached.
// * A refresh that changes nothing writes neither the Secret nor the status (status.refreshTime keeps the time
//   of the last sync that changed something; the next refresh is computed from this process's memory).
// * Provider reads are coalesced across ExternalSecrets (ProviderAccess).
// * Status messages append the cause to ESO's fixed message, e.g. which key is missing; never a value.
import type { Logger } from 'pino';
import type { ExternalSecret } from '../../api/generated/types.js';
import {
  cloneObject,
  type Informer,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type ReconcileResult,
  Resources,
  SlowRetryError,
  TerminalError,
  type WorkerContext,
} from '../../kube/index.js';
import { refreshIntervalMs } from '../duration.js';
import type { EventRecorder } from '../events.js';
import { isForeignGenerator } from '../generators/errors.js';
import type { OperatorMetrics } from '../metrics.js';
import { OperatorResources } from '../resources.js';
import {
  ANNOTATION_DATA_HASH,
  createdByValue,
  ES_API_VERSION,
  EVENT_COMPONENT,
  EventReasons,
  FINALIZER,
  fieldManagerFor,
  LABEL_CREATED_BY,
  Reasons,
} from './constants.js';
import { DriftDamper } from './drift-damper.js';
import { type FetchOptions, fetchProviderData, type GeneratorRunner, messageOf, type SecretMap } from './fetch.js';
import { GenericTargetError, type GenericTargets, isGenericTarget } from './generic-target.js';
import { dataHash, resourceVersionOf } from './hash.js';
import type { ProviderAccess } from './provider-access.js';
import {
  lastRefreshOf,
  neverSynced,
  nextRefreshDelayMs,
  restartRefreshMs,
  retryBackoffCapMs,
  shouldRefresh,
  specChanged,
} from './refresh.js';
import {
  ANNOTATION_ROLLOUT_RESTART,
  parseRestartTargets,
  type RolloutRestarter,
  restartToken,
} from './rollout-restart.js';
import {
  type ApiSecret,
  dataEqual,
  fromApi,
  metadataEqual,
  normalType,
  type SecretState,
  toApi,
} from './secret-object.js';
import { readyOf, rfc3339, setReadyCondition, statusEqual } from './status.js';
import { isStorePending, type StoreResolver } from './stores.js';
import { desiredSecret, TargetConflictError } from './target.js';
import { applyTemplate, type TemplateOutput, type TemplateSources } from './template.js';
import { wantsRemoteChanges } from './watch-refs.js';

export type Lane = 'urgent' | 'refresh';
export const LANES: readonly Lane[] = ['urgent', 'refresh'];

export type ExternalSecretObject = ExternalSecret & KubeObject;

export interface ExternalSecretReconcilerOptions {
  client: KubeClient;
  externalSecrets: Informer<ExternalSecretObject>;
  /** Metadata-only view of Secrets labelled reconcile.external-secrets.io/managed=true. */
  managedSecrets: Informer<KubeObject>;
  stores: StoreResolver;
  access: ProviderAccess;
  events: EventRecorder;
  metrics: OperatorMetrics;
  logger: Logger;
  generators?: GeneratorRunner;
  /**
   * Write status.refreshTime on every refresh, as ESO does (one status write per refresh). Default false:
   * status is written only when it changes. Exists for compatibility and as the benchmark baseline.
   */
  alwaysWriteRefreshTime?: boolean;
  random?: () => number;
  now?: () => number;
  /** Writes ConfigMaps and custom resources for spec.target.manifest; unset: generic targets are refused. */
  genericTargets?: GenericTargets;
  /** Restarts the workloads named by the custos.dev/rollout-restart annotation when the Secret's data changes. */
  restarts?: RolloutRestarter;
  /** Provider change feeds (ProviderWatches): told what each ExternalSecret reads, and when it is gone. */
  watches?: {
    track(esKey: string, es: ExternalSecretObject): void;
    untrack(esKey: string): void;
  };
}

/** What is known about a target Secret's content at one resourceVersion, without keeping its data. */
interface SecretRecord {
  resourceVersion: string;
  /** The data-hash annotation matches the data (nobody edited the data behind our back). */
  hashValid: boolean;
  type?: string;
  immutable?: boolean;
}

const TARGET_INDEX = 'target';
const STORE_INDEX = 'store';
const CREATED_BY_INDEX = 'createdBy';

/** Index function: every store an ExternalSecret reads from, as "Kind/namespace/name" ("" namespace for CSS). */
export function storeKeysOf(es: ExternalSecretObject): string[] {
  const ns = es.metadata?.namespace ?? '';
  const refs = [
    es.spec?.secretStoreRef,
    ...(es.spec?.data ?? []).map((d) => d.sourceRef?.storeRef),
    ...(es.spec?.dataFrom ?? []).map((d) => d.sourceRef?.storeRef),
  ];
  const keys = new Set<string>();
  for (const ref of refs) {
    if (!ref?.name) continue;
    keys.add(ref.kind === 'ClusterSecretStore' ? `ClusterSecretStore//${ref.name}` : `SecretStore/${ns}/${ref.name}`);
  }
  return [...keys];
}

/** Index function: the namespace/name of the Secret an ExternalSecret writes. */
export function targetKeyOf(es: ExternalSecretObject): string[] {
  const ns = es.metadata?.namespace ?? '';
  return [`${ns}/${es.spec?.target?.name || es.metadata?.name}`];
}

class StorePending extends Error {}
/** A referenced generator belongs to another controller class: skip the ExternalSecret without a status. */
class ForeignGenerator extends Error {}

class StatusFailure extends Error {
  constructor(
    readonly reason: string,
    readonly statusMessage: string,
    readonly detail: string,
    /** Retry with backoff (true) or wait for a change (false, as ESO for configuration conflicts). */
    readonly retry: boolean,
  ) {
    super(`${statusMessage}: ${detail}`);
  }
}

/** What one sync did; `bound: false` when no Secret was written or confirmed (ESO then leaves status.binding). */
interface SyncOutcome {
  reason: string;
  message: string;
  changed: boolean;
  bound?: boolean;
}
export class ExternalSecretReconciler {
  readonly #o: ExternalSecretReconcilerOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  /** uid -> time of the last successful refresh this process did (or the slot it was given after a restart). */
  readonly #lastRefresh = new Map<string, number>();
  /** "ns/name" of a target Secret -> what we know of its content. */
  readonly #records = new Map<string, SecretRecord>();
  /** uid -> the status this process last wrote, used while the informer has not caught up with it. */
  readonly #statusMemo = new Map<string, NonNullable<ExternalSecret['status']>>();
  /**
   * "ns/name" -> a counter bumped by every remote change reported for it. Set: the next reconcile re-reads the
   * provider whatever the interval says. Cleared only if no further change arrived while that reconcile ran.
   */
  readonly #remoteChanges = new Map<string, number>();
  /** Spaces out repairs of targets that something else keeps changing. */
  readonly #drift = new DriftDamper();
  /** uids whose workloads were checked for a missed rollout restart (once per process). */
  readonly #restartsCaughtUp = new Set<string>();

  constructor(options: ExternalSecretReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    options.externalSecrets.addIndex(TARGET_INDEX, targetKeyOf);
    options.externalSecrets.addIndex(STORE_INDEX, storeKeysOf);
    options.managedSecrets.addIndex(CREATED_BY_INDEX, (s) => {
      const value = s.metadata?.labels?.[LABEL_CREATED_BY];
      return value ? [`${s.metadata?.namespace}/${value}`] : [];
    });
  }

  /** Wires informer events to the queue: new or changed specs and drifted Secrets go to the urgent lane. */
  watch(enqueue: (key: string, lane: Lane) => void): void {
    const keyOf = (es: KubeObject) => `${es.metadata?.namespace}/${es.metadata?.name}`;
    this.#o.externalSecrets.addEventHandler({
      onAdd: (es) => enqueue(keyOf(es), neverSynced(es) || specChanged(es) ? 'urgent' : 'refresh'),
      onUpdate: (old, es) => {
        const o = old.metadata ?? {};
        const n = es.metadata ?? {};
        // Our own finalizer being added is not a reason to reconcile again.
        const oldFinalizers = (o.finalizers ?? []).filter((f) => f !== FINALIZER);
        const newFinalizers = (n.finalizers ?? []).filter((f) => f !== FINALIZER);
        const finalizerRemoved = (o.finalizers ?? []).includes(FINALIZER) && !(n.finalizers ?? []).includes(FINALIZER);
        const changed =
          o.generation !== n.generation ||
          JSON.stringify(o.labels ?? {}) !== JSON.stringify(n.labels ?? {}) ||
          JSON.stringify(o.annotations ?? {}) !== JSON.stringify(n.annotations ?? {}) ||
          JSON.stringify(oldFinalizers) !== JSON.stringify(newFinalizers) ||
          finalizerRemoved ||
          o.deletionTimestamp !== n.deletionTimestamp;
        if (changed) enqueue(keyOf(es), 'urgent');
      },
      onDelete: (es) => {
        // Per-object memory goes with the object (the reconcile that follows only finds it gone).
        const uid = es.metadata?.uid ?? '';
        this.#lastRefresh.delete(uid);
        this.#drift.forget(uid);
        this.#restartsCaughtUp.delete(uid);
        this.#statusMemo.delete(uid);
        this.#o.events.forget(uid);
        enqueue(keyOf(es), 'urgent');
      },
    });
    const onSecret = (secret: KubeObject, deleted: boolean) => {
      const key = `${secret.metadata?.namespace}/${secret.metadata?.name}`;
      const record = this.#records.get(key);
      if (deleted) this.#records.delete(key);
      else if (record?.resourceVersion === secret.metadata?.resourceVersion) return; // our own write
      for (const es of this.#o.externalSecrets.byIndex(TARGET_INDEX, key)) enqueue(keyOf(es), 'urgent');
    };
    this.#o.managedSecrets.addEventHandler({
      onAdd: (s) => onSecret(s, false),
      onUpdate: (_old, s) => onSecret(s, false),
      onDelete: (s) => onSecret(s, true),
    });
    this.#o.genericTargets?.onTargetChanged((namespace, name, apiVersion, kind) => {
      for (const es of this.#o.externalSecrets.byIndex(TARGET_INDEX, `${namespace}/${name}`)) {
        const manifest = es.spec?.target?.manifest;
        if (manifest?.apiVersion === apiVersion && manifest.kind === kind) enqueue(keyOf(es), 'urgent');
      }
    });
  }

  /**
   * A provider's change feed reported that remote data these ExternalSecrets read changed: their next reconcile
   * re-reads it (bypassing the refresh interval and shared results). The caller enqueues them.
   */
  remoteChanged(esKeys: string[]): void {
    for (const key of esKeys) this.#remoteChanges.set(key, (this.#remoteChanges.get(key) ?? 0) + 1);
  }

  /** Keys of the ExternalSecrets reading from a store that are not Ready (a store that became usable). */
  notReadyUsersOf(kind: string, namespace: string, name: string): string[] {
    return this.#o.externalSecrets
      .byIndex(STORE_INDEX, `${kind}/${kind === 'ClusterSecretStore' ? '' : namespace}/${name}`)
      .filter((es) => readyOf(es.status)?.status !== 'True')
      .map((es) => `${es.metadata?.namespace}/${es.metadata?.name}`);
  }

  /**
   * Reads every managed Secret once (in pages) to learn whether its data-hash annotation is true, keeping only
   * that verdict. Saves one GET per ExternalSecret after a restart.
   */
  async warmUp(namespace: string | undefined, signal?: AbortSignal): Promise<void> {
    let next: string | undefined;
    do {
      const page = await this.#o.client.list<ApiSecret>(Resources.secrets, {
        namespace,
        labelSelector: 'reconcile.external-secrets.io/managed=true',
        limit: 250,
        continue: next,
        signal,
      });
      for (const secret of page.items) this.#remember(fromApi(secret));
      next = page.metadata?.continue || undefined;
    } while (next);
  }

  async reconcile(key: string, context: WorkerContext<Lane>): Promise<ReconcileResult<Lane> | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const started = this.#now();
    const series = this.#metricLabels(key, namespace, name);
    this.#o.metrics.syncCalls.inc(series);
    try {
      return await this.#reconcile(key, namespace, name, context);
    } finally {
      this.#o.metrics.reconcileDuration.set(series, (this.#now() - started) * 1e6);
    }
  }

  async #reconcile(
    key: string,
    namespace: string,
    name: string,
    context: WorkerContext<Lane>,
  ): Promise<ReconcileResult<Lane> | undefined> {
    const cached = this.#o.externalSecrets.get(key);
    if (!cached) {
      this.#o.metrics.externalSecretDeleted(name, namespace);
      this.#o.watches?.untrack(key);
      this.#remoteChanges.delete(key);
      return undefined;
    }
    let es = this.#withLatestStatus(cached);
    const log = this.#o.logger.child({ externalsecret: key });
    if (es.metadata.deletionTimestamp) {
      this.#o.watches?.untrack(key);
      await this.#finalize(es, log);
      return undefined;
    }
    // ESO adds its finalizer to every ExternalSecret; only deletionPolicy Delete needs it (the Secret must be
    // deleted before the object goes), so Custos saves that write for the others.
    if (needsFinalizer(es) && !(es.metadata.finalizers ?? []).includes(FINALIZER)) {
      es = await this.#patchFinalizers(es, [...(es.metadata.finalizers ?? []), FINALIZER]);
    }
    if (this.#isForeign(es)) {
      this.#o.watches?.untrack(key);
      log.debug('skipping: a referenced store belongs to another controller class');
      return undefined;
    }
    this.#o.watches?.track(key, es);
    const changeSeen = this.#remoteChanges.get(key);
    const remoteChanged = changeSeen !== undefined && wantsRemoteChanges(es);
    const settleRemoteChange = () => {
      if (this.#remoteChanges.get(key) === changeSeen) this.#remoteChanges.delete(key);
    };

    const start = this.#now();
    const uid = es.metadata.uid ?? '';
    const remembered = this.#lastRefresh.get(uid);
    let lastRefreshMs = lastRefreshOf(es, remembered);
    try {
      this.#checkSpec(es);
      const targetName = es.spec?.target?.name || name;
      const generic = isGenericTarget(es) ? this.#o.genericTargets : undefined;
      const valid = generic
        ? await generic.isValid(es, targetName, context.signal)
        : await this.#isSecretValid(es, targetName, context.signal);
      if (valid && !generic && !this.#restartsCaughtUp.has(uid)) {
        this.#restartsCaughtUp.add(uid);
        this.#catchUpRestarts(es, targetName);
      }
      const slot =
        remembered === undefined && valid && !remoteChanged
          ? restartRefreshMs({ es, nowMs: start, lastRefreshMs }, uid)
          : undefined;
      if (slot !== undefined) {
        this.#lastRefresh.set(uid, slot);
        lastRefreshMs = slot;
      }
      const due = remoteChanged || shouldRefresh({ es, nowMs: start, lastRefreshMs });
      if (!due && valid) {
        settleRemoteChange();
        log.debug('skipping refresh');
        return this.#requeue(es, lastRefreshMs);
      }
      if (!due) {
        // Only the target drifted: repaired at once, unless something keeps changing it (see DriftDamper).
        const admission = this.#drift.admit(uid, start);
        if (admission.waitMs > 0) return { requeueAfter: admission.waitMs, lane: 'refresh' };
        if (admission.startedSpacing) {
          const message =
            `target ${generic ? 'resource' : 'Secret'} "${targetName}" was changed by something else 5 times within a ` +
            'minute; its repairs are now spaced out (5 s doubling to 5 min) while the changes go on: does another ' +
            'controller also write it?';
          log.warn({ target: targetName }, message);
          void this.#o.events.record(this.#eventTarget(es), 'Warning', EventReasons.DriftRepairsSpaced, message);
        }
      }
      const outcome = await this.#sync(es, targetName, start, log, context.signal, remoteChanged);
      settleRemoteChange();
      this.#lastRefresh.set(uid, start);
      const changedSomething = outcome.changed || neverSynced(es) || this.#o.alwaysWriteRefreshTime === true;
      await this.#writeStatus(es, {
        ready: 'True',
        reason: outcome.reason,
        message: outcome.message,
        refreshTime: changedSomething ? rfc3339(new Date(start)) : (es.status?.refreshTime ?? rfc3339(new Date(start))),
        synced: true,
        // status.binding is a servicebinding.io reference to the Secret, set (as ESO does) when a Secret was written
        // or found up to date; none for a ConfigMap or custom resource.
        binding: generic ? undefined : outcome.bound === false ? es.status?.binding?.name : targetName,
      });
      this.#o.metrics.setExternalSecretCondition(this.#metricLabels(key, namespace, name), 'Ready', 'True');
      this.#o.metrics.lastSuccessfulSync.set(this.#metricLabels(key, namespace, name), start / 1000);
      return this.#requeue(es, start);
    } catch (error) {
      if (isConflict(error)) return { requeueAfter: 1, lane: 'urgent' };
      // The store's first validation is moments away (its status change requeues us too): no failure status.
      if (error instanceof StorePending) return { requeueAfter: 1000, lane: 'urgent' };
      if (error instanceof ForeignGenerator) {
        // ESO's shouldSkipGenerator: another controller class owns this ExternalSecret; no status, no event.
        settleRemoteChange();
        this.#o.watches?.untrack(key);
        log.debug('skipping: a referenced generator belongs to another controller class');
        return undefined;
      }
      const failure = asFailure(error, isGenericTarget(es));
      settleRemoteChange();
      // A failed read is not a refresh: the retry (with backoff) must read again, not wait for the next interval.
      this.#o.metrics.syncErrors.inc(this.#metricLabels(key, namespace, name));
      log.warn({ reason: failure.reason, err: failure.detail }, failure.statusMessage);
      void this.#o.events.record(this.#eventTarget(es), 'Warning', EventReasons.UpdateFailed, failure.message);
      await this.#writeStatus(es, {
        ready: 'False',
        reason: failure.reason,
        message: failure.message,
        refreshTime: es.status?.refreshTime ?? null,
        synced: false,
        binding: es.status?.binding?.name,
      });
      this.#o.metrics.setExternalSecretCondition(this.#metricLabels(key, namespace, name), 'Ready', 'False');
      if (!failure.retry) throw new TerminalError(failure.message);
      const cap = retryBackoffCapMs(es);
      throw cap === undefined ? new Error(failure.message) : new SlowRetryError(failure.message, cap);
    }
  }

  /** Metric labels of an ExternalSecret (with --enable-extended-metric-labels, its app.kubernetes.io labels). */
  #metricLabels(key: string, namespace: string, name: string): Record<string, string> {
    const cached = this.#o.externalSecrets.get(key);
    return this.#o.metrics.esLabels(name, namespace, cached ? (cached.metadata?.labels ?? {}) : undefined);
  }

  /**
   * The informer may not yet hold the status this process wrote a moment ago. If the remembered status was
   * written for exactly this generation and metadata, it is the newer one.
   */
  #withLatestStatus(es: ExternalSecretObject): ExternalSecretObject {
    const memo = this.#statusMemo.get(es.metadata.uid ?? '');
    if (!memo || statusEqual(memo, es.status)) return es;
    if (memo.syncedResourceVersion !== resourceVersionOf(es.metadata)) return es;
    if (
      es.status?.syncedResourceVersion === memo.syncedResourceVersion &&
      es.status?.refreshTime === memo.refreshTime
    ) {
      return es;
    }
    return { ...es, status: memo };
  }

  // ----- refresh decision --------------------------------------------------------------------------------

  #requeue(es: ExternalSecretObject, lastRefreshMs: number | undefined): ReconcileResult<Lane> | undefined {
    const delay = nextRefreshDelayMs({ es, nowMs: this.#now(), lastRefreshMs }, this.#random());
    return delay === undefined ? undefined : { requeueAfter: delay, lane: 'refresh' };
  }

  /** ESO's isSecretValid: the target exists, is managed and its data matches its data-hash annotation. */
  async #isSecretValid(es: ExternalSecretObject, targetName: string, signal: AbortSignal): Promise<boolean> {
    const policy = es.spec?.target?.creationPolicy ?? 'Owner';
    if (policy === 'Orphan' || policy === 'None') return true;
    const namespace = es.metadata.namespace ?? '';
    const meta = this.#o.managedSecrets.getByName(namespace, targetName);
    // Not cached yet but written by us a moment ago (a delete event would have dropped the record).
    const resourceVersion =
      meta?.metadata?.resourceVersion ?? this.#records.get(`${namespace}/${targetName}`)?.resourceVersion;
    if (!resourceVersion) return false;
    const record = await this.#recordFor(namespace, targetName, resourceVersion, signal);
    return record?.hashValid === true;
  }

  async #recordFor(
    namespace: string,
    name: string,
    resourceVersion: string,
    signal: AbortSignal,
  ): Promise<SecretRecord | undefined> {
    const record = this.#records.get(`${namespace}/${name}`);
    if (record && record.resourceVersion === resourceVersion) return record;
    const secret = await this.#getSecret(namespace, name, signal);
    return secret ? this.#remember(secret) : undefined;
  }

  #remember(secret: SecretState): SecretRecord {
    const record: SecretRecord = {
      resourceVersion: secret.metadata.resourceVersion ?? '',
      hashValid: secret.metadata.annotations?.[ANNOTATION_DATA_HASH] === dataHash(secret.data),
      type: secret.type,
      immutable: secret.immutable,
    };
    this.#records.set(`${secret.metadata.namespace}/${secret.metadata.name}`, record);
    return record;
  }

  async #getSecret(namespace: string, name: string, signal: AbortSignal): Promise<SecretState | undefined> {
    try {
      return fromApi(await this.#o.client.get<ApiSecret>(Resources.secrets, name, { namespace, signal }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  // ----- sync --------------------------------------------------------------------------------------------

  async #sync(
    es: ExternalSecretObject,
    targetName: string,
    start: number,
    log: Logger,
    signal: AbortSignal,
    /** The provider reported a change: read it fresh, never from a shared result. */
    remoteChanged = false,
  ): Promise<SyncOutcome> {
    const namespace = es.metadata.namespace ?? '';
    const target = es.spec?.target ?? {};
    const creationPolicy = target.creationPolicy ?? 'Owner';
    const deletionPolicy = target.deletionPolicy ?? 'Retain';

    let data: SecretMap;
    try {
      const fetchOptions: FetchOptions = {
        es,
        stores: this.#o.stores,
        access: this.#o.access,
        // A user-made change (spec, labels, force-sync annotation) reads fresh values; refreshes share results
        // no older than half their refresh interval, so a rotation is normally seen within one interval.
        maxAgeMs:
          remoteChanged || (specChanged(es) && !neverSynced(es))
            ? 0
            : coalesceAgeMs(es, this.#o.access.coalesceWindowMs),
        generators: this.#o.generators,
        onMissing: (message) =>
          void this.#o.events.record(this.#eventTarget(es), 'Normal', EventReasons.MissingProviderSecret, message),
      };
      data = await fetchProviderData(fetchOptions);
    } catch (error) {
      if (isStorePending(error)) throw new StorePending();
      if (isForeignGenerator(error)) throw new ForeignGenerator();
      throw new StatusFailure(
        Reasons.SecretSyncedError,
        'could not get secret data from provider',
        messageOf(error),
        true,
      );
    }

    if (isGenericTarget(es) && this.#o.genericTargets) {
      return this.#o.genericTargets.sync({
        es,
        targetName,
        data,
        templateSources: () => this.#templateSources(es, signal),
        signal,
        event: (type, reason, message) => void this.#o.events.record(this.#eventTarget(es), type, reason, message),
      });
    }

    if (Object.keys(data).length === 0) {
      if (deletionPolicy === 'Delete') {
        if (creationPolicy !== 'Owner') {
          throw new StatusFailure(
            Reasons.SecretSyncedError,
            'could not delete secret',
            'deletionPolicy Delete needs creationPolicy Owner',
            false,
          );
        }
        const deleted = await this.#deleteUnlessForeign(es, targetName, signal);
        if (deleted) {
          void this.#o.events.record(
            this.#eventTarget(es),
            'Normal',
            EventReasons.Deleted,
            'secret deleted due to DeletionPolicy=Delete',
          );
        }
        return {
          reason: Reasons.SecretDeleted,
          message: 'secret deleted due to DeletionPolicy=Delete',
          changed: deleted,
          bound: false,
        };
      }
      if (deletionPolicy === 'Retain') {
        return {
          reason: Reasons.SecretSynced,
          message: 'secret retained due to DeletionPolicy=Retain',
          changed: false,
          bound: false,
        };
      }
    }

    if (creationPolicy === 'None') {
      return { reason: Reasons.SecretSynced, message: 'secret synced', changed: false, bound: false };
    }

    let template: TemplateOutput | undefined;
    if (target.template) {
      try {
        template = await applyTemplate(target.template, data, await this.#templateSources(es, signal));
      } catch (error) {
        throw new StatusFailure(
          Reasons.SecretSyncedError,
          'could not update secret',
          `could not apply template: ${messageOf(error)}`,
          true,
        );
      }
    }

    if (creationPolicy === 'Owner') await this.#deleteOrphans(es, targetName, log, signal);

    const fieldManager = fieldManagerFor(es.metadata.name ?? '');
    const meta = this.#o.managedSecrets.getByName(namespace, targetName);
    const mergeOnly = creationPolicy === 'Merge';
    const resetsData = creationPolicy === 'Owner' || creationPolicy === 'Orphan';

    // Fast path: the cached metadata plus what we know of the content are enough to see that nothing changes.
    if (meta && resetsData && es.status?.syncedResourceVersion === resourceVersionOf(es.metadata)) {
      const record = await this.#recordFor(namespace, targetName, meta.metadata?.resourceVersion ?? '', signal);
      if (record?.hashValid) {
        const known: SecretState = {
          metadata: cloneObject(meta.metadata ?? {}),
          data: Object.create(null),
          type: record.type,
          immutable: record.immutable,
        };
        const { secret } = desiredSecret({
          es,
          targetName,
          existing: known,
          providerData: data,
          template,
          fieldManager,
        });
        secret.data = template ? template.data : data;
        secret.metadata.annotations = {
          ...secret.metadata.annotations,
          [ANNOTATION_DATA_HASH]: dataHash(secret.data),
        };
        if (
          !record.immutable &&
          secret.metadata.annotations[ANNOTATION_DATA_HASH] === meta.metadata?.annotations?.[ANNOTATION_DATA_HASH] &&
          metadataEqual(secret.metadata, known.metadata) &&
          normalType(secret.type) === normalType(record.type) &&
          (secret.immutable ?? false) === (record.immutable ?? false)
        ) {
          return { reason: Reasons.SecretSynced, message: 'secret synced', changed: false };
        }
      }
    }

    const existsKnown = meta !== undefined || this.#records.has(`${namespace}/${targetName}`);
    let existing = existsKnown || mergeOnly ? await this.#getSecret(namespace, targetName, signal) : undefined;
    if (!existing && mergeOnly) {
      return {
        reason: Reasons.SecretMissing,
        message: 'secret will not be created due to CreationPolicy=Merge',
        changed: false,
        bound: false,
      };
    }
    if (!existing) {
      const { secret } = desiredSecret({
        es,
        targetName,
        existing: undefined,
        providerData: data,
        template,
        fieldManager,
      });
      try {
        const created = await this.#o.client.create(Resources.secrets, toApi(secret), { fieldManager, signal });
        this.#o.metrics.secretWrites.inc({ verb: 'create' });
        this.#remember(fromApi(created));
        void this.#o.events.record(this.#eventTarget(es), 'Normal', EventReasons.Created, 'secret created');
        return { reason: Reasons.SecretSynced, message: 'secret synced', changed: true };
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        // Not in our cache: an unmanaged Secret of that name exists (or the cache is behind). Adopt it below.
        existing = await this.#getSecret(namespace, targetName, signal);
        if (!existing) return this.#sync(es, targetName, start, log, signal, remoteChanged);
      }
    }

    const { secret, immutableConflict } = desiredSecret({
      es,
      targetName,
      existing,
      providerData: data,
      template,
      fieldManager,
    });
    const unchanged =
      dataEqual(secret.data, existing.data) &&
      metadataEqual(secret.metadata, existing.metadata) &&
      normalType(secret.type) === normalType(existing.type) &&
      (secret.immutable ?? false) === (existing.immutable ?? false);
    if (!unchanged) {
      secret.metadata.resourceVersion = existing.metadata.resourceVersion;
      const updated = await this.#o.client.update(Resources.secrets, toApi(secret), { fieldManager, signal });
      this.#o.metrics.secretWrites.inc({ verb: 'update' });
      this.#remember(fromApi(updated));
      if (!dataEqual(secret.data, existing.data)) {
        this.#restartUsers(es, targetName, existing.metadata.uid, secret.data);
      }
    } else {
      this.#remember(existing);
    }
    if (immutableConflict) {
      throw new StatusFailure(
        Reasons.SecretSyncedError,
        'could not update secret, target is immutable',
        `Secret ${targetName} is immutable and its data would change: delete it to let it be recreated`,
        false,
      );
    }
    if (!unchanged) void this.#o.events.record(this.#eventTarget(es), 'Normal', EventReasons.Updated, 'secret updated');
    return { reason: Reasons.SecretSynced, message: 'secret synced', changed: !unchanged };
  }

  async #templateSources(es: ExternalSecretObject, signal: AbortSignal): Promise<TemplateSources> {
    const sources: TemplateSources = { configMaps: {}, secrets: {} };
    const namespace = es.metadata.namespace ?? '';
    for (const from of es.spec?.target?.template?.templateFrom ?? []) {
      if (from.configMap && !(from.configMap.name in sources.configMaps)) {
        const cm = await this.#o.client
          .get<KubeObject & { data?: Record<string, string> }>(Resources.configMaps, from.configMap.name, {
            namespace,
            signal,
          })
          .catch((error) => {
            if (isNotFound(error))
              throw new Error(`error fetching templateFrom data: ConfigMap ${from.configMap?.name} not found`);
            throw error;
          });
        sources.configMaps[from.configMap.name] = cm.data ?? {};
      }
      if (from.secret && !(from.secret.name in sources.secrets)) {
        const secret = await this.#getSecret(namespace, from.secret.name, signal);
        if (!secret) throw new Error(`error fetching templateFrom data: Secret ${from.secret.name} not found`);
        sources.secrets[from.secret.name] = secret.data;
      }
    }
    return sources;
  }

  /** Owner policy: Secrets this ExternalSecret created under an earlier target name are deleted (ESO). */
  async #deleteOrphans(es: ExternalSecretObject, targetName: string, log: Logger, signal: AbortSignal): Promise<void> {
    const namespace = es.metadata.namespace ?? '';
    const createdBy = createdByValue(namespace, es.metadata.name ?? '');
    for (const secret of this.#o.managedSecrets.byIndex(CREATED_BY_INDEX, `${namespace}/${createdBy}`)) {
      const secretName = secret.metadata?.name ?? '';
      if (secretName === targetName) continue;
      const controlled = (secret.metadata?.ownerReferences ?? []).some(
        (r) => r.controller && r.uid === es.metadata.uid,
      );
      if (!controlled) continue;
      try {
        await this.#o.client.delete(Resources.secrets, secretName, {
          namespace,
          preconditions: { uid: secret.metadata?.uid },
          signal,
        });
        this.#o.metrics.secretWrites.inc({ verb: 'delete' });
        log.info({ secret: secretName }, 'deleted orphaned secret after a target rename');
        void this.#o.events.record(
          this.#eventTarget(es),
          'Normal',
          EventReasons.Deleted,
          'secret deleted because it was orphaned',
        );
      } catch (error) {
        if (!isNotFound(error)) {
          throw new StatusFailure(
            Reasons.SecretSyncedError,
            'could not delete orphaned secrets',
            messageOf(error),
            true,
          );
        }
      }
    }
  }

  /**
   * deletionPolicy Delete with no data left: deletes the managed target, as ESO does, also when this ExternalSecret
   * does not control it yet (e.g. it was created with creationPolicy Orphan); never one that another object
   * controls (ESO would delete it): that is a conflict to resolve by hand.
   */
  async #deleteUnlessForeign(es: ExternalSecretObject, targetName: string, signal: AbortSignal): Promise<boolean> {
    const namespace = es.metadata.namespace ?? '';
    const secret = this.#o.managedSecrets.getByName(namespace, targetName);
    if (!secret) return false;
    const controller = (secret.metadata?.ownerReferences ?? []).find((r) => r.controller);
    if (controller && controller.uid !== es.metadata.uid) {
      throw new StatusFailure(
        Reasons.SecretSyncedError,
        'could not delete secret',
        `Secret "${targetName}" is controlled by ${controller.kind} "${controller.name}", not by this ExternalSecret`,
        false,
      );
    }
    return this.#deleteSecret(namespace, targetName, secret.metadata?.uid, signal);
  }

  async #deleteIfControlled(es: ExternalSecretObject, targetName: string, signal: AbortSignal): Promise<boolean> {
    const namespace = es.metadata.namespace ?? '';
    const secret = this.#o.managedSecrets.getByName(namespace, targetName);
    if (!secret) return false;
    const controlled = (secret.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === es.metadata.uid);
    if (!controlled) return false;
    return this.#deleteSecret(namespace, targetName, secret.metadata?.uid, signal);
  }

  /** Deletes this Secret (only the one with this uid); false when it was already gone. */
  async #deleteSecret(namespace: string, name: string, uid: string | undefined, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#o.client.delete(Resources.secrets, name, { namespace, preconditions: { uid }, signal });
      this.#o.metrics.secretWrites.inc({ verb: 'delete' });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  // ----- finalizer, gates --------------------------------------------------------------------------------

  async #finalize(es: ExternalSecretObject, log: Logger): Promise<void> {
    if (!(es.metadata.finalizers ?? []).includes(FINALIZER)) return;
    if ((es.spec?.target?.deletionPolicy ?? 'Retain') === 'Delete') {
      const targetName = es.spec?.target?.name || es.metadata.name || '';
      const signal = new AbortController().signal;
      if (!isGenericTarget(es)) {
        if (await this.#deleteIfControlled(es, targetName, signal)) {
          log.info({ secret: targetName }, 'deleted target secret with its ExternalSecret (deletionPolicy Delete)');
        }
      } else if (this.#o.genericTargets) {
        try {
          if (await this.#o.genericTargets.deleteIfControlled(es, targetName, signal)) {
            log.info({ target: targetName }, 'deleted generic target with its ExternalSecret (deletionPolicy Delete)');
          }
        } catch (error) {
          // A kind the cluster no longer serves (or never could hold the target) has nothing to delete: without
          // this the ExternalSecret could never go. Other failures (RBAC, network) are retried.
          if (!(error instanceof GenericTargetError) || error.statusMessage !== 'invalid generic target') throw error;
          log.warn({ target: targetName, err: error.message }, 'could not delete the generic target; releasing it');
        }
      }
    }
    await this.#patchFinalizers(
      es,
      (es.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
    );
    this.#lastRefresh.delete(es.metadata.uid ?? '');
    this.#statusMemo.delete(es.metadata.uid ?? '');
    this.#o.events.forget(es.metadata.uid);
  }

  async #patchFinalizers(es: ExternalSecretObject, finalizers: string[]): Promise<ExternalSecretObject> {
    // Merge patch with the resourceVersion: a concurrent change of the list fails with 409 instead of losing it.
    return this.#o.client.patch<ExternalSecretObject>(
      OperatorResources.externalSecrets,
      es.metadata.name ?? '',
      { metadata: { finalizers, resourceVersion: es.metadata.resourceVersion } },
      { namespace: es.metadata.namespace },
    );
  }

  #isForeign(es: ExternalSecretObject): boolean {
    const namespace = es.metadata.namespace ?? '';
    const refs = [
      es.spec?.secretStoreRef,
      ...(es.spec?.data ?? []).map((d) => d.sourceRef?.storeRef),
      ...(es.spec?.dataFrom ?? []).map((d) => d.sourceRef?.storeRef),
    ].filter((r) => r !== undefined);
    return refs.some((ref) => this.#o.stores.isForeign(ref, namespace));
  }

  /** Rules ESO's webhook enforces, checked again here for clusters without the webhook. */
  /** First look at an ExternalSecret in this process: restarts a previous leader did not get to. */
  #catchUpRestarts(es: ExternalSecretObject, targetName: string): void {
    const targets = parseRestartTargets(es.metadata.annotations?.[ANNOTATION_ROLLOUT_RESTART]);
    const meta = this.#o.managedSecrets.getByName(es.metadata.namespace ?? '', targetName)?.metadata;
    const hash = meta?.annotations?.[ANNOTATION_DATA_HASH];
    if (targets.length === 0 || !this.#o.restarts || !hash || !meta?.uid) return;
    const target = this.#eventTarget(es);
    const token = restartToken(meta.uid, hash);
    void this.#o.restarts.catchUp(es.metadata.namespace ?? '', targets, targetName, token, (t, r, m) =>
      this.#o.events.record(target, t, r, m),
    );
  }

  /** The target's data changed: restart the workloads the ExternalSecret names (custos.dev/rollout-restart). */
  #restartUsers(
    es: ExternalSecretObject,
    targetName: string,
    secretUid: string | undefined,
    data: Record<string, Uint8Array>,
  ): void {
    const targets = parseRestartTargets(es.metadata.annotations?.[ANNOTATION_ROLLOUT_RESTART]);
    if (targets.length === 0 || !this.#o.restarts || !secretUid) return;
    const target = this.#eventTarget(es);
    const token = restartToken(secretUid, dataHash(data));
    this.#o.restarts.secretChanged(es.metadata.namespace ?? '', targets, targetName, token, (t, r, m) =>
      this.#o.events.record(target, t, r, m),
    );
  }

  #checkSpec(es: ExternalSecretObject): void {
    const target = es.spec?.target ?? {};
    const creation = target.creationPolicy ?? 'Owner';
    const deletion = target.deletionPolicy ?? 'Retain';
    const forbidden =
      (deletion === 'Delete' && (creation === 'Merge' || creation === 'None' || creation === 'CreateOrMerge')) ||
      (deletion === 'Merge' && creation === 'None');
    if (forbidden) {
      throw new StatusFailure(
        Reasons.SecretSyncedError,
        'invalid target policies',
        `deletionPolicy ${deletion} cannot be combined with creationPolicy ${creation}: change one of them`,
        false,
      );
    }
    if (isGenericTarget(es) && !this.#o.genericTargets) {
      throw new StatusFailure(
        Reasons.ResourceSyncedError,
        'invalid generic target',
        'generic targets (spec.target.manifest) are disabled: start the operator with --unsafe-allow-generic-targets, or remove spec.target.manifest to write a Secret',
        false,
      );
    }
    try {
      parseRestartTargets(es.metadata.annotations?.[ANNOTATION_ROLLOUT_RESTART]);
    } catch (error) {
      throw new StatusFailure(Reasons.SecretSyncedError, 'invalid annotation', messageOf(error), false);
    }
    if ((es.spec?.data ?? []).length === 0 && (es.spec?.dataFrom ?? []).length === 0 && !target.template) {
      // ESO's webhook rejects this; without it the object syncs an empty map, which the policies below handle.
    }
  }

  // ----- status ------------------------------------------------------------------------------------------

  async #writeStatus(
    es: ExternalSecretObject,
    s: {
      ready: 'True' | 'False';
      reason: string;
      message: string;
      refreshTime: string | null;
      synced: boolean;
      binding: string | undefined;
    },
  ): Promise<void> {
    const now = new Date(this.#now());
    const status = {
      refreshTime: s.refreshTime,
      syncedResourceVersion: s.synced ? resourceVersionOf(es.metadata) : (es.status?.syncedResourceVersion ?? ''),
      conditions: setReadyCondition(es.status?.conditions, s.ready, s.reason, s.message, now),
      // Always present, as ESO's status struct serializes it (the CRD defaults name to ""): an empty name means no
      // Secret is bound yet, or the target is not a Secret.
      binding: { name: s.binding ?? '' },
    };
    if (!status.syncedResourceVersion) delete (status as { syncedResourceVersion?: string }).syncedResourceVersion;
    if (statusEqual(status, es.status)) return;
    this.#statusMemo.set(es.metadata.uid ?? '', status);
    await this.#o.client.patchStatus(
      OperatorResources.externalSecrets,
      es.metadata.name ?? '',
      { status },
      { namespace: es.metadata.namespace },
    );
    this.#o.metrics.statusWrites.inc({ kind: 'ExternalSecret' });
  }

  #eventTarget(es: ExternalSecretObject) {
    return {
      apiVersion: ES_API_VERSION,
      kind: 'ExternalSecret',
      metadata: {
        name: es.metadata.name,
        namespace: es.metadata.namespace,
        uid: es.metadata.uid,
        resourceVersion: es.metadata.resourceVersion,
      },
    };
  }

  /** Ready condition as last written, for tests and the status command. */
  static ready(es: ExternalSecretObject) {
    return readyOf(es.status);
  }

  static readonly component = EVENT_COMPONENT;
}

function needsFinalizer(es: ExternalSecretObject): boolean {
  return (es.spec?.target?.deletionPolicy ?? 'Retain') === 'Delete';
}

/** How old a shared provider result this ExternalSecret accepts. */
export function coalesceAgeMs(es: ExternalSecretObject, windowMs: number): number {
  let interval: number;
  try {
    interval = refreshIntervalMs(es.spec?.refreshInterval);
  } catch {
    interval = 0;
  }
  // Interval 0 or OnChange/CreatedOnce: only the in-flight call is shared.
  const policy = es.spec?.refreshPolicy ?? 'Periodic';
  if (interval <= 0 || policy !== 'Periodic') return 0;
  // Half the interval: an ExternalSecret's own previous read (one interval old) is never reused, so a rotated value
  // normally arrives within one interval; reads by other ExternalSecrets in the same half-interval are still shared.
  return Math.min(Math.floor(interval / 2), windowMs);
}

function asFailure(error: unknown, generic = false): StatusFailure {
  const failure = asSecretFailure(error);
  if (!generic || failure.reason !== Reasons.SecretSyncedError) return failure;
  // Generic targets report ESO's Resource* reasons.
  const statusMessage =
    error instanceof StatusFailure || error instanceof TargetConflictError || error instanceof GenericTargetError
      ? failure.statusMessage
      : 'could not update resource';
  return new StatusFailure(Reasons.ResourceSyncedError, statusMessage, failure.detail, failure.retry);
}

function asSecretFailure(error: unknown): StatusFailure {
  if (error instanceof StatusFailure) return error;
  if (error instanceof GenericTargetError) {
    return new StatusFailure(Reasons.SecretSyncedError, error.statusMessage, error.message, error.retry);
  }
  if (error instanceof TargetConflictError) {
    return new StatusFailure(Reasons.SecretSyncedError, error.statusMessage, error.message, false);
  }
  return new StatusFailure(Reasons.SecretSyncedError, 'could not update secret', messageOf(error), true);
}
