// The generated CRDs on a real kube-apiserver: ESO manifests from the seeds apply, invalid ones are rejected
// with the server's validation error, v1beta1 is served, and unmodelled provider blocks survive unchanged.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { allCrds, installCrds } from '../../../src/api/install.js';
import { findKind } from '../../../src/api/kinds.js';
import { normalizeManifest, validateManifest } from '../../../src/api/validate.js';
import { integration, type TestCluster, uniqueName } from '../../helpers/cluster.js';

const fixtures = join(import.meta.dirname, '../../fixtures');

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
};

function load(dir: string): { file: string; text: string; manifest: Manifest }[] {
  return readdirSync(join(fixtures, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(fixtures, dir, file), 'utf8');
      return { file, text, manifest: parse(text) as Manifest };
    });
}

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

function serverMessage(error: unknown): string {
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return body as string;
    }
  }
  return (body as { message?: string } | undefined)?.message ?? String(error);
}

describe('CRDs on a real API server', { skip: integration.skipReason }, () => {
  let cluster: TestCluster;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  const namespace = uniqueName('crds');
  const suffix = namespace.slice('crds-'.length);
  const clusterScoped: { group: string; version: string; plural: string; name: string }[] = [];

  function target(manifest: Manifest) {
    const [group = '', version = ''] = manifest.apiVersion.split('/');
    const definition = findKind(manifest.apiVersion, manifest.kind);
    assert.ok(definition, `${manifest.apiVersion} ${manifest.kind} is a Custos kind`);
    return { group, version, plural: definition.plural, namespaced: definition.scope === 'Namespaced' };
  }

  /** Creates the manifest in this test's namespace (cluster-scoped names get a unique suffix). */
  async function create(manifest: Manifest): Promise<Manifest> {
    const { group, version, plural, namespaced } = target(manifest);
    const body = structuredClone(manifest);
    if (namespaced) {
      body.metadata.namespace = namespace;
      return (await custom.createNamespacedCustomObject({ group, version, namespace, plural, body })) as Manifest;
    }
    delete body.metadata.namespace;
    body.metadata.name = `${manifest.metadata.name}-${suffix}`.slice(0, 253);
    clusterScoped.push({ group, version, plural, name: body.metadata.name });
    return (await custom.createClusterCustomObject({ group, version, plural, body })) as Manifest;
  }

  async function read(manifest: Manifest, version: string): Promise<Manifest> {
    const { group, plural, namespaced } = target(manifest);
    const name = manifest.metadata.name;
    return (
      namespaced
        ? await custom.getNamespacedCustomObject({ group, version, namespace, plural, name })
        : await custom.getClusterCustomObject({ group, version, plural, name })
    ) as Manifest;
  }

  before(async () => {
    cluster = await integration.cluster();
    custom = cluster.kc.makeApiClient(CustomObjectsApi);
    core = cluster.kc.makeApiClient(CoreV1Api);
    await installCrds(cluster.kc);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    if (!core) return;
    for (const { group, version, plural, name } of clusterScoped) {
      await custom.deleteClusterCustomObject({ group, version, plural, name }).catch(() => undefined);
    }
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('installs every CRD as Established, and a second install changes nothing', async () => {
    const api = cluster.kc.makeApiClient(ApiextensionsV1Api);
    const expected = allCrds().map((c) => c.metadata.name);
    const before = await Promise.all(expected.map((name) => api.readCustomResourceDefinition({ name })));
    for (const crd of before) {
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      assert.equal(established?.status, 'True', `${crd.metadata?.name} is Established`);
    }
    const names = await installCrds(cluster.kc);
    assert.deepEqual(names, expected);
    const again = await Promise.all(expected.map((name) => api.readCustomResourceDefinition({ name })));
    assert.deepEqual(
      again.map((c) => c.metadata?.resourceVersion),
      before.map((c) => c.metadata?.resourceVersion),
      'an unchanged re-install does not rewrite the CRDs',
    );
  });

  it('accepts every ESO manifest from the seeds, with ESO defaults applied', async () => {
    const seeds = load('seeds');
    assert.ok(seeds.length >= 16, `found ${seeds.length} seed fixtures`);
    for (const { file, manifest } of seeds) {
      const created = await create(manifest).catch((error: unknown) => {
        assert.fail(`${file} was rejected (${statusCode(error)}): ${serverMessage(error)}`);
      });
      // The offline validator predicts the stored object exactly: same pruning, same defaults.
      assert.deepEqual(created.spec, normalizeManifest(manifest).spec, `${file}: stored spec`);
      if (manifest.kind === 'ExternalSecret') {
        const target = (created.spec?.target ?? {}) as Record<string, unknown>;
        const written = (manifest.spec?.target ?? {}) as Record<string, unknown>;
        assert.equal(target.creationPolicy, written.creationPolicy ?? 'Owner', `${file}: creationPolicy`);
        assert.equal(target.deletionPolicy, written.deletionPolicy ?? 'Retain', `${file}: deletionPolicy`);
      }
    }
  });

  it('rejects each invalid fixture with the API server validation error it names', async () => {
    const invalid = load('invalid');
    assert.ok(invalid.length >= 4);
    for (const { file, text, manifest } of invalid) {
      const fragment = /^# expect-server-error: (.+)$/m.exec(text)?.[1];
      assert.ok(fragment, `${file} names the expected server error`);
      const rejection = await create(manifest).then(
        () => assert.fail(`${file} was accepted but must be rejected`),
        (error: unknown) => error,
      );
      assert.equal(statusCode(rejection), 422, `${file}: ${serverMessage(rejection)}`);
      assert.ok(
        serverMessage(rejection).includes(fragment),
        `${file}: expected "${fragment}" in: ${serverMessage(rejection)}`,
      );
    }
  });

  it('serves v1beta1 manifests and returns them as v1 with the same spec', async () => {
    const manifest: Manifest = {
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'ExternalSecret',
      metadata: { name: 'beta-app' },
      spec: {
        refreshInterval: '15m',
        secretStoreRef: { name: 'vault-backend', kind: 'SecretStore' },
        target: { name: 'beta-app', template: { type: 'kubernetes.io/basic-auth' } },
        data: [{ secretKey: 'username', remoteRef: { key: 'app/db', property: 'user' } }],
      },
    };
    await create(manifest);
    const asV1 = await read(manifest, 'v1');
    assert.equal(asV1.apiVersion, 'external-secrets.io/v1');
    assert.deepEqual(asV1.spec, normalizeManifest(manifest).spec);
  });

  it('keeps a provider block Custos does not implement exactly as written', async () => {
    const aws = {
      service: 'SecretsManager',
      region: 'eu-central-1',
      role: 'arn:aws:iam::123456789012:role/external-secrets',
      auth: { jwt: { serviceAccountRef: { name: 'eso-irsa', audiences: ['sts.amazonaws.com'] } } },
      additionalRoles: ['arn:aws:iam::123456789012:role/a'],
      secretsManager: { forceDeleteWithoutRecovery: true, recoveryWindowInDays: 7 },
      futureField: { nested: [1, 'two', { three: null }] },
    };
    const manifest: Manifest = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'aws-store' },
      spec: { provider: { aws } },
    };
    assert.deepEqual(
      validateManifest(manifest).filter((i) => i.severity === 'error'),
      [],
    );
    await create(manifest);
    const stored = await read(manifest, 'v1');
    assert.deepEqual((stored.spec?.provider as { aws?: unknown } | undefined)?.aws, aws);
  });

  it('filters ExternalSecrets by store name with a field selector (selectableFields)', async () => {
    const make = (name: string, store: string): Manifest => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name },
      spec: { secretStoreRef: { name: store }, data: [{ secretKey: 'k', remoteRef: { key: 'k' } }] },
    });
    await create(make('select-a', 'store-a'));
    await create(make('select-b', 'store-b'));
    const list = (await custom.listNamespacedCustomObject({
      group: 'external-secrets.io',
      version: 'v1',
      namespace,
      plural: 'externalsecrets',
      fieldSelector: 'spec.secretStoreRef.name=store-b',
    })) as { items: Manifest[] };
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['select-b'],
    );
  });
});
