// The ClusterExternalSecret controller: stamps one ExternalSecret (named spec.externalSecretName, default the CES
// name) into every namespace the CES selects, with ESO's semantics (reference/eso.md 1.4):
// * children carry externalSecretMetadata as labels/annotations (plus a mirrored force-sync annotation), a verbatim
//   copy of externalSecretSpec, and the CES as controller owner; a same-named ExternalSecret not controlled by this
//   CES is left alone and the namespace is reported failed ("external secret already exists in namespace");
// * children in namespaces that stop matching, and children under an old externalSecretName, are deleted;
// * the CES gets the cleanup finalizer, each provisioned namespace the per-CES finalizer, so deleting the CES
//   deletes its children and a terminating namespace is let go at once;
// * status lists provisioned and failed namespaces (sorted) with a Ready condition, written only on change;
// * it re-runs every spec.refreshTime (default 1h) and at once on CES changes, on namespace creation, deletion or
//   label change, and when a child is edited or deleted.
// Beyond ESO: a namespace losing its labels is reacted to at once (ESO only maps events to CESs that match the
// namespace's new labels), namespace finalizers are removed as soon as a namespace stops being provisioned (and
// those of CESs that no longer exist), and an unchanged child is not written at all.
//
// Reads come from shared informers (CESs, Namespaces, ExternalSecrets); writes carry the resourceVersion they were
// computed from, so a stale cache ends in a conflict and a retry, never in a lost update.
import type { Logger } from 'pino';
import {
  type Clock,
  type Informer,
  type InformerFactory,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type ReconcileResult,
  Resources,
  realClock,
  runWorkers,
  TerminalError,
  WorkQueue,
} from '../../kube/index.js';
import {
  type ClusterExternalSecretObject,
  childName,
  desiredChild,
  type ExternalSecretObject,
  isOwnedBy,
  owningCes,
  updatedChild,
} from './children.js';
import { InvalidSelectorError } from './labelselector.js';
import { namespacePredicate, targetNamespaces } from './namespaces.js';
import { refreshInterval } from './refresh.js';
import {
  ALREADY_EXISTS_REASON,
  CES_FINALIZER,
  ClusterExternalSecrets,
  cesOfNamespaceFinalizer,
  ExternalSecrets,
  hasValidNamespaceFinalizer,
  namespaceFinalizer,
  UNKNOWN_NAMESPACE,
} from './resources.js';
import { buildStatus, statusEqual, statusPatch } from './status.js';

export interface ClusterExternalSecretControllerOptions {
  client: KubeClient;
  informers: InformerFactory;
  logger: Logger;
  clock?: Clock;
  /** Concurrent reconciles (default 1, like ESO's --concurrent). */
  workers?: number;
  /**
   * Called after every reconcile that got as far as computing a status (or found the CES gone), e.g. to feed
   * ESO's clusterexternalsecret_reconcile_duration and clusterexternalsecret_status_condition gauges.
   * Exceptions thrown here are ignored.
   */
  onReconciled?(name: string, outcome: ReconcileOutcome): void;
}

export interface ReconcileOutcome {
  durationMs: number;
  /** The Ready condition just computed; undefined when the CES is gone or being deleted. */
  ready: boolean | undefined;
  /** The CES no longer exists or is being deleted (drop its metrics). */
  deleted: boolean;
}

/** Index on the ExternalSecret informer: the name of the CES that controls each ExternalSecret. */
export const CES_OWNER_INDEX = 'clusterexternalsecret-owner';

export class ClusterExternalSecretController {
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #workers: number;
  readonly #ces: Informer<ClusterExternalSecretObject>;
  readonly #namespaces: Informer<KubeObject>;
  readonly #externalSecrets: Informer<ExternalSecretObject>;
  readonly #factory: InformerFactory;
  readonly #queue: WorkQueue;
  readonly #onReconciled: ClusterExternalSecretControllerOptions['onReconciled'];
  #started = false;
  /** Where event handlers send CES names (set by watch()). */
  #add: (name: string) => void = () => undefined;

  constructor(options: ClusterExternalSecretControllerOptions) {
    this.#client = options.client;
    this.#log = options.logger.child({ controller: 'clusterexternalsecret' });
    this.#clock = options.clock ?? realClock;
    this.#workers = options.workers ?? 1;
    this.#factory = options.informers;
    this.#ces = options.informers.informer<ClusterExternalSecretObject>(ClusterExternalSecrets);
    this.#namespaces = options.informers.informer(Resources.namespaces);
    this.#externalSecrets = options.informers.informer<ExternalSecretObject>(ExternalSecrets, {
      indexers: { [CES_OWNER_INDEX]: (es) => ownerNames(es) },
    });
    this.#queue = new WorkQueue({ clock: this.#clock });
    this.#onReconciled = options.onReconciled;
  }

  /**
   * Registers the informer handlers that turn CES, Namespace and ExternalSecret events into CES names to
   * reconcile, and hands those names to `enqueue`. start() uses it with the controller's own queue; a manager
   * with its own queue can call watch() and reconcile() instead of start(). Returns a function that unregisters.
   */
  watch(enqueue: (name: string) => void): () => void {
    this.#add = enqueue;
    const removers = [
      this.#ces.addEventHandler({
        onAdd: (ces) => this.#enqueue(ces),
        onUpdate: (old, ces) => {
          if (cesChanged(old, ces)) this.#enqueue(ces);
        },
        onDelete: (ces) => this.#enqueue(ces),
      }),
      this.#namespaces.addEventHandler({
        onAdd: (ns) => this.#enqueueForNamespace(ns),
        onUpdate: (old, ns) => {
          if (namespaceChanged(old, ns)) this.#enqueueForNamespace(old, ns);
          else this.#enqueueOrphanHolders(ns);
        },
        onDelete: (ns) => this.#enqueueForNamespace(ns),
      }),
      this.#externalSecrets.addEventHandler({
        onUpdate: (old, es) => {
          if (childChanged(old, es)) this.#enqueueForChild(es);
        },
        onDelete: (es) => this.#enqueueForChild(es),
      }),
    ];
    return () => {
      for (const remove of removers) remove();
    };
  }

  /**
   * Watches and reconciles until `signal` aborts; resolves once the workers have stopped. Starts the informer
   * factory if nobody has (starting it twice is harmless) but never stops it: the factory's owner does that.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new Error('ClusterExternalSecretController.start was called twice');
    this.#started = true;
    const unwatch = this.watch((name) => this.#queue.add(name));
    const stop = () => this.#queue.shutDown();
    signal.addEventListener('abort', stop, { once: true });
    try {
      this.#factory.start();
      if (!(await this.#factory.waitForSync(signal))) return;
      // Every CES was enqueued by onAdd during the initial list; workers start only on complete caches.
      const handle = runWorkers(this.#queue, this.#workers, (key) => this.reconcile(key), {
        clock: this.#clock,
        onError: (key, error, kind) => {
          // Bad input (terminal) is the user's to fix: a warning. Anything retried is ours or the cluster's.
          const fields = { clusterExternalSecret: key, err: errorText(error) };
          if (kind === 'terminal') this.#log.warn(fields, 'reconcile failed; waiting for the spec to change');
          else if (isConflict(error)) this.#log.debug(fields, 'stale cache; retrying');
          else this.#log.error(fields, 'reconcile failed; retrying with backoff');
        },
      });
      this.#log.info({ workers: this.#workers }, 'started');
      await handle.stopped;
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
      unwatch();
      this.#log.info('stopped');
    }
  }

  /**
   * Brings the ClusterExternalSecret `name` and its children in line with its spec. Reads the informer caches, so
   * call it once they have synced (start() does). Throws on transient failures (the caller retries with backoff)
   * and TerminalError for bad input that only a spec change can fix; otherwise asks to be run again after
   * spec.refreshTime.
   */
  async reconcile(name: string): Promise<ReconcileResult> {
    const started = this.#clock.now();
    const report = (ready: boolean | undefined, deleted: boolean) => {
      try {
        this.#onReconciled?.(name, { durationMs: this.#clock.now() - started, ready, deleted });
      } catch {
        // An observer must not fail the reconcile.
      }
    };
    const ces = this.#ces.get(name);
    if (!ces) {
      // Gone (normally after the finalizer pass). Children are garbage-collected through their ownerReference;
      // namespace finalizers are not, e.g. if the CES was deleted while no operator ran: release them here.
      for (const ns of this.#namespaces.list()) await this.#removeNamespaceFinalizer(ns, name);
      report(undefined, true);
      return {};
    }
    if (ces.metadata?.deletionTimestamp) {
      await this.#finalize(ces);
      report(undefined, true);
      return {};
    }
    const current = await this.#ensureFinalizer(ces);
    if (!current) return {}; // deleted meanwhile; its delete event brings us back
    return this.#sync(current, (ready) => report(ready, false));
  }

  // ----- reconcile steps -----------------------------------------------------------------------------------

  async #sync(ces: ClusterExternalSecretObject, report: (ready: boolean) => void): Promise<ReconcileResult> {
    const name = ces.metadata?.name ?? '';
    const log = this.#log.child({ clusterExternalSecret: name });
    const esName = childName(ces);
    const refresh = refreshInterval(ces.spec?.refreshTime);
    if ('error' in refresh) log.warn({ problem: refresh.error }, 'using the default refresh interval of 1h');
    const requeue: ReconcileResult = { requeueAfter: 'ms' in refresh ? refresh.ms : 60 * 60 * 1000 };

    let targets: string[];
    try {
      targets = targetNamespaces(ces.spec, this.#namespaces.list());
    } catch (error) {
      if (!(error instanceof InvalidSelectorError)) throw error;
      const failed = new Map([[UNKNOWN_NAMESPACE, error.message]]);
      await this.#writeStatus(ces, buildStatus(esName, ces.status?.provisionedNamespaces ?? [], failed));
      report(false);
      throw new TerminalError(`ClusterExternalSecret "${name}": ${error.message}`);
    }
    const wanted = new Set(targets);

    const failed = new Map<string, string>();
    let transient: unknown;
    const recordFailure = (namespace: string, error: unknown) => {
      failed.set(namespace, errorText(error));
      transient ??= error;
    };

    // Children that must go: in namespaces no longer selected, or still named after an old externalSecretName.
    for (const child of this.#externalSecrets.byIndex(CES_OWNER_INDEX, name)) {
      const namespace = child.metadata?.namespace ?? '';
      if (wanted.has(namespace) && child.metadata?.name === esName) continue;
      try {
        await this.#deleteChild(child, name);
        log.info({ namespace, externalSecret: child.metadata?.name }, 'deleted ExternalSecret no longer wanted');
      } catch (error) {
        recordFailure(namespace, error);
      }
    }

    const provisioned: string[] = [];
    for (const namespace of targets) {
      const ns = this.#namespaces.get(namespace);
      if (!ns || ns.metadata?.deletionTimestamp) continue; // terminating: its finalizer is released below
      const existing = this.#externalSecrets.getByName(namespace, esName);
      if (existing && !isOwnedBy(existing, name)) {
        failed.set(namespace, ALREADY_EXISTS_REASON);
        continue;
      }
      try {
        await this.#ensureNamespaceFinalizer(ns, name);
        const outcome = await this.#applyChild(ces, namespace, existing);
        if (outcome === 'foreign') {
          failed.set(namespace, ALREADY_EXISTS_REASON);
          continue;
        }
        if (outcome !== 'unchanged') log.info({ namespace, externalSecret: esName }, `${outcome} ExternalSecret`);
        provisioned.push(namespace);
      } catch (error) {
        recordFailure(namespace, error);
      }
    }

    // Release every namespace this CES holds but no longer provisions (unselected, terminating, failed).
    const keep = new Set(provisioned);
    for (const ns of this.#namespaces.list()) {
      if (keep.has(ns.metadata?.name ?? '')) continue;
      try {
        await this.#removeNamespaceFinalizer(ns, name);
      } catch (error) {
        transient ??= error;
        log.warn({ namespace: ns.metadata?.name, err: errorText(error) }, 'could not remove the namespace finalizer');
      }
    }

    await this.#writeStatus(ces, buildStatus(esName, provisioned, failed));
    report(failed.size === 0);
    if (transient) throw transient; // retried with backoff; status already says which namespaces failed
    return requeue;
  }

  /** Deletion: remove every child and namespace finalizer, then let the CES go. */
  async #finalize(ces: ClusterExternalSecretObject): Promise<void> {
    const name = ces.metadata?.name ?? '';
    // Clean up even if someone removed our finalizer: the CES may still be waiting on other finalizers.
    const children = new Map<string, ExternalSecretObject>();
    for (const child of this.#externalSecrets.byIndex(CES_OWNER_INDEX, name)) {
      children.set(`${child.metadata?.namespace}/${child.metadata?.name}`, child);
    }
    // Children the cache may not show yet: the ones status says were provisioned.
    const esName = ces.status?.externalSecretName || name;
    for (const namespace of ces.status?.provisionedNamespaces ?? []) {
      const child = this.#externalSecrets.getByName(namespace, esName);
      if (child && isOwnedBy(child, name)) children.set(`${namespace}/${esName}`, child);
    }
    for (const child of children.values()) await this.#deleteChild(child, name);
    for (const ns of this.#namespaces.list()) await this.#removeNamespaceFinalizer(ns, name);
    const finalizers = ces.metadata?.finalizers ?? [];
    if (finalizers.includes(CES_FINALIZER)) {
      await this.#client
        .patch(ClusterExternalSecrets, name, {
          metadata: {
            resourceVersion: ces.metadata?.resourceVersion,
            finalizers: finalizers.filter((f) => f !== CES_FINALIZER),
          },
        })
        .catch(ignoreNotFound); // a pass on a stale cache: an earlier one already let it go
    }
    this.#log.info({ clusterExternalSecret: name, children: children.size }, 'cleaned up');
  }

  async #ensureFinalizer(ces: ClusterExternalSecretObject): Promise<ClusterExternalSecretObject | undefined> {
    const finalizers = ces.metadata?.finalizers ?? [];
    if (finalizers.includes(CES_FINALIZER)) return ces;
    return this.#client
      .patch<ClusterExternalSecretObject>(ClusterExternalSecrets, ces.metadata?.name ?? '', {
        metadata: { resourceVersion: ces.metadata?.resourceVersion, finalizers: [...finalizers, CES_FINALIZER] },
      })
      .catch(ignoreNotFound);
  }

  /**
   * Creates or updates the child in `namespace`. Falls back to a live read when the cache was stale (create hit
   * AlreadyExists, update hit a conflict). Returns 'foreign' if the live object is not ours.
   */
  async #applyChild(
    ces: ClusterExternalSecretObject,
    namespace: string,
    cached: ExternalSecretObject | undefined,
  ): Promise<'created' | 'updated' | 'unchanged' | 'foreign'> {
    const name = ces.metadata?.name ?? '';
    const esName = childName(ces);
    let current = cached;
    for (let attempt = 0; ; attempt++) {
      const lastTry = attempt >= 2;
      try {
        if (!current) {
          await this.#client.create(ExternalSecrets, desiredChild(ces, namespace));
          return 'created';
        }
        if (!isOwnedBy(current, name)) return 'foreign';
        const { object, metadataDiffers, specDiffers } = updatedChild(ces, current);
        if (!metadataDiffers && !specDiffers) return 'unchanged';
        await this.#client.update(ExternalSecrets, object);
        return 'updated';
      } catch (error) {
        if (lastTry || !(isAlreadyExists(error) || isConflict(error))) throw error;
        current = await this.#client
          .get<ExternalSecretObject>(ExternalSecrets, esName, { namespace })
          .catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
      }
    }
  }

  async #deleteChild(child: ExternalSecretObject, cesName: string): Promise<void> {
    if (!isOwnedBy(child, cesName)) return; // never delete what this CES does not control
    const namespace = child.metadata?.namespace ?? '';
    const name = child.metadata?.name ?? '';
    try {
      await this.#client.delete(ExternalSecrets, name, {
        namespace,
        preconditions: child.metadata?.uid ? { uid: child.metadata.uid } : undefined,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async #ensureNamespaceFinalizer(ns: KubeObject, cesName: string): Promise<void> {
    if (!hasValidNamespaceFinalizer(cesName)) return; // name too long for a finalizer: the API would reject it
    const finalizer = namespaceFinalizer(cesName);
    await this.#patchNamespaceFinalizers(ns, (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]));
  }

  async #removeNamespaceFinalizer(ns: KubeObject, cesName: string): Promise<void> {
    const finalizer = namespaceFinalizer(cesName);
    await this.#patchNamespaceFinalizers(ns, (list) =>
      list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined,
    );
  }

  /** Applies `change` to metadata.finalizers (undefined = nothing to do), re-reading once if the cache was stale. */
  async #patchNamespaceFinalizers(
    ns: KubeObject,
    change: (finalizers: string[]) => string[] | undefined,
  ): Promise<void> {
    const name = ns.metadata?.name ?? '';
    let current: KubeObject | undefined = ns;
    for (let attempt = 0; current; attempt++) {
      const next = change(current.metadata?.finalizers ?? []);
      if (!next) return;
      try {
        await this.#client.patch(Resources.namespaces, name, {
          metadata: { resourceVersion: current.metadata?.resourceVersion, finalizers: next },
        });
        return;
      } catch (error) {
        if (isNotFound(error)) return;
        if (attempt >= 1 || !isConflict(error)) throw error;
        current = await this.#client
          .get(Resources.namespaces, name)
          .catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
      }
    }
  }

  async #writeStatus(ces: ClusterExternalSecretObject, status: ReturnType<typeof buildStatus>): Promise<void> {
    if (statusEqual(ces.status, status)) return;
    await this.#client
      .patchStatus(ClusterExternalSecrets, ces.metadata?.name ?? '', statusPatch(status))
      .catch(ignoreNotFound);
  }

  // ----- event mapping -------------------------------------------------------------------------------------

  #enqueue(ces: KubeObject): void {
    const name = ces.metadata?.name;
    if (name) this.#add(name);
  }

  /** CESs that select the namespace before or after the change, provisioned it, or hold a finalizer on it. */
  #enqueueForNamespace(...versions: KubeObject[]): void {
    const name = versions[0]?.metadata?.name ?? '';
    for (const finalizer of versions.at(-1)?.metadata?.finalizers ?? []) {
      const holder = cesOfNamespaceFinalizer(finalizer);
      if (holder) this.#add(holder); // also a CES deleted while no operator ran: its reconcile lets go
    }
    for (const ces of this.#ces.list()) {
      let selected = ces.status?.provisionedNamespaces?.includes(name) ?? false;
      if (!selected) {
        try {
          const matches = namespacePredicate(ces.spec);
          selected = versions.some(matches);
        } catch {
          selected = false; // an invalid selector selects nothing; the CES's own status reports it
        }
      }
      if (selected) this.#enqueue(ces);
    }
  }

  /** CESs that hold a finalizer on the namespace but no longer exist: their reconcile releases it. */
  #enqueueOrphanHolders(ns: KubeObject): void {
    for (const finalizer of ns.metadata?.finalizers ?? []) {
      const holder = cesOfNamespaceFinalizer(finalizer);
      if (holder && !this.#ces.get(holder)) this.#add(holder);
    }
  }

  /** The CES controlling a changed child, or one whose namespace failed because a same-named object was there. */
  #enqueueForChild(es: ExternalSecretObject): void {
    const owner = owningCes(es);
    if (owner) this.#add(owner);
    const namespace = es.metadata?.namespace;
    for (const ces of this.#ces.list()) {
      if (ces.status?.failedNamespaces?.some((f) => f.namespace === namespace)) this.#enqueue(ces);
    }
  }
}

function ownerNames(es: ExternalSecretObject): string[] {
  const owner = owningCes(es);
  return owner ? [owner] : [];
}

/** Status-only updates (our own status writes) do not need a reconcile. */
function cesChanged(old: KubeObject, ces: KubeObject): boolean {
  const a = old.metadata ?? {};
  const b = ces.metadata ?? {};
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.labels) !== JSON.stringify(b.labels) ||
    JSON.stringify(a.annotations) !== JSON.stringify(b.annotations) ||
    JSON.stringify(a.finalizers) !== JSON.stringify(b.finalizers)
  );
}

function namespaceChanged(old: KubeObject, ns: KubeObject): boolean {
  return (
    JSON.stringify(old.metadata?.labels) !== JSON.stringify(ns.metadata?.labels) ||
    old.metadata?.deletionTimestamp !== ns.metadata?.deletionTimestamp
  );
}

/** A child's spec or metadata changed (status writes by the ExternalSecret controller are ignored). */
function childChanged(old: ExternalSecretObject, es: ExternalSecretObject): boolean {
  const a = old.metadata ?? {};
  const b = es.metadata ?? {};
  return (
    a.generation !== b.generation ||
    JSON.stringify(a.labels) !== JSON.stringify(b.labels) ||
    JSON.stringify(a.annotations) !== JSON.stringify(b.annotations) ||
    JSON.stringify(a.ownerReferences) !== JSON.stringify(b.ownerReferences)
  );
}

function ignoreNotFound(error: unknown): undefined {
  if (isNotFound(error)) return undefined;
  throw error;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
