// ClusterExternalSecret: one ExternalSecret stamped into every selected namespace.
export {
  type ClusterExternalSecretObject,
  childMetadata,
  childName,
  desiredChild,
  type ExternalSecretObject,
  isOwnedBy,
  owningCes,
  updatedChild,
} from './children.js';
export {
  CES_OWNER_INDEX,
  ClusterExternalSecretController,
  type ClusterExternalSecretControllerOptions,
  type ReconcileOutcome,
} from './controller.js';
export { compileSelector, InvalidSelectorError, matchesSelector } from './labelselector.js';
export { namespacePredicate, targetNamespaces } from './namespaces.js';
export { DEFAULT_REFRESH_MS, refreshInterval } from './refresh.js';
export * from './resources.js';
export { buildStatus, statusEqual, statusPatch } from './status.js';
