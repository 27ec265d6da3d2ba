// Generic targets (spec.target.manifest behind --unsafe-allow-generic-targets) and extended metric labels
// (--enable-extended-metric-labels) on the real control plane: one operator with both flags on, one with both off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { isNotFound, type KubeObject, Resources, type ResourceType } from '../../../src/kube/index.js';
import { createdByValue, type OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  eventsOf,
  getExternalSecret,
  type Harness,
  harness,
  readyOf,
  setFakeData,
  startTestOperator,
  waitFor,
} from './harness.js';

// Distinctive values: none may show up in events, status or logs.
const VALUE_ONE = 'gt-s3cret-value-one';
const VALUE_TWO = 'gt-s3cret-value-two';
const DB_HOST = 'gt-s3cret-db-host';

const GROUP = 'gt.custos.test';
const appConfigs: ResourceType = {
  group: GROUP,
  version: 'v1',
  plural: 'appconfigs',
  namespaced: true,
  kind: 'AppConfig',
};
const configMaps = Resources.configMaps;

type Obj = KubeObject & { data?: Record<string, string>; spec?: Record<string, unknown> };

async function getObj(h: Harness, type: ResourceType, ns: string, name: string): Promise<Obj | undefined> {
  try {
    return await h.client.get<Obj>(type, name, { namespace: ns });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function installAppConfigCrd(h: Harness): Promise<void> {
  try {
    await h.client.create(Resources.customResourceDefinitions, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `appconfigs.${GROUP}` },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { plural: 'appconfigs', singular: 'appconfig', kind: 'AppConfig', listKind: 'AppConfigList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            },
          },
        ],
      },
    });
  } catch (error) {
    if (!(error as { reason?: string }).reason?.includes('AlreadyExists')) throw error;
  }
  await waitFor('AppConfig CRD established', async () => {
    const crd = await h.client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(
      Resources.customResourceDefinitions,
      `appconfigs.${GROUP}`,
    );
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  });
}

async function waitReady(h: Harness, ns: string, name: string, status: 'True' | 'False') {
  return waitFor(`${name} Ready=${status}`, async () => {
    const es = await getExternalSecret(h, ns, name);
    const ready = readyOf(es);
    return ready?.status === status ? { es, ready } : undefined;
  });
}

const clusterRoles: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterroles',
  namespaced: false,
  kind: 'ClusterRole',
};
const clusterRoleBindings: ResourceType = {
  ...clusterRoles,
  plural: 'clusterrolebindings',
  kind: 'ClusterRoleBinding',
};

/**
 * A kubeconfig for a service account that may do everything the operator needs except create ConfigMaps, so a
 * ConfigMap target fails on RBAC.
 */
async function restrictedKubeConfig(h: Harness, ns: string): Promise<KubeConfig> {
  const name = `${ns}-operator`;
  await h.client.create(Resources.serviceAccounts, { metadata: { name: 'operator', namespace: ns } });
  const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  await h.client.create(clusterRoles, {
    metadata: { name },
    rules: [
      {
        apiGroups: ['external-secrets.io'],
        resources: [
          'externalsecrets',
          'externalsecrets/status',
          'secretstores',
          'secretstores/status',
          'clustersecretstores',
          'clustersecretstores/status',
        ],
        verbs: all,
      },
      { apiGroups: [''], resources: ['secrets', 'events'], verbs: all },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
    ],
  });
  await h.client.create(clusterRoleBindings, {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
  });
  const server = h.kc.getCurrentCluster();
  const token = await h.client.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${ns}/serviceaccounts/operator/token`,
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } },
  );
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'c', server: server?.server ?? '', caData: server?.caData, skipTLSVerify: server?.skipTLSVerify },
    ],
    users: [{ name: 'sa', token: token.status.token }],
    contexts: [{ name: 'c', cluster: 'c', user: 'sa' }],
    currentContext: 'c',
  });
  return kc;
}

async function metricsText(op: OperatorHandle): Promise<string> {
  return (await fetch(`http://${op.httpAddress}/metrics`)).text();
}

describe('generic targets and extended metric labels', { skip: integration.skipReason }, () => {
  let h: Harness;
  let on: OperatorHandle;
  let off: OperatorHandle;
  let nsOn: string;
  let nsOff: string;

  before(async () => {
    h = await harness();
    await installAppConfigCrd(h);
    nsOn = await createNamespace(h, 'gt-on');
    nsOff = await createNamespace(h, 'gt-off');
    on = await startTestOperator(h, { namespace: nsOn, allowGenericTargets: true, extendedMetricLabels: true });
    off = await startTestOperator(h, { namespace: nsOff });
    const data = [
      { key: 'k1', value: VALUE_ONE },
      { key: 'k2', value: VALUE_TWO },
      { key: 'host', value: DB_HOST },
    ];
    await createFakeStore(h, nsOn, 'store', data);
    await createFakeStore(h, nsOff, 'store', data);
  });
  after(async () => {
    await on?.stop();
    await off?.stop();
  });

  it('writes a ConfigMap from provider data, with ownership, labels and drift repair', async () => {
    const es = await createExternalSecret(
      h,
      nsOn,
      'cm',
      {
        secretStoreRef: { name: 'store' },
        refreshInterval: '1h',
        target: { name: 'app-config', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
        data: [
          { secretKey: 'foo', remoteRef: { key: 'k1' } },
          { secretKey: 'bar', remoteRef: { key: 'k2' } },
        ],
      },
      { labels: { 'app.kubernetes.io/name': 'demo', team: 'blue' } },
    );
    const cm = await waitFor('ConfigMap', () => getObj(h, configMaps, nsOn, 'app-config'));
    assert.deepEqual(cm.data, { foo: VALUE_ONE, bar: VALUE_TWO });
    const labels = cm.metadata?.labels ?? {};
    assert.equal(labels['reconcile.external-secrets.io/managed'], 'true');
    assert.equal(labels['reconcile.external-secrets.io/created-by'], createdByValue(nsOn, 'cm'));
    assert.equal(labels.team, 'blue', "the ExternalSecret's labels are copied");
    assert.match(cm.metadata?.annotations?.['reconcile.external-secrets.io/data-hash'] ?? '', /^[0-9a-f]{56}$/);
    assert.deepEqual(
      (cm.metadata?.ownerReferences ?? []).map((r) => ({
        kind: r.kind,
        name: r.name,
        uid: r.uid,
        controller: r.controller,
      })),
      [{ kind: 'ExternalSecret', name: 'cm', uid: es.metadata?.uid, controller: true }],
    );
    const { es: status, ready } = await waitReady(h, nsOn, 'cm', 'True');
    assert.equal(ready.reason, 'ResourceSynced');
    assert.deepEqual((status.status as { binding?: unknown }).binding, { name: '' }, 'no Secret bound for a ConfigMap');

    // An edit behind the operator's back is repaired from the drift watch (refresh interval is 1 h).
    await h.client.patch(configMaps, 'app-config', { data: { foo: 'tampered', extra: 'x' } }, { namespace: nsOn });
    await waitFor('ConfigMap restored', async () => {
      const now = await getObj(h, configMaps, nsOn, 'app-config');
      return now && JSON.stringify(now.data) === JSON.stringify({ bar: VALUE_TWO, foo: VALUE_ONE }) ? now : undefined;
    });

    const events = await eventsOf(h, nsOn);
    assert.ok(
      events.some((e) => e.reason === 'Created' && e.message === 'ConfigMap app-config created'),
      'a Created event names the ConfigMap',
    );
  });

  it('renders a template into a ConfigMap', async () => {
    await createExternalSecret(h, nsOn, 'cm-tpl', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: {
        name: 'db-config',
        manifest: { apiVersion: 'v1', kind: 'ConfigMap' },
        template: {
          engineVersion: 'v2',
          metadata: { labels: { tier: 'backend' } },
          data: { 'database.yaml': 'host: {{ .host }}\nport: 5432\n' },
        },
      },
      data: [{ secretKey: 'host', remoteRef: { key: 'host' } }],
    });
    const cm = await waitFor('templated ConfigMap', () => getObj(h, configMaps, nsOn, 'db-config'));
    assert.deepEqual(cm.data, { 'database.yaml': `host: ${DB_HOST}\nport: 5432\n` });
    assert.equal(cm.metadata?.labels?.tier, 'backend');
    assert.equal((await waitReady(h, nsOn, 'cm-tpl', 'True')).ready.reason, 'ResourceSynced');
  });

  it('writes custom resources: spec.data without a template, template paths with one', async () => {
    await createExternalSecret(h, nsOn, 'cr-plain', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: { name: 'plain', manifest: { apiVersion: `${GROUP}/v1`, kind: 'AppConfig' } },
      data: [{ secretKey: 'foo', remoteRef: { key: 'k1' } }],
    });
    await createExternalSecret(h, nsOn, 'cr-tpl', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: {
        name: 'templated',
        manifest: { apiVersion: `${GROUP}/v1`, kind: 'AppConfig' },
        template: {
          engineVersion: 'v2',
          templateFrom: [
            { literal: 'host: {{ .host }}\nport: 5432\nreplicas: [a, b]\n', target: 'spec.database' },
            { literal: 'level: info\n', target: 'spec.logging' },
          ],
        },
      },
      data: [{ secretKey: 'host', remoteRef: { key: 'host' } }],
    });
    const plain = await waitFor('plain AppConfig', () => getObj(h, appConfigs, nsOn, 'plain'));
    assert.deepEqual(plain.spec, { data: { foo: VALUE_ONE } });
    const templated = await waitFor('templated AppConfig', () => getObj(h, appConfigs, nsOn, 'templated'));
    assert.deepEqual(templated.spec, {
      database: { host: DB_HOST, port: 5432, replicas: ['a', 'b'] },
      logging: { level: 'info' },
    });
    assert.equal(templated.metadata?.ownerReferences?.[0]?.kind, 'ExternalSecret');
    assert.equal((await waitReady(h, nsOn, 'cr-tpl', 'True')).ready.reason, 'ResourceSynced');

    // A changed remote value reaches the custom resource on the next sync.
    await setFakeData(h, nsOn, 'store', [
      { key: 'k1', value: VALUE_ONE },
      { key: 'k2', value: VALUE_TWO },
      { key: 'host', value: `${DB_HOST}-2` },
    ]);
    await h.client.patch(
      OperatorResources.externalSecrets,
      'cr-tpl',
      { metadata: { annotations: { 'force-sync': String(Date.now()) } } },
      { namespace: nsOn },
    );
    await waitFor('AppConfig updated', async () => {
      const now = await getObj(h, appConfigs, nsOn, 'templated');
      return (now?.spec?.database as { host?: string } | undefined)?.host === `${DB_HOST}-2`;
    });
    await setFakeData(h, nsOn, 'store', [
      { key: 'k1', value: VALUE_ONE },
      { key: 'k2', value: VALUE_TWO },
      { key: 'host', value: DB_HOST },
    ]);
  });

  it('names the flag to set when generic targets are off, and writes nothing', async () => {
    await createExternalSecret(h, nsOff, 'cm', {
      secretStoreRef: { name: 'store' },
      target: { manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
      data: [{ secretKey: 'foo', remoteRef: { key: 'k1' } }],
    });
    const { ready } = await waitReady(h, nsOff, 'cm', 'False');
    assert.equal(ready.reason, 'ResourceSyncedError');
    assert.match(ready.message ?? '', /^invalid generic target: .*--unsafe-allow-generic-targets/);
    assert.equal(await getObj(h, configMaps, nsOff, 'cm'), undefined);
  });

  it('says which apiVersion or kind is wrong, and refuses cluster-scoped kinds', async () => {
    const cases: Array<[string, { apiVersion: string; kind: string }, RegExp]> = [
      ['bad-kind', { apiVersion: 'v1', kind: 'ConfigMapp' }, /apiVersion "v1" has no kind "ConfigMapp"/],
      [
        'bad-group',
        { apiVersion: 'nope.custos.test/v1', kind: 'Thing' },
        /does not serve apiVersion "nope\.custos\.test\/v1"/,
      ],
      ['cluster-kind', { apiVersion: 'v1', kind: 'Namespace' }, /Namespace \(v1\) is cluster-scoped/],
    ];
    for (const [name, manifest] of cases) {
      await createExternalSecret(h, nsOn, name, {
        secretStoreRef: { name: 'store' },
        target: { manifest },
        data: [{ secretKey: 'foo', remoteRef: { key: 'k1' } }],
      });
    }
    for (const [name, , pattern] of cases) {
      const { ready } = await waitReady(h, nsOn, name, 'False');
      assert.equal(ready.reason, 'ResourceSyncedError', name);
      assert.match(ready.message ?? '', pattern, name);
    }
  });

  it('says which RBAC permission is missing', async () => {
    const ns = await createNamespace(h, 'gt-rbac');
    const restricted = await startTestOperator(h, {
      kubeConfig: await restrictedKubeConfig(h, ns),
      namespace: ns,
      allowGenericTargets: true,
    });
    try {
      await createFakeStore(h, ns, 'store', [{ key: 'k1', value: VALUE_ONE }]);
      await createExternalSecret(h, ns, 'forbidden', {
        secretStoreRef: { name: 'store' },
        target: { manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
        data: [{ secretKey: 'foo', remoteRef: { key: 'k1' } }],
      });
      const { ready } = await waitReady(h, ns, 'forbidden', 'False');
      assert.equal(ready.reason, 'ResourceSyncedError');
      assert.match(ready.message ?? '', /RBAC forbids the operator to create configmaps in namespace gt-rbac-/);
      assert.equal(await getObj(h, configMaps, ns, 'forbidden'), undefined);
    } finally {
      await restricted.stop();
    }
  });

  it('deletes the target when the provider data is gone (deletionPolicy Delete)', async () => {
    await createExternalSecret(h, nsOn, 'vanish', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: { name: 'vanish-cm', deletionPolicy: 'Delete', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
      data: [{ secretKey: 'foo', remoteRef: { key: 'k2' } }],
    });
    await waitFor('ConfigMap to delete', () => getObj(h, configMaps, nsOn, 'vanish-cm'));
    await setFakeData(h, nsOn, 'store', [
      { key: 'k1', value: VALUE_ONE },
      { key: 'host', value: DB_HOST },
    ]);
    await h.client.patch(
      OperatorResources.externalSecrets,
      'vanish',
      { metadata: { annotations: { 'force-sync': String(Date.now()) } } },
      { namespace: nsOn },
    );
    await waitFor('ConfigMap deleted', async () => (await getObj(h, configMaps, nsOn, 'vanish-cm')) === undefined);
    const { ready } = await waitReady(h, nsOn, 'vanish', 'True');
    assert.equal(ready.reason, 'ResourceDeleted');
    await setFakeData(h, nsOn, 'store', [
      { key: 'k1', value: VALUE_ONE },
      { key: 'k2', value: VALUE_TWO },
      { key: 'host', value: DB_HOST },
    ]);
  });

  it('deletes the old target after a rename (Owner) and the target with its ExternalSecret (deletionPolicy Delete)', async () => {
    await createExternalSecret(h, nsOn, 'fin', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: { name: 'fin-a', deletionPolicy: 'Delete', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
      data: [{ secretKey: 'foo', remoteRef: { key: 'k1' } }],
    });
    await waitFor('first target', () => getObj(h, configMaps, nsOn, 'fin-a'));
    await h.client.patch(
      OperatorResources.externalSecrets,
      'fin',
      { spec: { target: { name: 'fin-b' } } },
      { namespace: nsOn },
    );
    await waitFor('renamed target', () => getObj(h, configMaps, nsOn, 'fin-b'));
    await waitFor('old target deleted', async () => (await getObj(h, configMaps, nsOn, 'fin-a')) === undefined);

    // A kind that does not exist has nothing to delete: the finalizer is released all the same.
    await createExternalSecret(h, nsOn, 'fin-bad', {
      secretStoreRef: { name: 'store' },
      target: { deletionPolicy: 'Delete', manifest: { apiVersion: 'v1', kind: 'NoSuchKind' } },
      data: [{ secretKey: 'foo', remoteRef: { key: 'k1' } }],
    });
    await waitReady(h, nsOn, 'fin-bad', 'False');
    for (const name of ['fin', 'fin-bad']) {
      await h.client.delete(OperatorResources.externalSecrets, name, { namespace: nsOn });
    }
    // Deleted by the finalizer, not the garbage collector: quick.
    await waitFor(
      'target deleted with its ExternalSecret',
      async () => (await getObj(h, configMaps, nsOn, 'fin-b')) === undefined,
    );
    await waitFor('both ExternalSecrets gone', async () => {
      const list = await h.client.list(OperatorResources.externalSecrets, { namespace: nsOn });
      return !list.items.some((i) => i.metadata?.name?.startsWith('fin'));
    });
  });

  it('shows the extended metric labels only when the flag is on', async () => {
    const withLabels = await metricsText(on);
    for (const metric of [
      'externalsecret_sync_calls_total',
      'externalsecret_status_condition',
      'externalsecret_reconcile_duration',
    ]) {
      const line = withLabels.split('\n').find((l) => l.startsWith(`${metric}{`) && l.includes('name="cm"'));
      assert.ok(line, `${metric} has a series for cm`);
      assert.match(line, /app_kubernetes_io_name="demo"/);
      assert.match(line, /app_kubernetes_io_part_of=""/);
      assert.match(line, /app_kubernetes_io_managed_by=""/);
    }
    assert.match(withLabels, /externalsecret_sync_calls_error\{[^}]*name="bad-kind"[^}]*app_kubernetes_io_instance=""/);
    const without = await metricsText(off);
    const offLines = without.split('\n').filter((l) => l.startsWith('externalsecret_'));
    assert.ok(
      offLines.some((l) => l.includes('name="cm"')),
      'the off operator has series for its ExternalSecret',
    );
    assert.ok(!offLines.some((l) => l.includes('app_kubernetes_io')), 'no extended labels without the flag');
  });

  it('removes an owned target with its ExternalSecret and never shows values in events, status or logs', async () => {
    await h.client.delete(OperatorResources.externalSecrets, 'cm', { namespace: nsOn });
    await waitFor(
      'owned ConfigMap garbage-collected',
      async () => (await getObj(h, configMaps, nsOn, 'app-config')) === undefined,
      // The garbage collector learns a new owner kind at its next discovery resync (30 s).
      60_000,
    );
    const statuses = await h.client.list(OperatorResources.externalSecrets, { namespace: nsOn });
    const texts = [
      JSON.stringify(await eventsOf(h, nsOn)),
      JSON.stringify(await eventsOf(h, nsOff)),
      JSON.stringify(statuses.items.map((i) => i.status)),
      h.logs.join('\n'),
    ];
    for (const text of texts) {
      for (const value of [VALUE_ONE, VALUE_TWO, DB_HOST]) assert.ok(!text.includes(value), 'no value leaks');
    }
  });
});
