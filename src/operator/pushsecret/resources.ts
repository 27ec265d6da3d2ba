// The PushSecret kinds (external-secrets.io/v1alpha1) and the names ESO gives to their bookkeeping.
import type { PushSecret } from '../../api/generated/types.js';
import type { KubeObject, ResourceType } from '../../kube/index.js';

export const PushSecretResources = {
  pushSecrets: {
    group: 'external-secrets.io',
    version: 'v1alpha1',
    plural: 'pushsecrets',
    namespaced: true,
    kind: 'PushSecret',
  },
  clusterPushSecrets: {
    group: 'external-secrets.io',
    version: 'v1alpha1',
    plural: 'clusterpushsecrets',
    namespaced: false,
    kind: 'ClusterPushSecret',
  },
} as const satisfies Record<string, ResourceType>;

/** Only set with deletionPolicy Delete: remote entries are removed before the PushSecret goes. */
export const PUSHSECRET_FINALIZER = 'pushsecret.externalsecrets.io/finalizer';

/** ESO's name for the "Secret" a generator produces (it is never written to the cluster). */
export const GENERATED_SECRET_NAME = '___generated-secret';

export type PushSecretObject = KubeObject & Pick<PushSecret, 'spec' | 'status'>;
