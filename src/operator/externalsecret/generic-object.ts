// The generic target object an ExternalSecret wants (ConfigMap or custom resource), computed from the object
// that exists and what was rendered. Pure: no API calls, so every policy is unit-testable.
//
// * Data map: a ConfigMap gets `.data` (strings; values that are not UTF-8 go to `.binaryData`), any other kind
//   `spec.data` (strings; a value that is not UTF-8 is an error). With creationPolicy Owner or Orphan the map is
//   replaced, so dropped keys disappear; with Merge/CreateOrMerge keys are added to what is there.
// * Template paths are merged into the object after the data map (fields they do not name are left alone).
// * Metadata: the ExternalSecret's labels/annotations (no template) or the rendered template metadata are added,
//   plus the managed label; Owner adds the controller ownerReference and the created-by label (ESO's bookkeeping),
//   Orphan removes this ExternalSecret's ownerReference.
// * The data-hash annotation is a hash of the object's content (everything but apiVersion, kind, metadata and
//   status), so an edit made behind the operator's back is seen as drift.
import type { ExternalSecret } from '../../api/generated/types.js';
import { cloneObject, type KubeObject, type ObjectMeta } from '../../kube/index.js';
import {
  ANNOTATION_DATA_HASH,
  createdByValue,
  LABEL_CREATED_BY,
  LABEL_MANAGED,
  LABEL_MANAGED_VALUE,
} from './constants.js';
import { mergeAtPath } from './generic-paths.js';
import type { GenericRendered } from './generic-template.js';
import { objectHashOfString } from './hash.js';
import { ownerReferenceFor, TargetConflictError } from './target.js';

export interface GenericDesiredInput {
  es: ExternalSecret;
  targetName: string;
  apiVersion: string;
  kind: string;
  existing: KubeObject | undefined;
  rendered: GenericRendered;
}

/** Thrown for content a target cannot hold (e.g. binary data in a custom resource); the message names the key. */
export class GenericContentError extends Error {
  override name = 'GenericContentError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function desiredGenericObject(input: GenericDesiredInput): KubeObject {
  const { es, existing, rendered, kind } = input;
  const creationPolicy = es.spec?.target?.creationPolicy ?? 'Owner';
  const namespace = es.metadata.namespace ?? '';
  const object: KubeObject = existing
    ? cloneObject(existing)
    : { apiVersion: input.apiVersion, kind, metadata: { name: input.targetName, namespace } };
  const metadata: ObjectMeta = object.metadata ?? {};
  object.metadata = metadata;
  delete metadata.managedFields;
  metadata.labels = { ...(metadata.labels ?? {}), ...(rendered.labels ?? es.metadata.labels ?? {}) };
  metadata.annotations = {
    ...(metadata.annotations ?? {}),
    ...(rendered.annotations ?? es.metadata.annotations ?? {}),
  };

  let ownerReferences = [...(metadata.ownerReferences ?? [])];
  if (creationPolicy === 'Owner') {
    const controller = ownerReferences.find((ref) => ref.controller);
    if (controller && controller.uid !== es.metadata.uid) {
      const what = `${kind} ${input.targetName} is controlled by ${controller.kind} ${controller.name}: use another target.name or creationPolicy Merge`;
      if (controller.kind === 'ExternalSecret') {
        throw new TargetConflictError('target is owned by another ExternalSecret', what);
      }
      throw new TargetConflictError('failed to take ownership of target resource', what);
    }
    const ref = ownerReferenceFor(es);
    const index = ownerReferences.findIndex((r) => r.uid === ref.uid);
    if (index === -1) ownerReferences.push(ref);
    else ownerReferences[index] = ref;
    metadata.labels[LABEL_CREATED_BY] = createdByValue(namespace, es.metadata.name ?? '');
  } else if (creationPolicy === 'Orphan') {
    ownerReferences = ownerReferences.filter((r) => r.uid !== es.metadata.uid);
  }
  if (ownerReferences.length > 0) metadata.ownerReferences = ownerReferences;
  else delete metadata.ownerReferences;

  const replace = creationPolicy === 'Owner' || creationPolicy === 'Orphan';
  if (kind === 'ConfigMap' && input.apiVersion === 'v1') {
    writeConfigMapData(object, rendered.data, replace);
  } else {
    writeSpecData(object, rendered.data, replace, kind);
  }
  for (const write of rendered.paths) mergeAtPath(object, write.steps, write.value, write.path);

  metadata.labels[LABEL_MANAGED] = LABEL_MANAGED_VALUE;
  metadata.annotations[ANNOTATION_DATA_HASH] = contentHash(object);
  return object;
}

function writeConfigMapData(object: KubeObject, data: Record<string, Uint8Array>, replace: boolean): void {
  const text: Record<string, string> = replace ? {} : { ...((object.data as Record<string, string>) ?? {}) };
  const binary: Record<string, string> = replace ? {} : { ...((object.binaryData as Record<string, string>) ?? {}) };
  for (const [key, bytes] of Object.entries(data)) {
    try {
      text[key] = utf8.decode(bytes);
      delete binary[key];
    } catch {
      binary[key] = Buffer.from(bytes).toString('base64');
      delete text[key];
    }
  }
  setOrDrop(object, 'data', text);
  setOrDrop(object, 'binaryData', binary);
}

function writeSpecData(object: KubeObject, data: Record<string, Uint8Array>, replace: boolean, kind: string): void {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const had = spec.data !== undefined;
  // A custom resource whose schema has no spec.data gets none unless there is data to put there.
  if (!had && Object.keys(data).length === 0) return;
  const out: Record<string, string> = replace ? {} : { ...((spec.data as Record<string, string>) ?? {}) };
  for (const [key, bytes] of Object.entries(data)) {
    try {
      out[key] = utf8.decode(bytes);
    } catch {
      throw new GenericContentError(
        `key "${key}" is not valid UTF-8 and a ${kind} stores text: encode it in a template (e.g. {{ .${key} | b64enc }})`,
      );
    }
  }
  object.spec = { ...spec, data: out };
}

function setOrDrop(object: KubeObject, field: string, map: Record<string, string>): void {
  if (Object.keys(map).length > 0) object[field] = map;
  else delete object[field];
}

/**
 * Hash of what the target holds: canonical JSON (sorted keys) of everything but apiVersion, kind, metadata and
 * status. Nulls and empty maps are left out, as the API server drops them, so a round trip keeps the hash.
 */
export function contentHash(object: KubeObject): string {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || key === 'status') continue;
    content[key] = value;
  }
  return objectHashOfString(JSON.stringify(canonical(content)) ?? '');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) {
    const v = canonical((value as Record<string, unknown>)[key]);
    if (v === null || v === undefined) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[key] = v;
  }
  return out;
}

/** The target holds what its data-hash annotation says (nobody edited it behind the operator's back). */
export function isGenericObjectValid(object: KubeObject): boolean {
  return (
    object.metadata?.labels?.[LABEL_MANAGED] === LABEL_MANAGED_VALUE &&
    object.metadata?.annotations?.[ANNOTATION_DATA_HASH] === contentHash(object)
  );
}
