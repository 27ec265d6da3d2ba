// The vault provider against a real Vault (tools/vault-dev: Vault v1.21.4's own core and HTTP API) and the real
// control plane: KV v2 and v1 reads (versions, properties, custom_metadata), find by name and tags, PushSecret and
// DeleteSecret with ESO's ownership marker and check-and-set, every login the tests can stand up for real
// (token, userpass, AppRole, Kubernetes with Vault calling the API server's TokenReview, JWT with the API server's
// service account signing key), the shared login token and its renewal after a revocation, and no secret value in
// any error.
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { SecretStoreSpec, VaultProvider } from '../../../src/api/generated/types.js';
import { createControlPlanePki } from '../../../src/kube/controlplane/pki.js';
import type { SecretsClient, StoreKind } from '../../../src/providers/contract.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../../../src/providers/errors.js';
import { VaultSecretsProvider } from '../../../src/providers/vault/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { type LdapServer, ldapSkipReason, startLdap } from '../../helpers/ldap-server.js';
import { startVault, type VaultServer, vaultBuildOrSkip } from '../../helpers/vault-server.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const texts = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));

const PASSWORD = 'userpass-Pw-7731';
const LDAP_PASSWORD = 'ldap-Pw-5519';
const SECRET_VALUES = ['s3cr3t-db-pass', 'cache-pw-99', PASSWORD, 'approle-secret-id', LDAP_PASSWORD];

function assertNoSecretValues(message: string): void {
  for (const value of SECRET_VALUES) assert.ok(!message.includes(value), `message leaks "${value}": ${message}`);
}

const vaultBuild = integration.skipReason ? {} : vaultBuildOrSkip();
const skip = integration.skipReason ?? vaultBuild.skip;
const ldapSkip = skip ? undefined : ldapSkipReason();

describe('vault provider against a real Vault and control plane', { skip }, () => {
  let vault: VaultServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns: string;
  let server: string;
  let calls: string[] = [];
  const provider = new VaultSecretsProvider();

  async function bao(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await vault.request(method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body ?? {}) as Record<string, unknown>;
  }

  async function secret(name: string, data: Record<string, string>): Promise<void> {
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
  }

  function client(spec: Partial<VaultProvider>, extra: Partial<SecretStoreSpec> = {}, kind: StoreKind = 'SecretStore') {
    return provider.newClient({
      store: {
        kind,
        name: 'vault',
        namespace: kind === 'SecretStore' ? ns : undefined,
        spec: { provider: { vault: { server: vault.address, path: 'secret', version: 'v2', ...spec } }, ...extra },
      },
      namespace: ns,
      kube: { kubeConfig: kc },
      apiCalls: (call, failed) => calls.push(`${call}${failed ? ' error' : ''}`),
    });
  }

  const rootAuth = { tokenSecretRef: { name: 'vault-token', key: 'token' } };

  before(async () => {
    let cluster: Awaited<ReturnType<typeof integration.cluster>>;
    [cluster, vault] = await Promise.all([integration.cluster(), startVault({ binary: vaultBuild.binary })]);
    kc = cluster.kc;
    server = cluster.server;
    core = kc.makeApiClient(CoreV1Api);
    ns = uniqueName('vault-prov');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await secret('vault-token', { token: vault.rootToken });
    await bao('POST', 'secret/data/app/db', { data: { user: 'admin', password: 's3cr3t-db-pass', port: 5432 } });
    await bao('POST', 'secret/data/app/db', {
      data: { user: 'admin', password: 's3cr3t-db-pass', port: 5432, big: 1e21, nested: { host: 'db<1>', tls: true } },
    });
    await bao('POST', 'secret/metadata/app/db', { custom_metadata: { team: 'payments', tier: 'db' } });
    await bao('POST', 'secret/data/app/cache', { data: { password: 'cache-pw-99' } });
    await bao('POST', 'secret/metadata/app/cache', { custom_metadata: { team: 'payments', tier: 'cache' } });
    await bao('POST', 'secret/data/other', { data: { k: 'v' } });
    await bao('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
    await bao('POST', 'kv1/legacy', { user: 'old', n: 7 });
  });

  after(async () => {
    await vault?.stop();
  });

  describe('reads', () => {
    let c: SecretsClient;
    before(async () => {
      c = await client({ auth: rootAuth });
    });

    it('a whole secret is its JSON as ESO writes it: keys sorted, numbers as Vault answers them, HTML escaped', async () => {
      assert.equal(
        text(await c.getSecret({ key: 'app/db' })),
        '{"big":1e+21,"nested":{"host":"db\\u003c1\\u003e","tls":true},"password":"s3cr3t-db-pass","port":5432,"user":"admin"}',
      );
    });

    it('a property is a key, else a gjson path; a version reads an older write', async () => {
      assert.equal(text(await c.getSecret({ key: 'app/db', property: 'password' })), 's3cr3t-db-pass');
      assert.equal(text(await c.getSecret({ key: 'app/db', property: 'big' })), '1e+21');
      assert.equal(text(await c.getSecret({ key: 'app/db', property: 'nested.host' })), 'db<1>');
      assert.equal(text(await c.getSecret({ key: 'secret/app/db', property: 'user' })), 'admin', 'mount prefix');
      assert.equal(text(await c.getSecret({ key: 'app/db', version: '1' })).includes('nested'), false);
    });

    it('a missing key is "does not exist"; a missing property names the property', async () => {
      await assert.rejects(c.getSecret({ key: 'app/nope' }), NoSecretError);
      await assert.rejects(c.getSecret({ key: 'app/db', property: 'pasword' }), (error: Error) => {
        assert.ok(error instanceof ProviderError && !(error instanceof NoSecretError));
        assert.equal(error.message, 'cannot find secret data for key: "pasword"');
        return true;
      });
    });

    it('an extract splits the secret; metadataPolicy Fetch reads custom_metadata', async () => {
      // An extract decodes numbers as Go floats, as ESO's does: no exponent.
      assert.deepEqual(texts(await c.getSecretMap({ key: 'app/db' })), {
        big: '1000000000000000000000',
        nested: '{"host":"db\\u003c1\\u003e","tls":true}',
        password: 's3cr3t-db-pass',
        port: '5432',
        user: 'admin',
      });
      assert.deepEqual(texts(await c.getSecretMap({ key: 'app/db', metadataPolicy: 'Fetch' })), {
        team: 'payments',
        tier: 'db',
      });
      assert.equal(text(await c.getSecret({ key: 'app/db', metadataPolicy: 'Fetch', property: 'tier' })), 'db');
      assert.equal(text(await c.getSecret({ key: 'other', metadataPolicy: 'Fetch' })), '');
    });

    it('finds by name across folders, by path, and by custom_metadata tags', async () => {
      assert.deepEqual(Object.keys(await c.getAllSecrets({ name: { regexp: '^app/' } })).sort(), [
        'app/cache',
        'app/db',
      ]);
      assert.deepEqual(Object.keys(await c.getAllSecrets({ path: 'app', name: { regexp: 'db' } })), ['app/db']);
      const byTag = await c.getAllSecrets({ tags: { team: 'payments', tier: 'cache' } });
      assert.deepEqual(texts(byTag), { 'app/cache': '{"password":"cache-pw-99"}' });
    });

    it('reads a KV v1 engine, and refuses what v1 cannot do with a reason', async () => {
      const v1 = await client({ auth: rootAuth, path: 'kv1', version: 'v1' });
      assert.equal(text(await v1.getSecret({ key: 'legacy' })), '{"n":7,"user":"old"}');
      assert.deepEqual(Object.keys(await v1.getAllSecrets({ name: { regexp: 'leg' } })), ['legacy']);
      await assert.rejects(v1.getAllSecrets({ tags: { a: 'b' } }), /kv version v1/);
      await assert.rejects(v1.getSecret({ key: 'legacy', metadataPolicy: 'Fetch' }), /kv version v1/);
    });

    it('a ClusterSecretStore without namespaces in its refs reads them where it is used (referent)', async () => {
      const referent = (namespace: string) =>
        provider.newClient({
          store: {
            kind: 'ClusterSecretStore',
            name: 'v',
            spec: { provider: { vault: { server: vault.address, path: 'secret', auth: rootAuth } } },
          },
          namespace,
          kube: { kubeConfig: kc },
        });
      assert.equal((await (await referent('')).validate()).result, 'Unknown');
      assert.equal(text(await (await referent(ns)).getSecret({ key: 'other', property: 'k' })), 'v');
      await assert.rejects(referent('default'), /Secret "default\/vault-token" does not exist/);
    });

    it('validates: Ready with a good token, Error naming the cause with a bad one', async () => {
      assert.deepEqual(await c.validate(), { result: 'Ready' });
      await secret('bad-token', { token: 'hvs.not-a-token' });
      const bad = await client({ auth: { tokenSecretRef: { name: 'bad-token', key: 'token' } } });
      const result = await bad.validate();
      assert.equal(result.result, 'Error');
      assert.match(result.message ?? '', /invalid vault credentials: .*(permission denied|invalid token).*HTTP 403/);
    });
  });

  describe('push and delete', () => {
    let c: SecretsClient;
    const source = { data: { user: Buffer.from('svc'), password: Buffer.from('pushed-pw') } };
    const meta = async (key: string) =>
      ((await bao('GET', `secret/metadata/${key}`)).data ?? {}) as {
        current_version: number;
        custom_metadata: Record<string, string> | null;
      };
    before(async () => {
      c = await client({ auth: rootAuth });
    });

    it('pushes a whole Secret as one Vault secret marked managed-by external-secrets', async () => {
      await c.pushSecret(source, { remoteRef: { remoteKey: 'pushed/whole' } });
      const read = (await bao('GET', 'secret/data/pushed/whole')).data as { data: Record<string, string> };
      assert.deepEqual(read.data, { password: 'pushed-pw', user: 'svc' });
      assert.deepEqual((await meta('pushed/whole')).custom_metadata, { 'managed-by': 'external-secrets' });
      assert.equal(await c.secretExists({ remoteKey: 'pushed/whole' }), true);
      assert.equal(await c.secretExists({ remoteKey: 'pushed/whole', property: 'nope' }), false);
    });

    it('writes nothing when the value is already there (no new version)', async () => {
      const before = (await meta('pushed/whole')).current_version;
      await c.pushSecret(source, { remoteRef: { remoteKey: 'pushed/whole' } });
      assert.equal((await meta('pushed/whole')).current_version, before);
    });

    it('merges a property into the secret, and deletes only that property', async () => {
      await c.pushSecret(source, { secretKey: 'password', remoteRef: { remoteKey: 'pushed/props', property: 'pw' } });
      await c.pushSecret(source, { secretKey: 'user', remoteRef: { remoteKey: 'pushed/props', property: 'name' } });
      const read = async () => ((await bao('GET', 'secret/data/pushed/props')).data as { data: unknown }).data;
      assert.deepEqual(await read(), { name: 'svc', pw: 'pushed-pw' });
      await c.deleteSecret({ remoteKey: 'pushed/props', property: 'pw' });
      assert.deepEqual(await read(), { name: 'svc' });
      await c.deleteSecret({ remoteKey: 'pushed/props' });
      assert.equal((await vault.request('GET', 'secret/metadata/pushed/props')).status, 404);
    });

    it('never overwrites or deletes a secret it does not manage', async () => {
      await assert.rejects(
        c.pushSecret(source, { secretKey: 'password', remoteRef: { remoteKey: 'app/cache', property: 'password' } }),
        /exists and is not managed by external-secrets/,
      );
      await c.deleteSecret({ remoteKey: 'app/cache' });
      const read = (await bao('GET', 'secret/data/app/cache')).data as { data: Record<string, string> };
      assert.deepEqual(read.data, { password: 'cache-pw-99' });
    });

    it('with checkAndSet.required, writes name the version they replace', async () => {
      await bao('POST', 'sys/mounts/cas', { type: 'kv', options: { version: '2' } });
      await bao('POST', 'cas/config', { cas_required: true });
      const cas = await client({ auth: rootAuth, path: 'cas', checkAndSet: { required: true } });
      await cas.pushSecret(source, { remoteRef: { remoteKey: 'x' } });
      await cas.pushSecret(source, { secretKey: 'user', remoteRef: { remoteKey: 'x', property: 'user2' } });
      const read = (await bao('GET', 'cas/data/x')).data as { data: unknown; metadata: { version: number } };
      assert.deepEqual(read.data, { password: 'pushed-pw', user: 'svc', user2: 'svc' });
      assert.equal(read.metadata.version, 2);
      // Without check-and-set, the engine refuses the write: the store's flag is what makes it work.
      const plain = await client({ auth: rootAuth, path: 'cas' });
      await assert.rejects(
        plain.pushSecret(source, { secretKey: 'user', remoteRef: { remoteKey: 'x', property: 'u3' } }),
        /check-and-set/,
      );
    });

    it('pushes into KV v1 with the marker inside the data', async () => {
      const v1 = await client({ auth: rootAuth, path: 'kv1', version: 'v1' });
      await v1.pushSecret(source, { secretKey: 'user', remoteRef: { remoteKey: 'pushed', property: 'u' } });
      assert.deepEqual((await bao('GET', 'kv1/pushed')).data, {
        custom_metadata: { 'managed-by': 'external-secrets' },
        u: 'svc',
      });
      await v1.deleteSecret({ remoteKey: 'pushed', property: 'u' });
      assert.equal((await vault.request('GET', 'kv1/pushed')).status, 404);
    });
  });

  describe('logins', () => {
    before(async () => {
      await bao('PUT', 'sys/policies/acl/reader', {
        policy:
          'path "secret/data/*" { capabilities = ["read"] }\npath "secret/metadata/*" { capabilities = ["read", "list"] }',
      });
      await bao('POST', 'sys/auth/userpass', { type: 'userpass' });
      await bao('POST', 'auth/userpass/users/reader', { password: PASSWORD, token_policies: ['reader'] });
      await secret('userpass', { password: PASSWORD, wrong: 'not-the-password' });
    });

    it('userpass: logs in once for many clients of the same identity, and reads', async () => {
      calls = [];
      const spec = {
        auth: { userPass: { path: 'userpass', username: 'reader', secretRef: { name: 'userpass', key: 'password' } } },
      };
      const clients = await Promise.all([client(spec), client(spec), client(spec)]);
      for (const c of clients) assert.equal(text(await c.getSecret({ key: 'app/db', property: 'user' })), 'admin');
      assert.equal(calls.filter((c) => c === 'Login').length, 1, calls.join(', '));
    });

    it('a revoked cached token is replaced by one new login, and the read succeeds', async () => {
      const spec = {
        auth: { userPass: { path: 'userpass', username: 'reader', secretRef: { name: 'userpass', key: 'password' } } },
      };
      const c = await client(spec);
      const accessors = (await bao('GET', 'auth/token/accessors?list=true')).data as { keys: string[] };
      for (const accessor of accessors.keys) {
        const info = (await bao('POST', 'auth/token/lookup-accessor', { accessor })).data as { path: string };
        if (info.path.startsWith('auth/userpass/')) await bao('POST', 'auth/token/revoke-accessor', { accessor });
      }
      calls = [];
      assert.equal(text(await c.getSecret({ key: 'app/db', property: 'user' })), 'admin');
      assert.deepEqual(calls, ['ReadSecretData error', 'LookupSelf error', 'Login', 'ReadSecretData']);
    });

    it('shutdown revokes the login tokens the provider kept, never a static token', async () => {
      const own = new VaultSecretsProvider();
      const userpass = {
        userPass: { path: 'userpass', username: 'reader', secretRef: { name: 'userpass', key: 'password' } },
      };
      const make = (auth: Partial<VaultProvider>['auth']) =>
        own.newClient({
          store: {
            kind: 'SecretStore',
            name: 'v',
            namespace: ns,
            spec: { provider: { vault: { server: vault.address, path: 'secret', auth } } },
          },
          namespace: ns,
          kube: { kubeConfig: kc },
        });
      const userpassTokens = async () => {
        const accessors = ((await bao('GET', 'auth/token/accessors?list=true')).data as { keys: string[] }).keys;
        let count = 0;
        for (const accessor of accessors) {
          const info = (await bao('POST', 'auth/token/lookup-accessor', { accessor })).data as { path: string };
          if (info.path.startsWith('auth/userpass/')) count++;
        }
        return count;
      };
      const before = await userpassTokens();
      await (await make(userpass)).getSecret({ key: 'other' });
      await (await make(rootAuth)).getSecret({ key: 'other' });
      assert.equal(await userpassTokens(), before + 1);
      await own.shutdown();
      assert.equal(await userpassTokens(), before);
      assert.equal((await vault.request('GET', 'auth/token/lookup-self')).status, 200, 'the root token still works');
    });

    it('a refused login says which method failed and what to check, without the password', async () => {
      const spec = {
        auth: { userPass: { path: 'userpass', username: 'reader', secretRef: { name: 'userpass', key: 'wrong' } } },
      };
      await assert.rejects(client(spec), (error: Error) => {
        assert.ok(error instanceof ProviderConfigError, error.message);
        assert.match(
          error.message,
          /login to Vault at .* with userPass auth \(mount "userpass", user "reader"\) failed: .*HTTP 400/,
        );
        assertNoSecretValues(error.message);
        assert.ok(!error.message.includes('not-the-password'));
        return true;
      });
    });

    it('a policy that forbids a path is a configuration error naming the path', async () => {
      const spec = {
        auth: { userPass: { path: 'userpass', username: 'reader', secretRef: { name: 'userpass', key: 'password' } } },
      };
      const c = await client(spec);
      const other = await client({ ...spec, path: 'kv1', version: 'v1' });
      await assert.rejects(other.getSecret({ key: 'legacy' }), (error: Error) => {
        assert.ok(error instanceof ProviderConfigError, error.message);
        assert.match(error.message, /kv1\/legacy.*permission denied.*HTTP 403/);
        return true;
      });
      assert.equal(text(await c.getSecret({ key: 'other', property: 'k' })), 'v');
    });

    it('AppRole with the role ID and secret ID from Secrets', async () => {
      await bao('POST', 'sys/auth/approle', { type: 'approle' });
      await bao('POST', 'auth/approle/role/eso', { token_policies: ['reader'] });
      const roleId = ((await bao('GET', 'auth/approle/role/eso/role-id')).data as { role_id: string }).role_id;
      await bao('POST', 'auth/approle/role/eso/custom-secret-id', { secret_id: 'approle-secret-id' });
      await secret('approle', { role: roleId, secret: 'approle-secret-id' });
      const c = await client({
        auth: {
          appRole: {
            path: 'approle',
            roleRef: { name: 'approle', key: 'role' },
            secretRef: { name: 'approle', key: 'secret' },
          },
        },
      });
      assert.equal(text(await c.getSecret({ key: 'app/cache', property: 'password' })), 'cache-pw-99');
    });

    it('Kubernetes auth: a TokenRequest token that Vault checks with the API server (TokenReview)', async () => {
      const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      for (const name of ['vault-reviewer', 'eso-reader']) {
        await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } });
      }
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name: `${ns}-reviewer` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
          subjects: [{ kind: 'ServiceAccount', name: 'vault-reviewer', namespace: ns }],
        },
      });
      const reviewer = await core.createNamespacedServiceAccountToken({
        namespace: ns,
        name: 'vault-reviewer',
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const ca = kc.getCurrentCluster()?.caData;
      assert.ok(ca, 'the test kubeconfig has the cluster CA');
      await bao('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
      await bao('POST', 'auth/kubernetes/config', {
        kubernetes_host: server,
        kubernetes_ca_cert: Buffer.from(ca, 'base64').toString('utf8'),
        token_reviewer_jwt: reviewer.status?.token,
        disable_local_ca_jwt: true,
      });
      await bao('POST', 'auth/kubernetes/role/eso', {
        bound_service_account_names: ['eso-reader'],
        bound_service_account_namespaces: [ns],
        token_policies: ['reader'],
      });
      const c = await client({
        auth: { kubernetes: { mountPath: 'kubernetes', role: 'eso', serviceAccountRef: { name: 'eso-reader' } } },
      });
      assert.equal(text(await c.getSecret({ key: 'app/db', property: 'port' })), '5432');
      const wrongRole = client({
        auth: { kubernetes: { mountPath: 'kubernetes', role: 'eso', serviceAccountRef: { name: 'vault-reviewer' } } },
      });
      await assert.rejects(
        wrongRole,
        /kubernetes auth \(mount "kubernetes", role "eso"\) failed: .*service account name not authorized/,
      );
    });

    it('JWT auth: a service account token checked against the API server signing key, audience "vault"', async () => {
      const issuerKey = readFileSync(join(dirname((await integration.cluster()).kubeconfigPath), 'sa.pub'), 'utf8');
      await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'jwt-reader' } } });
      await bao('POST', 'sys/auth/jwt', { type: 'jwt' });
      await bao('POST', 'auth/jwt/config', { jwt_validation_pubkeys: [issuerKey], bound_issuer: server });
      await bao('POST', 'auth/jwt/role/eso', {
        role_type: 'jwt',
        bound_audiences: ['vault'],
        user_claim: 'sub',
        bound_subject: `system:serviceaccount:${ns}:jwt-reader`,
        token_policies: ['reader'],
      });
      const c = await client({
        auth: {
          jwt: {
            path: 'jwt',
            role: 'eso',
            kubernetesServiceAccountToken: { serviceAccountRef: { name: 'jwt-reader' } },
          },
        },
      });
      assert.equal(text(await c.getSecret({ key: 'other', property: 'k' })), 'v');
    });

    it('JWT auth with a token kept in a Secret', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await bao('POST', 'sys/auth/jwt2', { type: 'jwt' });
      await bao('POST', 'auth/jwt2/config', {
        jwt_validation_pubkeys: [publicKey.export({ type: 'spki', format: 'pem' })],
      });
      await bao('POST', 'auth/jwt2/role/ci', {
        role_type: 'jwt',
        bound_audiences: ['custos'],
        user_claim: 'sub',
        token_policies: ['reader'],
      });
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'ci', aud: 'custos', iat: now, exp: now + 600 })}`;
      const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
      await secret('ci-jwt', { jwt: `${unsigned}.${signature}` });
      const c = await client({
        auth: { jwt: { path: 'jwt2', role: 'ci', secretRef: { name: 'ci-jwt', key: 'jwt' } } },
      });
      assert.equal(text(await c.getSecret({ key: 'app/db', property: 'user' })), 'admin');
    });

    it(
      'LDAP auth against a real OpenLDAP server; a wrong password is refused without the password',
      {
        skip: ldapSkip,
      },
      async () => {
        let ldap: LdapServer | undefined;
        try {
          ldap = await startLdap();
          await ldap.addUser('reader', LDAP_PASSWORD);
          await bao('POST', 'sys/auth/ldap', { type: 'ldap' });
          await bao('POST', 'auth/ldap/config', {
            url: ldap.url,
            userdn: ldap.usersDn,
            userattr: 'uid',
            binddn: ldap.bindDn,
            bindpass: ldap.bindPassword,
            groupdn: ldap.baseDn,
            groupfilter: '(&(objectClass=groupOfNames)(member={{.UserDN}}))',
            groupattr: 'cn',
          });
          await bao('POST', 'auth/ldap/users/reader', { policies: 'reader' });
          await secret('ldap', { password: LDAP_PASSWORD, wrong: 'not-the-ldap-password' });
          const auth = (key: string) => ({
            ldap: { path: 'ldap', username: 'reader', secretRef: { name: 'ldap', key } },
          });
          calls = [];
          const c = await client({ auth: auth('password') });
          assert.equal(text(await c.getSecret({ key: 'app/db', property: 'user' })), 'admin');
          assert.deepEqual(calls, ['Login', 'ReadSecretData']);

          await assert.rejects(client({ auth: auth('wrong') }), (error: Error) => {
            assert.ok(error instanceof ProviderConfigError, error.message);
            assert.match(error.message, /ldap auth \(mount "ldap", user "reader"\) failed/);
            assertNoSecretValues(error.message);
            assert.ok(!error.message.includes('not-the-ldap-password'), error.message);
            return true;
          });
        } finally {
          await ldap?.stop();
        }
      },
    );

    it('an unsupported auth method says which ones Custos has', async () => {
      await assert.rejects(client({ auth: { iam: {} } }), /auth\.iam is not supported by Custos; use kubernetes, jwt/);
    });
  });
  describe('over TLS', () => {
    let tlsVault: VaultServer;
    let caBundle: string;

    before(async () => {
      const pki = await createControlPlanePki();
      tlsVault = await startVault({
        binary: vaultBuild.binary,
        tls: { cert: pki.apiServer.certPem, key: pki.apiServer.keyPem, ca: pki.ca.certPem },
      });
      caBundle = Buffer.from(pki.ca.certPem).toString('base64');
      const call = async (method: string, path: string, body?: unknown) =>
        assert.ok((await tlsVault.request(method, path, body)).status < 300, `${method} ${path}`);
      await call('PUT', 'sys/policies/acl/reader', { policy: 'path "secret/data/*" { capabilities = ["read"] }' });
      await call('POST', 'secret/data/tls', { data: { k: 'over-tls' } });
      await call('POST', 'sys/auth/cert', { type: 'cert' });
      // Client certificates signed by this CA log in with the reader policy.
      await call('POST', 'auth/cert/certs/clients', { certificate: pki.ca.certPem, token_policies: ['reader'] });
      await secret('client-cert', { 'tls.crt': pki.admin.certPem, 'tls.key': pki.admin.keyPem });
    });

    after(async () => {
      await tlsVault?.stop();
    });

    const certAuth = {
      cert: { clientCert: { name: 'client-cert', key: 'tls.crt' }, secretRef: { name: 'client-cert', key: 'tls.key' } },
    };

    it('trusts the CA of caBundle and logs in with a client certificate (cert auth)', async () => {
      calls = [];
      const c = await client({ server: tlsVault.address, caBundle, auth: certAuth });
      assert.equal(text(await c.getSecret({ key: 'tls', property: 'k' })), 'over-tls');
      assert.deepEqual(calls, ['Login', 'ReadSecretData']);
    });

    it('a server certificate it does not trust is a configuration error that names caBundle', async () => {
      await assert.rejects(
        client({ server: tlsVault.address, auth: rootAuth }).then((c) => c.getSecret({ key: 'tls' })),
        (error: Error) => {
          assert.ok(error instanceof ProviderConfigError, error.message);
          assert.match(
            error.message,
            /cannot reach Vault at https:\/\/127\.0\.0\.1:\d+: .*\(check server, caBundle \/ caProvider and tls\)/,
          );
          return true;
        },
      );
    });
  });
});
