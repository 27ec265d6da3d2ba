// The operator with the kubernetes provider (Secrets of another namespace read with a service account token)
// through a SecretStore and a referent ClusterSecretStore, and ClusterSecretStore namespace conditions.
// The ClusterSecretStores carry a controller class unique to this file, so operators of other test files
// (class "default") leave them alone; each namespace gets its own namespace-scoped operator of that class.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

const ONE = '{"name":{"first":"Tom"},"port":5432}';

describe('kubernetes provider and ClusterSecretStore conditions', { skip: integration.skipReason }, () => {
  let h: Harness;
  let appNs: string;
  let deniedNs: string;
  let remoteNs: string;
  const klass = uniqueName('css-class');
  const css = uniqueName('k8s-css');
  const operators: OperatorHandle[] = [];

  before(async () => {
    h = await harness();
    appNs = await createNamespace(h, 'es-k8s-app');
    deniedNs = await createNamespace(h, 'es-k8s-denied');
    remoteNs = await createNamespace(h, 'es-k8s-remote');
    await h.client.patch(Resources.namespaces, appNs, { metadata: { labels: { 'custos-test/allowed': 'yes' } } });
    for (const ns of [appNs, deniedNs]) {
      await h.client.create(Resources.serviceAccounts, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'reader', namespace: ns },
      });
    }
    const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true };
    await h.client.create(
      { ...rbac, plural: 'roles', kind: 'Role' },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'reader', namespace: remoteNs },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
      },
    );
    await h.client.create(
      { ...rbac, plural: 'rolebindings', kind: 'RoleBinding' },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'reader', namespace: remoteNs },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [
          { kind: 'ServiceAccount', name: 'reader', namespace: appNs },
          { kind: 'ServiceAccount', name: 'reader', namespace: deniedNs },
        ],
      },
    );
    for (const [name, labels, data] of [
      ['app', { app: 'custos-test' }, { one: ONE, two: 'plain-value' }],
      ['other', { app: 'custos-test' }, { k: 'v' }],
    ] as const) {
      await h.client.create(Resources.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: remoteNs, labels },
        stringData: data,
      });
    }
    for (const ns of [appNs, deniedNs]) {
      await waitFor(
        'kube-root-ca.crt',
        () => h.client.get(Resources.configMaps, 'kube-root-ca.crt', { namespace: ns }),
        30_000,
      );
    }
    const kubernetes = {
      server: { url: 'kubernetes.default', caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt' } },
      auth: { serviceAccount: { name: 'reader' } },
      remoteNamespace: remoteNs,
    };
    await h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'k8s', namespace: appNs },
      spec: { controller: klass, provider: { kubernetes } },
    });
    await h.client.create(OperatorResources.clusterSecretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: css },
      spec: {
        controller: klass,
        // A ClusterSecretStore must name the namespace of its CA (ESO's rule); the service account stays referent.
        provider: {
          kubernetes: {
            ...kubernetes,
            server: { ...kubernetes.server, caProvider: { ...kubernetes.server.caProvider, namespace: appNs } },
          },
        },
        conditions: [{ namespaceSelector: { matchLabels: { 'custos-test/allowed': 'yes' } } }],
      },
    });
    for (const ns of [appNs, deniedNs]) {
      operators.push(await startTestOperator(h, { namespace: ns, controllerClass: klass }));
    }
  });

  after(async () => {
    for (const op of operators) await op.stop();
    await h?.client.delete(OperatorResources.clusterSecretStores, css).catch(() => undefined);
  });

  const waitReady = (ns: string, name: string, status: 'True' | 'False') =>
    waitFor(
      `${name} Ready=${status}`,
      async () => {
        const es = await getExternalSecret(h, ns, name);
        return readyOf(es)?.status === status ? es : undefined;
      },
      20_000,
    );

  it('syncs properties, gjson paths, extract and find by tags through a SecretStore', async () => {
    const store = await waitFor('store validated', async () => {
      const s = await h.client.get<
        { status?: { conditions?: Array<Record<string, string>> } } & Record<string, unknown>
      >(OperatorResources.secretStores, 'k8s', { namespace: appNs });
      return s.status?.conditions?.length ? s : undefined;
    });
    assert.equal(store.status?.conditions?.[0]?.reason, 'Valid');
    await createExternalSecret(h, appNs, 'k8s-props', {
      secretStoreRef: { name: 'k8s' },
      data: [
        { secretKey: 'two', remoteRef: { key: 'app', property: 'two' } },
        { secretKey: 'first', remoteRef: { key: 'app', property: 'one.name.first' } },
      ],
    });
    await createExternalSecret(h, appNs, 'k8s-extract', {
      secretStoreRef: { name: 'k8s' },
      dataFrom: [{ extract: { key: 'app' } }],
    });
    await createExternalSecret(h, appNs, 'k8s-find', {
      secretStoreRef: { name: 'k8s' },
      dataFrom: [{ find: { tags: { app: 'custos-test' } } }],
    });
    const props = await waitFor('props', () => getSecret(h, appNs, 'k8s-props'), 20_000);
    assert.deepEqual(decode(props.data), { two: 'plain-value', first: 'Tom' });
    const extract = await waitFor('extract', () => getSecret(h, appNs, 'k8s-extract'), 20_000);
    assert.deepEqual(decode(extract.data), { one: ONE, two: 'plain-value' });
    const found = await waitFor('find', () => getSecret(h, appNs, 'k8s-find'), 20_000);
    assert.deepEqual(Object.keys(decode(found.data)).sort(), ['app', 'other']);
    assert.deepEqual(JSON.parse(decode(found.data).other ?? '{}'), { k: 'v' });
  });

  it('reads several properties of one remote Secret with one GET (ESO sends one per property)', async () => {
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'login', namespace: remoteNs },
      stringData: { user: 'app', password: 'pw-1', host: 'db.internal' },
    });
    const metrics = `http://${operators[0]?.httpAddress}/metrics`;
    const getCalls = async () =>
      Number(
        /externalsecret_provider_api_calls_count\{provider="Kubernetes",call="GetSecret",status="success"\} (\d+)/.exec(
          await (await fetch(metrics)).text(),
        )?.[1] ?? 0,
      );
    const before = await getCalls();
    await createExternalSecret(h, appNs, 'k8s-login', {
      secretStoreRef: { name: 'k8s' },
      data: ['user', 'password', 'host'].map((key) => ({ secretKey: key, remoteRef: { key: 'login', property: key } })),
    });
    const login = await waitFor('login', () => getSecret(h, appNs, 'k8s-login'), 20_000);
    assert.deepEqual(decode(login.data), { user: 'app', password: 'pw-1', host: 'db.internal' });
    assert.equal((await getCalls()) - before, 1, 'one GET of the remote Secret for three properties');

    // An extract of the same remote Secret, with one key renamed in data[]: one GET too.
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'login-2', namespace: remoteNs },
      stringData: { user: 'app-2', password: 'pw-2' },
    });
    const beforeExtract = await getCalls();
    await createExternalSecret(h, appNs, 'k8s-login-extract', {
      secretStoreRef: { name: 'k8s' },
      dataFrom: [{ extract: { key: 'login-2' } }],
      data: [{ secretKey: 'DB_PASSWORD', remoteRef: { key: 'login-2', property: 'password' } }],
    });
    const extracted = await waitFor('login-extract', () => getSecret(h, appNs, 'k8s-login-extract'), 20_000);
    assert.deepEqual(decode(extracted.data), { user: 'app-2', password: 'pw-2', DB_PASSWORD: 'pw-2' });
    assert.equal((await getCalls()) - beforeExtract, 1, 'one GET for the extract and the data[] entry');
  });

  it('a key added to the remote Secret reaches an ExternalSecret that failed for it at its next retry', async () => {
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'late', namespace: remoteNs },
      stringData: { user: 'app-3' },
    });
    // Another reader of the same remote Secret keeps its fetch shared (refresh 1h: up to 5 min).
    await createExternalSecret(h, appNs, 'k8s-late-user', {
      refreshInterval: '1h',
      secretStoreRef: { name: 'k8s' },
      data: [{ secretKey: 'user', remoteRef: { key: 'late', property: 'user' } }],
    });
    await createExternalSecret(h, appNs, 'k8s-late', {
      refreshInterval: '1h',
      secretStoreRef: { name: 'k8s' },
      data: [
        { secretKey: 'user', remoteRef: { key: 'late', property: 'user' } },
        { secretKey: 'password', remoteRef: { key: 'late', property: 'password' } },
      ],
    });
    const failed = await waitReady(appNs, 'k8s-late', 'False');
    assert.match(readyOf(failed)?.message ?? '', /property password does not exist in data of secret "late"/);
    await h.client.patch(Resources.secrets, 'late', { stringData: { password: 'pw-3' } }, { namespace: remoteNs });
    // Its retry (1 s doubling) reads the remote Secret again instead of the shared read of up to 5 minutes ago.
    const late = await waitFor('k8s-late synced', () => getSecret(h, appNs, 'k8s-late'), 30_000);
    assert.deepEqual(decode(late.data), { user: 'app-3', password: 'pw-3' });
  });

  it('a missing remote Secret: skipped by an extract under deletionPolicy Delete, a failure for data[]', async () => {
    await createExternalSecret(h, appNs, 'k8s-gone-extract', {
      secretStoreRef: { name: 'k8s' },
      target: { deletionPolicy: 'Delete' },
      dataFrom: [{ extract: { key: 'app' } }, { extract: { key: 'no-such-secret' } }],
    });
    await createExternalSecret(h, appNs, 'k8s-gone-data', {
      secretStoreRef: { name: 'k8s' },
      target: { deletionPolicy: 'Delete' },
      data: [{ secretKey: 'x', remoteRef: { key: 'no-such-secret', property: 'x' } }],
    });
    const skipped = await waitFor('gone-extract', () => getSecret(h, appNs, 'k8s-gone-extract'), 20_000);
    assert.deepEqual(decode(skipped.data), { one: ONE, two: 'plain-value' });
    const failed = await waitReady(appNs, 'k8s-gone-data', 'False');
    assert.match(readyOf(failed)?.message ?? '', /secrets "no-such-secret" not found in namespace/);
  });

  it('a ClusterSecretStore is usable from a namespace its conditions allow (referent auth in that namespace)', async () => {
    await createExternalSecret(h, appNs, 'css-allowed', {
      secretStoreRef: { name: css, kind: 'ClusterSecretStore' },
      data: [{ secretKey: 'two', remoteRef: { key: 'app', property: 'two' } }],
    });
    const secret = await waitFor('secret', () => getSecret(h, appNs, 'css-allowed'), 20_000);
    assert.deepEqual(decode(secret.data), { two: 'plain-value' });
  });

  it('and refused, with ESO message, from a namespace they do not allow', async () => {
    await createExternalSecret(h, deniedNs, 'css-denied', {
      secretStoreRef: { name: css, kind: 'ClusterSecretStore' },
      data: [{ secretKey: 'two', remoteRef: { key: 'app', property: 'two' } }],
    });
    const es = await waitReady(deniedNs, 'css-denied', 'False');
    assert.match(
      readyOf(es)?.message ?? '',
      new RegExp(`using cluster store "${css}" is not allowed from namespace "${deniedNs}": denied by spec.condition`),
    );
    await sleep(200);
    assert.equal(await getSecret(h, deniedNs, 'css-denied'), undefined);
  });

  it('reports a referent store as Ready with reason ValidationUnknown, and its capabilities', async () => {
    const store = await waitFor('css status', async () => {
      const s = await h.client.get<
        { status?: { conditions?: Array<Record<string, string>>; capabilities?: string } } & Record<string, unknown>
      >(OperatorResources.clusterSecretStores, css);
      return s.status?.conditions?.length ? s : undefined;
    });
    const ready = store.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True', JSON.stringify(ready));
    assert.equal(ready?.reason, 'ValidationUnknown');
    assert.equal(ready?.message, 'could not determine validation status');
    assert.equal(store.status?.capabilities, 'ReadWrite');
  });
});
