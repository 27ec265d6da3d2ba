// The Kubernetes permissions `custos operator` needs, derived from the kinds it serves (src/api/kinds.ts) and the
// core resources it touches. Least privilege: no wildcard verbs or resources; everything here is exercised by
// test/integration/operator/install.test.ts, which runs the operator with nothing but these grants.
import { ESO_GROUP, GENERATORS_GROUP, KINDS } from '../../api/index.js';
import { workloadResources } from '../externalsecret/rollout-restart.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const READ = ['get', 'list', 'watch'];
const WRITE_OWN = ['update', 'patch'];
const MANAGE = ['create', 'update', 'patch', 'delete'];

const esoKinds = KINDS.filter((k) => k.group === ESO_GROUP);
const generatorKinds = KINDS.filter((k) => k.group === GENERATORS_GROUP);
const plurals = (kinds: typeof KINDS) => kinds.map((k) => k.plural);
const subresources = (kinds: typeof KINDS, sub: string) => kinds.map((k) => `${k.plural}/${sub}`);

/**
 * Rules for the namespaced resources the operator reads and writes. Bound cluster-wide (ClusterRole) or, for an
 * operator limited with --namespace, in that namespace only (Role).
 */
export function namespacedRules(): PolicyRule[] {
  const namespacedEso = esoKinds.filter((k) => k.scope === 'Namespaced');
  const namespacedGenerators = generatorKinds.filter((k) => k.scope === 'Namespaced');
  return [
    // Finalizers and the store finalizer of PushSecrets are merge patches on the objects themselves.
    { apiGroups: [ESO_GROUP], resources: plurals(namespacedEso), verbs: [...READ, ...WRITE_OWN] },
    { apiGroups: [ESO_GROUP], resources: subresources(namespacedEso, 'status'), verbs: ['get', ...WRITE_OWN] },
    // Owner references with blockOwnerDeletion need this where OwnerReferencesPermissionEnforcement is on.
    { apiGroups: [ESO_GROUP], resources: subresources(namespacedEso, 'finalizers'), verbs: ['update'] },
    // ClusterExternalSecret and ClusterPushSecret create, rename and delete their namespaced children.
    { apiGroups: [ESO_GROUP], resources: ['externalsecrets', 'pushsecrets'], verbs: ['create', 'delete'] },
    { apiGroups: [GENERATORS_GROUP], resources: plurals(namespacedGenerators), verbs: READ },
    // Targets, and the Secrets and ConfigMaps stores refer to for credentials and CA bundles.
    { apiGroups: [''], resources: ['secrets'], verbs: [...READ, ...MANAGE] },
    { apiGroups: [''], resources: ['configmaps'], verbs: READ },
    // kubernetes provider `auth.serviceAccount` and Akeyless Kubernetes auth: a token for the named account.
    { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
    // AWS generators' `auth.jwt`: the IAM role is the service account's eks.amazonaws.com/role-arn annotation.
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] },
    ...eventRules(),
  ];
}

/**
 * Rollout restarts (the custos.dev/rollout-restart annotation of an ExternalSecret): the operator reads a named
 * workload's pod template and merge-patches its annotations (src/operator/externalsecret/rollout-restart.ts). Opt-in
 * (`custos deploy print --rollout-restarts`, chart value rolloutRestarts.enabled): bound where namespacedRules() are.
 */
export function rolloutRestartRules(): PolicyRule[] {
  const workloads = Object.values(workloadResources);
  // All of them are apps/v1; one rule per group keeps the rendering stable if another group is ever added.
  const groups = [...new Set(workloads.map((w) => w.group))];
  return groups.map((group) => ({
    apiGroups: [group],
    resources: workloads.filter((w) => w.group === group).map((w) => w.plural),
    verbs: ['get', 'patch'],
  }));
}

/** Recording events. Those about cluster-scoped objects (ClusterSecretStores) go to namespace `default`. */
export function eventRules(): PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

/** Rules that only a ClusterRole can grant: the cluster-scoped kinds and the namespaces they select. */
export function clusterScopedRules(options: { clusterWideKinds: boolean }): PolicyRule[] {
  const clusterEso = esoKinds.filter((k) => k.scope === 'Cluster');
  // A namespace-limited operator still reads ClusterSecretStores (and writes their status) and ClusterGenerators;
  // ClusterExternalSecrets and ClusterPushSecrets are not run by it.
  const served = options.clusterWideKinds ? clusterEso : clusterEso.filter((k) => k.kind === 'ClusterSecretStore');
  const clusterGenerators = generatorKinds.filter((k) => k.scope === 'Cluster');
  return [
    { apiGroups: [ESO_GROUP], resources: plurals(served), verbs: [...READ, ...WRITE_OWN] },
    { apiGroups: [ESO_GROUP], resources: subresources(served, 'status'), verbs: ['get', ...WRITE_OWN] },
    { apiGroups: [ESO_GROUP], resources: subresources(served, 'finalizers'), verbs: ['update'] },
    { apiGroups: [GENERATORS_GROUP], resources: plurals(clusterGenerators), verbs: READ },
    // ClusterSecretStore `conditions` and ClusterExternalSecret selectors match namespace labels; a
    // ClusterExternalSecret keeps a finalizer on the namespaces it provisioned (as ESO does).
    { apiGroups: [''], resources: ['namespaces'], verbs: options.clusterWideKinds ? [...READ, ...WRITE_OWN] : READ },
  ];
}

/** Rules in the operator's own namespace: the leader election Lease, and the webhook certificate's Secret. */
export function ownNamespaceRules(options: { webhook: boolean }): PolicyRule[] {
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ...(options.webhook ? [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] }] : []),
    ...eventRules(),
  ];
}

/** Keeping the CA bundle of its own ValidatingWebhookConfiguration current (and no other). */
export function webhookConfigurationRules(configName: string): PolicyRule[] {
  return [
    {
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['validatingwebhookconfigurations'],
      verbs: ['get', 'update'],
      resourceNames: [configName],
    },
  ];
}
