// `custos deploy print` on a real control plane: every manifest is accepted by the API server, and `custos
// operator`, run with the Deployment's own arguments and nothing but the token of the ServiceAccount the manifests
// create, syncs ExternalSecrets (fake and kubernetes providers, a generator), pushes a PushSecret, provisions a
// ClusterExternalSecret and leads through the Lease: the RBAC is enough for everything it does, and an operator
// limited to one namespace cannot touch Secrets (nor, with --rollout-restarts, workloads) anywhere else. A private
// control plane: a cluster-wide operator of the default controller class must not meet other test files' objects,
// and this one enforces owner references.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../../src/api/install.js';
import type { ControlPlane } from '../../../src/kube/controlplane/index.js';
import { KubeClient, type KubeObject, Resources, type ResourceType } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/resolve.js';
import {
  DEFAULT_INSTALL,
  type InstallOptions,
  operatorArgs,
  operatorManifests,
} from '../../../src/operator/install/manifests.js';
import { PushSecretResources } from '../../../src/operator/pushsecret/resources.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { type CustosProcess, ProcessGroup } from '../../helpers/e2e-processes.js';
import { decode, type Harness, readyOf, waitFor } from './harness.js';

const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1' };
/** Where each kind the manifests contain is created. */
const TYPES: Record<string, ResourceType> = {
  Namespace: Resources.namespaces,
  ServiceAccount: Resources.serviceAccounts,
  ClusterRole: { ...rbac, plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  ClusterRoleBinding: { ...rbac, plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  Role: { ...rbac, plural: 'roles', kind: 'Role', namespaced: true },
  RoleBinding: { ...rbac, plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  Service: { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  ValidatingWebhookConfiguration: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
  },
  PodDisruptionBudget: {
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
  },
};
const subjectAccessReviews: ResourceType = {
  group: 'authorization.k8s.io',
  version: 'v1',
  plural: 'subjectaccessreviews',
  kind: 'SubjectAccessReview',
  namespaced: false,
};

const VALUES = {
  local: 'install-local-value-7f3a',
  remote: 'install-remote-value-91c2',
  pushed: 'install-pushed-4d5e',
};

describe(
  'custos deploy print: the manifests install, and the operator runs on their RBAC alone',
  {
    skip: integration.skipReason,
  },
  () => {
    let plane: ControlPlane;
    let h: Harness;
    let dir: string;
    const group = new ProcessGroup();
    const operators: CustosProcess[] = [];

    /** Creates every manifest (as kubectl apply would on an empty cluster) and returns the Deployment. */
    async function apply(options: InstallOptions): Promise<KubeObject> {
      let deployment: KubeObject | undefined;
      for (const manifest of operatorManifests(options)) {
        const type = TYPES[manifest.kind];
        assert.ok(type, `no type for ${manifest.kind}`);
        // This control plane has no kubelet: the webhook Service never gets endpoints, so the API server could not
        // reach it and (failurePolicy Fail) would refuse every ExternalSecret. The configuration is created as
        // rendered but selects no object; webhook.test.ts covers the API server calling the webhook.
        if (manifest.kind === 'ValidatingWebhookConfiguration') {
          for (const webhook of manifest.webhooks as Array<Record<string, unknown>>) {
            webhook.objectSelector = { matchLabels: { 'custos-test/unreachable-webhook': 'never' } };
          }
        }
        try {
          const created = await h.client.create(type, manifest as KubeObject);
          if (manifest.kind === 'Deployment') deployment = created;
        } catch (error) {
          // A second install shares the namespace; anything else must be created.
          if (!(manifest.kind === 'Namespace' && /already exists/.test((error as Error).message))) throw error;
        }
      }
      assert.ok(deployment);
      return deployment;
    }

    /** A kubeconfig that authenticates as the install's ServiceAccount, with a token from the TokenRequest API. */
    async function serviceAccountKubeconfig(options: InstallOptions): Promise<string> {
      const request = await h.client.request<{ status: { token: string } }>(
        'POST',
        `/api/v1/namespaces/${options.namespace}/serviceaccounts/${options.name}/token`,
        { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } },
      );
      const cluster = h.kc.getCurrentCluster();
      assert.ok(cluster?.caData);
      const path = join(dir, `${options.name}.kubeconfig`);
      writeFileSync(
        path,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
          users: [{ name: options.name, user: { token: request.status.token } }],
          contexts: [{ name: 'c', context: { cluster: 'c', user: options.name } }],
          'current-context': 'c',
        }),
      );
      return path;
    }

    /** The container's args with $(VAR) expanded from its env as the kubelet does, plus where to reach the server. */
    function startFromDeployment(deployment: KubeObject, kubeconfig: string): CustosProcess {
      const container = (deployment as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec
        .template.spec.containers[0];
      assert.ok(container);
      const env: Record<string, string> = { POD_NAMESPACE: deployment.metadata?.namespace ?? '' };
      const args = container.args.map((a) => a.replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? `$(${name})`));
      // Later flags win: the test's kubeconfig instead of the pod's service account mount, free ports, and a cert
      // dir of its own instead of the pod's emptyDir.
      const proc = group.start(deployment.metadata?.name ?? 'operator', [
        ...args,
        '--kubeconfig',
        kubeconfig,
        '--metrics-addr=127.0.0.1:0',
        '--webhook-addr=127.0.0.1:0',
        `--webhook-cert-dir=${join(dir, `${deployment.metadata?.name}-certs`)}`,
        '--log-level=debug',
      ]);
      operators.push(proc);
      return proc;
    }

    /** The address the operator process serves its webhook on (from its start log line). */
    const webhookAddress = (operator: CustosProcess) =>
      waitFor('operator started', async () => {
        const line = operator
          .output()
          .split('\n')
          .find((l) => l.includes('"msg":"operator started"'));
        return line ? (JSON.parse(line) as { webhook?: string }).webhook : undefined;
      });

    /**
     * What the API server checks before it sends a review: the served certificate chains to the caBundle of the
     * configuration and is valid for the Service's name. Then a review over that connection gets ESO's answer.
     */
    async function checkWebhook(install: InstallOptions, operator: CustosProcess): Promise<void> {
      const name = `${install.name}-webhook`;
      const secret = await waitFor('webhook certificate Secret', () =>
        h.client
          .get<KubeObject & { type?: string; data?: Record<string, string> }>(Resources.secrets, `${name}-tls`, {
            namespace: install.namespace,
          })
          .catch(() => undefined),
      );
      assert.equal(secret.type, 'kubernetes.io/tls');
      const config = await waitFor('caBundle injected', async () => {
        const c = await h.client.get<KubeObject & { webhooks: Array<{ clientConfig: { caBundle?: string } }> }>(
          TYPES.ValidatingWebhookConfiguration as ResourceType,
          name,
        );
        return c.webhooks.every((w) => w.clientConfig.caBundle) ? c : undefined;
      });
      for (const webhook of config.webhooks) assert.equal(webhook.clientConfig.caBundle, secret.data?.['ca.crt']);
      const ca = Buffer.from(secret.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
      const address = await webhookAddress(operator);
      const port = Number(address.slice(address.lastIndexOf(':') + 1));
      const answer = await new Promise<string>((resolve, reject) => {
        const body = JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { uid: 'u-1', operation: 'CREATE', object: { spec: {} } },
        });
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/validate-external-secrets-io-v1-externalsecret',
            ca,
            servername: `${name}.${install.namespace}.svc`,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      assert.deepEqual(JSON.parse(answer).response, {
        uid: 'u-1',
        allowed: false,
        status: { code: 403, reason: 'Forbidden', message: 'either data or dataFrom should be specified' },
      });
    }

    const namespace = async (prefix: string, labels: Record<string, string> = {}) => {
      const name = uniqueName(prefix);
      await h.client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
      return name;
    };
    const secret = (ns: string, name: string, data: Record<string, string>) =>
      h.client.create(Resources.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: ns },
        stringData: data,
      });
    const waitSecret = (ns: string, name: string) =>
      waitFor(
        `Secret ${ns}/${name}`,
        async () =>
          h.client
            .get<KubeObject & { data?: Record<string, string> }>(Resources.secrets, name, { namespace: ns })
            .catch(() => undefined),
        30_000,
      );
    const externalSecret = (ns: string, name: string, spec: Record<string, unknown>) =>
      h.client.create(OperatorResources.externalSecrets, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name, namespace: ns },
        spec: { refreshInterval: '1h', ...spec },
      });
    const allowed = async (user: string, verb: string, resource: string, ns?: string, group = '') => {
      const review = await h.client.create<KubeObject & { status?: { allowed?: boolean } }>(subjectAccessReviews, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user,
          groups: ['system:serviceaccounts', 'system:authenticated'],
          resourceAttributes: { verb, resource, namespace: ns, group },
        },
      } as KubeObject);
      return review.status?.allowed === true;
    };

    before(async () => {
      // OwnerReferencesPermissionEnforcement (on in OpenShift and many hardened clusters): setting an owner reference
      // with blockOwnerDeletion needs `update` on the owner's finalizers, which the RBAC must grant.
      plane = await integration.startPrivate({
        apiServerArgs: ['--enable-admission-plugins=OwnerReferencesPermissionEnforcement'],
      });
      const kc = new KubeConfig();
      kc.loadFromFile(plane.kubeconfigPath);
      await installCrds(kc);
      h = { kc, client: new KubeClient(kc, { qps: 0 }), logs: [] };
      dir = mkdtempSync(join(tmpdir(), 'custos-install-'));
    });
    after(async () => {
      await group.stopAll();
      await plane?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('cluster-wide: ExternalSecrets, a generator, the kubernetes provider, PushSecret, ClusterExternalSecret, the Lease', async () => {
      const install: InstallOptions = { ...DEFAULT_INSTALL, image: 'custos:test' };
      const deployment = await apply(install);
      const operator = startFromDeployment(deployment, await serviceAccountKubeconfig(install));

      const app = await namespace('install-app', { 'custos-install': 'yes' });
      const remote = await namespace('install-remote');
      await secret(remote, 'remote', { value: VALUES.remote });
      await secret(app, 'local', { value: VALUES.pushed });
      // The kubernetes provider reads and pushes as ServiceAccount `reader` of the app namespace.
      await h.client.create(Resources.serviceAccounts, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'reader', namespace: app },
      });
      await h.client.create(TYPES.Role as ResourceType, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'reader', namespace: remote },
        rules: [
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
        ],
      });
      await h.client.create(TYPES.RoleBinding as ResourceType, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'reader', namespace: remote },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: app }],
      });
      await waitFor(
        'kube-root-ca.crt',
        () => h.client.get(Resources.configMaps, 'kube-root-ca.crt', { namespace: app }),
        30_000,
      );
      const store = (name: string, provider: Record<string, unknown>) =>
        h.client.create(OperatorResources.secretStores, {
          apiVersion: 'external-secrets.io/v1',
          kind: 'SecretStore',
          metadata: { name, namespace: app },
          spec: { provider },
        });
      await store('fake', { fake: { data: [{ key: 'k', value: VALUES.local }] } });
      await store('k8s', {
        kubernetes: {
          server: {
            url: 'kubernetes.default',
            caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt' },
          },
          auth: { serviceAccount: { name: 'reader' } },
          remoteNamespace: remote,
        },
      });
      await h.client.create(GeneratorResources.Password, {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: 'Password',
        metadata: { name: 'pw', namespace: app },
        spec: { length: 20 },
      });
      await externalSecret(app, 'from-fake', {
        secretStoreRef: { name: 'fake' },
        data: [{ secretKey: 'value', remoteRef: { key: 'k' } }],
        dataFrom: [
          {
            sourceRef: {
              generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'pw' },
            },
          },
        ],
      });
      await externalSecret(app, 'from-k8s', {
        secretStoreRef: { name: 'k8s' },
        data: [{ secretKey: 'value', remoteRef: { key: 'remote', property: 'value' } }],
      });
      await h.client.create(PushSecretResources.pushSecrets, {
        apiVersion: 'external-secrets.io/v1alpha1',
        kind: 'PushSecret',
        metadata: { name: 'push', namespace: app },
        spec: {
          refreshInterval: '1h',
          secretStoreRefs: [{ name: 'k8s' }],
          selector: { secret: { name: 'local' } },
          data: [{ match: { secretKey: 'value', remoteRef: { remoteKey: 'pushed', property: 'value' } } }],
        },
      });
      const css = uniqueName('install-css');
      await h.client.create(OperatorResources.clusterSecretStores, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: css },
        spec: {
          provider: { fake: { data: [{ key: 'shared', value: VALUES.local }] } },
          conditions: [{ namespaceSelector: { matchLabels: { 'custos-install': 'yes' } } }],
        },
      });
      await h.client.create(
        {
          group: 'external-secrets.io',
          version: 'v1',
          plural: 'clusterexternalsecrets',
          kind: 'ClusterExternalSecret',
          namespaced: false,
        },
        {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ClusterExternalSecret',
          metadata: { name: css },
          spec: {
            namespaceSelectors: [{ matchLabels: { 'custos-install': 'yes' } }],
            externalSecretSpec: {
              refreshInterval: '1h',
              secretStoreRef: { kind: 'ClusterSecretStore', name: css },
              target: { name: 'from-css' },
              data: [{ secretKey: 'value', remoteRef: { key: 'shared' } }],
            },
          },
        },
      );

      const fromFake = decode((await waitSecret(app, 'from-fake')).data);
      assert.equal(fromFake.value, VALUES.local);
      assert.equal(fromFake.password?.length, 20);
      assert.deepEqual(decode((await waitSecret(app, 'from-k8s')).data), { value: VALUES.remote });
      assert.deepEqual(decode((await waitSecret(remote, 'pushed')).data), { value: VALUES.pushed });
      assert.deepEqual(decode((await waitSecret(app, 'from-css')).data), { value: VALUES.local });
      for (const name of ['from-fake', 'from-k8s']) {
        const es = await h.client.get(OperatorResources.externalSecrets, name, { namespace: app });
        assert.equal(readyOf(es as never)?.status, 'True', `${name} is Ready`);
      }
      const push = await waitFor('PushSecret Ready', async () => {
        const p = await h.client.get(PushSecretResources.pushSecrets, 'push', { namespace: app });
        return readyOf(p as never)?.status === 'True' ? p : undefined;
      });
      assert.ok(push);
      // Events are written with the operator's own identity too (the Created event of each new Secret).
      await waitFor('Created events', async () => {
        const events = (await h.client.list(Resources.events, { namespace: app })).items as Array<{ reason?: string }>;
        return events.filter((e) => e.reason === 'Created').length >= 2 || undefined;
      });
      const lease = await h.client.get<KubeObject & { spec?: { holderIdentity?: string } }>(
        Resources.leases,
        `${install.name}-leader`,
        { namespace: install.namespace },
      );
      assert.ok(lease.spec?.holderIdentity, 'the operator holds the Lease in its own namespace');
      await checkWebhook(install, operator);
      const user = `system:serviceaccount:${install.namespace}:${install.name}`;
      assert.equal(await allowed(user, 'patch', 'deployments', app, 'apps'), false, 'no rollout restarts by default');

      const output = operator.output();
      assert.doesNotMatch(output, /forbidden|\b403\b/i, 'no request was refused for lack of permission');
      for (const value of Object.values(VALUES)) assert.ok(!output.includes(value), 'no secret value in the logs');
    });

    it('limited to one namespace: syncs there, with a ClusterSecretStore, and may not touch Secrets elsewhere', async () => {
      const team = await namespace('install-team', { 'custos-install': 'team' });
      const klass = 'team';
      const install: InstallOptions = {
        ...DEFAULT_INSTALL,
        name: 'custos-team',
        image: 'custos:test',
        watchNamespace: team,
        controllerClass: klass,
        replicas: 1,
        rolloutRestarts: true,
      };
      const deployment = await apply(install);
      assert.ok(operatorArgs(install).includes(`--namespace=${team}`));
      const operator = startFromDeployment(deployment, await serviceAccountKubeconfig(install));

      await h.client.create(OperatorResources.secretStores, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: 'fake', namespace: team },
        spec: { controller: klass, provider: { fake: { data: [{ key: 'k', value: VALUES.local }] } } },
      });
      const css = uniqueName('install-team-css');
      await h.client.create(OperatorResources.clusterSecretStores, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: css },
        spec: {
          controller: klass,
          provider: { fake: { data: [{ key: 'shared', value: VALUES.remote }] } },
          conditions: [{ namespaces: [team] }],
        },
      });
      await externalSecret(team, 'local', {
        secretStoreRef: { name: 'fake' },
        data: [{ secretKey: 'v', remoteRef: { key: 'k' } }],
      });
      await externalSecret(team, 'shared', {
        secretStoreRef: { kind: 'ClusterSecretStore', name: css },
        data: [{ secretKey: 'v', remoteRef: { key: 'shared' } }],
      });
      assert.deepEqual(decode((await waitSecret(team, 'local')).data), { v: VALUES.local });
      assert.deepEqual(decode((await waitSecret(team, 'shared')).data), { v: VALUES.remote });
      const status = await waitFor('ClusterSecretStore status', async () => {
        const store = await h.client.get(OperatorResources.clusterSecretStores, css);
        return readyOf(store as never)?.status === 'True' ? store : undefined;
      });
      assert.ok(status);

      const user = `system:serviceaccount:${install.namespace}:${install.name}`;
      assert.equal(await allowed(user, 'create', 'secrets', team), true);
      assert.equal(await allowed(user, 'get', 'secrets', 'default'), false, 'no Secret outside its namespace');
      assert.equal(await allowed(user, 'list', 'secrets'), false, 'no cluster-wide Secret list');
      for (const workload of ['deployments', 'statefulsets', 'daemonsets']) {
        assert.equal(await allowed(user, 'patch', workload, team, 'apps'), true, `rollout restarts of ${workload}`);
        assert.equal(await allowed(user, 'patch', workload, 'default', 'apps'), false, 'restarts only where it works');
      }
      assert.equal(
        await allowed(user, 'watch', 'clusterexternalsecrets'),
        false,
        'no cluster-scoped kinds it does not run',
      );
      await checkWebhook(install, operator);

      const output = operator.output();
      assert.doesNotMatch(output, /forbidden|\b403\b/i, 'no request was refused for lack of permission');
      for (const value of Object.values(VALUES)) assert.ok(!output.includes(value), 'no secret value in the logs');
    });
  },
);
