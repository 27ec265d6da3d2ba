// Prometheus metrics for work queues under controller-runtime's names, so dashboards built for ESO keep working:
// workqueue_depth, workqueue_adds_total, workqueue_queue_duration_seconds, workqueue_work_duration_seconds,
// workqueue_retries_total, workqueue_unfinished_work_seconds and workqueue_longest_running_processor_seconds,
// labelled {controller, name} as controller-runtime does, plus a `lane` label (urgent/refresh...) where it
// applies, so queue depth per lane is visible. Summing over `lane` gives controller-runtime's series.
// The metric objects are created once per registry and shared by every queue registered on it.
import { Counter, register as defaultRegistry, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueMetrics } from './queue.js';

/** What the metrics read from a queue (any LanedQueue or WorkQueue fits). */
export interface ObservedQueue {
  readonly lanes: readonly string[];
  depths(): Record<string, number>;
  longestRunningMs(): number;
  unfinishedWorkMs(): number;
}

interface Collectors {
  depth: Gauge<'controller' | 'name' | 'lane'>;
  adds: Counter<'controller' | 'name' | 'lane'>;
  latency: Histogram<'controller' | 'name' | 'lane'>;
  work: Histogram<'controller' | 'name' | 'lane'>;
  retries: Counter<'controller' | 'name' | 'lane'>;
  unfinished: Gauge<'controller' | 'name'>;
  longest: Gauge<'controller' | 'name'>;
  /** Queues whose in-flight work the two gauges above report at scrape time. */
  queues: Map<string, ObservedQueue>;
}

const perRegistry = new WeakMap<Registry, Collectors>();

// controller-runtime's buckets: 1e-8 s .. 1e1 s, a factor 10 apart.
const buckets = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

function collectorsFor(registry: Registry): Collectors {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const labelNames = ['controller', 'name', 'lane'] as const;
  const queues = new Map<string, ObservedQueue>();
  const inFlight = (pick: (q: ObservedQueue) => number) =>
    function (this: Gauge<'controller' | 'name'>) {
      for (const [name, queue] of queues) this.set({ controller: name, name }, pick(queue));
    };
  const created: Collectors = {
    depth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames, registers }),
    adds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames,
      registers,
    }),
    latency: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames,
      buckets,
      registers,
    }),
    work: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames,
      buckets,
      registers,
    }),
    retries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames,
      registers,
    }),
    unfinished: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration',
      labelNames: ['controller', 'name'],
      registers,
      collect: inFlight((q) => q.unfinishedWorkMs() / 1000),
    }),
    longest: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: ['controller', 'name'],
      registers,
      collect: inFlight((q) => q.longestRunningMs() / 1000),
    }),
    queues,
  };
  perRegistry.set(registry, created);
  return created;
}

export interface WorkQueuePrometheus {
  /** Pass as `metrics` when constructing the queue. */
  hooks: QueueMetrics;
  /** Lets the in-flight gauges read the queue at scrape time; call once the queue exists. */
  attach(queue: ObservedQueue): void;
}

/** Metrics for the queue of one controller (e.g. name 'externalsecret'). */
export function workQueuePrometheus(name: string, registry: Registry = defaultRegistry): WorkQueuePrometheus {
  const c = collectorsFor(registry);
  const labels = (lane: string) => ({ controller: name, name, lane });
  return {
    hooks: {
      depth: (lane, depth) => c.depth.set(labels(lane), depth),
      add: (lane) => c.adds.inc(labels(lane)),
      latency: (lane, ms) => c.latency.observe(labels(lane), ms / 1000),
      workDuration: (lane, ms) => c.work.observe(labels(lane), ms / 1000),
      retry: (lane) => c.retries.inc(labels(lane)),
    },
    attach(queue) {
      c.queues.set(name, queue);
      // Series exist from the start, so dashboards show 0 instead of "no data".
      for (const lane of queue.lanes) {
        c.depth.set(labels(lane), queue.depths()[lane] ?? 0);
        c.adds.inc(labels(lane), 0);
        c.retries.inc(labels(lane), 0);
      }
    },
  };
}
