// Generic targets (ESO's `spec.target.manifest`, behind --unsafe-allow-generic-targets): an ExternalSecret writes a
// ConfigMap or a custom resource instead of a Secret. Only namespaced kinds, always in the ExternalSecret's own
// namespace. The reconciler fetches provider data as usual and hands it here; this module finds the resource
// through API discovery, computes the object (generic-object.ts) and creates, updates or deletes it.
//
// Drift: after the first write of a kind, a metadata-only informer watches that kind's managed objects; a change
// the operator did not make re-queues the ExternalSecrets targeting it, whose validity check (data-hash over the
// content) then repairs it. Every refresh re-syncs as well.
//
// Errors say what to fix: an unknown apiVersion or kind, a cluster-scoped kind, or RBAC that forbids a verb.
import type { Logger } from 'pino';
import type { ExternalSecret } from '../../api/generated/types.js';
import {
  DiscoveryError,
  type Informer,
  type InformerFactory,
  isAlreadyExists,
  isForbidden,
  isInvalid,
  isNotFound,
  type KubeApiError,
  type KubeClient,
  type KubeObject,
  ResourceDiscovery,
  type ResourceType,
} from '../../kube/index.js';
import {
  createdByValue,
  EventReasons,
  fieldManagerFor,
  LABEL_CREATED_BY,
  LABEL_MANAGED,
  Reasons,
} from './constants.js';
import { contentHash, desiredGenericObject, isGenericObjectValid } from './generic-object.js';
import { renderGenericTemplate } from './generic-template.js';
import type { TemplateSources } from './template.js';

type GenericEs = ExternalSecret & KubeObject;

/** Ready=False with ESO's fixed status message and a detail saying what to fix. */
export class GenericTargetError extends Error {
  override name = 'GenericTargetError';
  constructor(
    readonly statusMessage: string,
    detail: string,
    /** Retry with backoff (true) or wait for a change (false). */
    readonly retry: boolean,
  ) {
    super(detail);
  }
}

/** ESO's isGenericTarget, except that a manifest naming v1 Secret keeps the ordinary Secret path. */
export function isGenericTarget(es: ExternalSecret): boolean {
  const manifest = es.spec?.target?.manifest;
  return manifest !== undefined && manifest !== null && !(manifest.apiVersion === 'v1' && manifest.kind === 'Secret');
}

export interface GenericSyncInput {
  es: GenericEs;
  targetName: string;
  data: Record<string, Uint8Array>;
  templateSources: () => Promise<TemplateSources>;
  signal: AbortSignal;
  /** Records an event on the ExternalSecret (messages carry names, never values). */
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

export interface GenericOutcome {
  reason: string;
  message: string;
  changed: boolean;
}

export interface GenericTargetsOptions {
  client: KubeClient;
  informers: InformerFactory;
  /** The operator's namespace limit, if any (the drift informers watch only there). */
  namespace: string | undefined;
  logger: Logger;
  discovery?: ResourceDiscovery;
}

type TargetListener = (namespace: string, name: string, apiVersion: string, kind: string) => void;

export class GenericTargets {
  readonly #o: GenericTargetsOptions;
  readonly #discovery: ResourceDiscovery;
  /** "apiVersion/kind/ns/name" -> resourceVersion of this process's last write (its own watch events are skipped). */
  readonly #written = new Map<string, string>();
  /** Drift informers by resource, also used to find targets left behind under an earlier name or kind. */
  readonly #watched = new Map<string, { type: ResourceType; informer: Informer<KubeObject> }>();
  readonly #listeners: TargetListener[] = [];

  constructor(options: GenericTargetsOptions) {
    this.#o = options;
    this.#discovery = options.discovery ?? new ResourceDiscovery(options.client);
  }

  /** Called when a managed generic target changed behind the operator's back (or was deleted). */
  onTargetChanged(listener: TargetListener): void {
    this.#listeners.push(listener);
  }

  /** ESO's isSecretValid for generic targets: it exists, is managed and holds what its data-hash says. */
  async isValid(es: GenericEs, targetName: string, signal: AbortSignal): Promise<boolean> {
    const policy = es.spec?.target?.creationPolicy ?? 'Owner';
    if (policy === 'Orphan' || policy === 'None') return true;
    let type: ResourceType;
    try {
      type = await this.#resolve(es, signal);
    } catch {
      return false; // the sync that follows reports why
    }
    const existing = await this.#get(type, es.metadata.namespace ?? '', targetName, signal);
    return existing !== undefined && isGenericObjectValid(existing);
  }

  async sync(input: GenericSyncInput): Promise<GenericOutcome> {
    const { es, targetName, data, signal } = input;
    const namespace = es.metadata.namespace ?? '';
    const target = es.spec?.target ?? {};
    const creationPolicy = target.creationPolicy ?? 'Owner';
    const deletionPolicy = target.deletionPolicy ?? 'Retain';
    const type = await this.#resolve(es, signal);
    const label = `${type.kind} ${targetName}`;

    if (Object.keys(data).length === 0) {
      if (deletionPolicy === 'Delete') {
        if (creationPolicy !== 'Owner') {
          throw new GenericTargetError(
            'could not delete resource',
            'deletionPolicy Delete needs creationPolicy Owner',
            false,
          );
        }
        const deleted = await this.deleteIfControlled(es, targetName, signal);
        if (deleted) input.event('Normal', EventReasons.Deleted, `${label} deleted due to DeletionPolicy=Delete`);
        return {
          reason: Reasons.ResourceDeleted,
          message: 'resource deleted due to DeletionPolicy=Delete',
          changed: deleted,
        };
      }
      if (deletionPolicy === 'Retain') {
        return {
          reason: Reasons.ResourceSynced,
          message: 'resource retained due to DeletionPolicy=Retain',
          changed: false,
        };
      }
    }
    if (creationPolicy === 'None')
      return { reason: Reasons.ResourceSynced, message: 'resource synced', changed: false };

    let rendered: Awaited<ReturnType<typeof renderGenericTemplate>>;
    try {
      const sources = target.template ? await input.templateSources() : { configMaps: {}, secrets: {} };
      rendered = await renderGenericTemplate(target.template, data, sources);
    } catch (error) {
      throw new GenericTargetError('could not update resource', `could not apply template: ${messageOf(error)}`, true);
    }

    let existing = await this.#get(type, namespace, targetName, signal);
    if (!existing && creationPolicy === 'Merge') {
      return {
        reason: Reasons.ResourceMissing,
        message: 'resource will not be created due to CreationPolicy=Merge',
        changed: false,
      };
    }
    const manifest = target.manifest as { apiVersion: string; kind: string };
    const fieldManager = fieldManagerFor(es.metadata.name ?? '');
    const desiredFrom = (current: KubeObject | undefined) =>
      desiredGenericObject({
        es,
        targetName,
        apiVersion: manifest.apiVersion,
        kind: type.kind,
        existing: current,
        rendered,
      });

    if (!existing) {
      try {
        const created = await this.#o.client.create(type, desiredFrom(undefined), { fieldManager, signal });
        this.#remember(type, created);
        input.event('Normal', EventReasons.Created, `${label} created`);
        if (creationPolicy === 'Owner') await this.#deleteOrphans(input, type);
        return { reason: Reasons.ResourceSynced, message: 'resource synced', changed: true };
      } catch (error) {
        if (!isAlreadyExists(error)) throw explain(error, 'create', type, namespace);
        existing = await this.#get(type, namespace, targetName, signal);
        if (!existing)
          throw new GenericTargetError('could not update resource', `${label} vanished while written`, true);
      }
    }

    const desired = desiredFrom(existing);
    if (sameObject(desired, existing)) {
      this.#remember(type, existing);
      if (creationPolicy === 'Owner') await this.#deleteOrphans(input, type);
      return { reason: Reasons.ResourceSynced, message: 'resource synced', changed: false };
    }
    let updated: KubeObject;
    try {
      updated = await this.#o.client.update(type, desired, { fieldManager, signal });
    } catch (error) {
      throw explain(error, 'update', type, namespace);
    }
    this.#remember(type, updated);
    input.event('Normal', EventReasons.Updated, `${label} updated`);
    if (creationPolicy === 'Owner') await this.#deleteOrphans(input, type);
    return { reason: Reasons.ResourceSynced, message: 'resource synced', changed: true };
  }

  /** Deletes the target if this ExternalSecret controls it (deletionPolicy Delete). */
  async deleteIfControlled(es: GenericEs, targetName: string, signal: AbortSignal): Promise<boolean> {
    const namespace = es.metadata.namespace ?? '';
    const type = await this.#resolve(es, signal);
    const existing = await this.#get(type, namespace, targetName, signal);
    if (!existing) return false;
    const controlled = (existing.metadata?.ownerReferences ?? []).some(
      (r) => r.controller && r.uid === es.metadata.uid,
    );
    if (!controlled) return false;
    try {
      await this.#o.client.delete(type, targetName, {
        namespace,
        preconditions: { uid: existing.metadata?.uid },
        signal,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw explain(error, 'delete', type, namespace);
    }
  }

  /**
   * Owner policy: targets this ExternalSecret created under an earlier name or kind (seen by the drift informers)
   * are deleted, as ESO does for Secrets after a target rename.
   */
  async #deleteOrphans(input: GenericSyncInput, current: ResourceType): Promise<void> {
    const { es, targetName, signal } = input;
    const namespace = es.metadata.namespace ?? '';
    const createdBy = `${namespace}/${createdByValue(namespace, es.metadata.name ?? '')}`;
    for (const { type, informer } of this.#watched.values()) {
      for (const object of informer.byIndex(CREATED_BY_INDEX, createdBy)) {
        const name = object.metadata?.name ?? '';
        if (type.plural === current.plural && type.group === current.group && name === targetName) continue;
        const controlled = (object.metadata?.ownerReferences ?? []).some(
          (r) => r.controller && r.uid === es.metadata.uid,
        );
        if (!controlled) continue;
        try {
          await this.#o.client.delete(type, name, { namespace, preconditions: { uid: object.metadata?.uid }, signal });
          input.event('Normal', EventReasons.Deleted, `${type.kind} ${name} deleted because it was orphaned`);
        } catch (error) {
          if (!isNotFound(error)) throw explain(error, 'delete', type, namespace);
        }
      }
    }
  }

  async #resolve(es: GenericEs, signal: AbortSignal): Promise<ResourceType> {
    const manifest = es.spec?.target?.manifest;
    if (!manifest?.apiVersion || !manifest.kind) {
      throw new GenericTargetError(
        'invalid generic target',
        'spec.target.manifest needs both apiVersion and kind',
        false,
      );
    }
    let type: ResourceType;
    try {
      type = await this.#discovery.resolve(manifest.apiVersion, manifest.kind, signal);
    } catch (error) {
      if (error instanceof DiscoveryError) {
        // Retried with backoff: installing the missing CRD fixes it without touching the ExternalSecret.
        throw new GenericTargetError('invalid generic target', `spec.target.manifest: ${error.message}`, true);
      }
      throw error;
    }
    if (!type.namespaced) {
      throw new GenericTargetError(
        'invalid generic target',
        `${manifest.kind} (${manifest.apiVersion}) is cluster-scoped: generic targets must be namespaced kinds, written in the ExternalSecret's namespace`,
        false,
      );
    }
    return type;
  }

  async #get(
    type: ResourceType,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.#o.client.get(type, name, { namespace, signal });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw explain(error, 'get', type, namespace);
    }
  }

  #remember(type: ResourceType, object: KubeObject): void {
    const key = writtenKey(type, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
    this.#written.set(key, object.metadata?.resourceVersion ?? '');
    this.#watch(type);
  }

  /** Starts (once per kind) the metadata-only informer of managed objects that reports drift. */
  #watch(type: ResourceType): void {
    const id = `${type.group}/${type.version}/${type.plural}`;
    if (this.#watched.has(id)) return;
    const informer = this.#o.informers.informer<KubeObject>(type, {
      namespace: this.#o.namespace,
      labelSelector: `${LABEL_MANAGED}=true`,
      metadataOnly: true,
      transform: (o) => {
        if (o.metadata?.managedFields) o.metadata = { ...o.metadata, managedFields: undefined };
        return o;
      },
    });
    informer.addIndex(CREATED_BY_INDEX, (o) => {
      const value = o.metadata?.labels?.[LABEL_CREATED_BY];
      return value ? [`${o.metadata?.namespace}/${value}`] : [];
    });
    this.#watched.set(id, { type, informer });
    const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    const changed = (object: KubeObject, deleted: boolean) => {
      const namespace = object.metadata?.namespace ?? '';
      const name = object.metadata?.name ?? '';
      const key = writtenKey(type, namespace, name);
      if (deleted) this.#written.delete(key);
      else if (this.#written.get(key) === object.metadata?.resourceVersion) return; // our own write
      for (const listener of this.#listeners) listener(namespace, name, apiVersion, type.kind);
    };
    informer.addEventHandler({
      onAdd: (o) => changed(o, false),
      onUpdate: (_old, o) => changed(o, false),
      onDelete: (o) => changed(o, true),
    });
    this.#o.logger.debug({ resource: id }, 'watching generic targets for drift');
  }
}

const CREATED_BY_INDEX = 'createdBy';

function writtenKey(type: ResourceType, namespace: string, name: string): string {
  return `${type.group}/${type.version}/${type.plural}/${namespace}/${name}`;
}

/** Compares desired and existing content and metadata, ignoring what the server keeps for itself. */
function sameObject(desired: KubeObject, existing: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { managedFields: _m, ...metadata } = o.metadata ?? {};
    return { ...o, metadata };
  };
  return (
    contentHash(desired) === contentHash(existing) &&
    JSON.stringify(sortedJson(strip(desired).metadata)) === JSON.stringify(sortedJson(strip(existing).metadata))
  );
}

function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) out[key] = sortedJson((value as Record<string, unknown>)[key]);
  return out;
}

function resourceName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/**
 * Turns 403 into what to grant, and 422 into the fields the server refused (its own message may quote the
 * rejected value, which can be secret). Other errors pass through: their messages name the request, not the body.
 */
function explain(error: unknown, verb: string, type: ResourceType, namespace: string): unknown {
  if (isInvalid(error)) {
    const causes = (error as KubeApiError).details?.causes ?? [];
    const fields = [...new Set(causes.map((c) => c.field).filter((f): f is string => Boolean(f)))];
    return new GenericTargetError(
      'could not update resource',
      `the API server refused to ${verb} the ${type.kind} as invalid${fields.length ? ` (fields: ${fields.join(', ')})` : ''}: check that the template renders the types its schema expects`,
      true,
    );
  }
  if (!isForbidden(error)) return error;
  return new GenericTargetError(
    'could not update resource',
    `RBAC forbids the operator to ${verb} ${resourceName(type)} in namespace ${namespace}: grant its service account get, list, watch, create, update and delete on ${resourceName(type)}`,
    true,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
