// SecretStore and ClusterSecretStore status (ESO's secretstore controller, reference eso.md 1.3): validate the
// store through its provider and write the Ready condition and capabilities. Status and events are written
// only when something changed (ESO re-sends "store validated" on every validation).
import type { Logger } from 'pino';
import type { SecretStoreStatus } from '../../api/generated/types.js';
import { type Informer, type KubeClient, type ReconcileResult, TerminalError } from '../../kube/index.js';
import type { ProviderRegistry, SecretsClient, StoreKind } from '../../providers/index.js';
import { parseGoDuration } from '../duration.js';
import type { EventRecorder } from '../events.js';
import { messageOf } from '../externalsecret/fetch.js';
import { rfc3339 } from '../externalsecret/status.js';
import { resolvedStore, type StoreResource } from '../externalsecret/stores.js';
import type { OperatorMetrics } from '../metrics.js';
import type { ProviderClientCache } from '../provider-clients.js';
import { OperatorResources } from '../resources.js';

export interface SecretStoreReconcilerOptions {
  kind: StoreKind;
  client: KubeClient;
  stores: Informer<StoreResource>;
  registry: ProviderRegistry;
  events: EventRecorder;
  metrics: OperatorMetrics;
  logger: Logger;
  controllerClass: string;
  /** ESO's --store-requeue-interval (default 5 minutes). */
  requeueIntervalMs?: number;
  random?: () => number;
  /**
   * The operator's provider clients (shared with ExternalSecret reads and PushSecret writes): validation reuses
   * the store's client and draws on its budget instead of a new client (a new login) every few minutes. A
   * validation that fails on a reused client is tried once more on a new one, so credentials that changed since
   * the client was built are not reported as invalid; a client that fails validation is dropped.
   */
  clients: ProviderClientCache;
}

interface Verdict {
  status: 'True' | 'False';
  reason: 'Valid' | 'InvalidProviderConfig' | 'ValidationUnknown';
  message: string;
  eventType: 'Normal' | 'Warning';
}

/** spec.refreshInterval: integer seconds (legacy) or a Go duration; 0 or empty uses the default. */
export function storeRefreshIntervalMs(value: number | string | undefined, fallbackMs: number): number {
  if (value === undefined || value === '' || value === 0) return fallbackMs;
  const ms = typeof value === 'number' ? value * 1000 : parseGoDuration(value);
  return ms > 0 ? ms : fallbackMs;
}

export class SecretStoreReconciler {
  readonly #o: SecretStoreReconcilerOptions;
  readonly #warnedUnmaintained = new Set<string>();

  constructor(options: SecretStoreReconcilerOptions) {
    this.#o = options;
  }

  get resource() {
    return this.#o.kind === 'ClusterSecretStore'
      ? OperatorResources.clusterSecretStores
      : OperatorResources.secretStores;
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const started = performance.now();
    const [namespace, name] = this.#o.kind === 'ClusterSecretStore' ? ['', key] : key.split('/');
    const gauge =
      this.#o.kind === 'ClusterSecretStore' ? this.#o.metrics.clusterStoreCondition : this.#o.metrics.storeCondition;
    const duration =
      this.#o.kind === 'ClusterSecretStore' ? this.#o.metrics.clusterStoreDuration : this.#o.metrics.storeDuration;
    const labels = { name: name ?? '', namespace: namespace ?? '' };
    try {
      const store = this.#o.stores.getByName(namespace || undefined, name ?? '');
      if (!store) {
        for (const status of ['True', 'False']) gauge.remove({ ...labels, condition: 'Ready', status });
        duration.remove(labels);
        return undefined;
      }
      const controller = store.spec?.controller ?? '';
      if (controller !== '' && controller !== this.#o.controllerClass) return undefined;
      const verdict = await this.#validate(store, namespace ?? '');
      const capabilities =
        verdict.status === 'True' || verdict.reason !== 'InvalidProviderConfig' ? this.#capabilities(store) : undefined;
      await this.#writeStatus(store, verdict, capabilities);
      this.#o.metrics.setCondition(gauge, labels.name, labels.namespace, 'Ready', verdict.status);
      const fallback = this.#o.requeueIntervalMs ?? 300_000;
      let interval: number;
      try {
        interval = storeRefreshIntervalMs(store.spec?.refreshInterval, fallback);
      } catch (error) {
        throw new TerminalError(`invalid spec.refreshInterval of ${this.#o.kind} ${key}: ${messageOf(error)}`);
      }
      const jitter = 1 + 0.1 * (this.#o.random ?? Math.random)();
      return { requeueAfter: Math.round(interval * jitter) };
    } finally {
      duration.set(labels, (performance.now() - started) * 1e6);
    }
  }

  #capabilities(store: StoreResource): string | undefined {
    try {
      return this.#o.registry.forStore(store.spec).capabilities;
    } catch {
      return undefined;
    }
  }

  async #validate(store: StoreResource, namespace: string): Promise<Verdict> {
    if (!store.spec) return invalid('unable to create client: the store has no spec');
    let provider: ReturnType<ProviderRegistry['forStore']>;
    try {
      provider = this.#o.registry.forStore(store.spec);
    } catch (error) {
      return invalid(`unable to create client: ${messageOf(error)}`);
    }
    const resolved = resolvedStore(this.#o.kind, namespace, store.metadata?.name ?? '', store, store.spec);
    const checked = provider.validateStore(resolved.object);
    if (checked.errors.length > 0) return invalid(`unable to validate store: ${checked.errors.join('; ')}`);
    if (!provider.maintained && !this.#warnedUnmaintained.has(store.metadata?.uid ?? '')) {
      this.#warnedUnmaintained.add(store.metadata?.uid ?? '');
      void this.#o.events.record(
        this.#eventTarget(store),
        'Warning',
        'StoreUnmaintained',
        `provider ${provider.key} is not maintained upstream; use it for tests only`,
      );
    }
    const clientNamespace = this.#o.kind === 'SecretStore' ? namespace : '';
    const shared = this.#o.clients;
    const reused = await shared.hasWorking(resolved, clientNamespace);
    const validateWithClient = async (): Promise<Verdict> => {
      let client: SecretsClient;
      try {
        client = await shared.acquire(resolved, clientNamespace);
      } catch (error) {
        return invalid(`unable to create client: ${messageOf(error)}`);
      }
      return checkClient(client);
    };
    let verdict = await validateWithClient();
    if (verdict.status === 'True') return verdict;
    // A client that does not validate is not reused (by reads either); one reused from before may only hold
    // credentials that changed since, so a new client gets one more try before the store is reported invalid.
    shared.forget(resolved, clientNamespace);
    if (!reused) return verdict;
    verdict = await validateWithClient();
    if (verdict.status !== 'True') shared.forget(resolved, clientNamespace);
    return verdict;
  }

  async #writeStatus(store: StoreResource, verdict: Verdict, capabilities: string | undefined): Promise<void> {
    const current = store.status?.conditions?.find((c) => c.type === 'Ready');
    const unchanged =
      current?.status === verdict.status &&
      current.reason === verdict.reason &&
      current.message === verdict.message &&
      (store.status?.capabilities ?? undefined) === capabilities;
    if (unchanged) return;
    const status: SecretStoreStatus = {
      conditions: [
        ...(store.status?.conditions ?? []).filter((c) => c.type !== 'Ready'),
        {
          type: 'Ready',
          status: verdict.status,
          reason: verdict.reason,
          message: verdict.message,
          lastTransitionTime:
            current?.status === verdict.status && current.lastTransitionTime
              ? current.lastTransitionTime
              : rfc3339(new Date()),
        },
      ],
      ...(capabilities ? { capabilities } : {}),
    };
    await this.#o.client.patchStatus(
      this.resource,
      store.metadata?.name ?? '',
      { status },
      {
        namespace: this.#o.kind === 'SecretStore' ? store.metadata?.namespace : undefined,
      },
    );
    this.#o.metrics.statusWrites.inc({ kind: this.#o.kind });
    if (current?.reason !== verdict.reason || current?.message !== verdict.message) {
      void this.#o.events.record(this.#eventTarget(store), verdict.eventType, verdict.reason, verdict.message);
    }
  }

  #eventTarget(store: StoreResource) {
    return {
      apiVersion: 'external-secrets.io/v1',
      kind: this.#o.kind,
      metadata: {
        name: store.metadata?.name,
        namespace: store.metadata?.namespace,
        uid: store.metadata?.uid,
        resourceVersion: store.metadata?.resourceVersion,
      },
    };
  }
}

function invalid(message: string): Verdict {
  return { status: 'False', reason: 'InvalidProviderConfig', message, eventType: 'Warning' };
}

/** The verdict of one validation call on a built client. */
async function checkClient(client: SecretsClient): Promise<Verdict> {
  try {
    const result = await client.validate();
    if (result.result === 'Ready')
      return { status: 'True', reason: 'Valid', message: 'store validated', eventType: 'Normal' };
    if (result.result === 'Unknown') {
      return {
        status: 'True',
        reason: 'ValidationUnknown',
        message: 'could not determine validation status',
        eventType: 'Warning',
      };
    }
    return invalid(`unable to validate store${result.message ? `: ${result.message}` : ''}`);
  } catch (error) {
    return invalid(`unable to validate store: ${messageOf(error)}`);
  }
}
