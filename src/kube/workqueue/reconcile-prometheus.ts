// Prometheus metrics of reconciles under controller-runtime's names and labels, which ESO exposes and its documented
// dashboard and SLIs query (`controller_runtime_reconcile_total{controller, result}` and friends), so they keep
// working against Custos:
//
//   controller_runtime_reconcile_total{controller,result}     result: success | error | requeue | requeue_after
//   controller_runtime_reconcile_errors_total{controller}
//   controller_runtime_terminal_reconcile_errors_total{controller}
//   controller_runtime_reconcile_panics_total{controller}      a programming error (TypeError, ...) escaped
//   controller_runtime_reconcile_time_seconds{controller}      histogram, controller-runtime's buckets
//   controller_runtime_max_concurrent_reconciles{controller}
//   controller_runtime_active_workers{controller}
//
// Custos never asks for an immediate requeue (`requeue` stays 0): a failure is `error` and goes through the rate
// limiter, a scheduled next run is `requeue_after`. The metric objects are created once per registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How one reconcile ended, as controller-runtime labels it. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

export interface ReconcileObserver {
  /** A worker took a key. */
  started(): void;
  /** The handler settled. `error` is what it threw, if anything; `terminal` when it will not be retried. */
  finished(result: ReconcileResultLabel, seconds: number, error?: { terminal: boolean; thrown: unknown }): void;
}

interface Collectors {
  total: Counter<'controller' | 'result'>;
  errors: Counter<'controller'>;
  terminal: Counter<'controller'>;
  panics: Counter<'controller'>;
  time: Histogram<'controller'>;
  maxConcurrent: Gauge<'controller'>;
  active: Gauge<'controller'>;
}

const perRegistry = new WeakMap<Registry, Collectors>();

// controller-runtime's reconcile_time_seconds buckets (read off ESO's own /metrics).
const buckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2,
  2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

const results: ReconcileResultLabel[] = ['success', 'error', 'requeue', 'requeue_after'];

function collectorsFor(registry: Registry): Collectors {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const labelNames = ['controller'] as const;
  const created: Collectors = {
    total: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    errors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames,
      registers,
    }),
    terminal: new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames,
      registers,
    }),
    panics: new Counter({
      name: 'controller_runtime_reconcile_panics_total',
      help: 'Total number of reconciliation panics per controller',
      labelNames,
      registers,
    }),
    time: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames,
      buckets,
      registers,
    }),
    maxConcurrent: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames,
      registers,
    }),
    active: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames,
      registers,
    }),
  };
  perRegistry.set(registry, created);
  return created;
}

/** A JavaScript programming error: the closest thing to a Go panic that a reconcile can end in. */
function isPanic(thrown: unknown): boolean {
  return (
    thrown instanceof TypeError ||
    thrown instanceof ReferenceError ||
    thrown instanceof RangeError ||
    thrown instanceof SyntaxError
  );
}

/** The reconcile metrics of one controller (e.g. 'externalsecret') with `workers` concurrent reconciles. */
export function reconcilePrometheus(controller: string, workers: number, registry: Registry): ReconcileObserver {
  const c = collectorsFor(registry);
  const labels = { controller };
  // Series exist from the start (as controller-runtime's), so an error ratio reads 0 instead of "no data".
  for (const result of results) c.total.inc({ controller, result }, 0);
  c.errors.inc(labels, 0);
  c.terminal.inc(labels, 0);
  c.panics.inc(labels, 0);
  c.maxConcurrent.set(labels, workers);
  c.active.set(labels, 0);
  return {
    started: () => c.active.inc(labels),
    finished(result, seconds, error) {
      c.active.dec(labels);
      c.total.inc({ controller, result });
      c.time.observe(labels, seconds);
      if (!error) return;
      c.errors.inc(labels);
      if (error.terminal) c.terminal.inc(labels);
      if (isPanic(error.thrown)) c.panics.inc(labels);
    },
  };
}
