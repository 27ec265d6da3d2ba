// The akeyless provider on the real control plane: credentials read from real Secrets (authSecretRef.secretRef),
// Kubernetes auth with a ServiceAccount token requested through the real API server and checked by the Akeyless
// double with a real TokenReview, a JWT kept in a Secret, and caBundle / caProvider against an HTTPS double.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthenticationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AkeylessProvider } from '../../../src/api/generated/types.js';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { AkeylessSecretsProvider } from '../../../src/providers/akeyless/index.js';
import type { StoreKind } from '../../../src/providers/contract.js';
import { ProviderConfigError } from '../../../src/providers/errors.js';
import { AkeylessApiDouble } from '../../helpers/akeyless-api-double.js';
import { integration, uniqueName } from '../../helpers/cluster.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const ACCESS_KEY = 'ak-integration-KEY';
const AUDIENCE = 'akeyless-gw.example';

describe('akeyless provider on a real control plane', { skip: integration.skipReason }, () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns: string;
  let credsNs: string;
  let api: AkeylessApiDouble;
  let caPem: string;
  let tlsDir: string;
  const reviews: { username?: string; audiences?: string[]; authenticated?: boolean }[] = [];

  function client(spec: AkeylessProvider, kind: StoreKind = 'SecretStore', provider = new AkeylessSecretsProvider()) {
    return provider.newClient({
      store: {
        kind,
        name: 'akl',
        namespace: kind === 'SecretStore' ? ns : undefined,
        spec: { provider: { akeyless: spec } },
      },
      namespace: ns,
      kube: { kubeConfig: kc },
    });
  }

  const caBundle = () => Buffer.from(caPem).toString('base64');
  const secretRefAuth = (namespace?: string): AkeylessProvider['authSecretRef'] => {
    const ref = (key: string) => ({ name: 'akeyless-creds', key, ...(namespace ? { namespace } : {}) });
    return {
      secretRef: { accessID: ref('accessId'), accessType: ref('accessType'), accessTypeParam: ref('accessTypeParam') },
    };
  };

  before(async () => {
    ({ kc } = await integration.cluster());
    core = kc.makeApiClient(CoreV1Api);
    const reviewer = kc.makeApiClient(AuthenticationV1Api);
    tlsDir = mkdtempSync(join(tmpdir(), 'akeyless-tls-'));
    const tls = await loadOrCreateServingCertificate(tlsDir, ['127.0.0.1']);
    caPem = tls.caPem ?? '';
    api = await AkeylessApiDouble.start({ tls: { key: tls.keyPem, cert: tls.certPem }, prefix: '/api/v2' });
    api.methods.set('p-apikey', { accessKey: ACCESS_KEY, allow: ['/app/'] });
    // The gateway side of Kubernetes auth: a real TokenReview against the control plane.
    const review = async (jwt: string) => {
      const res = await reviewer.createTokenReview({ body: { spec: { token: jwt, audiences: [AUDIENCE] } } });
      reviews.push({
        username: res.status?.user?.username,
        audiences: res.status?.audiences,
        authenticated: res.status?.authenticated,
      });
      return (
        res.status?.authenticated === true &&
        res.status.user?.username === `system:serviceaccount:${ns}:akeyless-reader`
      );
    };
    api.methods.set('p-k8s', { k8s: { confName: 'dev-cluster', review }, allow: ['/app/'] });
    api.setStatic('/app/db', '{"user":"admin","password":"pw-from-akeyless"}');

    ns = uniqueName('akl-store');
    credsNs = uniqueName('akl-creds');
    for (const name of [ns, credsNs]) await core.createNamespace({ body: { metadata: { name } } });
    for (const namespace of [ns, credsNs]) {
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: 'akeyless-creds' },
          stringData: { accessId: 'p-apikey', accessType: 'api_key', accessTypeParam: ACCESS_KEY },
        },
      });
    }
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'akeyless-reader' } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'someone-else' } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'gw-ca' }, data: { 'ca.crt': caPem } },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'gw-ca' }, stringData: { 'ca.crt': caPem } },
    });
  });

  after(async () => {
    await api?.close();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
    for (const name of [ns, credsNs]) if (name) await core.deleteNamespace({ name }).catch(() => {});
  });

  it('reads accessID/accessType/accessTypeParam from real Secrets and logs in with access_key (caBundle)', async () => {
    const c = await client({ akeylessGWApiURL: api.url, authSecretRef: secretRefAuth(), caBundle: caBundle() });
    assert.equal(text(await c.getSecret({ key: '/app/db', property: 'password' })), 'pw-from-akeyless');
    assert.deepEqual(api.calls('auth').at(-1), {
      'access-id': 'p-apikey',
      'access-type': 'access_key',
      'access-key': ACCESS_KEY,
    });
    assert.deepEqual(await c.validate(), { result: 'Ready' });
  });

  it('a ClusterSecretStore reads its credentials in the namespaces the refs name (caProvider ConfigMap)', async () => {
    const spec: AkeylessProvider = {
      akeylessGWApiURL: api.url,
      authSecretRef: secretRefAuth(credsNs),
      caProvider: { type: 'ConfigMap', name: 'gw-ca', key: 'ca.crt', namespace: ns },
    };
    const c = await client(spec, 'ClusterSecretStore');
    assert.deepEqual(
      Object.fromEntries(Object.entries(await c.getSecretMap({ key: '/app/db' })).map(([k, v]) => [k, text(v)])),
      { user: 'admin', password: 'pw-from-akeyless' },
    );
  });

  it('kubernetesAuth: requests a ServiceAccount token from the API server and sends it as access_type k8s', async () => {
    const before = api.calls('auth').length;
    const c = await client({
      akeylessGWApiURL: api.url,
      caProvider: { type: 'Secret', name: 'gw-ca', key: 'ca.crt' },
      authSecretRef: {
        kubernetesAuth: {
          accessID: 'p-k8s',
          k8sConfName: 'dev-cluster',
          serviceAccountRef: { name: 'akeyless-reader', audiences: [AUDIENCE] },
        },
      },
    });
    assert.equal(text(await c.getSecret({ key: '/app/db', property: 'user' })), 'admin');
    const auth = api.calls('auth').slice(before);
    assert.equal(auth.length, 1);
    const body = auth[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [
      'access-id',
      'access-type',
      'k8s-auth-config-name',
      'k8s-service-account-token',
    ]);
    assert.equal(body['access-type'], 'k8s');
    assert.equal(body['k8s-auth-config-name'], 'dev-cluster');
    const jwt = Buffer.from(String(body['k8s-service-account-token']), 'base64').toString('utf8');
    assert.match(jwt, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'the base64 body field holds a JWT');
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as {
      aud: string[];
      exp: number;
      iat: number;
    };
    assert.deepEqual(claims.aud, [AUDIENCE]);
    assert.ok(claims.exp - claims.iat <= 3600, 'a short-lived TokenRequest token');
    assert.deepEqual(reviews.at(-1), {
      username: `system:serviceaccount:${ns}:akeyless-reader`,
      audiences: [AUDIENCE],
      authenticated: true,
    });
    // The Akeyless token is cached: a second client does not request another ServiceAccount token or log in again.
    const provider = new AkeylessSecretsProvider();
    const shared = async () => {
      const spec: AkeylessProvider = {
        akeylessGWApiURL: api.url,
        caBundle: caBundle(),
        authSecretRef: {
          kubernetesAuth: {
            accessID: 'p-k8s',
            k8sConfName: 'dev-cluster',
            serviceAccountRef: { name: 'akeyless-reader', audiences: [AUDIENCE] },
          },
        },
      };
      return (await client(spec, 'SecretStore', provider)).getSecret({ key: '/app/db' });
    };
    const beforeShared = api.calls('auth').length;
    await shared();
    await shared();
    assert.equal(api.calls('auth').length - beforeShared, 1, 'one login per provider for the same identity');
  });

  it('kubernetesAuth: the gateway refusing the ServiceAccount is a configuration error', async () => {
    const c = await client({
      akeylessGWApiURL: api.url,
      caBundle: caBundle(),
      authSecretRef: {
        kubernetesAuth: {
          accessID: 'p-k8s',
          k8sConfName: 'dev-cluster',
          serviceAccountRef: { name: 'someone-else', audiences: [AUDIENCE] },
        },
      },
    });
    await assert.rejects(c.getSecret({ key: '/app/db' }), (e) => {
      assert.ok(e instanceof ProviderConfigError);
      assert.match(
        (e as Error).message,
        /access ID p-k8s failed: auth failed: the service account token was not accepted/,
      );
      return true;
    });
  });

  it('kubernetesAuth.secretRef: sends the JWT kept in a Secret (key "token" by default)', async () => {
    const issued = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'akeyless-reader',
      body: { spec: { audiences: [AUDIENCE], expirationSeconds: 600 } },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'sa-jwt' }, stringData: { token: issued.status?.token ?? '' } },
    });
    const c = await client({
      akeylessGWApiURL: api.url,
      caBundle: caBundle(),
      authSecretRef: {
        kubernetesAuth: { accessID: 'p-k8s', k8sConfName: 'dev-cluster', secretRef: { name: 'sa-jwt' } },
      },
    });
    assert.equal(text(await c.getSecret({ key: '/app/db', property: 'user' })), 'admin');
    const body = api.calls('auth').at(-1) as Record<string, unknown>;
    assert.equal(
      Buffer.from(String(body['k8s-service-account-token']), 'base64').toString('utf8'),
      issued.status?.token,
    );
  });

  it('refuses a server certificate the configured CA does not vouch for', async () => {
    const c = await client({ akeylessGWApiURL: api.url, authSecretRef: secretRefAuth() });
    await assert.rejects(c.getSecret({ key: '/app/db' }), (e) => {
      assert.ok(e instanceof ProviderConfigError, String(e));
      assert.match((e as Error).message, /check caBundle \/ caProvider/);
      return true;
    });
  });

  it('names the missing credentials Secret', async () => {
    const spec: AkeylessProvider = {
      akeylessGWApiURL: api.url,
      caBundle: caBundle(),
      authSecretRef: {
        secretRef: { accessID: { name: 'nope', key: 'accessId' }, accessType: { name: 'nope', key: 'accessType' } },
      },
    };
    await assert.rejects(client(spec), (e) => {
      assert.ok(e instanceof ProviderConfigError);
      assert.match((e as Error).message, new RegExp(`Secret "${ns}/nope" does not exist`));
      return true;
    });
  });
});
