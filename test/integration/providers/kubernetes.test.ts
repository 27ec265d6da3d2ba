// The kubernetes provider against the real control plane: Secrets read with a service account token, a bearer
// token, a client certificate or a kubeconfig, RBAC enforced by the API server, and a second cluster as "remote".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import type { KubernetesProvider } from '../../../src/api/generated/types.js';
import type { ControlPlane } from '../../../src/kube/controlplane/index.js';
import type { SecretsClient, StoreKind } from '../../../src/providers/contract.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../../../src/providers/errors.js';
import { KubernetesSecretsProvider } from '../../../src/providers/kubernetes/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const texts = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));

const ONE = '{"name":{"first":"Tom"},"user":"admin","port":5432,"friends":[{"first":"Dale"},{"first":"Roger"}]}';
const SECRET_VALUES = ['Tom', 'Dale', 'plain-value', 'correct'];

function assertNoSecretValues(message: string): void {
  for (const value of SECRET_VALUES) assert.ok(!message.includes(value), `error message leaks "${value}": ${message}`);
}

describe('kubernetes provider on a real control plane', { skip: integration.skipReason }, () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let rbac: RbacAuthorizationV1Api;
  let storeNs: string;
  let remoteNs: string;
  const provider = new KubernetesSecretsProvider();

  const caProvider = { type: 'ConfigMap' as const, name: 'kube-root-ca.crt', key: 'ca.crt' };

  function client(spec: KubernetesProvider, kind: StoreKind = 'SecretStore', namespace = storeNs) {
    return provider.newClient({
      store: {
        kind,
        name: 'k8s',
        namespace: kind === 'SecretStore' ? storeNs : undefined,
        spec: { provider: { kubernetes: spec } },
      },
      namespace,
      kube: { kubeConfig: kc },
    });
  }

  const saStore = (name: string, extra: Partial<KubernetesProvider> = {}): KubernetesProvider => ({
    server: { url: 'kubernetes.default', caProvider },
    auth: { serviceAccount: { name } },
    remoteNamespace: remoteNs,
    ...extra,
  });

  async function grant(sa: string, verbs: string[]): Promise<void> {
    await rbac.createNamespacedRole({
      namespace: remoteNs,
      body: { metadata: { name: sa }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: remoteNs,
      body: {
        metadata: { name: sa },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace: storeNs }],
      },
    });
  }

  before(async () => {
    ({ kc } = await integration.cluster());
    core = kc.makeApiClient(CoreV1Api);
    rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    storeNs = uniqueName('k8sp-store');
    remoteNs = uniqueName('k8sp-remote');
    for (const name of [storeNs, remoteNs]) await core.createNamespace({ body: { metadata: { name } } });
    for (const name of ['reader', 'writer', 'nobody']) {
      await core.createNamespacedServiceAccount({ namespace: storeNs, body: { metadata: { name } } });
    }
    await grant('reader', ['get', 'list']);
    await grant('writer', ['get', 'list', 'create', 'update', 'delete']);
    await core.createNamespacedSecret({
      namespace: remoteNs,
      body: {
        metadata: { name: 'app', labels: { app: 'custos-test', tier: 'db' }, annotations: { note: 'x<&>' } },
        stringData: { one: ONE, two: 'plain-value', 'file.png': 'correct', file: '{"png":"wrong"}' },
      },
    });
    await core.createNamespacedSecret({
      namespace: remoteNs,
      body: { metadata: { name: 'other', labels: { app: 'custos-test' } }, stringData: { k: 'v' } },
    });
    await core.createNamespacedSecret({
      namespace: remoteNs,
      body: { metadata: { name: 'unrelated' }, stringData: { u: '1' } },
    });
    // kube-controller-manager publishes the cluster CA into every namespace shortly after it is created.
    for (let i = 0; ; i++) {
      try {
        await core.readNamespacedConfigMap({ namespace: storeNs, name: 'kube-root-ca.crt' });
        break;
      } catch (error) {
        if (i > 120) throw error;
        await sleep(250);
      }
    }
  });

  describe('reading with a service account token (TokenRequest)', () => {
    let c: SecretsClient;
    before(async () => {
      c = await client(saStore('reader'));
    });

    it('returns the whole Secret as JSON with sorted keys when no property is given', async () => {
      const expected = JSON.stringify({ file: '{"png":"wrong"}', 'file.png': 'correct', one: ONE, two: 'plain-value' });
      assert.equal(text(await c.getSecret({ key: 'app' })), expected);
    });

    it('reads a data key, preferring a literal dotted key, else a gjson path into the JSON under the first segment', async () => {
      assert.equal(text(await c.getSecret({ key: 'app', property: 'two' })), 'plain-value');
      assert.equal(text(await c.getSecret({ key: 'app', property: 'file.png' })), 'correct');
      assert.equal(text(await c.getSecret({ key: 'app', property: 'one.name.first' })), 'Tom');
      assert.equal(text(await c.getSecret({ key: 'app', property: 'one.friends.1.first' })), 'Roger');
      assert.equal(text(await c.getSecret({ key: 'app', property: 'one.friends.#.first' })), '["Dale","Roger"]');
      assert.equal(text(await c.getSecret({ key: 'app', property: 'one.port' })), '5432');
    });

    it('names the missing property and the Secret, without values', async () => {
      await assert.rejects(c.getSecret({ key: 'app', property: 'one.name.middle' }), (e: unknown) => {
        assert.ok(e instanceof ProviderError && !(e instanceof NoSecretError));
        assert.equal((e as Error).message, 'property one.name.middle does not exist in data of secret "app"');
        return true;
      });
    });

    it('fetches labels and annotations with metadataPolicy Fetch', async () => {
      assert.equal(
        text(await c.getSecret({ key: 'app', metadataPolicy: 'Fetch' })),
        '{"annotations":{"note":"x<&>"},"labels":{"app":"custos-test","tier":"db"}}',
      );
      assert.equal(
        text(await c.getSecret({ key: 'app', metadataPolicy: 'Fetch', property: 'labels' })),
        '{"app":"custos-test","tier":"db"}',
      );
      assert.equal(text(await c.getSecret({ key: 'app', metadataPolicy: 'Fetch', property: 'labels.tier' })), 'db');
      await assert.rejects(
        c.getSecret({ key: 'app', metadataPolicy: 'Fetch', property: 'labels.nope' }),
        /property labels\.nope does not exist in metadata of secret "app"/,
      );
    });

    it('returns the Secret data as a map, or a JSON object under property split into JSON-text values', async () => {
      assert.deepEqual(texts(await c.getSecretMap({ key: 'other' })), { k: 'v' });
      // As ESO does: with a property, every field keeps its JSON encoding (strings stay quoted).
      assert.deepEqual(texts(await c.getSecretMap({ key: 'app', property: 'one' })), {
        name: '{"first":"Tom"}',
        user: '"admin"',
        port: '5432',
        friends: '[{"first":"Dale"},{"first":"Roger"}]',
      });
      assert.deepEqual(texts(await c.getSecretMap({ key: 'app', metadataPolicy: 'Fetch' })), {
        labels: '{"app":"custos-test","tier":"db"}',
        annotations: '{"note":"x<&>"}',
      });
      await assert.rejects(c.getSecretMap({ key: 'app', property: 'nope' }), /property nope does not exist in key app/);
      await assert.rejects(c.getSecretMap({ key: 'app', property: 'two' }), (e: unknown) => {
        assert.match((e as Error).message, /failed to unmarshal secret: invalid JSON format/);
        assertNoSecretValues((e as Error).message);
        return true;
      });
    });

    // As ESO: data[] (getSecret) gets the API's "not found" as a plain error, so the operator fails the sync and
    // keeps the target Secret; only dataFrom[].extract (getSecretMap) signals NoSecretError.
    it('fails getSecret on a missing remote Secret with a plain error naming it, getSecretMap with NoSecretError', async () => {
      for (const ref of [
        { key: 'missing' },
        { key: 'missing', property: 'x' },
        { key: 'missing', metadataPolicy: 'Fetch' as const },
      ]) {
        await assert.rejects(c.getSecret(ref), (e: unknown) => {
          assert.ok(e instanceof ProviderError, `a ProviderError: ${String(e)}`);
          assert.ok(!(e instanceof NoSecretError), 'not NoSecretError, which the operator would skip');
          assert.ok(!(e instanceof ProviderConfigError));
          assert.equal(
            e.message,
            `secrets "missing" not found in namespace "${remoteNs}" (the store's remoteNamespace): ` +
              'create the Secret there or fix remoteRef.key',
          );
          assertNoSecretValues(e.message);
          return true;
        });
      }
      await assert.rejects(c.getSecretMap({ key: 'missing' }), NoSecretError);
      await assert.rejects(c.getSecretMap({ key: 'missing', property: 'one' }), NoSecretError);
      await assert.rejects(c.getSecretMap({ key: 'missing', metadataPolicy: 'Fetch' }), NoSecretError);
    });

    it('finds Secrets by label (tags) and by name regexp, as JSON of their data', async () => {
      assert.deepEqual(Object.keys(await c.getAllSecrets({ tags: { app: 'custos-test' } })).sort(), ['app', 'other']);
      assert.deepEqual(Object.keys(await c.getAllSecrets({ tags: { app: 'custos-test', tier: 'db' } })), ['app']);
      assert.deepEqual(texts(await c.getAllSecrets({ name: { regexp: '^oth' } })), { other: '{"k":"v"}' });
      assert.deepEqual(Object.keys(await c.getAllSecrets({ tags: {} })).sort(), ['app', 'other', 'unrelated']);
      await assert.rejects(c.getAllSecrets({ name: { regexp: '(' } }), ProviderConfigError);
      await assert.rejects(c.getAllSecrets({ tags: { 'bad key': 'x' } }), /unable to validate selector tags/);
    });

    it('validates as Ready when the service account may get Secrets in the remote namespace', async () => {
      assert.deepEqual(await c.validate(), { result: 'Ready' });
    });
  });

  describe('RBAC', () => {
    it('refuses a service account without a Role with a message that says what to grant', async () => {
      const c = await client(saStore('nobody'));
      await assert.rejects(c.getSecret({ key: 'app', property: 'two' }), (e: unknown) => {
        assert.ok(e instanceof ProviderConfigError);
        const message = (e as Error).message;
        assert.match(message, /cannot get resource "secrets"/);
        assert.match(message, new RegExp(`in the namespace "${remoteNs}"`));
        assert.match(message, new RegExp(`grant service account "${storeNs}/nobody" a Role`));
        assertNoSecretValues(message);
        return true;
      });
      const validation = await c.validate();
      assert.equal(validation.result, 'Error');
      assert.match(validation.message ?? '', /client is not allowed to get secrets/);
    });

    it('reports a service account that does not exist', async () => {
      await assert.rejects(client(saStore('ghost')), (e: unknown) => {
        assert.ok(e instanceof ProviderConfigError);
        assert.match((e as Error).message, new RegExp(`service account "${storeNs}/ghost": it does not exist`));
        return true;
      });
    });
  });

  describe('other ways to authenticate and to find the CA', () => {
    it('uses a bearer token from a Secret and the explicit server URL', async () => {
      const { status } = await core.createNamespacedServiceAccountToken({
        namespace: storeNs,
        name: 'reader',
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      await core.createNamespacedSecret({
        namespace: storeNs,
        body: { metadata: { name: 'reader-token' }, stringData: { token: `${status!.token}\n` } },
      });
      const server = kc.getCurrentCluster()!.server;
      const c = await client({
        server: { url: server, caProvider: { type: 'Secret', name: 'ca-secret', key: 'ca.crt' } },
        auth: { token: { bearerToken: { name: 'reader-token', key: 'token' } } },
        remoteNamespace: remoteNs,
      }).catch((e: unknown) => e);
      // The CA Secret does not exist yet: the error names it.
      assert.ok(c instanceof ProviderConfigError);
      assert.match(c.message, new RegExp(`Secret "${storeNs}/ca-secret" does not exist`));
      const ca = await core.readNamespacedConfigMap({ namespace: storeNs, name: 'kube-root-ca.crt' });
      await core.createNamespacedSecret({
        namespace: storeNs,
        body: { metadata: { name: 'ca-secret' }, stringData: { 'ca.crt': ca.data!['ca.crt']! } },
      });
      const ok = await client({
        server: { url: server, caProvider: { type: 'Secret', name: 'ca-secret', key: 'ca.crt' } },
        auth: { token: { bearerToken: { name: 'reader-token', key: 'token' } } },
        remoteNamespace: remoteNs,
      });
      assert.equal(text(await ok.getSecret({ key: 'app', property: 'two' })), 'plain-value');
    });

    it('sends no credentials without auth, which the API server refuses', async () => {
      const c = await client({ server: { caProvider }, remoteNamespace: remoteNs });
      await assert.rejects(c.getSecret({ key: 'app' }), (e: unknown) => {
        assert.ok(e instanceof ProviderConfigError);
        assert.match((e as Error).message, /anonymous requests|Unauthorized|forbidden/);
        return true;
      });
    });

    it('refuses a caBundle that is not a PEM certificate', async () => {
      await assert.rejects(
        client({
          server: { caBundle: Buffer.from('not a certificate').toString('base64') },
          remoteNamespace: remoteNs,
        }),
        /caBundle is not a valid PEM certificate/,
      );
    });

    it('resolves a referent ClusterSecretStore in the namespace of the ExternalSecret', async () => {
      const spec: KubernetesProvider = {
        server: { caProvider: { ...caProvider, namespace: storeNs } },
        auth: { serviceAccount: { name: 'reader' } },
        remoteNamespace: remoteNs,
      };
      const unbound = await client(spec, 'ClusterSecretStore', '');
      assert.equal((await unbound.validate()).result, 'Unknown');
      await assert.rejects(unbound.getSecret({ key: 'app' }), ProviderConfigError);
      const bound = await client(spec, 'ClusterSecretStore', storeNs);
      assert.equal(text(await bound.getSecret({ key: 'app', property: 'two' })), 'plain-value');
    });
  });

  describe('pushing to the remote namespace', () => {
    let w: SecretsClient;
    const source = {
      type: 'Opaque',
      data: { user: Buffer.from('u'), pass: Buffer.from('p<&>') },
      labels: { from: 'local' },
    };
    const readRemote = (name: string) => core.readNamespacedSecret({ namespace: remoteNs, name });
    const decoded = (data: Record<string, string> | undefined) =>
      Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

    before(async () => {
      w = await client(saStore('writer'));
    });

    it('creates the whole Secret, then leaves it untouched when nothing changed', async () => {
      await w.pushSecret(source, { remoteRef: { remoteKey: 'pushed' } });
      const first = await readRemote('pushed');
      assert.deepEqual(decoded(first.data), { user: 'u', pass: 'p<&>' });
      assert.deepEqual(first.metadata?.labels, { from: 'local' });
      await w.pushSecret(source, { remoteRef: { remoteKey: 'pushed' } });
      assert.equal((await readRemote('pushed')).metadata?.resourceVersion, first.metadata?.resourceVersion);
      assert.equal(await w.secretExists({ remoteKey: 'pushed' }), true);
      assert.equal(await w.secretExists({ remoteKey: 'pushed', property: 'nope' }), false);
    });

    it('writes one key into a property, or the whole Secret as JSON into a property', async () => {
      await w.pushSecret(source, { secretKey: 'pass', remoteRef: { remoteKey: 'props', property: 'password' } });
      await w.pushSecret(source, { remoteRef: { remoteKey: 'props', property: 'all' } });
      assert.deepEqual(decoded((await readRemote('props')).data), {
        password: 'p<&>',
        all: '{"pass":"p<&>","user":"u"}',
      });
      await assert.rejects(
        w.pushSecret(source, { secretKey: 'pass', remoteRef: { remoteKey: 'props' } }),
        /requires property in RemoteRef/,
      );
    });

    it('merges labels from PushSecretMetadata and refuses a remoteNamespace override on a SecretStore', async () => {
      const metadata = {
        apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
        kind: 'PushSecretMetadata',
        spec: { labels: { team: 'a' } },
      };
      await w.pushSecret(source, { remoteRef: { remoteKey: 'labelled' }, metadata });
      assert.deepEqual((await readRemote('labelled')).metadata?.labels, { from: 'local', team: 'a' });
      await assert.rejects(
        w.pushSecret(source, {
          remoteRef: { remoteKey: 'x' },
          metadata: { ...metadata, spec: { remoteNamespace: 'elsewhere' } },
        }),
        /remoteNamespace override is only supported with ClusterSecretStore/,
      );
    });

    it('deletes a property while others remain, then the whole Secret', async () => {
      await w.deleteSecret({ remoteKey: 'props', property: 'password' });
      assert.deepEqual(Object.keys((await readRemote('props')).data ?? {}), ['all']);
      await w.deleteSecret({ remoteKey: 'props', property: 'all' });
      assert.equal(await w.secretExists({ remoteKey: 'props' }), false);
      await w.deleteSecret({ remoteKey: 'props' }); // already gone: fine
    });

    it('is refused for a service account that may only read', async () => {
      const r = await client(saStore('reader'));
      await assert.rejects(r.pushSecret(source, { remoteRef: { remoteKey: 'nope' } }), (e: unknown) => {
        assert.ok(e instanceof ProviderConfigError);
        assert.match((e as Error).message, /cannot create resource "secrets"/);
        return true;
      });
    });
  });

  describe('a second cluster as the remote', () => {
    let remote: ControlPlane;
    let remoteKubeconfig: string;

    before(async () => {
      remote = await integration.startPrivate();
      remoteKubeconfig = readFileSync(remote.kubeconfigPath, 'utf8');
      const { CoreV1Api: Core, KubeConfig: Kc } = await import('@kubernetes/client-node');
      const rkc = new Kc();
      rkc.loadFromString(remoteKubeconfig);
      const rcore = rkc.makeApiClient(Core);
      await rcore.createNamespace({ body: { metadata: { name: 'far' } } });
      await rcore.createNamespacedSecret({
        namespace: 'far',
        body: { metadata: { name: 'remote-app' }, stringData: { password: 'from-the-other-cluster' } },
      });
      const user = (parseYaml(remoteKubeconfig) as { users: { user: Record<string, string> }[] }).users[0]!.user;
      await core.createNamespacedSecret({
        namespace: storeNs,
        body: {
          metadata: { name: 'remote-access' },
          data: {
            kubeconfig: Buffer.from(remoteKubeconfig).toString('base64'),
            'tls.crt': user['client-certificate-data']!,
            'tls.key': user['client-key-data']!,
          },
        },
      });
    });

    after(async () => {
      await remote?.stop();
    });

    it('reads with a client certificate, the server URL and a caBundle', async () => {
      const c = await client({
        server: { url: remote.server, caBundle: Buffer.from(remote.caPem).toString('base64') },
        auth: {
          cert: {
            clientCert: { name: 'remote-access', key: 'tls.crt' },
            clientKey: { name: 'remote-access', key: 'tls.key' },
          },
        },
        remoteNamespace: 'far',
      });
      assert.equal(text(await c.getSecret({ key: 'remote-app', property: 'password' })), 'from-the-other-cluster');
      assert.deepEqual(await c.validate(), { result: 'Ready' });
    });

    it('reads with a kubeconfig from authRef', async () => {
      const c = await client({ authRef: { name: 'remote-access', key: 'kubeconfig' }, remoteNamespace: 'far' });
      assert.equal(text(await c.getSecret({ key: 'remote-app', property: 'password' })), 'from-the-other-cluster');
    });

    it('refuses a CA that does not vouch for the remote server', async () => {
      const ca = await core.readNamespacedConfigMap({ namespace: storeNs, name: 'kube-root-ca.crt' });
      const c = await client({
        server: { url: remote.server, caBundle: Buffer.from(ca.data!['ca.crt']!).toString('base64') },
        auth: {
          cert: {
            clientCert: { name: 'remote-access', key: 'tls.crt' },
            clientKey: { name: 'remote-access', key: 'tls.key' },
          },
        },
        remoteNamespace: 'far',
      });
      await assert.rejects(c.getSecret({ key: 'remote-app' }), (e: unknown) => {
        assert.ok(e instanceof ProviderConfigError);
        assert.match((e as Error).message, /check server\.caBundle/);
        return true;
      });
    });

    it('refuses kubeconfigs that would run programs or read files', async () => {
      const doc = parseYaml(remoteKubeconfig) as { users: { user: Record<string, unknown> }[] };
      doc.users[0]!.user = {
        exec: { command: '/bin/sh', args: ['-c', 'id'], apiVersion: 'client.authentication.k8s.io/v1' },
      };
      await core.createNamespacedSecret({
        namespace: storeNs,
        body: { metadata: { name: 'exec-kubeconfig' }, stringData: { kubeconfig: JSON.stringify(doc) } },
      });
      await assert.rejects(
        client({ authRef: { name: 'exec-kubeconfig', key: 'kubeconfig' }, remoteNamespace: 'far' }),
        /uses user\.exec, which Custos does not accept/,
      );
    });
  });
});
