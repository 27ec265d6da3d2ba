// Public surface of the Kubernetes plumbing: REST client, hardened list-watch, informers, work queue, leader
// election and graceful shutdown. (The test control plane lives in ./controlplane and is not re-exported.)
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  type DeleteOptions,
  KubeClient,
  type KubeClientOptions,
  type KubeList,
  type KubeObject,
  type ListOptions,
  metadataOnlyAccept,
  type ObjectMeta,
  type OwnerReference,
  type PatchType,
  type Query,
  type RequestOptions,
  type WriteOptions,
} from './client.js';
export { type Clock, FakeClock, flushMicrotasks, realClock, sleep, type Timer } from './clock.js';
export { cloneObject } from './clone.js';
export {
  DiscoveryError,
  parseApiVersion,
  ResourceDiscovery,
  type ResourceDiscoveryOptions,
} from './discovery.js';
export {
  type ApiStatus,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  KubeApiError,
} from './errors.js';
export { type IndexFunc, Informer, type InformerEventHandler, type InformerOptions } from './informer.js';
export { InformerFactory } from './informerfactory.js';
export {
  type ClusterEntry,
  type ContextEntry,
  type DefaultSources,
  type InClusterSources,
  type KubeConfigSource,
  Kubeconfig,
  type UserEntry,
} from './kubeconfig/index.js';
export {
  JITTER_FACTOR,
  kubeLeaseLock,
  type LeaderCallbacks,
  type LeaderElectionConfig,
  type LeaderElectionTimings,
  LeaderElector,
  type Lease,
  type LeaseLock,
  type LeaseSpec,
  microTime,
  validateLeaderElectionTimings,
} from './leaderelection.js';
export {
  ListWatch,
  type ListWatchHandlers,
  type ListWatchOptions,
  type ListWatchStats,
  objectKey,
} from './listwatch.js';
export { apiVersionOf, type PathOptions, Resources, type ResourceType, resourcePath } from './resources.js';
export { restClientPrometheus } from './rest-client-prometheus.js';
export {
  onTerminationSignal,
  type ShutdownPlan,
  type ShutdownResult,
  type SignalSource,
  shutdownGracefully,
  type TerminationOptions,
} from './shutdown.js';
export { TokenBucket } from './tokenbucket.js';
export * from './workqueue/index.js';
