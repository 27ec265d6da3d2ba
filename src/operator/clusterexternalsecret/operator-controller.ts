// Plugs the ClusterExternalSecret controller into the operator's manager (shared informers, leader election,
// graceful stop). CES is cluster-scoped: an operator limited to one namespace does not run it.
import type { KubeObject } from '../../kube/index.js';
import type { OperatorController } from '../manager.js';
import { StatusMetrics } from '../status-metrics.js';
import { ClusterExternalSecretController } from './controller.js';
import { ClusterExternalSecrets } from './resources.js';

export const clusterExternalSecretOperatorController: OperatorController = {
  name: 'clusterexternalsecret',
  setup(context) {
    const controller = new ClusterExternalSecretController({
      client: context.client,
      informers: context.informers,
      logger: context.logger,
    });
    const statusMetrics = new StatusMetrics('clusterexternalsecret', context.metrics.registry, {
      extendedLabels: context.metrics.extendedLabels,
    });
    // The controller's own informer of the kind (the factory shares one per resource).
    statusMetrics.follow(context.informers.informer<KubeObject>(ClusterExternalSecrets));
    return {
      lanes: ['default'],
      watch(enqueue) {
        controller.watch((name) => enqueue(name, 'default'));
      },
      reconcile: (name) => statusMetrics.timed(name, () => controller.reconcile(name)),
    };
  },
};
