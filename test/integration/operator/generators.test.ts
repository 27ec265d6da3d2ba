// resolveGenerator against generator objects stored on a real API server: namespaced Password, UUID, Fake, SSHKey
// and MFA (seed read from a Secret), ClusterGenerator, and the errors for missing objects and unsupported kinds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { installCrds } from '../../../src/api/install.js';
import { KubeClient, Resources } from '../../../src/kube/index.js';
import { GeneratorError, GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('resolveGenerator on a real API server', { skip: integration.skipReason }, () => {
  let client: KubeClient;
  const namespace = uniqueName('gen');
  const clusterName = uniqueName('cg');

  before(async () => {
    const { kc } = await integration.cluster();
    await installCrds(kc);
    client = new KubeClient(kc);
    await client.create(Resources.namespaces, { metadata: { name: namespace } });
    const meta = (name: string) => ({ name, namespace });
    await client.create(GeneratorResources.Password, {
      apiVersion,
      kind: 'Password',
      metadata: meta('pw'),
      spec: { length: 32, digits: 4, symbols: 0, noUpper: true, allowRepeat: true, encoding: 'hex' },
    });
    await client.create(GeneratorResources.UUID, { apiVersion, kind: 'UUID', metadata: meta('id'), spec: {} });
    await client.create(GeneratorResources.Fake, {
      apiVersion,
      kind: 'Fake',
      metadata: meta('fixed'),
      spec: { data: { username: 'admin', token: 'abc' } },
    });
    await client.create(GeneratorResources.ClusterGenerator, {
      apiVersion,
      kind: 'ClusterGenerator',
      metadata: { name: clusterName },
      spec: { kind: 'Password', generator: { passwordSpec: { length: 12, noUpper: false, allowRepeat: false } } },
    });
    await client.create(GeneratorResources.SSHKey, {
      apiVersion,
      kind: 'SSHKey',
      metadata: meta('ssh'),
      spec: { keyType: 'ecdsa', keySize: 384, comment: 'ops@example.com' },
    });
    // RFC 6238 appendix B's SHA-1 seed ("12345678901234567890" in base32).
    await client.create(Resources.secrets, {
      metadata: meta('seed'),
      stringData: { otp: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' },
    });
    const mfaSpec = (key: string) => ({ secret: { name: 'seed', key }, length: 8, when: '2033-05-18T03:33:20Z' });
    await client.create(GeneratorResources.MFA, {
      apiVersion,
      kind: 'MFA',
      metadata: meta('otp'),
      spec: mfaSpec('otp'),
    });
    await client.create(GeneratorResources.MFA, {
      apiVersion,
      kind: 'MFA',
      metadata: meta('otp-wrong-key'),
      spec: mfaSpec('nope'),
    });
    await client.create(GeneratorResources.ClusterGenerator, {
      apiVersion,
      kind: 'ClusterGenerator',
      metadata: { name: `${clusterName}-mfa` },
      spec: { kind: 'MFA', generator: { mfaSpec: mfaSpec('otp') } },
    });
  });

  after(async () => {
    await client?.delete(GeneratorResources.ClusterGenerator, clusterName).catch(() => undefined);
    await client?.delete(GeneratorResources.ClusterGenerator, `${clusterName}-mfa`).catch(() => undefined);
    await client?.delete(Resources.namespaces, namespace).catch(() => undefined);
    client?.close();
  });

  it('runs a namespaced Password with the spec stored on the server', async () => {
    const out = await resolveGenerator(client, namespace, { kind: 'Password', name: 'pw' });
    assert.deepEqual(Object.keys(out), ['password']);
    const raw = Buffer.from(text(out.password), 'hex').toString('utf8');
    assert.equal(raw.length, 32);
    assert.equal([...raw].filter((c) => c >= '0' && c <= '9').length, 4);
    assert.match(raw, /^[a-z0-9]+$/);
  });

  it('runs UUID and Fake', async () => {
    const id = await resolveGenerator(client, namespace, { apiVersion, kind: 'UUID', name: 'id' });
    assert.match(text(id.uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const fake = await resolveGenerator(client, namespace, { kind: 'Fake', name: 'fixed' });
    assert.deepEqual(Object.fromEntries(Object.entries(fake).map(([k, v]) => [k, text(v)])), {
      username: 'admin',
      token: 'abc',
    });
  });

  it('runs the generator inside a ClusterGenerator from any namespace', async () => {
    const out = await resolveGenerator(client, 'some-other-namespace', { kind: 'ClusterGenerator', name: clusterName });
    const value = text(out.password);
    assert.equal(value.length, 12);
    assert.equal(new Set(value).size, 12);
  });

  it('runs SSHKey with the stored key type, size and comment', async () => {
    const out = await resolveGenerator(client, namespace, { kind: 'SSHKey', name: 'ssh' });
    assert.deepEqual(Object.keys(out).sort(), ['privateKey', 'publicKey']);
    assert.match(text(out.publicKey), /^ecdsa-sha2-nistp384 [A-Za-z0-9+/=]+ ops@example\.com\n$/);
    assert.match(text(out.privateKey), /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
  });

  it('runs MFA on the seed Secret of the referencing namespace, also through a ClusterGenerator', async () => {
    // RFC 6238 appendix B: SHA-1, 2000000000 s, 8 digits -> 69279037; 2000000000 % 30 = 20, so 10 s are left.
    const expected = { token: '69279037', timeLeft: '10' };
    const decoded = (out: Record<string, Uint8Array>) =>
      Object.fromEntries(Object.entries(out).map(([k, v]) => [k, text(v)]));
    assert.deepEqual(decoded(await resolveGenerator(client, namespace, { kind: 'MFA', name: 'otp' })), expected);
    assert.deepEqual(
      decoded(await resolveGenerator(client, namespace, { kind: 'ClusterGenerator', name: `${clusterName}-mfa` })),
      expected,
    );
    await assert.rejects(
      resolveGenerator(client, 'default', { kind: 'ClusterGenerator', name: `${clusterName}-mfa` }),
      (e: unknown) =>
        e instanceof GeneratorError &&
        e.code === 'NotFound' &&
        e.message === 'MFA generator: seed Secret "seed" not found in namespace "default"',
      'the seed is looked up where the referencing object lives, never elsewhere',
    );
    await assert.rejects(
      resolveGenerator(client, namespace, { kind: 'MFA', name: 'otp-wrong-key' }),
      (e: unknown) =>
        e instanceof GeneratorError &&
        e.code === 'Invalid' &&
        e.message === 'MFA generator: Secret "seed" has no key "nope" (spec.secret.key)',
    );
  });

  it('refuses to run a generator of another controller class when the caller says its class', async () => {
    await client.create(GeneratorResources.Fake, {
      apiVersion,
      kind: 'Fake',
      metadata: { name: 'classed', namespace },
      spec: { controller: 'team-b', data: { a: 'b' } },
    });
    await assert.rejects(
      resolveGenerator(client, namespace, { kind: 'Fake', name: 'classed' }, { controllerClass: 'default' }),
      (e: unknown) =>
        e instanceof GeneratorError &&
        e.code === 'Foreign' &&
        e.message === 'Fake "classed" belongs to controller class "team-b"',
    );
    const own = await resolveGenerator(
      client,
      namespace,
      { kind: 'Fake', name: 'classed' },
      { controllerClass: 'team-b' },
    );
    assert.equal(text(own.a), 'b');
  });

  it('reports a missing generator as NotFound, naming kind, name and namespace', async () => {
    await assert.rejects(resolveGenerator(client, namespace, { kind: 'Password', name: 'absent' }), (e: unknown) => {
      assert.ok(e instanceof GeneratorError);
      assert.equal(e.code, 'NotFound');
      assert.equal(e.message, `Password "absent" not found in namespace "${namespace}"`);
      return true;
    });
    await assert.rejects(
      resolveGenerator(client, namespace, { kind: 'Fake', name: 'fixed' }).then(() =>
        resolveGenerator(client, 'elsewhere', { kind: 'Fake', name: 'fixed' }),
      ),
      (e: unknown) => e instanceof GeneratorError && e.code === 'NotFound',
      'a namespaced generator is only visible from its own namespace',
    );
  });

  it('rejects kinds and apiVersions Custos does not implement before calling the server', async () => {
    await assert.rejects(
      resolveGenerator(client, namespace, { kind: 'Grafana', name: 'x' }),
      (e: unknown) =>
        e instanceof GeneratorError &&
        e.code === 'Unsupported' &&
        /supported: Password, UUID, Fake, SSHKey, MFA, Webhook, GithubAccessToken, VaultDynamicSecret, ECRAuthorizationToken, STSSessionToken, GCRAccessToken, QuayAccessToken, ACRAccessToken, CloudsmithAccessToken/.test(
          e.message,
        ),
    );
    await assert.rejects(
      resolveGenerator(client, namespace, {
        apiVersion: 'generators.external-secrets.io/v1',
        kind: 'UUID',
        name: 'id',
      }),
      (e: unknown) =>
        e instanceof GeneratorError &&
        e.code === 'Unsupported' &&
        /use "generators\.external-secrets\.io\/v1alpha1"/.test(e.message),
    );
  });
});
