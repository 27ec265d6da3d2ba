// resolveGenerator against generator objects stored on a real API server: namespaced Password, UUID and Fake,
// ClusterGenerator, and the errors for missing objects and unsupported kinds.
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
  });

  after(async () => {
    await client?.delete(GeneratorResources.ClusterGenerator, clusterName).catch(() => undefined);
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
      resolveGenerator(client, namespace, { kind: 'VaultDynamicSecret', name: 'x' }),
      (e: unknown) =>
        e instanceof GeneratorError && e.code === 'Unsupported' && /supported: Password, UUID, Fake/.test(e.message),
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
