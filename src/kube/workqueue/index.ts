// Public surface of the work queue: a laned, deduplicating, rate-limited queue and its worker runner.
export { MinHeap } from './heap.js';
export { type ObservedQueue, type WorkQueuePrometheus, workQueuePrometheus } from './prometheus.js';
export { LanedQueue, type QueueItem, type QueueMetrics, type QueueOptions } from './queue.js';
export {
  BucketRateLimiter,
  type ControllerRateLimiterOptions,
  controllerRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from './ratelimiter.js';
export { type ReconcileObserver, type ReconcileResultLabel, reconcilePrometheus } from './reconcile-prometheus.js';
export {
  isTerminalError,
  type ReconcileHandler,
  type ReconcileResult,
  type RunWorkersOptions,
  runWorkers,
  SlowRetryError,
  TerminalError,
  type WorkerContext,
  type WorkersHandle,
} from './workers.js';
export { WorkQueue, type WorkQueueOptions } from './workqueue.js';
