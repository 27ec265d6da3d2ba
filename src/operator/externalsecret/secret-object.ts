// The target Secret as the operator handles it: data decoded to bytes, plus conversions to and from the API
// shape (base64 strings) and a field-by-field comparison used to skip writes that would change nothing.
import { cloneObject, type KubeObject, type ObjectMeta, type OwnerReference } from '../../kube/index.js';

export interface ApiSecret extends KubeObject {
  metadata: ObjectMeta;
  data?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

export interface SecretState {
  metadata: ObjectMeta;
  data: Record<string, Uint8Array>;
  type?: string;
  immutable?: boolean;
}

export function fromApi(secret: ApiSecret): SecretState {
  const data: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(secret.data ?? {}))
    data[key] = new Uint8Array(Buffer.from(value, 'base64'));
  return {
    metadata: cloneObject(secret.metadata),
    data,
    type: secret.type,
    immutable: secret.immutable,
  };
}

export function toApi(state: SecretState): ApiSecret {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(state.data)) data[key] = Buffer.from(value).toString('base64');
  const out: ApiSecret = { apiVersion: 'v1', kind: 'Secret', metadata: state.metadata, data };
  if (state.type) out.type = state.type;
  if (state.immutable !== undefined) out.immutable = state.immutable;
  return out;
}

export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export function dataEqual(a: Record<string, Uint8Array>, b: Record<string, Uint8Array>): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && bytesEqual(a[k], b[k]));
}

export function stringMapEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ae = Object.entries(a ?? {});
  if (ae.length !== Object.keys(b ?? {}).length) return false;
  const other = b ?? {};
  return ae.every(([k, v]) => other[k] === v);
}

function ownerRefsEqual(a: OwnerReference[] | undefined, b: OwnerReference[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** Metadata fields the operator manages, compared as the API server would store them. */
export function metadataEqual(a: ObjectMeta, b: ObjectMeta): boolean {
  return (
    stringMapEqual(a.labels, b.labels) &&
    stringMapEqual(a.annotations, b.annotations) &&
    ownerRefsEqual(a.ownerReferences, b.ownerReferences) &&
    JSON.stringify(a.finalizers ?? []) === JSON.stringify(b.finalizers ?? [])
  );
}

export function normalType(type: string | undefined): string {
  return type && type !== '' ? type : 'Opaque';
}
