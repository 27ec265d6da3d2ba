// The operator's install manifests: least-privilege RBAC (no wildcards; Secrets only where the operator works),
// leader election wired to the pod's namespace, and the committed default rendering kept current.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliVersion } from '../../../src/cli/version.js';
import { renderChartFiles } from '../../../src/operator/install/helm-chart.js';
import { DEFAULT_INSTALL, operatorManifests, renderDefaultInstall } from '../../../src/operator/install/manifests.js';

const root = join(import.meta.dirname, '../../..');
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type Doc = { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[]; [k: string]: any };
const install = (extra: Record<string, unknown> = {}) =>
  operatorManifests({ ...DEFAULT_INSTALL, image: 'custos:test', ...extra }) as unknown as Doc[];
const grants = (doc: Doc | undefined, resource: string) =>
  (doc?.rules ?? []).filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs);

describe('operator install manifests', () => {
  it('the committed deploy/operator/custos-operator.yaml is current', () => {
    const file = renderDefaultInstall(cliVersion());
    assert.equal(
      readFileSync(join(root, file.path), 'utf8'),
      file.content,
      `${file.path} is stale: run npm run generate`,
    );
  });

  it("the Helm chart's generated files (Chart.yaml, RBAC rules, CRDs) are current", () => {
    const bundle = readFileSync(join(root, 'deploy/crds/bundle.yaml'), 'utf8');
    for (const file of renderChartFiles(cliVersion(), bundle)) {
      assert.equal(
        readFileSync(join(root, file.path), 'utf8'),
        file.content,
        `${file.path} is stale: run npm run generate`,
      );
    }
  });

  it('grant no wildcard verb, resource or group', () => {
    const settings = [
      {},
      { watchNamespace: 'team-a' },
      { rolloutRestarts: true },
      { watchNamespace: 'team-a', rolloutRestarts: true },
    ];
    for (const docs of settings.map(install)) {
      for (const rule of docs.flatMap((d) => d.rules ?? [])) {
        for (const value of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) assert.notEqual(value, '*');
      }
    }
  });

  it('cluster-wide: one ClusterRole with Secrets and the cluster-scoped kinds', () => {
    const docs = install();
    const clusterRole = docs.find((d) => d.kind === 'ClusterRole');
    assert.deepEqual(grants(clusterRole, 'secrets'), ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
    assert.ok(grants(clusterRole, 'clusterexternalsecrets').includes('watch'));
    assert.ok(grants(clusterRole, 'namespaces').includes('patch'), 'ClusterExternalSecret namespace finalizers');
    assert.deepEqual(grants(clusterRole, 'externalsecrets/finalizers'), ['update']);
    assert.deepEqual(
      docs.filter((d) => d.kind === 'Role').map((d) => `${d.metadata.namespace}/${d.metadata.name}`),
      ['custos-system/custos-operator-leader-election'],
    );
  });

  it('limited to a namespace: Secrets only there; cluster-wide only what ClusterSecretStores need', () => {
    const docs = install({ watchNamespace: 'team-a' });
    const clusterRole = docs.find((d) => d.kind === 'ClusterRole');
    assert.deepEqual(grants(clusterRole, 'secrets'), []);
    assert.deepEqual(grants(clusterRole, 'clusterexternalsecrets'), []);
    assert.deepEqual(grants(clusterRole, 'namespaces'), ['get', 'list', 'watch']);
    assert.ok(grants(clusterRole, 'clustersecretstores/status').includes('patch'));
    const teamRole = docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'team-a');
    assert.ok(grants(teamRole, 'secrets').includes('create'));
    const binding = docs.find((d) => d.kind === 'RoleBinding' && d.metadata.namespace === 'team-a');
    assert.deepEqual(binding?.subjects, [
      { kind: 'ServiceAccount', name: 'custos-operator', namespace: 'custos-system' },
    ]);
  });

  it('rollout restarts: get and patch on the workloads only with the flag, where the Secrets permissions are', () => {
    const groups = ['apps', 'argoproj.io'];
    const workloadRules = (doc: Doc | undefined) =>
      (doc?.rules ?? []).filter((r) => r.apiGroups.some((g) => groups.includes(g)));
    const expected = [
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'patch'] },
      { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['get', 'patch'] },
    ];
    for (const watchNamespace of [undefined, 'team-a']) {
      const without = install({ watchNamespace });
      assert.deepEqual(without.flatMap(workloadRules), [], 'least privilege by default');
      const docs = install({ watchNamespace, rolloutRestarts: true });
      // The whole change is these rules: in the ClusterRole cluster-wide, in the watched namespace's Role otherwise.
      const holder = watchNamespace
        ? docs.find((d) => d.kind === 'Role' && d.metadata.namespace === watchNamespace)
        : docs.find((d) => d.kind === 'ClusterRole');
      assert.deepEqual(workloadRules(holder), expected);
      assert.deepEqual(docs.flatMap(workloadRules), expected, 'granted nowhere else');
      assert.deepEqual(
        docs.map((d) => ({ ...d, rules: d.rules?.filter((r) => !r.apiGroups.some((g) => groups.includes(g))) })),
        without.map((d) => ({ ...d, rules: d.rules })),
      );
    }
  });

  it("adds ESO's webhook by default: Service, configuration, its own certificate, and rights on nothing else", () => {
    const docs = install();
    const config = docs.find((d) => d.kind === 'ValidatingWebhookConfiguration');
    assert.deepEqual(
      config?.webhooks.map((w: { name: string }) => w.name),
      [
        'validate.externalsecret.external-secrets.io',
        'validate.secretstore.external-secrets.io',
        'validate.clustersecretstore.external-secrets.io',
      ],
    );
    for (const webhook of config?.webhooks ?? []) {
      assert.equal(webhook.failurePolicy, 'Fail');
      assert.deepEqual(webhook.rules[0].operations, ['CREATE', 'UPDATE'], 'deletes never wait for the webhook');
      assert.equal(webhook.clientConfig.service.name, 'custos-operator-webhook');
    }
    const clusterRole = docs.find((d) => d.kind === 'ClusterRole');
    const rule = clusterRole?.rules?.find((r) => r.resources.includes('validatingwebhookconfigurations'));
    assert.deepEqual(rule, {
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['validatingwebhookconfigurations'],
      verbs: ['get', 'update'],
      resourceNames: ['custos-operator-webhook'],
    });
    const container = docs.find((d) => d.kind === 'Deployment')?.spec.template.spec.containers[0];
    assert.ok(container.args.includes('--webhook-self-managed'));
    assert.deepEqual(container.volumeMounts, [
      { name: 'webhook-certs', mountPath: '/tmp/k8s-webhook-server/serving-certs' },
    ]);
    const scoped = install({ watchNamespace: 'team-a' }).find((d) => d.kind === 'ValidatingWebhookConfiguration');
    assert.deepEqual(scoped?.webhooks[0].namespaceSelector.matchExpressions[0].values, ['team-a']);
    assert.equal(scoped?.webhooks[2].namespaceSelector, undefined, 'ClusterSecretStores have no namespace');
    const without = install({ webhook: false });
    assert.equal(
      without.some((d) => d.kind === 'ValidatingWebhookConfiguration'),
      false,
    );
    assert.equal(JSON.stringify(without).includes('--webhook'), false);
  });

  it('runs two replicas that elect a leader in the pod namespace, as a non-root read-only container', () => {
    const deployment = install().find((d) => d.kind === 'Deployment');
    assert.equal(deployment?.spec.replicas, 2);
    const pod = deployment?.spec.template.spec;
    const container = pod.containers[0];
    assert.ok(container.args.includes('--leader-elect'));
    assert.ok(container.args.includes('--leader-election-namespace=$(POD_NAMESPACE)'));
    assert.deepEqual(container.env, [
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(pod.serviceAccountName, 'custos-operator');
  });
});
