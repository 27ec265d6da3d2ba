// Resource types of the custom kinds the operator reads and writes (the core ones live in src/kube/resources.ts).
import type { ResourceType } from '../kube/index.js';

export const OperatorResources = {
  externalSecrets: {
    group: 'external-secrets.io',
    version: 'v1',
    plural: 'externalsecrets',
    namespaced: true,
    kind: 'ExternalSecret',
  },
  secretStores: {
    group: 'external-secrets.io',
    version: 'v1',
    plural: 'secretstores',
    namespaced: true,
    kind: 'SecretStore',
  },
  clusterSecretStores: {
    group: 'external-secrets.io',
    version: 'v1',
    plural: 'clustersecretstores',
    namespaced: false,
    kind: 'ClusterSecretStore',
  },
} as const satisfies Record<string, ResourceType>;
