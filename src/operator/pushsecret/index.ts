// PushSecret: pushes Kubernetes Secrets (or generator output) into secret stores.
export { PushClients } from './clients.js';
export {
  CLUSTER_PUSHSECRET_FINALIZER,
  ClusterPushSecretController,
  type ClusterPushSecretObject,
  PUSHSECRET_EXISTS_REASON,
  selectedNamespaces,
} from './cluster.js';
export { entryDigest, PushedDigests } from './content-hash.js';
export {
  desiredEntries,
  type PushEntry,
  PushSpecError,
  reverseUnicodeKey,
  type SourceSecret,
  statusKeyOf,
  storeKey,
  storeRefMatches,
} from './entries.js';
export {
  clusterPushSecretOperatorController,
  pushSecretController,
  pushSecretOperatorController,
  pushSecretStoreFinalizerController,
} from './operator-controller.js';
export { PushSecretReconciler } from './reconciler.js';
export * from './resources.js';
export { resolveSources, SourceMissingError, selectsSecret } from './sources.js';
export { STORE_FINALIZER, StoreFinalizer } from './store-finalizer.js';
