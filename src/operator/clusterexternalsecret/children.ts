// The ExternalSecret a ClusterExternalSecret wants in one namespace, and how an existing one is brought in line,
// following ESO's CreateOrUpdate: labels and annotations are exactly spec.externalSecretMetadata (plus the
// mirrored force-sync annotation), the spec is a copy of spec.externalSecretSpec (refreshInterval in Go's form),
// and the CES is the controller owner. Everything else on the existing object (finalizers added by the
// ExternalSecret controller, other ownerReferences, status) is kept.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterExternalSecret, ExternalSecret } from '../../api/generated/types.js';
import type { KubeObject, OwnerReference } from '../../kube/index.js';
import { canonicalGoDuration } from '../duration.js';
import { ClusterExternalSecrets, ESO_API_VERSION, FORCE_SYNC_ANNOTATION } from './resources.js';

/** An ExternalSecret as read from the API (only the parts this controller touches are typed). */
export interface ExternalSecretObject extends KubeObject {
  spec?: ExternalSecret['spec'];
  status?: ExternalSecret['status'];
}

export interface ClusterExternalSecretObject extends KubeObject {
  spec?: ClusterExternalSecret['spec'];
  status?: ClusterExternalSecret['status'];
}

/** spec.externalSecretName, or the CES name. */
export function childName(ces: ClusterExternalSecretObject): string {
  return ces.spec?.externalSecretName || (ces.metadata?.name ?? '');
}

/** The controller ownerReference of an object, if any. */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** True if `ref` points at a ClusterExternalSecret (any served version of the group). */
function isCesReference(ref: OwnerReference): boolean {
  return ref.kind === ClusterExternalSecrets.kind && ref.apiVersion.split('/')[0] === ClusterExternalSecrets.group;
}

/** ESO's ownership test: the controller owner is the ClusterExternalSecret with this name. */
export function isOwnedBy(object: KubeObject, cesName: string): boolean {
  const owner = controllerOf(object);
  return owner !== undefined && isCesReference(owner) && owner.name === cesName;
}

/** The name of the CES that controls this object, if a CES does. */
export function owningCes(object: KubeObject): string | undefined {
  const owner = controllerOf(object);
  return owner && isCesReference(owner) ? owner.name : undefined;
}

export function ownerReference(ces: ClusterExternalSecretObject): OwnerReference {
  return {
    apiVersion: ESO_API_VERSION,
    kind: ClusterExternalSecrets.kind,
    name: ces.metadata?.name ?? '',
    uid: ces.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Labels and annotations of a child: externalSecretMetadata, with force-sync mirrored from the CES. */
export function childMetadata(ces: ClusterExternalSecretObject): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const labels = { ...(ces.spec?.externalSecretMetadata?.labels ?? {}) };
  const annotations = { ...(ces.spec?.externalSecretMetadata?.annotations ?? {}) };
  const forceSync = ces.metadata?.annotations?.[FORCE_SYNC_ANNOTATION];
  if (forceSync !== undefined) annotations[FORCE_SYNC_ANNOTATION] = forceSync;
  else delete annotations[FORCE_SYNC_ANNOTATION];
  return { labels, annotations };
}

/**
 * The child's spec: the CES's externalSecretSpec as ESO writes it. ESO copies it through its Go types, so
 * refreshInterval comes out in Go's own duration form ("1h" becomes "1h0m0s"), as the differential test shows.
 */
export function childSpec(ces: ClusterExternalSecretObject): NonNullable<ExternalSecretObject['spec']> {
  const spec = structuredClone(ces.spec?.externalSecretSpec ?? {}) as NonNullable<ExternalSecretObject['spec']>;
  if (typeof spec.refreshInterval === 'string') spec.refreshInterval = canonicalGoDuration(spec.refreshInterval);
  return spec;
}

/** A new child ExternalSecret for `namespace`. */
export function desiredChild(ces: ClusterExternalSecretObject, namespace: string): ExternalSecretObject {
  const { labels, annotations } = childMetadata(ces);
  return {
    apiVersion: ESO_API_VERSION,
    kind: 'ExternalSecret',
    metadata: {
      name: childName(ces),
      namespace,
      labels,
      annotations,
      ownerReferences: [ownerReference(ces)],
    },
    spec: childSpec(ces),
  };
}

/** ownerReferences with this CES as controller owner, replacing an older reference to a CES of the same name. */
function withOwner(existing: OwnerReference[] | undefined, owner: OwnerReference): OwnerReference[] {
  const others = (existing ?? []).filter((ref) => !(isCesReference(ref) && ref.name === owner.name));
  return [...others, owner];
}

/**
 * The existing child brought in line with the CES; `metadataDiffers` / `specDiffers` say whether a write is needed.
 * (The CES's embedded spec is defaulted by the same schema as the child's, so an untouched child compares equal.)
 */
export function updatedChild(
  ces: ClusterExternalSecretObject,
  existing: ExternalSecretObject,
): { object: ExternalSecretObject; metadataDiffers: boolean; specDiffers: boolean } {
  const { labels, annotations } = childMetadata(ces);
  const ownerReferences = withOwner(existing.metadata?.ownerReferences, ownerReference(ces));
  const spec = childSpec(ces);
  const metadata = existing.metadata ?? {};
  const metadataDiffers =
    !isDeepStrictEqual(metadata.labels ?? {}, labels) ||
    !isDeepStrictEqual(metadata.annotations ?? {}, annotations) ||
    !isDeepStrictEqual(metadata.ownerReferences ?? [], ownerReferences);
  const specDiffers = !isDeepStrictEqual(existing.spec ?? {}, spec);
  const { status: _status, ...rest } = existing;
  return {
    object: { ...rest, metadata: { ...metadata, labels, annotations, ownerReferences }, spec },
    metadataDiffers,
    specDiffers,
  };
}
