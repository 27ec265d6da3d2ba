// Prometheus metrics under ESO's names and labels (reference eso.md section 4), so ESO dashboards and alerts
// keep working, plus Custos's own: coalesced provider reads and (via the work queue) depth per lane.
// One OperatorMetrics per registry; labels never carry secret values.
// With extendedLabels (ESO's --enable-extended-metric-labels) the ExternalSecret metrics also carry the
// ExternalSecret's app.kubernetes.io/* labels (extended-metric-labels.ts).
import { Counter, Gauge, Registry } from 'prom-client';
import { EXTENDED_LABEL_NAMES, extendedMetricLabels } from './extended-metric-labels.js';

type Labels = 'name' | 'namespace';
type ConditionLabels = Labels | 'condition' | 'status';

/** ESO's provider label values, for the providers Custos implements. */
// ESO's provider label values (pkg/constants), its spelling of Akeyless's included, so existing queries match.
const PROVIDER_LABEL: Record<string, string> = {
  kubernetes: 'Kubernetes',
  fake: 'Fake',
  webhook: 'Webhook',
  akeyless: 'AKEYLESSLESS/SecretsManager',
  vault: 'HashiCorp/Vault',
};

export interface OperatorMetricsOptions {
  /** Add app_kubernetes_io_* labels to the ExternalSecret metrics (ESO's --enable-extended-metric-labels). */
  extendedLabels?: boolean;
}

export class OperatorMetrics {
  readonly registry: Registry;
  readonly extendedLabels: boolean;
  readonly syncCalls: Counter<string>;
  readonly syncErrors: Counter<string>;
  readonly esCondition: Gauge<string>;
  readonly reconcileDuration: Gauge<string>;
  readonly providerCalls: Counter<'provider' | 'call' | 'status'>;
  readonly coalescedReads: Counter<'provider' | 'call'>;
  readonly eventsDropped: Counter<'reason'>;
  readonly storeCondition: Gauge<ConditionLabels>;
  readonly clusterStoreCondition: Gauge<ConditionLabels>;
  readonly storeDuration: Gauge<Labels>;
  readonly clusterStoreDuration: Gauge<Labels>;
  readonly secretWrites: Counter<'verb'>;
  readonly rolloutRestarts: Counter<'kind' | 'result'>;
  readonly providerThrottled: Counter<'provider'>;
  readonly providerThrottleWait: Counter<'provider'>;
  readonly statusWrites: Counter<'kind'>;
  readonly lastSuccessfulSync: Gauge<Labels>;
  /** "namespace/name" -> the extended labels last used for that ExternalSecret (to drop series on a change). */
  readonly #esExtended = new Map<string, Record<string, string>>();

  constructor(registry: Registry = new Registry(), options: OperatorMetricsOptions = {}) {
    this.registry = registry;
    this.extendedLabels = options.extendedLabels === true;
    const registers = [registry];
    const extended = this.extendedLabels ? EXTENDED_LABEL_NAMES : [];
    this.syncCalls = new Counter({
      name: 'externalsecret_sync_calls_total',
      help: 'Total number of ExternalSecret reconciles',
      labelNames: ['name', 'namespace', ...extended],
      registers,
    });
    this.syncErrors = new Counter({
      name: 'externalsecret_sync_calls_error',
      help: 'Total number of ExternalSecret reconcile errors',
      labelNames: ['name', 'namespace', ...extended],
      registers,
    });
    this.esCondition = new Gauge({
      name: 'externalsecret_status_condition',
      help: 'The status condition of an ExternalSecret',
      labelNames: ['name', 'namespace', 'condition', 'status', ...extended],
      registers,
    });
    this.reconcileDuration = new Gauge({
      name: 'externalsecret_reconcile_duration',
      help: 'The duration of the last ExternalSecret reconcile, in nanoseconds',
      labelNames: ['name', 'namespace', ...extended],
      registers,
    });
    // Custos writes status.refreshTime only when a sync changed something, so "when did it last read the provider
    // successfully" is here, for staleness alerts: time() - this > 2 * refreshInterval.
    this.lastSuccessfulSync = new Gauge({
      name: 'custos_externalsecret_last_successful_sync_timestamp_seconds',
      help: 'When the ExternalSecret last synced successfully (provider read and target up to date), Unix seconds',
      labelNames: ['name', 'namespace', ...extended],
      registers,
    });
    this.providerCalls = new Counter({
      name: 'externalsecret_provider_api_calls_count',
      help: 'Number of API calls towards the secret provider',
      labelNames: ['provider', 'call', 'status'],
      registers,
    });
    this.coalescedReads = new Counter({
      name: 'custos_provider_reads_coalesced_total',
      help: 'Provider reads answered by a shared in-flight or recent call instead of a new provider call',
      labelNames: ['provider', 'call'],
      registers,
    });
    this.storeCondition = new Gauge({
      name: 'secretstore_status_condition',
      help: 'The status condition of a SecretStore',
      labelNames: ['name', 'namespace', 'condition', 'status'],
      registers,
    });
    this.clusterStoreCondition = new Gauge({
      name: 'clustersecretstore_status_condition',
      help: 'The status condition of a ClusterSecretStore',
      labelNames: ['name', 'namespace', 'condition', 'status'],
      registers,
    });
    this.storeDuration = new Gauge({
      name: 'secretstore_reconcile_duration',
      help: 'The duration of the last SecretStore reconcile, in nanoseconds',
      labelNames: ['name', 'namespace'],
      registers,
    });
    this.clusterStoreDuration = new Gauge({
      name: 'clustersecretstore_reconcile_duration',
      help: 'The duration of the last ClusterSecretStore reconcile, in nanoseconds',
      labelNames: ['name', 'namespace'],
      registers,
    });
    this.secretWrites = new Counter({
      name: 'custos_target_secret_writes_total',
      help: 'Writes of target Secrets by verb (create, update, delete)',
      labelNames: ['verb'],
      registers,
    });
    this.rolloutRestarts = new Counter({
      name: 'custos_rollout_restarts_total',
      help: 'Workloads restarted because a Secret they use changed (custos.dev/rollout-restart), by kind and result (restarted, unchanged, failed)',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.providerThrottled = new Counter({
      name: 'custos_provider_throttled_total',
      help: "Provider calls that waited for their store's budget (custos.dev/provider-qps, --provider-qps), by provider",
      labelNames: ['provider'],
      registers,
    });
    this.providerThrottleWait = new Counter({
      name: 'custos_provider_throttle_wait_seconds_total',
      help: "Time provider calls spent waiting for their store's budget, by provider",
      labelNames: ['provider'],
      registers,
    });
    this.eventsDropped = new Counter({
      name: 'custos_events_dropped_total',
      help: 'Kubernetes events not sent because the event queue was full (a burst of reconciles), by reason',
      labelNames: ['reason'],
      registers,
    });
    this.statusWrites = new Counter({
      name: 'custos_status_writes_total',
      help: 'Status subresource writes by kind',
      labelNames: ['kind'],
      registers,
    });
  }

  providerCall(provider: string, call: string, status: 'success' | 'error'): void {
    this.providerCalls.inc({ provider: PROVIDER_LABEL[provider] ?? provider, call, status });
  }

  coalesced(provider: string, call: string): void {
    this.coalescedReads.inc({ provider: PROVIDER_LABEL[provider] ?? provider, call });
  }

  /**
   * The labels of one ExternalSecret's series: name and namespace, plus (extended) its app.kubernetes.io/* labels.
   * When those labels changed since the last call, the gauges' series under the old ones are dropped. Pass
   * undefined when the object is not known (deleted): the labels last seen are used.
   */
  esLabels(name: string, namespace: string, labels: Record<string, string> | undefined): Record<string, string> {
    if (!this.extendedLabels) return { name, namespace };
    const key = `${namespace}/${name}`;
    const before = this.#esExtended.get(key);
    // undefined: the object is gone (or not cached yet); keep the labels its series were last written with.
    if (labels === undefined) return { name, namespace, ...(before ?? extendedMetricLabels(undefined)) };
    const extra = extendedMetricLabels(labels);
    if (before && JSON.stringify(before) !== JSON.stringify(extra)) this.#removeEsGauges(name, namespace, before);
    this.#esExtended.set(key, extra);
    return { name, namespace, ...extra };
  }

  /** ESO's condition gauge for an ExternalSecret (labels from esLabels). */
  setExternalSecretCondition(labels: Record<string, string>, condition: string, status: 'True' | 'False'): void {
    // name, namespace, condition, status first: the same order as without extended labels.
    const { name = '', namespace = '', ...extra } = labels;
    this.esCondition.set({ name, namespace, condition, status, ...extra }, 1);
    this.esCondition.set({ name, namespace, condition, status: status === 'True' ? 'False' : 'True', ...extra }, 0);
  }

  /** ESO's condition gauge: the current status series is 1, the opposite one 0. */
  setCondition(
    gauge: Gauge<ConditionLabels>,
    name: string,
    namespace: string,
    condition: string,
    status: 'True' | 'False',
  ): void {
    gauge.set({ name, namespace, condition, status }, 1);
    gauge.set({ name, namespace, condition, status: status === 'True' ? 'False' : 'True' }, 0);
  }

  /** An ExternalSecret is gone: drop its series and mark it Deleted, as ESO does. */
  externalSecretDeleted(name: string, namespace: string): void {
    const key = `${namespace}/${name}`;
    const extra = this.extendedLabels ? (this.#esExtended.get(key) ?? extendedMetricLabels(undefined)) : {};
    this.#esExtended.delete(key);
    this.#removeEsGauges(name, namespace, extra);
    this.esCondition.set({ name, namespace, condition: 'Deleted', status: 'False', ...extra }, 1);
  }

  #removeEsGauges(name: string, namespace: string, extra: Record<string, string>): void {
    for (const status of ['True', 'False']) {
      this.esCondition.remove({ name, namespace, condition: 'Ready', status, ...extra });
    }
    this.reconcileDuration.remove({ name, namespace, ...extra });
    this.lastSuccessfulSync.remove({ name, namespace, ...extra });
  }
}
