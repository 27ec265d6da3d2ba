// Prometheus metrics under ESO's names and labels (reference eso.md section 4), so ESO dashboards and alerts
// keep working, plus Custos's own: coalesced provider reads and (via the work queue) depth per lane.
// One OperatorMetrics per registry; labels never carry secret values.
import { Counter, Gauge, Registry } from 'prom-client';

type Labels = 'name' | 'namespace';
type ConditionLabels = Labels | 'condition' | 'status';

/** ESO's provider label values, for the providers Custos implements. */
const PROVIDER_LABEL: Record<string, string> = { kubernetes: 'Kubernetes', fake: 'Fake' };

export class OperatorMetrics {
  readonly registry: Registry;
  readonly syncCalls: Counter<Labels>;
  readonly syncErrors: Counter<Labels>;
  readonly esCondition: Gauge<ConditionLabels>;
  readonly reconcileDuration: Gauge<Labels>;
  readonly providerCalls: Counter<'provider' | 'call' | 'status'>;
  readonly coalescedReads: Counter<'provider' | 'call'>;
  readonly storeCondition: Gauge<ConditionLabels>;
  readonly clusterStoreCondition: Gauge<ConditionLabels>;
  readonly storeDuration: Gauge<Labels>;
  readonly clusterStoreDuration: Gauge<Labels>;
  readonly secretWrites: Counter<'verb'>;
  readonly statusWrites: Counter<'kind'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.syncCalls = new Counter({
      name: 'externalsecret_sync_calls_total',
      help: 'Total number of ExternalSecret reconciles',
      labelNames: ['name', 'namespace'],
      registers,
    });
    this.syncErrors = new Counter({
      name: 'externalsecret_sync_calls_error',
      help: 'Total number of ExternalSecret reconcile errors',
      labelNames: ['name', 'namespace'],
      registers,
    });
    this.esCondition = new Gauge({
      name: 'externalsecret_status_condition',
      help: 'The status condition of an ExternalSecret',
      labelNames: ['name', 'namespace', 'condition', 'status'],
      registers,
    });
    this.reconcileDuration = new Gauge({
      name: 'externalsecret_reconcile_duration',
      help: 'The duration of the last ExternalSecret reconcile, in nanoseconds',
      labelNames: ['name', 'namespace'],
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
    for (const status of ['True', 'False']) this.esCondition.remove({ name, namespace, condition: 'Ready', status });
    this.reconcileDuration.remove({ name, namespace });
    this.esCondition.set({ name, namespace, condition: 'Deleted', status: 'False' }, 1);
  }
}
