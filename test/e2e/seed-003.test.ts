// Seed 003 end to end (../shared/seeds/003, the Akeyless "External Secrets Operator" guide): the store, the gateway
// and the operator as separate `custos` processes on the real control plane, and every manifest of the guide
// (test/fixtures/seeds/003-*.yaml) applied as written except for the gateway URL, its CA, the credentials and the
// namespaces (and the cluster-wide store name) made unique:
// - SecretStore with an api_key credentials Secret (gateway path /akeyless-api/v2, caBundle), SecretStore with
//   direct Kubernetes auth (/v2, caProvider), ClusterSecretStore with namespaced credentials (/api/v2);
// - ExternalSecret with single values (through each of the three stores), dataFrom.extract of a JSON item, and
//   the certificate split into tls.crt/tls.key of a kubernetes.io/tls Secret;
// - PushSecret: the whole source Secret lands in the store as JSON, is not pushed again while unchanged, a changed
//   source is pushed, and deletionPolicy Delete removes the item with the PushSecret;
// - the Azure AD example: accessType azure_ad is refused with a clear reason (not supported by Custos); the same
//   manifests work once the credentials Secret holds api_key credentials;
// - no secret value in any process output or object status.
// The admin side uses the CLI: `custos login`, `custos auth-method create`, `custos role create|associate`,
// `custos secret put|get`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installCrds } from '../../src/api/install.js';
import { isNotFound, KubeClient, type KubeObject, Resources, type ResourceType } from '../../src/kube/index.js';
import { PushSecretResources } from '../../src/operator/pushsecret/resources.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { integration, uniqueName } from '../helpers/cluster.js';
import { callJson, freePort, ProcessGroup } from '../helpers/e2e-processes.js';
import { copy, jsonOf, type Manifest, runCli, seedManifests, selfSignedPair } from '../helpers/e2e-seed003.js';
import {
  bootstrapStack,
  gatewayCaPem,
  stackDirs,
  startGateway,
  startNamespaceOperator,
  startStore,
  valueRecorder,
  waitFor,
} from '../helpers/e2e-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const { pushSecrets } = PushSecretResources;

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}
type Condition = { type: string; status: string; reason?: string; message?: string };
type WithStatus = KubeObject & { status?: { conditions?: Condition[] } };

describe('seed 003: the Akeyless ESO guide on separate custos processes', { skip: integration.skipReason }, () => {
  const root = mkdtempSync(join(tmpdir(), 'custos-e2e-003-'));
  const dirs = stackDirs(root);
  // The CLI keeps its login profiles here, not in the user's ~/.config.
  const cliEnv = { XDG_CONFIG_HOME: join(root, 'cli-config') };
  const group = new ProcessGroup();
  const manifests = seedManifests('003');
  /** Every plaintext this file stores; none may appear in any process output or object status. */
  const { values, secretValue } = valueRecorder();
  const measured: Record<string, number> = {};

  let client: KubeClient;
  let gatewayUrl: string;
  let gatewayCa: string;
  let adminToken: string;
  let apiKey: { accessId: string; accessKey: string };
  let k8sAccessId: string;
  const demo = uniqueName('akeyless-demo');
  const appTest = uniqueName('app-test');
  const cssName = uniqueName('akeyless-cluster-secret-store');
  const renamed: Record<string, string> = { 'akeyless-demo': demo, 'app-test': appTest };

  // The items the guide's manifests read, with values of our own.
  const items = {
    apiKey: { path: '/path/to/the/secret/api-key', value: '' },
    dbPassword: { path: '/path/to/the/secret/db-password', value: '' },
    json: { path: '/path/to/the/json-secret', value: '' },
    certificate: { path: '/path/to/the/certificate-item', value: '' },
    devops: { path: '/devops/static_secret_1', value: '' },
  };
  let jsonPassword = '';
  let tls: { certificatePem: string; privateKeyPem: string };
  const pushedPath = '/eso-created/my-secret';
  let cachePass = '';

  const cli = (name: string, args: string[]) => runCli(group, `cli-${name}`, args, cliEnv);

  async function getSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    try {
      return await client.get<SecretObject>(Resources.secrets, name, { namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  const decoded = (s: SecretObject | undefined) =>
    Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

  async function ready(resource: ResourceType, name: string, namespace?: string): Promise<Condition | undefined> {
    const o = await client.get<WithStatus>(resource, name, namespace ? { namespace } : {});
    return o.status?.conditions?.find((c) => c.type === 'Ready');
  }

  const waitReady = (resource: ResourceType, name: string, namespace?: string) =>
    waitFor(
      `${name} Ready=True`,
      async () => {
        const c = await ready(resource, name, namespace);
        if (c?.status === 'False') throw new Error(`${name}: ${c.reason}: ${c.message}`);
        return c?.status === 'True';
      },
      45_000,
    );

  /** The item as the gateway's native API returns it (admin token), or undefined when it does not exist. */
  async function storedItem(path: string): Promise<{ value: string; version: number; tags: string[] } | undefined> {
    const r = await callJson(`${gatewayUrl}/v1/secrets?path=${encodeURIComponent(path)}`, {
      token: adminToken,
      ca: gatewayCa,
    });
    if (r.status === 404) return undefined;
    assert.equal(r.status, 200, `read ${path}: ${r.status}`);
    return r.body;
  }

  async function put(path: string, value: string): Promise<void> {
    const r = await callJson(`${gatewayUrl}/v1/secrets`, {
      method: 'POST',
      body: { path, value },
      token: adminToken,
      ca: gatewayCa,
    });
    assert.ok(r.status === 200 || r.status === 201, `write ${path}: ${r.status}`);
  }

  /** A seed manifest placed in this run's namespaces, pointed at the gateway (the only changes made). */
  function place(n: number, gateway?: { url: string; ca: 'bundle' | 'provider' }): Manifest {
    const m = copy(manifests.get(n));
    assert.ok(m, `fixture 003-${n} is missing`);
    if (m.metadata?.namespace) m.metadata.namespace = renamed[m.metadata.namespace] ?? m.metadata.namespace;
    const akeyless = m.spec?.provider?.akeyless;
    if (gateway && akeyless) {
      akeyless.akeylessGWApiURL = gateway.url;
      if (gateway.ca === 'bundle') akeyless.caBundle = Buffer.from(gatewayCa).toString('base64');
      else akeyless.caProvider = { type: 'ConfigMap', name: 'akeyless-gateway-ca', key: 'ca.crt' };
    }
    return m;
  }

  async function apply(resource: ResourceType, m: Manifest): Promise<void> {
    await client.create(resource, m);
  }

  /** The guide's credentials Secret (stringData), with credentials of this store. */
  function credentialsSecret(namespace: string, name: string, accessId: string, type: string, param: string) {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'Opaque',
      stringData: { accessId, accessType: type, accessTypeParam: param },
    };
  }

  before(async () => {
    const cluster = await integration.cluster();
    client = new KubeClient(cluster.kc, { qps: 0 });
    await installCrds(cluster.kc);
    for (const name of [demo, appTest]) {
      await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    // The ServiceAccount of the direct Kubernetes auth store.
    await client.create(Resources.serviceAccounts, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'akeyless-demo-sa', namespace: demo },
    });
    // One operator per namespace (other test files share the control plane); started first, they are the slowest.
    for (const namespace of [demo, appTest]) startNamespaceOperator(group, cluster.kubeconfigPath, namespace);

    const admin = await bootstrapStack(group, dirs);
    values.push(admin.accessKey);
    const adminKeyFile = join(root, 'admin.key');
    writeFileSync(adminKeyFile, admin.accessKey, { mode: 0o600 });
    mkdirSync(cliEnv.XDG_CONFIG_HOME, { recursive: true });
    const storeUrl = await startStore(group, dirs).url;
    gatewayUrl = await startGateway(group, dirs, storeUrl, await freePort()).url;
    const caFile = join(dirs.configDir, 'tls', 'ca.crt');
    gatewayCa = gatewayCaPem(dirs);

    // The admin logs in with the CLI: at the store for administration (the gateway relays it too; the store
    // profile keeps this file independent of that) and at the gateway for items. The native API token is for the test's own reads.
    const login = (profile: string, url: string, ca?: string) =>
      cli(`login-${profile}`, [
        'login',
        '--gateway',
        url,
        ...(ca ? ['--ca', ca] : []),
        '--access-id',
        admin.accessId,
        '--access-key-file',
        adminKeyFile,
        '--profile',
        profile,
      ]);
    const [, , adminLogin] = await Promise.all([
      login('store', storeUrl),
      login('gateway', gatewayUrl, caFile),
      callJson(`${storeUrl}/v1/auth/login`, {
        method: 'POST',
        body: { type: 'api_key', accessId: admin.accessId, accessKey: admin.accessKey },
      }),
    ]);
    assert.equal(adminLogin.status, 200, adminLogin.text);
    adminToken = adminLogin.body.token;

    // Items: plain values, a JSON value for dataFrom.extract, and a certificate item created as Akeyless users do,
    // with create-certificate on the gateway's Akeyless API (describe-item then answers item_type CERTIFICATE).
    items.apiKey.value = secretValue('api-key');
    items.dbPassword.value = secretValue('db-password');
    jsonPassword = secretValue('s3cr3t');
    items.json.value = JSON.stringify({ username: 'demo', password: jsonPassword });
    items.devops.value = secretValue('devops');
    tls = await selfSignedPair('app.example.test');
    // The whole key, and one line of its key material alone (found however a log escapes line breaks).
    const keyLine = tls.privateKeyPem.split('\n')[2] ?? '';
    assert.ok(keyLine.length > 40);
    values.push(tls.privateKeyPem, keyLine);
    items.certificate.value = JSON.stringify({
      certificate_pem: tls.certificatePem,
      private_key_pem: tls.privateKeyPem,
    });
    const createCertificate = async () => {
      const r = await callJson(`${gatewayUrl}/akeyless-api/v2/create-certificate`, {
        method: 'POST',
        body: {
          name: items.certificate.path,
          'certificate-data': Buffer.from(tls.certificatePem).toString('base64'),
          'key-data': Buffer.from(tls.privateKeyPem).toString('base64'),
          token: adminToken,
        },
        ca: gatewayCa,
      });
      assert.equal(r.status, 200, `create-certificate: ${r.status}`);
    };

    // An API-key auth method and a Kubernetes auth method (named as the guide's k8sConfName), one role for both.
    const [apiKeyOut, k8sOut] = await Promise.all([
      cli('auth-method-api-key', [
        'auth-method',
        'create',
        'eso-api-key',
        '--type',
        'api_key',
        '--profile',
        'store',
        '-o',
        'json',
      ]),
      cli('auth-method-k8s', [
        'auth-method',
        'create',
        'my-k8s-auth-config-name',
        '--type',
        'kubernetes',
        '--kubeconfig-path',
        cluster.kubeconfigPath,
        '--profile',
        'store',
        '-o',
        'json',
      ]),
      cli('role-create', [
        'role',
        'create',
        'akeyless-demo',
        '--rule',
        '/path/to/the/*=read,list',
        '--rule',
        '/devops/*=read,list',
        '--rule',
        '/eso-created/*=read,list,create,update,delete',
        '--profile',
        'store',
      ]),
      createCertificate(),
      put(items.apiKey.path, items.apiKey.value),
      put(items.dbPassword.path, items.dbPassword.value),
      put(items.json.path, items.json.value),
      put(items.devops.path, items.devops.value),
    ]);
    apiKey = jsonOf(apiKeyOut);
    values.push(apiKey.accessKey);
    k8sAccessId = jsonOf(k8sOut).accessId;
    assert.match(apiKey.accessId, /^p-/);
    assert.match(k8sAccessId, /^p-/);
    await Promise.all([
      cli('role-associate-api-key', [
        'role',
        'associate',
        'akeyless-demo',
        '--auth-method',
        'eso-api-key',
        '--profile',
        'store',
      ]),
      cli('role-associate-k8s', [
        'role',
        'associate',
        'akeyless-demo',
        '--auth-method',
        'my-k8s-auth-config-name',
        '--profile',
        'store',
      ]),
    ]);

    // The guide's credentials Secret, the gateway CA for caProvider, and the three stores.
    await client.create(
      Resources.secrets,
      credentialsSecret(demo, 'akeyless-secret-creds', apiKey.accessId, 'api_key', apiKey.accessKey),
    );
    await client.create(Resources.configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'akeyless-gateway-ca', namespace: demo },
      data: { 'ca.crt': gatewayCa },
    });
    await apply(OperatorResources.secretStores, place(1, { url: `${gatewayUrl}/akeyless-api/v2`, ca: 'bundle' }));
    const k8sStore = place(2, { url: `${gatewayUrl}/v2`, ca: 'provider' });
    k8sStore.spec.provider.akeyless.authSecretRef.kubernetesAuth.accessID = k8sAccessId;
    await apply(OperatorResources.secretStores, k8sStore);
    const css = place(3, { url: `${gatewayUrl}/api/v2`, ca: 'bundle' });
    css.metadata = { ...css.metadata, name: cssName };
    for (const ref of Object.values(css.spec.provider.akeyless.authSecretRef.secretRef) as { namespace: string }[]) {
      ref.namespace = renamed[ref.namespace] ?? ref.namespace;
    }
    await apply(OperatorResources.clusterSecretStores, css);
  });

  after(async () => {
    await group.stopAll();
    await client?.delete(OperatorResources.clusterSecretStores, cssName).catch(() => undefined);
    for (const name of [demo, appTest]) await client?.delete(Resources.namespaces, name).catch(() => undefined);
    client?.close();
    rmSync(root, { recursive: true, force: true });
    console.log(`# seed-003 measured (ms): ${JSON.stringify(measured)}`);
  });

  it('the SecretStores (api_key, Kubernetes auth) and the ClusterSecretStore (api_key) turn Ready', async () => {
    await waitReady(OperatorResources.secretStores, 'akeyless-secret-store', demo);
    await waitReady(OperatorResources.secretStores, 'akeyless-k8s-secret-store', demo);
    await waitReady(OperatorResources.clusterSecretStores, cssName);
  });

  let pushedAt = 0;
  let pushedVersion = 0;

  it('PushSecret: the source Secret lands in the store as JSON', async () => {
    cachePass = secretValue('mypassword');
    // `kubectl create secret generic --from-literal=cache-pass=... k8s-created-secret`
    await client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k8s-created-secret', namespace: demo },
      type: 'Opaque',
      data: { 'cache-pass': Buffer.from(cachePass).toString('base64') },
    });
    const started = Date.now();
    await apply(pushSecrets, place(7));
    const item = await waitFor('pushed item', () => storedItem(pushedPath), 45_000);
    measured['PushSecret created -> item in the store'] = Date.now() - started;
    pushedAt = Date.now();
    pushedVersion = item.version;
    assert.equal(item.value, JSON.stringify({ 'cache-pass': cachePass }));
    // ESO's ownership tag: only items carrying it are deleted by a PushSecret.
    assert.deepEqual(item.tags, ['k8s-external-secrets']);
    // The admin reads it back with the CLI too (the name in the manifest has no leading "/").
    const out = await cli('secret-get-pushed', ['secret', 'get', pushedPath, '--profile', 'gateway']);
    assert.equal(out, JSON.stringify({ 'cache-pass': cachePass }));
    await waitReady(pushSecrets, 'push-secret', demo);
  });

  it('ExternalSecret with single values (api_key store on /akeyless-api/v2)', async () => {
    const started = Date.now();
    await apply(OperatorResources.externalSecrets, place(4));
    await waitReady(OperatorResources.externalSecrets, 'akeyless-external-secret', demo);
    measured['first sync (single values)'] = Date.now() - started;
    const secret = await getSecret(demo, 'app-config-secret');
    assert.equal(secret?.type, 'Opaque');
    assert.deepEqual(decoded(secret), { 'api-key': items.apiKey.value, 'db-password': items.dbPassword.value });
    // creationPolicy: Owner
    assert.equal(secret?.metadata?.ownerReferences?.[0]?.name, 'akeyless-external-secret');
  });

  it('the same ExternalSecret through the ClusterSecretStore (/api/v2) and the Kubernetes auth store (/v2)', async () => {
    for (const [suffix, ref] of [
      ['css', { kind: 'ClusterSecretStore', name: cssName }],
      ['k8s', { kind: 'SecretStore', name: 'akeyless-k8s-secret-store' }],
    ] as const) {
      const es = place(4);
      es.metadata = { ...es.metadata, name: `akeyless-external-secret-${suffix}` };
      es.spec.secretStoreRef = ref;
      es.spec.target.name = `app-config-secret-${suffix}`;
      await apply(OperatorResources.externalSecrets, es);
    }
    for (const suffix of ['css', 'k8s']) {
      await waitReady(OperatorResources.externalSecrets, `akeyless-external-secret-${suffix}`, demo);
      const secret = await getSecret(demo, `app-config-secret-${suffix}`);
      assert.equal(secret?.type, 'Opaque');
      assert.deepEqual(decoded(secret), { 'api-key': items.apiKey.value, 'db-password': items.dbPassword.value });
    }
  });

  it('dataFrom.extract splits the JSON item into keys', async () => {
    await apply(OperatorResources.externalSecrets, place(5));
    await waitReady(OperatorResources.externalSecrets, 'akeyless-external-secret-json', demo);
    const secret = await getSecret(demo, 'app-config-json');
    assert.equal(secret?.type, 'Opaque');
    assert.deepEqual(decoded(secret), { username: 'demo', password: jsonPassword });
  });

  it('the certificate item becomes a kubernetes.io/tls Secret with exact tls.crt and tls.key', async () => {
    await apply(OperatorResources.externalSecrets, place(6));
    await waitReady(OperatorResources.externalSecrets, 'akeyless-tls-secret', demo);
    const secret = await getSecret(demo, 'my-tls-secret');
    assert.equal(secret?.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(secret?.data ?? {}).sort(), ['tls.crt', 'tls.key']);
    assert.ok(
      Buffer.from(secret?.data?.['tls.crt'] ?? '', 'base64').equals(Buffer.from(tls.certificatePem)),
      'tls.crt differs from certificate_pem',
    );
    assert.ok(
      Buffer.from(secret?.data?.['tls.key'] ?? '', 'base64').equals(Buffer.from(tls.privateKeyPem)),
      'tls.key differs from private_key_pem',
    );
  });

  it('Azure AD example: accessType azure_ad is refused with a clear reason; with api_key credentials it syncs', async () => {
    // The guide's Azure credentials Secret, as written (Custos has no cloud identities).
    await client.create(
      Resources.secrets,
      credentialsSecret(appTest, 'akeyless-azure-creds', 'p-xxxxx', 'azure_ad', ''),
    );
    const store = place(8, { url: gatewayUrl, ca: 'bundle' });
    await apply(OperatorResources.secretStores, store);
    // `serviceAccountRef` directly under `akeyless` is no field of the provider: the API server drops it.
    const stored = await client.get<Manifest>(OperatorResources.secretStores, 'akeyless-store', {
      namespace: appTest,
    });
    assert.equal(stored.spec.provider.akeyless.serviceAccountRef, undefined);
    const refused = await waitFor(
      'akeyless-store Ready=False',
      async () => {
        const c = await ready(OperatorResources.secretStores, 'akeyless-store', appTest);
        return c?.status === 'False' ? c : undefined;
      },
      45_000,
    );
    console.log(`# azure_ad store: ${refused.reason}: ${refused.message}`);
    assert.match(refused.message ?? '', /accessType azure_ad \(cloud identity\) is not supported by Custos/);
    await apply(OperatorResources.externalSecrets, place(9));
    const failed = await waitFor(
      'app-api-secret Ready=False',
      async () => {
        const c = await ready(OperatorResources.externalSecrets, 'app-api-secret', appTest);
        return c?.status === 'False' ? c : undefined;
      },
      45_000,
    );
    console.log(`# azure_ad ExternalSecret: ${failed.reason}: ${failed.message}`);
    assert.equal(await getSecret(appTest, 'app-api-secret'), undefined);

    // The same Secret with api_key credentials. A store re-validates when its spec changes or on its requeue
    // interval (5 m), not when a Secret it reads changes: the guide's SecretStore is applied again. The
    // ExternalSecret follows the store's Ready=True by itself.
    await client.patch(
      Resources.secrets,
      'akeyless-azure-creds',
      { stringData: { accessId: apiKey.accessId, accessType: 'api_key', accessTypeParam: apiKey.accessKey } },
      { namespace: appTest },
    );
    await client.delete(OperatorResources.secretStores, 'akeyless-store', { namespace: appTest });
    await waitFor(
      'akeyless-store deleted',
      () =>
        client
          .get(OperatorResources.secretStores, 'akeyless-store', { namespace: appTest })
          .then(() => false)
          .catch((error) => isNotFound(error)),
      30_000,
    );
    await apply(OperatorResources.secretStores, place(8, { url: gatewayUrl, ca: 'bundle' }));
    await waitReady(OperatorResources.secretStores, 'akeyless-store', appTest);
    const started = Date.now();
    await waitFor(
      'app-api-secret synced',
      async () => (await ready(OperatorResources.externalSecrets, 'app-api-secret', appTest))?.status === 'True',
      45_000,
    );
    measured['store Ready=True -> failed ExternalSecret synced'] = Date.now() - started;
    const secret = await getSecret(appTest, 'app-api-secret');
    assert.equal(secret?.type, 'Opaque');
    assert.deepEqual(decoded(secret), { 'api-key': items.devops.value });
  });

  it('PushSecret: an unchanged source is not pushed again; a changed one is; deleting it removes the item', async () => {
    // Two refresh intervals (5 s) after the first push, the item still has its first version.
    const deadline = pushedAt + 11_000;
    while (Date.now() < deadline) {
      assert.equal((await storedItem(pushedPath))?.version, pushedVersion, 'an unchanged source was pushed again');
      await sleep(500);
    }
    cachePass = secretValue('mypassword-rotated');
    const started = Date.now();
    await client.patch(
      Resources.secrets,
      'k8s-created-secret',
      { data: { 'cache-pass': Buffer.from(cachePass).toString('base64') } },
      { namespace: demo },
    );
    const item = await waitFor(
      'changed source pushed',
      async () => {
        const i = await storedItem(pushedPath);
        return i?.value === JSON.stringify({ 'cache-pass': cachePass }) ? i : undefined;
      },
      30_000,
    );
    measured['source Secret changed -> item updated (refreshInterval 5s)'] = Date.now() - started;
    assert.equal(item.version, pushedVersion + 1);

    // deletionPolicy: Delete
    await client.delete(pushSecrets, 'push-secret', { namespace: demo });
    await waitFor('pushed item deleted', async () => (await storedItem(pushedPath)) === undefined, 30_000);
  });

  it('no process output and no status holds a secret value', async () => {
    // Printing a credential or value is the job of `store bootstrap`, `auth-method create` (api_key) and
    // `secret get`; every other process (store, gateway, operators, the other CLI calls) is checked.
    const printsByDesign = new Set(['store-bootstrap', 'cli-auth-method-api-key', 'cli-secret-get-pushed']);
    const logs = group.allOutput((name) => !printsByDesign.has(name));
    assert.ok(logs.includes('operator started'));
    // Raw, and as a JSON string would carry it (the processes log JSON lines).
    const escaped = (v: string) => JSON.stringify(v).slice(1, -1);
    for (const v of values) {
      assert.ok(!logs.includes(v) && !logs.includes(escaped(v)), 'a secret value reached a process output');
    }
    const statuses: unknown[] = [];
    for (const namespace of [demo, appTest]) {
      for (const resource of [OperatorResources.externalSecrets, OperatorResources.secretStores, pushSecrets]) {
        const list = await client.list(resource, { namespace });
        statuses.push(...list.items.map((i) => (i as { status?: unknown }).status));
      }
    }
    statuses.push((await client.get<WithStatus>(OperatorResources.clusterSecretStores, cssName)).status);
    const text = JSON.stringify(statuses);
    for (const v of values) assert.ok(!text.includes(escaped(v)), 'a secret value reached a status');
  });
});
