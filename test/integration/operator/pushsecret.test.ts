// PushSecret on the real control plane: the fake provider (pushes kept in memory, calls counted) and the
// kubernetes provider (pushes into another namespace). A namespace-scoped operator runs the PushSecret controller.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PushSecretSpec } from '../../../src/api/generated/types.js';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import {
  PushSecretResources,
  pushSecretController,
  pushSecretStoreFinalizerController,
  STORE_FINALIZER,
} from '../../../src/operator/pushsecret/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../../src/providers/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createNamespace,
  decode,
  eventsOf,
  getSecret,
  grantSecretAccess,
  type Harness,
  harness,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

const VALUES = {
  user: 'ps-user-7a1f93',
  pass: 'ps-pass-Q2x9Kd',
  pass2: 'ps-pass-second-Zr81',
  token: 'ps-token-Lm4tVb',
  labelled: 'ps-label-value-Hu27',
  generatedLength: 31,
};

interface PushSecretView extends KubeObject {
  status?: {
    syncedPushSecrets?: Record<
      string,
      Record<string, { match: { secretKey?: string; remoteRef: { remoteKey: string; property?: string } } }>
    >;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

describe('PushSecret controller', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let remoteNs: string;
  let op: OperatorHandle;
  const fake = new FakeSecretsProvider();
  const fakeSpec = { provider: { fake: { data: [{ key: 'store-owned', value: 'defined-by-store' }] } } };

  const createSecret = (
    name: string,
    data: Record<string, string>,
    labels: Record<string, string> = {},
    namespace = ns,
  ) =>
    h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels },
      stringData: data,
    });
  const updateSecret = (name: string, data: Record<string, string>) =>
    h.client.patch(Resources.secrets, name, { stringData: data }, { namespace: ns });
  const createPushSecret = (name: string, spec: PushSecretSpec) =>
    h.client.create(PushSecretResources.pushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name, namespace: ns },
      spec,
    });
  const getPushSecret = (name: string) =>
    h.client.get<PushSecretView>(PushSecretResources.pushSecrets, name, { namespace: ns });
  const readyOf = (p: PushSecretView) => p.status?.conditions?.find((c) => c.type === 'Ready');
  const waitReady = (name: string, status = 'True') =>
    waitFor(`PushSecret ${name} Ready=${status}`, async () => {
      const p = await getPushSecret(name);
      return readyOf(p)?.status === status ? p : undefined;
    });
  const fakeValue = async (key: string): Promise<string | undefined> => {
    const client = await fake.newClient({
      store: { kind: 'SecretStore', name: 'fake', namespace: ns, spec: fakeSpec as never },
      namespace: ns,
      kube: { kubeConfig: h.kc },
    });
    try {
      return Buffer.from(await client.getSecret({ key })).toString('utf8');
    } catch {
      return undefined;
    }
  };
  /** A SecretStore pushing into remoteNs as the `pusher` ServiceAccount (kubernetes provider). */
  const kubernetesStore = (name: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'SecretStore',
    metadata: { name, namespace: ns, labels },
    spec: {
      provider: {
        kubernetes: {
          server: {
            url: 'kubernetes.default',
            caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt' },
          },
          auth: { serviceAccount: { name: 'pusher' } },
          remoteNamespace: remoteNs,
        },
      },
    },
  });
  const remote = async (name: string) => {
    const s = await getSecret(h, remoteNs, name);
    return s ? decode(s.data) : undefined;
  };

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'ps-app');
    remoteNs = await createNamespace(h, 'ps-remote');
    await grantSecretAccess(h, {
      serviceAccount: 'pusher',
      namespace: ns,
      remoteNamespace: remoteNs,
      verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
    });
    await waitFor(
      'kube-root-ca.crt',
      () => h.client.get(Resources.configMaps, 'kube-root-ca.crt', { namespace: ns }),
      30_000,
    );
    await h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'fake', namespace: ns },
      spec: fakeSpec,
    });
    await h.client.create(OperatorResources.secretStores, kubernetesStore('k8s', { push: 'k8s' }));
    await createSecret('db', { user: VALUES.user, pass: VALUES.pass, token: VALUES.token });
    op = await startTestOperator(h, {
      namespace: ns,
      providers: defaultProviderRegistry({ fake }),
      controllers: [pushSecretController(), pushSecretStoreFinalizerController],
    });
  });

  after(async () => {
    await op?.stop();
  });

  it('pushes by name, writes ESO status, pushes a source change at once and nothing when nothing changed', async () => {
    await createPushSecret('by-name', {
      refreshInterval: '1h',
      secretStoreRefs: [{ name: 'fake' }],
      selector: { secret: { name: 'db' } },
      data: [{ match: { secretKey: 'pass', remoteRef: { remoteKey: 'app/db-pass' } } }],
    });
    const ps = await waitReady('by-name');
    assert.equal(readyOf(ps)?.reason, 'Synced');
    assert.equal(readyOf(ps)?.message, 'PushSecret synced successfully');
    // The entry as written in the spec (ESO's status too); no conversionStrategy filled in (docs/crds.md).
    assert.deepEqual(ps.status?.syncedPushSecrets, {
      'SecretStore/fake': {
        'app/db-pass': { match: { secretKey: 'pass', remoteRef: { remoteKey: 'app/db-pass' } } },
      },
    });
    assert.equal(await fakeValue('app/db-pass'), VALUES.pass);
    assert.equal(fake.calls.count('pushSecret', 'app/db-pass'), 1);

    // A change to a key this PushSecret does not push reconciles it but pushes nothing.
    await updateSecret('db', { token: `${VALUES.token}-changed` });
    await sleep(1500);
    assert.equal(
      fake.calls.count('pushSecret', 'app/db-pass'),
      1,
      'no second push when the pushed content is unchanged',
    );

    const started = Date.now();
    await updateSecret('db', { pass: VALUES.pass2 });
    await waitFor('new value pushed', async () => (await fakeValue('app/db-pass')) === VALUES.pass2, 5_000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 5_000, `source change pushed after ${elapsed} ms`);
    assert.equal(fake.calls.count('pushSecret', 'app/db-pass'), 2);
  });

  it('IfNotExists leaves an existing remote secret alone and keeps it out of status', async () => {
    await createPushSecret('if-not-exists', {
      updatePolicy: 'IfNotExists',
      secretStoreRefs: [{ name: 'fake' }],
      selector: { secret: { name: 'db' } },
      data: [
        { match: { secretKey: 'user', remoteRef: { remoteKey: 'store-owned' } } },
        { match: { secretKey: 'user', remoteRef: { remoteKey: 'app/user' } } },
      ],
    });
    const ps = await waitReady('if-not-exists');
    assert.equal(readyOf(ps)?.message, 'PushSecret synced successfully. Existing secrets in providers unchanged.');
    assert.deepEqual(Object.keys(ps.status?.syncedPushSecrets?.['SecretStore/fake'] ?? {}), ['app/user']);
    assert.equal(await fakeValue('store-owned'), 'defined-by-store');
    assert.equal(fake.calls.count('pushSecret', 'store-owned'), 0);
    assert.equal(await fakeValue('app/user'), VALUES.user);
  });

  it('Replace does not overwrite what the store itself defines (fake provider ownership)', async () => {
    await createPushSecret('replace-store-owned', {
      secretStoreRefs: [{ name: 'fake' }],
      selector: { secret: { name: 'db' } },
      data: [{ match: { secretKey: 'user', remoteRef: { remoteKey: 'store-owned' } } }],
    });
    const ps = await waitReady('replace-store-owned', 'False');
    assert.equal(readyOf(ps)?.reason, 'Errored');
    assert.match(readyOf(ps)?.message ?? '', /store-owned/);
    assert.equal(await fakeValue('store-owned'), 'defined-by-store');
    assert.equal(ps.status?.syncedPushSecrets?.['SecretStore/fake']?.['store-owned'], undefined);
  });

  it('reports a missing secret key as Errored without values', async () => {
    await createPushSecret('bad-key', {
      secretStoreRefs: [{ name: 'fake' }],
      selector: { secret: { name: 'db' } },
      data: [{ match: { secretKey: 'missing', remoteRef: { remoteKey: 'x' } } }],
    });
    const ps = await waitReady('bad-key', 'False');
    assert.equal(readyOf(ps)?.reason, 'Errored');
    assert.match(readyOf(ps)?.message ?? '', /secret key missing does not exist/);
  });

  it('pushes a generator output', async () => {
    await h.client.create(
      {
        group: 'generators.external-secrets.io',
        version: 'v1alpha1',
        plural: 'passwords',
        namespaced: true,
        kind: 'Password',
      },
      {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: 'Password',
        metadata: { name: 'pw', namespace: ns },
        spec: { length: VALUES.generatedLength, noUpper: false, allowRepeat: true },
      },
    );
    await createPushSecret('generated', {
      secretStoreRefs: [{ name: 'fake' }],
      selector: {
        generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'pw' },
      },
      data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'app/generated' } } }],
    });
    await waitReady('generated');
    assert.equal((await fakeValue('app/generated'))?.length, VALUES.generatedLength);
  });

  it('kubernetes provider: property, template, dataTo and label-selected stores and Secrets', async () => {
    await createSecret('labelled', { only: VALUES.labelled }, { 'push-me': 'yes' });
    await createSecret('not-labelled', { only: 'not-pushed' }, { 'push-me': 'no' });
    await createPushSecret('k8s-props', {
      secretStoreRefs: [{ labelSelector: { matchLabels: { push: 'k8s' } } }],
      selector: { secret: { name: 'db' } },
      deletionPolicy: 'Delete',
      data: [
        { match: { secretKey: 'user', remoteRef: { remoteKey: 'db-copy', property: 'username' } } },
        { match: { secretKey: 'pass', remoteRef: { remoteKey: 'db-copy', property: 'password' } } },
      ],
      dataTo: [{ storeRef: { name: 'k8s' }, remoteKey: 'bundle', match: { regexp: '^(user|token)$' } }],
    });
    await waitReady('k8s-props');
    assert.deepEqual(await remote('db-copy'), { username: VALUES.user, password: VALUES.pass2 });
    assert.deepEqual(Object.keys((await remote('bundle')) ?? {}).sort(), ['token', 'user']);

    await createPushSecret('k8s-template', {
      secretStoreRefs: [{ name: 'k8s' }],
      selector: { secret: { name: 'db' } },
      template: { data: { dsn: 'postgres://{{ .user }}:{{ .pass }}@db:5432/app' } },
      data: [{ match: { remoteRef: { remoteKey: 'dsn' } } }],
    });
    await waitReady('k8s-template');
    assert.deepEqual(await remote('dsn'), { dsn: `postgres://${VALUES.user}:${VALUES.pass2}@db:5432/app` });

    await createPushSecret('k8s-label', {
      secretStoreRefs: [{ name: 'k8s' }],
      selector: { secret: { selector: { matchLabels: { 'push-me': 'yes' } } } },
      data: [{ match: { remoteRef: { remoteKey: 'from-label' } } }],
    });
    await waitReady('k8s-label');
    assert.deepEqual(await remote('from-label'), { only: VALUES.labelled });
  });

  it('kubernetes provider: Replace overwrites, IfNotExists does not', async () => {
    await createSecret('preexisting-a', { old: 'keep-a' }, {}, remoteNs);
    await createSecret('preexisting-b', { old: 'keep-b' }, {}, remoteNs);
    await createPushSecret('k8s-replace', {
      secretStoreRefs: [{ name: 'k8s' }],
      selector: { secret: { name: 'labelled' } },
      data: [{ match: { remoteRef: { remoteKey: 'preexisting-a' } } }],
    });
    await createPushSecret('k8s-keep', {
      updatePolicy: 'IfNotExists',
      secretStoreRefs: [{ name: 'k8s' }],
      selector: { secret: { name: 'labelled' } },
      data: [{ match: { remoteRef: { remoteKey: 'preexisting-b' } } }],
    });
    await waitReady('k8s-replace');
    await waitReady('k8s-keep');
    assert.deepEqual(await remote('preexisting-a'), { only: VALUES.labelled });
    assert.deepEqual(await remote('preexisting-b'), { old: 'keep-b' });
  });

  it('deletionPolicy Delete removes only what was pushed; None leaves it', async () => {
    await createSecret('foreign', { mine: 'not-custos' }, {}, remoteNs);
    await createPushSecret('k8s-delete', {
      deletionPolicy: 'Delete',
      secretStoreRefs: [{ name: 'k8s' }],
      selector: { secret: { name: 'labelled' } },
      data: [{ match: { remoteRef: { remoteKey: 'del-one' } } }, { match: { remoteRef: { remoteKey: 'del-two' } } }],
    });
    await createPushSecret('k8s-none', {
      secretStoreRefs: [{ name: 'k8s' }],
      selector: { secret: { name: 'labelled' } },
      data: [{ match: { remoteRef: { remoteKey: 'none-one' } } }],
    });
    const ps = await waitReady('k8s-delete');
    assert.ok(ps.metadata?.finalizers?.includes('pushsecret.externalsecrets.io/finalizer'));
    await waitReady('k8s-none');
    assert.ok(await remote('del-one'));
    assert.ok(await remote('del-two'));

    // An entry dropped from the spec is deleted remotely.
    await h.client.patch(
      PushSecretResources.pushSecrets,
      'k8s-delete',
      { spec: { data: [{ match: { remoteRef: { remoteKey: 'del-one' } } }] } },
      { namespace: ns },
    );
    await waitFor('del-two removed', async () => (await remote('del-two')) === undefined);
    assert.ok(await remote('del-one'));

    await h.client.delete(PushSecretResources.pushSecrets, 'k8s-delete', { namespace: ns });
    await h.client.delete(PushSecretResources.pushSecrets, 'k8s-none', { namespace: ns });
    await waitFor('del-one removed', async () => (await remote('del-one')) === undefined);
    await waitFor('k8s-delete gone', async () => {
      try {
        await getPushSecret('k8s-delete');
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(await remote('foreign'), { mine: 'not-custos' });
    assert.deepEqual(await remote('none-one'), { only: VALUES.labelled });
  });

  it('source Secret deleted after a sync: Delete policy cleans up and reports SourceDeleted', async () => {
    await createSecret('short-lived', { v: 'short-lived-value' });
    await createPushSecret('k8s-source', {
      deletionPolicy: 'Delete',
      secretStoreRefs: [{ name: 'k8s' }],
      selector: { secret: { name: 'short-lived' } },
      data: [{ match: { remoteRef: { remoteKey: 'short-copy' } } }],
    });
    await waitReady('k8s-source');
    assert.ok(await remote('short-copy'));
    await h.client.delete(Resources.secrets, 'short-lived', { namespace: ns });
    const ps = await waitReady('k8s-source', 'False');
    assert.equal(readyOf(ps)?.reason, 'SourceDeleted');
    await waitFor('short-copy removed', async () => (await remote('short-copy')) === undefined);
  });

  it('a store referenced by a Delete-policy PushSecret outlives it (ESO store finalizer)', async () => {
    const storeOf = (name: string) =>
      h.client.get(OperatorResources.secretStores, name, { namespace: ns }).catch(() => undefined);
    await h.client.create(OperatorResources.secretStores, kubernetesStore('k8s-held'));
    await h.client.create(OperatorResources.secretStores, kubernetesStore('k8s-free'));
    await createSecret('held-source', { v: VALUES.token });
    await createPushSecret('held', {
      deletionPolicy: 'Delete',
      secretStoreRefs: [{ name: 'k8s-held' }],
      selector: { secret: { name: 'held-source' } },
      data: [{ match: { remoteRef: { remoteKey: 'held-copy' } } }],
    });
    await createPushSecret('free', {
      secretStoreRefs: [{ name: 'k8s-free' }],
      selector: { secret: { name: 'held-source' } },
      data: [{ match: { remoteRef: { remoteKey: 'free-copy' } } }],
    });
    await waitReady('held');
    await waitReady('free');
    await waitFor('finalizer on the held store', async () =>
      (await storeOf('k8s-held'))?.metadata?.finalizers?.includes(STORE_FINALIZER),
    );
    assert.equal((await storeOf('k8s-free'))?.metadata?.finalizers?.includes(STORE_FINALIZER) ?? false, false);

    // Deleting the store while the PushSecret lives leaves it terminating, still usable for the cleanup.
    await h.client.delete(OperatorResources.secretStores, 'k8s-held', { namespace: ns });
    await sleep(1000);
    assert.ok((await storeOf('k8s-held'))?.metadata?.deletionTimestamp, 'the store waits for the PushSecret');
    await h.client.delete(PushSecretResources.pushSecrets, 'held', { namespace: ns });
    await waitFor('held-copy removed through the terminating store', async () =>
      (await remote('held-copy')) === undefined ? true : undefined,
    );
    await waitFor('the store is gone once the PushSecret is', async () =>
      (await storeOf('k8s-held')) === undefined ? true : undefined,
    );

    // Switching a PushSecret to deletionPolicy None releases its store.
    await h.client.patch(
      PushSecretResources.pushSecrets,
      'free',
      { spec: { deletionPolicy: 'Delete' } },
      { namespace: ns },
    );
    await waitFor('finalizer added', async () =>
      (await storeOf('k8s-free'))?.metadata?.finalizers?.includes(STORE_FINALIZER),
    );
    await h.client.patch(
      PushSecretResources.pushSecrets,
      'free',
      { spec: { deletionPolicy: 'None' } },
      { namespace: ns },
    );
    await waitFor('finalizer removed', async () =>
      (await storeOf('k8s-free'))?.metadata?.finalizers?.includes(STORE_FINALIZER) ? undefined : true,
    );
  });

  it('never puts secret values in logs, events or status', async () => {
    const values = [VALUES.user, VALUES.pass, VALUES.pass2, VALUES.token, VALUES.labelled, 'short-lived-value'];
    const list = await h.client.list(PushSecretResources.pushSecrets, { namespace: ns });
    const texts = [h.logs.join('\n'), JSON.stringify(await eventsOf(h, ns)), JSON.stringify(list.items)];
    for (const text of texts) for (const value of values) assert.ok(!text.includes(value), 'a secret value leaked');
    assert.ok(
      h.logs.some((l) => l.includes('pushed secrets')),
      'the logs checked are the operator logs',
    );
  });
});
