// Plugs the PushSecret controller into the operator's manager (shared informers, leader election, graceful
// stop). Source Secrets are watched through a metadata-only informer: names and labels, never values.
import type { KubeObject } from '../../kube/index.js';
import { Resources } from '../../kube/index.js';
import { StoreResolver, type StoreResource } from '../externalsecret/stores.js';
import { resolveGenerator } from '../generators/index.js';
import type { OperatorController } from '../manager.js';
import { OperatorResources } from '../resources.js';
import { StatusMetrics } from '../status-metrics.js';
import { PushClients } from './clients.js';
import { ClusterPushSecretController, type ClusterPushSecretObject } from './cluster.js';
import { PushSecretReconciler } from './reconciler.js';
import { type PushSecretObject, PushSecretResources } from './resources.js';
import type { GeneratorRunner } from './sources.js';
import { StoreFinalizer } from './store-finalizer.js';

const stripManagedFields = <T extends KubeObject>(o: T): T => {
  if (o.metadata?.managedFields) o.metadata = { ...o.metadata, managedFields: undefined };
  return o;
};

export interface PushSecretControllerOptions {
  /** Require stores to be Ready before use (default true, as for ExternalSecrets). */
  floodGate?: boolean;
  generators?: GeneratorRunner;
}

export function pushSecretController(options: PushSecretControllerOptions = {}): OperatorController {
  return {
    name: 'pushsecret',
    setup(ctx) {
      const secretStores = ctx.informers.informer<StoreResource>(OperatorResources.secretStores, {
        namespace: ctx.namespace,
      });
      const clusterSecretStores = ctx.informers.informer<StoreResource>(OperatorResources.clusterSecretStores);
      const stores = new StoreResolver({
        secretStores,
        clusterSecretStores,
        namespaces: ctx.informers.informer<KubeObject>(Resources.namespaces, {
          metadataOnly: true,
          fieldSelector: ctx.namespace ? `metadata.name=${ctx.namespace}` : undefined,
        }),
        controllerClass: ctx.controllerClass,
        floodGate: options.floodGate ?? true,
      });
      const clients = new PushClients(ctx.providerClients);
      const pushSecrets = ctx.informers.informer<PushSecretObject>(PushSecretResources.pushSecrets, {
        namespace: ctx.namespace,
        transform: stripManagedFields,
      });
      const statusMetrics = new StatusMetrics('pushsecret', ctx.metrics.registry, {
        extendedLabels: ctx.metrics.extendedLabels,
      });
      statusMetrics.follow(pushSecrets);
      const reconciler = new PushSecretReconciler({
        client: ctx.client,
        pushSecrets,
        secretMeta: ctx.informers.informer<KubeObject>(Resources.secrets, {
          namespace: ctx.namespace,
          metadataOnly: true,
          transform: stripManagedFields,
        }),
        secretStores,
        clusterSecretStores,
        stores,
        clients,
        events: ctx.events,
        logger: ctx.logger.child({ controller: 'pushsecret' }),
        generators: options.generators ?? ((ref, namespace) => resolveGenerator(ctx.client, namespace, ref)),
        controllerClass: ctx.controllerClass,
      });
      return {
        lanes: ['default'],
        watch(enqueue) {
          reconciler.watch((key) => enqueue(key, 'default'));
        },
        reconcile: (key, context) => statusMetrics.timed(key, () => reconciler.reconcile(key, context.signal)),
      };
    },
  };
}

/** The PushSecret controller with default settings, for registerController() / startOperator({controllers}). */
export const pushSecretOperatorController: OperatorController = pushSecretController();

/**
 * The ClusterPushSecret controller. It is cluster-scoped: an operator limited to one namespace (--namespace)
 * does not run it (nothing is watched, no cluster-wide permissions are needed).
 */
export const clusterPushSecretOperatorController: OperatorController = {
  name: 'clusterpushsecret',
  setup(ctx) {
    if (ctx.namespace) return { lanes: ['default'], watch() {}, reconcile: () => undefined };
    const clusterPushSecrets = ctx.informers.informer<ClusterPushSecretObject>(PushSecretResources.clusterPushSecrets, {
      transform: stripManagedFields,
    });
    const statusMetrics = new StatusMetrics('clusterpushsecret', ctx.metrics.registry, {
      extendedLabels: ctx.metrics.extendedLabels,
    });
    statusMetrics.follow(clusterPushSecrets);
    const controller = new ClusterPushSecretController({
      client: ctx.client,
      clusterPushSecrets,
      namespaces: ctx.informers.informer<KubeObject>(Resources.namespaces, { metadataOnly: true }),
      pushSecrets: ctx.informers.informer<PushSecretObject>(PushSecretResources.pushSecrets, {
        transform: stripManagedFields,
      }),
      logger: ctx.logger.child({ controller: 'clusterpushsecret' }),
    });
    return {
      lanes: ['default'],
      watch(enqueue) {
        controller.watch((name) => enqueue(name, 'default'));
      },
      reconcile: (name) => statusMetrics.timed(name, () => controller.reconcile(name)),
    };
  },
};

/**
 * Keeps ESO's store finalizer on every store a PushSecret with deletionPolicy Delete references, so the store
 * outlives the PushSecret's cleanup (store-finalizer.ts). A namespace-limited operator handles SecretStores only.
 */
export const pushSecretStoreFinalizerController: OperatorController = {
  name: 'pushsecret-store-finalizer',
  setup(ctx) {
    const finalizer = new StoreFinalizer({
      client: ctx.client,
      pushSecrets: ctx.informers.informer<PushSecretObject>(PushSecretResources.pushSecrets, {
        namespace: ctx.namespace,
        transform: stripManagedFields,
      }),
      secretStores: ctx.informers.informer<StoreResource>(OperatorResources.secretStores, { namespace: ctx.namespace }),
      clusterSecretStores: ctx.namespace
        ? undefined
        : ctx.informers.informer<StoreResource>(OperatorResources.clusterSecretStores),
      logger: ctx.logger.child({ controller: 'pushsecret-store-finalizer' }),
    });
    return {
      lanes: ['default'],
      watch(enqueue) {
        finalizer.watch((key) => enqueue(key, 'default'));
      },
      reconcile: (key) => finalizer.reconcile(key),
    };
  },
};
