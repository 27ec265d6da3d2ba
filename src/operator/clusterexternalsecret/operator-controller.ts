// Plugs the ClusterExternalSecret controller into the operator's manager (shared informers, leader election,
// graceful stop). CES is cluster-scoped: an operator limited to one namespace does not run it.
import type { OperatorController } from '../manager.js';
import { ClusterExternalSecretController } from './controller.js';

export const clusterExternalSecretOperatorController: OperatorController = {
  name: 'clusterexternalsecret',
  setup(context) {
    const controller = new ClusterExternalSecretController({
      client: context.client,
      informers: context.informers,
      logger: context.logger,
    });
    return {
      lanes: ['default'],
      watch(enqueue) {
        controller.watch((name) => enqueue(name, 'default'));
      },
      reconcile: (name) => controller.reconcile(name),
    };
  },
};
