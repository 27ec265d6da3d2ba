// Runs the operator: shared informers, one laned work queue and worker pool per controller, leader election,
// the HTTP endpoint and graceful shutdown. Controllers are plugged in through OperatorController, so further
// ones (ClusterExternalSecret, PushSecret...) are added with registerController() without touching this file.
//
// Lifecycle: informers start at once (a standby replica keeps warm caches), workers start only while leading.
// Losing leadership stops the operator (as controller-runtime does): the `done` promise resolves with
// reason 'lost-leadership' and the process should exit so it restarts as a clean standby.
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  type Informer,
  InformerFactory,
  isNotFound,
  KubeClient,
  type KubeConfigSource,
  type KubeObject,
  kubeLeaseLock,
  LeaderElector,
  type ReconcileHandler,
  type ReconcileResult,
  Resources,
  reconcilePrometheus,
  restClientPrometheus,
  runWorkers,
  type ShutdownResult,
  shutdownGracefully,
  type WorkerContext,
  type WorkersHandle,
  WorkQueue,
  workQueuePrometheus,
} from '../kube/index.js';
import { defaultProviderRegistry, type ProviderRegistry } from '../providers/index.js';
import { EventRecorder } from './events.js';
import { EVENT_COMPONENT, LABEL_MANAGED } from './externalsecret/constants.js';
import type { GeneratorRunner } from './externalsecret/fetch.js';
import { GenericTargets } from './externalsecret/generic-target.js';
import { clientFailureTtlMs, ProviderAccess } from './externalsecret/provider-access.js';
import { ProviderWatches } from './externalsecret/provider-watches.js';
import { type ExternalSecretObject, ExternalSecretReconciler, LANES, type Lane } from './externalsecret/reconciler.js';
import { RolloutRestarter } from './externalsecret/rollout-restart.js';
import { StoreRateLimits } from './externalsecret/store-rate-limits.js';
import { StoreResolver, type StoreResource } from './externalsecret/stores.js';
import { resolveGenerator } from './generators/index.js';
import { type OperatorHttp, startOperatorHttp } from './http.js';
import { OperatorMetrics } from './metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import { ProviderClientCache } from './provider-clients.js';
import { OperatorResources } from './resources.js';
import { SecretStoreReconciler } from './secretstore/reconciler.js';
import { type CertificateRenewal, keepWebhookCertificate } from './webhook/certificates.js';
import { startWebhookServer, type WebhookServer } from './webhook/server.js';

/** What a controller gets to build itself: shared clients, caches, metrics and settings. */
export interface ControllerContext {
  client: KubeClient;
  informers: InformerFactory;
  metrics: OperatorMetrics;
  events: EventRecorder;
  logger: Logger;
  providers: ProviderRegistry;
  kubeConfig: KubeConfigSource;
  /** Only this namespace, if set. */
  namespace: string | undefined;
  controllerClass: string;
  /**
   * Provider clients per store, shared by ExternalSecret reads, PushSecret writes and store validation: one client
   * (one login) per store, not one per controller, and one provider-call budget per store (--provider-qps) that all
   * three draw on. Closed by the manager after the controllers.
   */
  providerClients: ProviderClientCache;
}

/** A running controller: its queue lanes, how events reach the queue and how one key is reconciled. */
export interface ControllerRuntime<L extends string = string> {
  lanes: readonly L[];
  /** Called once before informers start; register informer handlers that call enqueue. */
  watch(enqueue: (key: string, lane: L) => void): void;
  reconcile: ReconcileHandler<L>;
  /** Runs after caches synced and before workers start (e.g. priming in-memory state). */
  warmUp?(signal: AbortSignal): Promise<void>;
  /** Workers for this controller (default: the operator's concurrency). */
  concurrency?: number;
  /** Kubernetes events wait while this lane has keys queued (first syncs: an install or a restart). */
  deferEventsWhileQueued?: L;
  close?(): Promise<void>;
}

export interface OperatorController {
  /** Queue and metrics name, e.g. "externalsecret". */
  name: string;
  setup(context: ControllerContext): ControllerRuntime<string>;
}

const registered: OperatorController[] = [];

/** Adds a controller to every operator started afterwards (e.g. the ClusterExternalSecret controller). */
export function registerController(controller: OperatorController): void {
  if (registered.some((c) => c.name === controller.name)) {
    throw new Error(`a controller named "${controller.name}" is already registered`);
  }
  registered.push(controller);
}

export interface OperatorOptions {
  kubeConfig: KubeConfigSource;
  /** Watch and write only in this namespace (ClusterSecretStores are still read cluster-wide). */
  namespace?: string;
  /** Workers per controller (default 5; ESO's --concurrent defaults to 1). */
  concurrency?: number;
  /** Stores whose spec.controller is set to another class are ignored (default "default"). */
  controllerClass?: string;
  /** "host:port" or ":port" for /healthz, /readyz, /metrics; undefined serves nothing. */
  metricsAddr?: string;
  leaderElect?: boolean;
  leaderElection?: {
    namespace?: string;
    name?: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  providers?: ProviderRegistry;
  logger?: Logger;
  /** Kubernetes client rate limit (ESO: --client-qps 50, --client-burst 100). */
  clientQps?: number;
  clientBurst?: number;
  /** Longest time a provider read is shared between ExternalSecrets (default 5 min; 0 disables coalescing). */
  coalesceWindowMs?: number;
  /** Provider calls per second per store (0 or unset: unlimited, as ESO); a store's custos.dev/provider-qps wins. */
  providerQps?: number;
  /** Calls allowed at once per store (default twice providerQps); a store's custos.dev/provider-burst wins. */
  providerBurst?: number;
  /** Write status.refreshTime on every refresh as ESO does (default false: only when something changed). */
  alwaysWriteRefreshTime?: boolean;
  /** Rollout restarts (custos.dev/rollout-restart): debounce (default 2 s) and the least time between two restarts of one workload (default 60 s). */
  rolloutRestart?: { debounceMs?: number; minIntervalMs?: number };
  /** Require stores to be Ready before use (ESO's flood gate, default true). */
  floodGate?: boolean;
  /** Store re-validation period when a store sets none (default 5 min). */
  storeRequeueIntervalMs?: number;
  /**
   * Let ExternalSecrets write ConfigMaps and custom resources (spec.target.manifest), ESO's
   * --unsafe-allow-generic-targets (default false: such ExternalSecrets get Ready=False naming the flag).
   */
  allowGenericTargets?: boolean;
  /** app_kubernetes_io_* labels on the ExternalSecret metrics (ESO's --enable-extended-metric-labels). */
  extendedMetricLabels?: boolean;
  generators?: GeneratorRunner;
  /** Controllers in addition to the built-in ones and those given to registerController(). */
  controllers?: OperatorController[];
  metricsRegistry?: Registry;
  /** Drain time on stop (default 20 s). */
  drainTimeoutMs?: number;
  /** Serve ESO's validating admission webhook (HTTPS, tls.crt/tls.key in certDir) on every replica. */
  webhook?: {
    address: string;
    certDir: string;
    /**
     * Provision the certificate itself: Secret `<name>-tls` in `namespace`, for Service `<name>`, CA injected into
     * ValidatingWebhookConfiguration `<name>` (webhook/certificates.ts). Without it the cert dir is filled by others.
     */
    selfManaged?: { namespace: string; name: string };
  };
}

export interface OperatorHandle {
  metrics: OperatorMetrics;
  client: KubeClient;
  /** Bound address of the HTTP endpoint, if one was asked for. */
  httpAddress: string | undefined;
  /** Bound address of the admission webhook, if one was asked for. */
  webhookAddress: string | undefined;
  identity: string;
  isLeader(): boolean;
  /** Caches synced and (without leader election, or while leading) workers running. */
  ready(): boolean;
  /** Resolves when the operator stopped, with why. */
  done: Promise<'stopped' | 'lost-leadership'>;
  stop(): Promise<ShutdownResult>;
}

/** The built-in controllers: ExternalSecret, SecretStore, ClusterSecretStore. */
export function builtinControllers(options: OperatorOptions): OperatorController[] {
  const storeEnqueue: Array<(kind: string, namespace: string, name: string) => void> = [];
  const onStoreChanged = (kind: string, namespace: string, name: string) => {
    for (const fn of storeEnqueue) fn(kind, namespace, name);
  };
  const externalSecret: OperatorController = {
    name: 'externalsecret',
    setup(ctx) {
      const stripManagedFields = (o: KubeObject): KubeObject => {
        if (o.metadata?.managedFields) o.metadata = { ...o.metadata, managedFields: undefined };
        return o;
      };
      const externalSecrets = ctx.informers.informer<ExternalSecretObject>(OperatorResources.externalSecrets, {
        namespace: ctx.namespace,
        transform: stripManagedFields,
      });
      const managedSecrets = ctx.informers.informer<KubeObject>(Resources.secrets, {
        namespace: ctx.namespace,
        labelSelector: `${LABEL_MANAGED}=true`,
        metadataOnly: true,
        transform: stripManagedFields,
      });
      const storeResolver = new StoreResolver({
        secretStores: storeInformer(ctx, 'SecretStore'),
        clusterSecretStores: storeInformer(ctx, 'ClusterSecretStore'),
        namespaces: ctx.informers.informer<KubeObject>(Resources.namespaces, {
          metadataOnly: true,
          fieldSelector: ctx.namespace ? `metadata.name=${ctx.namespace}` : undefined,
        }),
        controllerClass: ctx.controllerClass,
        floodGate: options.floodGate ?? true,
      });
      const access = new ProviderAccess({
        registry: ctx.providers,
        kube: { kubeConfig: ctx.kubeConfig },
        coalesceWindowMs: options.coalesceWindowMs,
        onCall: (provider, call, status) => ctx.metrics.providerCall(provider, call, status),
        onCoalesced: (provider, call) => ctx.metrics.coalesced(provider, call),
        clients: ctx.providerClients,
      });
      // Change feeds (custos provider): a changed remote value refreshes its ExternalSecrets in the urgent lane.
      let enqueueChanged: (keys: string[]) => void = () => {};
      const watches = new ProviderWatches({
        registry: ctx.providers,
        kube: { kubeConfig: ctx.kubeConfig },
        stores: storeResolver,
        logger: ctx.logger.child({ controller: 'externalsecret', component: 'change-feed' }),
        onRemoteChange: (keys, store, namespace) => {
          access.forget(store, namespace);
          enqueueChanged(keys);
        },
      });
      const restarts = new RolloutRestarter({
        client: ctx.client,
        ...options.rolloutRestart,
        onRestart: (kind, result) => ctx.metrics.rolloutRestarts.inc({ kind, result }),
        onError: (message) => ctx.logger.warn({ controller: 'externalsecret' }, message),
      });
      const reconciler = new ExternalSecretReconciler({
        client: ctx.client,
        externalSecrets,
        managedSecrets,
        stores: storeResolver,
        access,
        events: ctx.events,
        metrics: ctx.metrics,
        logger: ctx.logger.child({ controller: 'externalsecret' }),
        // Generators (Password, UUID, Fake, SSHKey, MFA, Webhook, GithubAccessToken, VaultDynamicSecret, ClusterGenerator)
        // run in-process unless a runner is given.
        generators:
          options.generators ??
          ((ref, namespace) => resolveGenerator(ctx.client, namespace, ref, { controllerClass: ctx.controllerClass })),
        alwaysWriteRefreshTime: options.alwaysWriteRefreshTime,
        genericTargets: options.allowGenericTargets
          ? new GenericTargets({
              client: ctx.client,
              informers: ctx.informers,
              namespace: ctx.namespace,
              logger: ctx.logger.child({ controller: 'externalsecret', component: 'generic-targets' }),
            })
          : undefined,
        watches,
        restarts,
      });
      return {
        lanes: LANES,
        deferEventsWhileQueued: 'urgent',
        watch: (enqueue: (key: string, lane: Lane) => void) => {
          reconciler.watch(enqueue);
          enqueueChanged = (keys) => {
            reconciler.remoteChanged(keys);
            for (const key of keys) enqueue(key, 'urgent');
          };
          storeEnqueue.push((kind, namespace, name) => {
            for (const key of reconciler.notReadyUsersOf(kind, namespace, name)) enqueue(key, 'urgent');
          });
        },
        reconcile: (key: string, context: WorkerContext<Lane>) => reconciler.reconcile(key, context),
        warmUp: (signal: AbortSignal) => reconciler.warmUp(ctx.namespace, signal),
        close: async () => {
          await restarts.close();
          await watches.close();
          await access.close();
        },
      } as ControllerRuntime<string>;
    },
  };
  const storeController = (kind: 'SecretStore' | 'ClusterSecretStore'): OperatorController => ({
    name: kind.toLowerCase(),
    setup(ctx) {
      const stores = storeInformer(ctx, kind);
      const reconciler = new SecretStoreReconciler({
        kind,
        client: ctx.client,
        stores,
        registry: ctx.providers,
        events: ctx.events,
        metrics: ctx.metrics,
        logger: ctx.logger.child({ controller: kind.toLowerCase() }),
        controllerClass: ctx.controllerClass,
        requeueIntervalMs: options.storeRequeueIntervalMs,
        clients: ctx.providerClients,
      });
      const keyOf = (s: KubeObject) =>
        kind === 'ClusterSecretStore' ? (s.metadata?.name ?? '') : `${s.metadata?.namespace}/${s.metadata?.name}`;
      return {
        lanes: ['default'],
        watch: (enqueue) => {
          stores.addEventHandler({
            onAdd: (s) => enqueue(keyOf(s), 'default'),
            onUpdate: (old, s) => {
              if (old.metadata?.generation !== s.metadata?.generation) enqueue(keyOf(s), 'default');
              const wasReady = old.status?.conditions?.find((c) => c.type === 'Ready')?.status;
              const isReady = s.status?.conditions?.find((c) => c.type === 'Ready')?.status;
              if (wasReady !== isReady || old.metadata?.generation !== s.metadata?.generation) {
                onStoreChanged(kind, s.metadata?.namespace ?? '', s.metadata?.name ?? '');
              }
            },
            onDelete: (s) => enqueue(keyOf(s), 'default'),
          });
        },
        reconcile: (key) => reconciler.reconcile(key) as Promise<ReconcileResult<string> | undefined>,
      };
    },
  });
  return [externalSecret, storeController('SecretStore'), storeController('ClusterSecretStore')];
}

function storeInformer(ctx: ControllerContext, kind: 'SecretStore' | 'ClusterSecretStore'): Informer<StoreResource> {
  return kind === 'ClusterSecretStore'
    ? ctx.informers.informer<StoreResource>(OperatorResources.clusterSecretStores)
    : ctx.informers.informer<StoreResource>(OperatorResources.secretStores, { namespace: ctx.namespace });
}

/** Fails fast, saying what to do, when the cluster does not serve the ESO API (informers would retry forever). */
/** The resources each controller lists and watches; a missing CRD would leave its informer waiting forever. */
const requiredResources: Record<string, Array<[groupVersion: string, resource: string]>> = {
  externalsecret: [
    ['external-secrets.io/v1', 'externalsecrets'],
    ['external-secrets.io/v1', 'secretstores'],
    ['external-secrets.io/v1', 'clustersecretstores'],
  ],
  clusterexternalsecret: [['external-secrets.io/v1', 'clusterexternalsecrets']],
  pushsecret: [['external-secrets.io/v1alpha1', 'pushsecrets']],
  clusterpushsecret: [['external-secrets.io/v1alpha1', 'clusterpushsecrets']],
};

async function servedResources(client: KubeClient, groupVersion: string): Promise<Set<string>> {
  try {
    const list = await client.request<{ resources?: Array<{ name: string }> }>('GET', `/apis/${groupVersion}`);
    return new Set((list?.resources ?? []).map((r) => r.name));
  } catch (error) {
    if (isNotFound(error)) return new Set();
    throw error;
  }
}

async function requireCrds(client: KubeClient, controllerNames: string[]): Promise<void> {
  const wanted = [requiredResources.externalsecret!, ...controllerNames.map((n) => requiredResources[n] ?? [])].flat();
  const missing: string[] = [];
  const served = new Map<string, Set<string>>();
  for (const [groupVersion, resource] of wanted) {
    if (!served.has(groupVersion)) served.set(groupVersion, await servedResources(client, groupVersion));
    if (!served.get(groupVersion)!.has(resource)) missing.push(`${groupVersion} ${resource}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `the cluster does not serve ${[...new Set(missing)].join(', ')}: install the CRDs first ` +
        '(custos crds install, or kubectl apply --server-side -f deploy/crds/)',
    );
  }
}

interface Running {
  name: string;
  runtime: ControllerRuntime<string>;
  queue: WorkQueue<string>;
  workers?: WorkersHandle;
}

export async function startOperator(options: OperatorOptions): Promise<OperatorHandle> {
  const logger = options.logger ?? pino({ name: 'custos-operator' });
  const registry = options.metricsRegistry ?? new Registry();
  // process_* (CPU, resident memory, open fds) as ESO's Go client exposes them, plus nodejs_* in place of go_*.
  // Only on a registry made here: a caller's registry may have them already (registering twice throws).
  if (!options.metricsRegistry) {
    collectDefaultMetrics({ register: registry });
    registerProcessMetrics(registry);
  }
  const onRequestDone = restClientPrometheus(registry);
  const client = new KubeClient(options.kubeConfig, {
    qps: options.clientQps ?? 50,
    burst: options.clientBurst ?? 100,
    userAgent: 'custos-operator',
    onRequestDone,
  });
  const metrics = new OperatorMetrics(registry, {
    extendedLabels: options.extendedMetricLabels,
  });
  const informers = new InformerFactory(client, {
    onError: (error, during) => logger.warn({ err: (error as Error)?.message, during }, 'informer error (retrying)'),
  });
  // Events go through their own client (own rate limit), as client-go's broadcaster does: a burst of events
  // never delays the writes that make Secrets appear.
  const eventClient = new KubeClient(options.kubeConfig, {
    qps: options.clientQps ?? 50,
    burst: options.clientBurst ?? 100,
    userAgent: 'custos-operator-events',
    onRequestDone,
  });
  let droppedSinceWarning = 0;
  let lastDropWarning = 0;
  let failedSinceWarning = 0;
  let lastFailureWarning = 0;
  // Bound once the controllers' queues exist (below).
  let burstQueued = () => false;
  const events = new EventRecorder(
    eventClient,
    EVENT_COMPONENT,
    (error) => {
      // A refused event (e.g. RBAC without events in a namespace) is invisible otherwise: warn, once a minute.
      failedSinceWarning++;
      if (Date.now() - lastFailureWarning < 60_000) return;
      logger.warn({ err: (error as Error)?.message, failed: failedSinceWarning }, 'could not send event');
      failedSinceWarning = 0;
      lastFailureWarning = Date.now();
    },
    {
      deferWhile: () => burstQueued(),
      onDropped: (reason) => {
        metrics.eventsDropped.inc({ reason });
        droppedSinceWarning++;
        // One warning a minute at most: a burst of 10,000 reconciles must not become 9,000 log lines.
        if (Date.now() - lastDropWarning >= 60_000) {
          logger.warn(
            { dropped: droppedSinceWarning },
            'event queue full: Kubernetes events dropped (counted in custos_events_dropped_total); Secrets and status are not affected',
          );
          droppedSinceWarning = 0;
          lastDropWarning = Date.now();
        }
      },
    },
  );
  const providers = options.providers ?? defaultProviderRegistry();
  const context: ControllerContext = {
    client,
    informers,
    metrics,
    events,
    logger,
    providers,
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    controllerClass: options.controllerClass ?? 'default',
    providerClients: new ProviderClientCache({
      registry: providers,
      kube: { kubeConfig: options.kubeConfig },
      failureTtlMs: clientFailureTtlMs(options.coalesceWindowMs),
      onCall: (provider, call, status) => metrics.providerCall(provider, call, status),
      rateLimits: new StoreRateLimits({ qps: options.providerQps ?? 0, burst: options.providerBurst }),
      onThrottled: (provider, waitedMs) => {
        metrics.providerThrottled.inc({ provider });
        metrics.providerThrottleWait.inc({ provider }, waitedMs / 1000);
      },
    }),
  };
  const concurrency = options.concurrency ?? 5;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`concurrency must be a whole number >= 1, got ${options.concurrency}`);
  }

  const controllers = [...builtinControllers(options), ...registered, ...(options.controllers ?? [])];
  await requireCrds(
    client,
    controllers.map((c) => c.name),
  );
  const running: Running[] = controllers.map((controller) => {
    const runtime = controller.setup(context);
    const prom = workQueuePrometheus(controller.name, metrics.registry);
    const queue = new WorkQueue<string>({ lanes: runtime.lanes, metrics: prom.hooks });
    prom.attach(queue);
    runtime.watch((key, lane) => queue.add(key, lane));
    return { name: controller.name, runtime, queue };
  });

  const stopSignal = new AbortController();
  // Keys left queued at shutdown are no burst: events then go out at once.
  burstQueued = () =>
    !stopSignal.signal.aborted &&
    running.some((r) => {
      const lane = r.runtime.deferEventsWhileQueued;
      return lane !== undefined && (r.queue.depths()[lane] ?? 0) > 0;
    });
  let synced = false;
  let workersRunning = false;
  let resolveDone!: (reason: 'stopped' | 'lost-leadership') => void;
  const done = new Promise<'stopped' | 'lost-leadership'>((resolve) => {
    resolveDone = resolve;
  });

  const startWorkers = async (signal: AbortSignal) => {
    for (const r of running)
      await r.runtime.warmUp?.(signal).catch((error) => {
        logger.warn({ controller: r.name, err: (error as Error)?.message }, 'warm-up failed; continuing without it');
      });
    if (signal.aborted) return;
    for (const r of running) {
      const workers = r.runtime.concurrency ?? concurrency;
      r.workers = runWorkers(r.queue, workers, r.runtime.reconcile, {
        observer: reconcilePrometheus(r.name, workers, metrics.registry),
        onError: (key, error, kind) =>
          logger.debug({ controller: r.name, key, kind, err: (error as Error)?.message }, 'reconcile failed'),
      });
    }
    workersRunning = true;
    logger.info({ concurrency }, 'workers started');
  };

  // Before anything runs: a webhook that cannot start (no certificate) stops the operator with a clear error.
  let webhook: WebhookServer | undefined;
  let renewal: CertificateRenewal | undefined;
  if (options.webhook) {
    const { address, certDir, selfManaged } = options.webhook;
    try {
      if (selfManaged) {
        renewal = await keepWebhookCertificate({
          client,
          namespace: selfManaged.namespace,
          secretName: `${selfManaged.name}-tls`,
          serviceName: selfManaged.name,
          configName: selfManaged.name,
          certDir,
          logger,
        });
      }
      webhook = await startWebhookServer({ address, certDir, registry: context.providers, logger });
    } catch (error) {
      renewal?.stop();
      client.close();
      eventClient.close();
      throw error;
    }
  }
  informers.start();
  let http: OperatorHttp | undefined;
  const identity = options.leaderElection?.identity ?? `${hostname()}_${Math.random().toString(36).slice(2, 10)}`;
  let elector: LeaderElector | undefined;
  let election: { stop: AbortController; done: Promise<void> } | undefined;

  if (options.metricsAddr !== undefined) {
    http = await startOperatorHttp({
      address: options.metricsAddr,
      registry: metrics.registry,
      ready: () => synced && (elector === undefined || workersRunning || !elector.isLeader()),
    });
  }

  const syncedOk = await informers.waitForSync(stopSignal.signal);
  synced = syncedOk;
  logger.info({ namespace: options.namespace ?? '(all)', identity }, 'caches synced');

  let stopping: Promise<ShutdownResult> | undefined;
  const stop = (reason: 'stopped' | 'lost-leadership' = 'stopped'): Promise<ShutdownResult> => {
    stopping ??= (async () => {
      stopSignal.abort();
      const result = await shutdownGracefully({
        informers: informers.informers(),
        queues: running.map((r) => r.queue),
        workers: running.flatMap((r) => (r.workers ? [r.workers] : [])),
        leaderElection: election,
        drainTimeoutMs: options.drainTimeoutMs,
        onStep: (step, outcome, ms) => logger.info({ step, outcome, ms }, 'shutdown step'),
      });
      for (const r of running) await r.runtime.close?.().catch(() => undefined);
      await context.providerClients.close();
      await context.providers.shutdown();
      await http?.close();
      renewal?.stop();
      await webhook?.close();
      client.close();
      eventClient.close();
      resolveDone(reason);
      return result;
    })();
    return stopping;
  };

  if (options.leaderElect) {
    const le = options.leaderElection ?? {};
    const stopElection = new AbortController();
    elector = new LeaderElector({
      identity,
      lock: kubeLeaseLock(client, le.namespace ?? options.namespace ?? 'default', le.name ?? 'custos-operator-leader'),
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      callbacks: {
        onStartedLeading: (signal) => {
          logger.info({ identity }, 'became leader');
          void startWorkers(signal);
        },
        onStoppedLeading: () => {
          if (!stopSignal.signal.aborted) {
            logger.warn({ identity }, 'lost leadership; stopping');
            void stop('lost-leadership');
          }
        },
        onNewLeader: (leader) => logger.info({ leader }, 'leader observed'),
      },
      onError: (error) => logger.debug({ err: (error as Error)?.message }, 'leader election attempt failed'),
    });
    election = { stop: stopElection, done: elector.run(stopElection.signal) };
  } else if (syncedOk) {
    await startWorkers(stopSignal.signal);
  }

  return {
    metrics,
    client,
    httpAddress: http?.address,
    webhookAddress: webhook?.address,
    identity,
    isLeader: () => (elector ? elector.isLeader() : true),
    ready: () => synced && (elector === undefined ? workersRunning : true),
    done,
    stop: () => stop('stopped'),
  };
}
