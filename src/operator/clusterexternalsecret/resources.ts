// Resource types and the well-known names ESO uses for ClusterExternalSecrets and the ExternalSecrets they create
// (reference/eso.md 1.4): the CES cleanup finalizer, the per-CES namespace finalizer, the force-sync annotation
// mirrored onto children, and the controller ownerReference that marks a child as "ours".
import type { ResourceType } from '../../kube/index.js';

export const ESO_API_VERSION = 'external-secrets.io/v1';

export const ExternalSecrets: ResourceType = {
  group: 'external-secrets.io',
  version: 'v1',
  plural: 'externalsecrets',
  namespaced: true,
  kind: 'ExternalSecret',
};

export const ClusterExternalSecrets: ResourceType = {
  group: 'external-secrets.io',
  version: 'v1',
  plural: 'clusterexternalsecrets',
  namespaced: false,
  kind: 'ClusterExternalSecret',
};

/** On the CES: its children are deleted before the CES goes away. */
export const CES_FINALIZER = 'externalsecrets.external-secrets.io/clusterexternalsecret-cleanup';

const NAMESPACE_FINALIZER_PREFIX = 'externalsecrets.external-secrets.io/ces-';

/** On every namespace a CES provisioned: lets the CES see the namespace terminate before it disappears. */
export function namespaceFinalizer(cesName: string): string {
  return NAMESPACE_FINALIZER_PREFIX + cesName;
}

/**
 * Whether the API server accepts namespaceFinalizer(cesName): the part after "/" is a qualified name of at most 63
 * characters, so CES names longer than 59 characters cannot have one. Such CESs work without it (the namespace
 * watch still reports terminating namespaces; only the ordering guarantee is lost).
 */
export function hasValidNamespaceFinalizer(cesName: string): boolean {
  const name = namespaceFinalizer(cesName).slice(NAMESPACE_FINALIZER_PREFIX.indexOf('/') + 1);
  return name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/** The CES name a namespace finalizer belongs to, or undefined for other finalizers. */
export function cesOfNamespaceFinalizer(finalizer: string): string | undefined {
  if (!finalizer.startsWith(NAMESPACE_FINALIZER_PREFIX)) return undefined;
  return finalizer.slice(NAMESPACE_FINALIZER_PREFIX.length) || undefined;
}

/** Copied from the CES onto each child (and removed from children when the CES drops it). */
export const FORCE_SYNC_ANNOTATION = 'external-secrets.io/force-sync';

/** Ready=False message when any namespace failed (ESO's wording). */
export const NAMESPACES_FAILED_MESSAGE = 'one or more namespaces failed';

/** Failure reason when a same-named ExternalSecret that this CES does not control is in the way (ESO's wording). */
export const ALREADY_EXISTS_REASON = 'external secret already exists in namespace';

/** Failure "namespace" ESO reports when the selectors themselves are invalid. */
export const UNKNOWN_NAMESPACE = 'unknown';
