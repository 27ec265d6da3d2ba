// ESO's per-object gauges for the kinds beside ExternalSecret and the stores (those live in metrics.ts):
//
//   <kind>_status_condition{name, namespace, condition, status}   1 for the Ready condition's status, 0 for the other
//   <kind>_reconcile_duration{name, namespace}                     the last reconcile, in nanoseconds (as ESO)
//
// for kind pushsecret, clusterexternalsecret and clusterpushsecret (namespace "" for the cluster-scoped ones, as
// ESO labels them). The condition gauge follows the status stored on the server (through the controller's
// informer), so it says what `kubectl get` says; ESO v0.16.2 updates its ClusterExternalSecret and
// ClusterPushSecret gauges only when they become Ready, so a failing one keeps reporting Ready there.
// A deleted object's series are removed. With extended labels (ESO's --enable-extended-metric-labels) both carry
// the object's app.kubernetes.io/* labels as ESO's do (the duration, which ESO labels from the request alone, with
// empty values).
import { isDeepStrictEqual } from 'node:util';
import { Gauge, type Registry } from 'prom-client';
import type { Informer, KubeObject } from '../kube/index.js';
import { EXTENDED_LABEL_NAMES, extendedMetricLabels } from './extended-metric-labels.js';

export type StatusMetricKind = 'pushsecret' | 'clusterexternalsecret' | 'clusterpushsecret';

type WithConditions = KubeObject & { status?: { conditions?: Array<{ type?: string; status?: string }> } };

interface KindGauges {
  condition: Gauge<string>;
  duration: Gauge<string>;
  extended: boolean;
}

const perRegistry = new WeakMap<Registry, Map<StatusMetricKind, KindGauges>>();

const titles: Record<StatusMetricKind, string> = {
  pushsecret: 'Push Secret',
  clusterexternalsecret: 'Cluster External Secret',
  clusterpushsecret: 'Cluster Push Secret',
};

function gaugesFor(kind: StatusMetricKind, registry: Registry, extended: boolean): KindGauges {
  let kinds = perRegistry.get(registry);
  if (!kinds) {
    kinds = new Map();
    perRegistry.set(registry, kinds);
  }
  let gauges = kinds.get(kind);
  if (!gauges) {
    const more = extended ? EXTENDED_LABEL_NAMES : [];
    gauges = {
      condition: new Gauge({
        name: `${kind}_status_condition`,
        help: `The status condition of a specific ${titles[kind]}`,
        labelNames: ['name', 'namespace', 'condition', 'status', ...more],
        registers: [registry],
      }),
      duration: new Gauge({
        name: `${kind}_reconcile_duration`,
        help: `The duration time to reconcile the ${titles[kind]}`,
        labelNames: ['name', 'namespace', ...more],
        registers: [registry],
      }),
      extended,
    };
    kinds.set(kind, gauges);
  }
  return gauges;
}

export class StatusMetrics {
  readonly #gauges: KindGauges;

  constructor(kind: StatusMetricKind, registry: Registry, options: { extendedLabels?: boolean } = {}) {
    this.#gauges = gaugesFor(kind, registry, options.extendedLabels === true);
  }

  /** Keeps the condition gauge in line with the objects this informer sees. */
  follow<T extends KubeObject>(informer: Informer<T>): void {
    informer.addEventHandler({
      onAdd: (object) => this.#observe(object as WithConditions),
      onUpdate: (old, object) => {
        // Extended labels changed: the series under the old values go.
        if (this.#gauges.extended && !isDeepStrictEqual(this.#objectLabels(old), this.#objectLabels(object))) {
          this.#forget(old);
        }
        this.#observe(object as WithConditions);
      },
      onDelete: (object) => this.#forget(object),
    });
  }

  /** Runs one reconcile of `key` ("namespace/name", or "name" when cluster-scoped) and records its duration. */
  async timed<T>(key: string, reconcile: () => Promise<T> | T): Promise<T> {
    const slash = key.indexOf('/');
    const labels = {
      namespace: slash < 0 ? '' : key.slice(0, slash),
      name: key.slice(slash + 1),
      ...(this.#gauges.extended ? extendedMetricLabels(undefined) : {}),
    };
    const started = process.hrtime.bigint();
    try {
      return await reconcile();
    } finally {
      this.#gauges.duration.set(labels, Number(process.hrtime.bigint() - started));
    }
  }

  /** name, namespace and (with extended labels) the object's app.kubernetes.io/* labels. */
  #objectLabels(object: KubeObject): Record<string, string> {
    return {
      name: object.metadata?.name ?? '',
      namespace: object.metadata?.namespace ?? '',
      ...(this.#gauges.extended ? extendedMetricLabels(object.metadata?.labels) : {}),
    };
  }

  #observe(object: WithConditions): void {
    const ready = object.status?.conditions?.find((c) => c.type === 'Ready');
    if (!ready?.status) return;
    const labels = this.#objectLabels(object);
    const other = ready.status === 'True' ? 'False' : 'True';
    this.#gauges.condition.set({ ...labels, condition: 'Ready', status: ready.status }, 1);
    this.#gauges.condition.set({ ...labels, condition: 'Ready', status: other }, 0);
  }

  #forget(object: KubeObject): void {
    const labels = this.#objectLabels(object);
    this.#gauges.condition.remove({ ...labels, condition: 'Ready', status: 'True' });
    this.#gauges.condition.remove({ ...labels, condition: 'Ready', status: 'False' });
    const { name, namespace } = labels;
    this.#gauges.duration.remove({
      name,
      namespace,
      ...(this.#gauges.extended ? extendedMetricLabels(undefined) : {}),
    });
  }
}
