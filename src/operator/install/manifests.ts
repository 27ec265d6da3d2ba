// The objects that run `custos operator` in a cluster: its namespace, service account, RBAC, Deployment (two
// replicas with leader election), metrics Service and PodDisruptionBudget. `custos deploy print` writes them as
// YAML; deploy/operator/custos-operator.yaml is the default rendering (npm run generate).
import { stringify } from 'yaml';
import {
  clusterScopedRules,
  eventRules,
  namespacedRules,
  ownNamespaceRules,
  rolloutRestartRules,
  webhookConfigurationRules,
} from './rbac.js';

export interface InstallOptions {
  /** Namespace the operator runs in (and keeps its leader election Lease in). */
  namespace: string;
  /** Container image whose entrypoint is the `custos` command. */
  image: string;
  replicas: number;
  /** Limit the operator to this namespace: its Secrets permissions become a Role there. */
  watchNamespace?: string;
  controllerClass?: string;
  concurrency?: number;
  /** Base name of every object (several installs with different controller classes need different names). */
  name: string;
  /** ESO's validating admission webhook, with self-managed certificates (default true). */
  webhook: boolean;
  /** Rights to restart the workloads ExternalSecrets name in custos.dev/rollout-restart (default off). */
  rolloutRestarts?: boolean;
}

export const DEFAULT_INSTALL: Omit<InstallOptions, 'image'> = {
  namespace: 'custos-system',
  replicas: 2,
  name: 'custos-operator',
  webhook: true,
};

type Manifest = { apiVersion: string; kind: string; metadata: Record<string, unknown>; [field: string]: unknown };

const METRICS_PORT = 8080;
const WEBHOOK_PORT = 10250; // ESO's
const CERT_DIR = '/tmp/k8s-webhook-server/serving-certs';

export function operatorManifests(options: InstallOptions): Manifest[] {
  const { namespace, name } = options;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'operator' };
  const meta = (objectName: string, inNamespace?: string) => ({
    name: objectName,
    ...(inNamespace ? { namespace: inNamespace } : {}),
    labels,
  });
  const subjects = [{ kind: 'ServiceAccount', name, namespace }];
  const roleRef = (kind: 'Role' | 'ClusterRole', roleName: string) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind,
    name: roleName,
  });
  const rbac = 'rbac.authorization.k8s.io/v1';
  const scoped = options.watchNamespace;
  // Where the operator works on Secrets: cluster-wide, or only in the namespace it watches.
  const workRules = [...namespacedRules(), ...(options.rolloutRestarts ? rolloutRestartRules() : [])];

  const manifests: Manifest[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, namespace) },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: meta(name),
      rules: [
        ...(scoped ? [] : workRules),
        ...clusterScopedRules({ clusterWideKinds: !scoped }),
        ...(options.webhook ? webhookConfigurationRules(webhookName(options)) : []),
      ],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: meta(name),
      roleRef: roleRef('ClusterRole', name),
      subjects,
    },
  ];
  if (scoped) {
    const events = `${name}-events`;
    manifests.push(
      { apiVersion: rbac, kind: 'Role', metadata: meta(name, scoped), rules: workRules },
      { apiVersion: rbac, kind: 'RoleBinding', metadata: meta(name, scoped), roleRef: roleRef('Role', name), subjects },
      // Events about ClusterSecretStores are recorded in `default`, as client-go does for cluster-scoped objects.
      { apiVersion: rbac, kind: 'Role', metadata: meta(events, 'default'), rules: eventRules() },
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        metadata: meta(events, 'default'),
        roleRef: roleRef('Role', events),
        subjects,
      },
    );
  }
  const leaderElection = `${name}-leader-election`;
  manifests.push(
    {
      apiVersion: rbac,
      kind: 'Role',
      metadata: meta(leaderElection, namespace),
      rules: ownNamespaceRules({ webhook: options.webhook }),
    },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: meta(leaderElection, namespace),
      roleRef: roleRef('Role', leaderElection),
      subjects,
    },
    deployment(options, labels),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(`${name}-metrics`, namespace),
      spec: {
        selector: labels,
        ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(name, namespace),
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
  );
  if (options.webhook) manifests.push(...webhookManifests(options, labels));
  return manifests;
}

const webhookName = (options: InstallOptions) => `${options.name}-webhook`;

/** The webhook's Service and ValidatingWebhookConfiguration (its caBundle is filled in by the operator). */
function webhookManifests(options: InstallOptions, labels: Record<string, string>): Manifest[] {
  const name = webhookName(options);
  const validated = [
    ['externalsecret', 'externalsecrets'],
    ['secretstore', 'secretstores'],
    ['clustersecretstore', 'clustersecretstores'],
  ] as const;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: options.namespace, labels },
      spec: { selector: labels, ports: [{ name: 'webhook', port: 443, targetPort: 'webhook', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name, labels },
      webhooks: validated.map(([kind, plural]) => ({
        name: `validate.${kind}.external-secrets.io`,
        clientConfig: {
          service: { name, namespace: options.namespace, path: `/validate-external-secrets-io-v1-${kind}`, port: 443 },
        },
        // CREATE and UPDATE only: a delete is always allowed, and must not wait for the operator to be up.
        rules: [
          {
            apiGroups: ['external-secrets.io'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: [plural],
            scope: kind === 'clustersecretstore' ? 'Cluster' : 'Namespaced',
          },
        ],
        ...(options.watchNamespace && kind !== 'clustersecretstore'
          ? {
              namespaceSelector: {
                matchExpressions: [
                  { key: 'kubernetes.io/metadata.name', operator: 'In', values: [options.watchNamespace] },
                ],
              },
            }
          : {}),
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 5,
      })),
    },
  ];
}

/** The container's arguments: what the Deployment runs, and what the install test runs as a process. */
export function operatorArgs(options: InstallOptions): string[] {
  return [
    'operator',
    '--leader-elect',
    '--leader-election-namespace=$(POD_NAMESPACE)',
    `--leader-election-id=${options.name}-leader`,
    `--metrics-addr=:${METRICS_PORT}`,
    ...(options.watchNamespace ? [`--namespace=${options.watchNamespace}`] : []),
    ...(options.controllerClass ? [`--controller-class=${options.controllerClass}`] : []),
    ...(options.concurrency ? [`--concurrency=${options.concurrency}`] : []),
    ...(options.webhook
      ? [
          `--webhook-addr=:${WEBHOOK_PORT}`,
          `--webhook-cert-dir=${CERT_DIR}`,
          '--webhook-self-managed',
          `--webhook-name=${webhookName(options)}`,
          '--webhook-namespace=$(POD_NAMESPACE)',
        ]
      : []),
  ];
}

function deployment(options: InstallOptions, labels: Record<string, string>): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.name, namespace: options.namespace, labels },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: options.name,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          ...(options.webhook ? { volumes: [{ name: 'webhook-certs', emptyDir: {} }] } : {}),
          containers: [
            {
              name: 'operator',
              image: options.image,
              args: operatorArgs(options),
              env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              ports: [
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                ...(options.webhook ? [{ name: 'webhook', containerPort: WEBHOOK_PORT, protocol: 'TCP' }] : []),
              ],
              // The root filesystem is read-only: the webhook certificate is written to its own emptyDir.
              ...(options.webhook ? { volumeMounts: [{ name: 'webhook-certs', mountPath: CERT_DIR }] } : {}),
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10 },
              // A standby replica is ready too (caches synced, waiting for the Lease): rollouts do not stall.
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5 },
              // 10,000 ExternalSecrets peaked at about 200 MB (docs/benchmarks.md, Operator memory).
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

export function manifestsYaml(manifests: Manifest[]): string {
  return manifests.map((m) => stringify(m, { aliasDuplicateObjects: false, lineWidth: 0 })).join('---\n');
}

export const INSTALL_FILE = 'deploy/operator/custos-operator.yaml';

/** The committed default rendering: `kubectl apply -f deploy/crds/bundle.yaml -f deploy/operator/`. */
export function renderDefaultInstall(version: string): { path: string; content: string } {
  const header =
    '# Generated by `npm run generate` from src/operator/install/. Do not edit: render your own with\n' +
    '# `custos deploy print --image ... [--watch-namespace ...]` (docs/operator.md, Install in a cluster).\n';
  return {
    path: INSTALL_FILE,
    content: header + manifestsYaml(operatorManifests({ ...DEFAULT_INSTALL, image: `custos:${version}` })),
  };
}
