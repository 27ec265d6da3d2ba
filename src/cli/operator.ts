// `custos operator`: runs the ExternalSecret / SecretStore / ClusterSecretStore controllers against a cluster.
// Flags follow ESO's controller flags where they overlap (--concurrent is --concurrency here).
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { Kubeconfig, onTerminationSignal, validateLeaderElectionTimings } from '../kube/index.js';
import { clusterExternalSecretOperatorController } from '../operator/clusterexternalsecret/operator-controller.js';
import { parseGoDuration } from '../operator/duration.js';
import { startOperator } from '../operator/index.js';
import {
  clusterPushSecretOperatorController,
  pushSecretController,
  pushSecretStoreFinalizerController,
} from '../operator/pushsecret/index.js';
import { nonNegativeNumber, positiveInt } from './option-parsers.js';

interface OperatorFlags {
  kubeconfig?: string;
  context?: string;
  concurrency: number;
  namespace?: string;
  controllerClass: string;
  metricsAddr: string;
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  clientQps: number;
  clientBurst: number;
  coalesceWindow: string;
  providerQps: number;
  providerBurst?: number;
  storeRequeueInterval: string;
  esoStatusWrites: boolean;
  floodGate: boolean;
  unsafeAllowGenericTargets: boolean;
  enableExtendedMetricLabels: boolean;
  webhookAddr?: string;
  webhookCertDir: string;
  webhookSelfManaged: boolean;
  webhookName: string;
  webhookNamespace?: string;
  logLevel: string;
}

function webhookNamespace(flags: OperatorFlags, kubeConfig: Kubeconfig): string {
  const namespace = flags.webhookNamespace ?? kubeConfig.podNamespace();
  if (!namespace) {
    throw new InvalidArgumentError(
      '--webhook-self-managed outside a pod needs --webhook-namespace (where its Service is)',
    );
  }
  return namespace;
}

function loadKubeConfig(path: string | undefined, context: string | undefined): Kubeconfig {
  const kc = new Kubeconfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (context) kc.setCurrentContext(context);
  return kc;
}

export function registerOperatorCommand(program: Command): void {
  program
    .command('operator')
    .description('run the ESO-compatible operator (ExternalSecret, SecretStore, ClusterSecretStore)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--context <name>', 'kubeconfig context to use')
    .option(
      '--concurrency <n>',
      'workers per controller (ESO --concurrent, default there 1)',
      positiveInt('--concurrency'),
      5,
    )
    .option('-n, --namespace <ns>', 'only watch and write in this namespace')
    .option('--controller-class <class>', 'handle only stores whose spec.controller is empty or this class', 'default')
    .option('--metrics-addr <addr>', 'listen address for /metrics, /healthz and /readyz', ':8080')
    .option('--leader-elect', 'run leader election (Lease; 15 s / 10 s / 2 s) so only one replica works', false)
    .option(
      '--leader-election-namespace <ns>',
      'namespace of the Lease (default: --namespace, else the pod namespace in a cluster, else "default")',
    )
    .option('--leader-election-id <name>', 'name of the Lease', 'custos-operator-leader')
    // Named as kube-controller-manager's flags: how long a dead leader blocks the others, and how hard it renews.
    .option(
      '--leader-elect-lease-duration <duration>',
      'how long a Lease is held without renewal (whole seconds)',
      '15s',
    )
    .option('--leader-elect-renew-deadline <duration>', 'how long the leader keeps retrying a renewal', '10s')
    .option('--leader-elect-retry-period <duration>', 'how often candidates try to acquire or renew', '2s')
    .option('--client-qps <n>', 'Kubernetes API requests per second', positiveInt('--client-qps'), 50)
    .option('--client-burst <n>', 'Kubernetes API burst', positiveInt('--client-burst'), 100)
    .option(
      '--coalesce-window <duration>',
      'longest time a provider read is shared between ExternalSecrets (0 disables)',
      '5m',
    )
    .option('--store-requeue-interval <duration>', 'store re-validation period when a store sets none', '5m')
    .option(
      '--provider-qps <n>',
      "provider calls per second per store, 0 for no limit (a store's custos.dev/provider-qps annotation wins)",
      nonNegativeNumber('--provider-qps'),
      0,
    )
    .option(
      '--provider-burst <n>',
      "provider calls at once per store (default: twice --provider-qps; a store's custos.dev/provider-burst wins)",
      positiveInt('--provider-burst'),
    )
    .option('--eso-status-writes', 'write status.refreshTime on every refresh, as ESO does', false)
    .option('--no-flood-gate', 'let ExternalSecrets use stores that are not Ready')
    .option(
      '--unsafe-allow-generic-targets',
      'let ExternalSecrets write ConfigMaps and custom resources (spec.target.manifest); they are not encrypted at rest',
      false,
    )
    .option(
      '--enable-extended-metric-labels',
      'add the app.kubernetes.io/* labels of each ExternalSecret to its metrics',
      false,
    )
    .option(
      '--webhook-addr <addr>',
      "serve ESO's validating admission webhook over HTTPS here (e.g. :10250; default: off)",
    )
    .option(
      '--webhook-cert-dir <dir>',
      'directory with the webhook tls.crt and tls.key (re-read when they change)',
      '/tmp/k8s-webhook-server/serving-certs',
    )
    .option(
      '--webhook-self-managed',
      'provision the webhook certificate: Secret <webhook-name>-tls, CA into ValidatingWebhookConfiguration <webhook-name>',
      false,
    )
    .option(
      '--webhook-name <name>',
      'webhook Service and ValidatingWebhookConfiguration name',
      'custos-operator-webhook',
    )
    .option('--webhook-namespace <ns>', 'namespace of the webhook Service and Secret (default: the pod namespace)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: OperatorFlags) => {
      const logger = pino({ name: 'custos-operator', level: flags.logLevel });
      let coalesceWindowMs: number;
      let storeRequeueIntervalMs: number;
      let leaseTimings: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
      try {
        coalesceWindowMs = parseGoDuration(flags.coalesceWindow);
        storeRequeueIntervalMs = parseGoDuration(flags.storeRequeueInterval);
        leaseTimings = validateLeaderElectionTimings({
          leaseDurationMs: parseGoDuration(flags.leaderElectLeaseDuration),
          renewDeadlineMs: parseGoDuration(flags.leaderElectRenewDeadline),
          retryPeriodMs: parseGoDuration(flags.leaderElectRetryPeriod),
        });
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
      const kubeConfig = loadKubeConfig(flags.kubeconfig, flags.context);
      // As controller-runtime: in a pod the Lease lives in the pod's namespace unless told otherwise.
      const leaseNamespace = flags.leaderElectionNamespace ?? flags.namespace ?? kubeConfig.podNamespace();
      const handle = await startOperator({
        kubeConfig,
        namespace: flags.namespace,
        concurrency: flags.concurrency,
        controllerClass: flags.controllerClass,
        metricsAddr: flags.metricsAddr,
        leaderElect: flags.leaderElect,
        leaderElection: { namespace: leaseNamespace, name: flags.leaderElectionId, ...leaseTimings },
        clientQps: flags.clientQps,
        clientBurst: flags.clientBurst,
        coalesceWindowMs,
        providerQps: flags.providerQps,
        providerBurst: flags.providerBurst,
        storeRequeueIntervalMs,
        alwaysWriteRefreshTime: flags.esoStatusWrites,
        floodGate: flags.floodGate,
        allowGenericTargets: flags.unsafeAllowGenericTargets,
        extendedMetricLabels: flags.enableExtendedMetricLabels,
        webhook: flags.webhookAddr
          ? {
              address: flags.webhookAddr,
              certDir: flags.webhookCertDir,
              selfManaged: flags.webhookSelfManaged
                ? { namespace: webhookNamespace(flags, kubeConfig), name: flags.webhookName }
                : undefined,
            }
          : undefined,
        // The cluster-scoped kinds provision other namespaces: a namespace-limited operator does not run them.
        controllers: [
          pushSecretController({ floodGate: flags.floodGate }),
          pushSecretStoreFinalizerController,
          ...(flags.namespace ? [] : [clusterExternalSecretOperatorController, clusterPushSecretOperatorController]),
        ],
        logger,
      });
      logger.info(
        { metrics: handle.httpAddress, webhook: handle.webhookAddress, identity: handle.identity },
        'operator started',
      );
      const removeSignals = onTerminationSignal(async (signal) => {
        logger.info({ signal }, 'shutting down');
        await handle.stop();
      });
      const reason = await handle.done;
      removeSignals();
      if (reason === 'lost-leadership') process.exitCode = 1;
    });
}
