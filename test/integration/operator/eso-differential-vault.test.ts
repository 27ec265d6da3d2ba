// Differential test of the vault provider: the real ESO v0.16.2 (tools/eso-oracle links ESO's own vault provider
// and Vault's Go client) and Custos read the same real Vault (tools/vault-dev, Vault v1.21.4) through the same
// store specs, each in its own namespace, and must write the same Secrets and report the same status and events
// (eso-differential-harness.ts): properties and gjson paths, whole secrets, versions, extracts, custom_metadata,
// find by name, path and tags, a KV v1 engine, a userpass login, and the failures for a missing key or property.
// The second block pushes: each side's store writes to its own KV mount, and the two mounts must end up alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PushSecretSpec } from '../../../src/api/generated/types.js';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import {
  PushSecretResources,
  pushSecretController,
  pushSecretStoreFinalizerController,
} from '../../../src/operator/pushsecret/index.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoBuild, type EsoProcess, esoVersion, startEsoWithMetrics } from '../../helpers/eso-oracle.js';
import { startVault, type VaultServer, vaultBuildOrSkip } from '../../helpers/vault-server.js';
import {
  build,
  compareCase,
  type DiffCase,
  skip as esoSkip,
  providerApiCalls,
  startBoth,
  stopBoth,
} from './eso-differential-harness.js';
import { createNamespace, createStore, type Harness, harness, readyOf, startTestOperator, waitFor } from './harness.js';

const vaultBuild = esoSkip ? {} : vaultBuildOrSkip();
const skip = esoSkip ?? vaultBuild.skip;

describe(`differential: the vault provider, Custos and the real ESO ${esoVersion} on a real Vault`, { skip }, () => {
  let h: Harness;
  let vault: VaultServer;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  let esoMetrics = '';

  const missingKey = { eso: /^could not get secret data from provider$/, custos: /does not exist/ };
  const cases: DiffCase[] = [
    {
      name: 'vault-properties',
      spec: {
        secretStoreRef: { name: 'vault' },
        data: [
          { secretKey: 'password', remoteRef: { key: 'app/db', property: 'password' } },
          { secretKey: 'port', remoteRef: { key: 'app/db', property: 'port' } },
          { secretKey: 'host', remoteRef: { key: 'app/db', property: 'nested.host' } },
          { secretKey: 'dotted', remoteRef: { key: 'app/db', property: 'a.b' } },
          { secretKey: 'all', remoteRef: { key: 'app/db' } },
          { secretKey: 'with-mount', remoteRef: { key: 'secret/app/db', property: 'user' } },
        ],
      },
    },
    {
      name: 'vault-version',
      spec: {
        secretStoreRef: { name: 'vault' },
        data: [{ secretKey: 'first', remoteRef: { key: 'app/db', version: '1' } }],
      },
    },
    {
      name: 'vault-extract',
      spec: {
        secretStoreRef: { name: 'vault' },
        dataFrom: [{ extract: { key: 'app/db' } }, { extract: { key: 'app/db', property: 'nested' } }],
      },
    },
    {
      name: 'vault-metadata',
      spec: {
        secretStoreRef: { name: 'vault' },
        dataFrom: [{ extract: { key: 'app/db', metadataPolicy: 'Fetch' } }],
        data: [
          { secretKey: 'owner', remoteRef: { key: 'app/cache', metadataPolicy: 'Fetch', property: 'team' } },
          { secretKey: 'none', remoteRef: { key: 'other', metadataPolicy: 'Fetch' } },
        ],
      },
    },
    {
      name: 'vault-find-name',
      spec: {
        secretStoreRef: { name: 'vault' },
        dataFrom: [{ find: { name: { regexp: '^app/' } }, rewrite: [{ regexp: { source: '/', target: '-' } }] }],
      },
    },
    {
      name: 'vault-find-path-and-tags',
      spec: {
        secretStoreRef: { name: 'vault' },
        dataFrom: [
          { find: { path: 'app', name: { regexp: 'cache' } }, rewrite: [{ regexp: { source: '/', target: '_' } }] },
          { find: { tags: { tier: 'db' } }, rewrite: [{ regexp: { source: '/', target: '-' } }] },
        ],
      },
    },
    {
      // Vault's key names have folders; a Secret key cannot hold '/': the Default conversion makes it '_'.
      name: 'vault-find-converted-keys',
      spec: {
        secretStoreRef: { name: 'vault' },
        dataFrom: [{ find: { name: { regexp: '^app/' }, conversionStrategy: 'Default' } }],
      },
    },
    {
      name: 'vault-kv1',
      spec: {
        secretStoreRef: { name: 'vault-kv1' },
        data: [{ secretKey: 'user', remoteRef: { key: 'legacy', property: 'user' } }],
        dataFrom: [{ extract: { key: 'legacy' } }],
      },
    },
    {
      name: 'vault-userpass',
      spec: {
        secretStoreRef: { name: 'vault-userpass' },
        data: [{ secretKey: 'password', remoteRef: { key: 'app/cache', property: 'password' } }],
      },
    },
    {
      name: 'vault-generator-read',
      setup: (h, namespace) => createVaultGenerator(h, namespace, 'read-db', { path: 'secret/data/app/db' }),
      spec: { dataFrom: [{ sourceRef: { generatorRef: { kind: 'VaultDynamicSecret', name: 'read-db' } } }] },
    },
    {
      name: 'vault-generator-token',
      setup: (h, namespace) =>
        createVaultGenerator(h, namespace, 'token', {
          method: 'POST',
          path: 'auth/token/create',
          parameters: { policies: ['default'], ttl: '10m', meta: { team: 'payments' } },
          resultType: 'Auth',
        }),
      spec: { dataFrom: [{ sourceRef: { generatorRef: { kind: 'VaultDynamicSecret', name: 'token' } } }] },
      // A new token each time: compared by shape (the settings, which are the same, are compared as they are).
      shape: (value) => (/^hvs\.|^[A-Za-z0-9]{24}$/.test(value) ? 'generated' : value),
    },
    {
      name: 'vault-missing-key',
      fails: true,
      failureMessages: missingKey,
      spec: { secretStoreRef: { name: 'vault' }, data: [{ secretKey: 'x', remoteRef: { key: 'app/nope' } }] },
    },
    {
      name: 'vault-missing-property',
      fails: true,
      failureMessages: {
        eso: /^could not get secret data from provider$/,
        custos: /cannot find secret data for key: "nope"/,
      },
      spec: {
        secretStoreRef: { name: 'vault' },
        data: [{ secretKey: 'x', remoteRef: { key: 'app/db', property: 'nope' } }],
      },
    },
  ];

  async function createVaultGenerator(h: Harness, namespace: string, name: string, spec: Record<string, unknown>) {
    await h.client.create(GeneratorResources.VaultDynamicSecret, {
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'VaultDynamicSecret',
      metadata: { name, namespace },
      spec: {
        provider: { server: vault.address, auth: { tokenSecretRef: { name: 'vault-auth', key: 'token' } } },
        ...spec,
      },
    });
  }

  async function bao(method: string, path: string, body?: unknown): Promise<void> {
    const res = await vault.request(method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: HTTP ${res.status}`);
  }

  before(async () => {
    [h, vault] = await Promise.all([harness(), startVault({ binary: vaultBuild.binary })]);
    nsEso = await createNamespace(h, 'diff-vault-eso');
    nsCustos = await createNamespace(h, 'diff-vault-custos');
    await bao('POST', 'secret/data/app/db', { data: { user: 'admin', password: 'first-pw' } });
    await bao('POST', 'secret/data/app/db', {
      data: {
        user: 'admin',
        password: 'db-pw-<&>',
        port: 5432,
        big: 1e21,
        'a.b': 'dotted',
        nested: { host: 'db.internal', tls: true, tags: ['x', 'y'] },
      },
    });
    await bao('POST', 'secret/metadata/app/db', { custom_metadata: { team: 'payments', tier: 'db' } });
    await bao('POST', 'secret/data/app/cache', { data: { password: 'cache-pw' } });
    await bao('POST', 'secret/metadata/app/cache', { custom_metadata: { team: 'payments', tier: 'cache' } });
    await bao('POST', 'secret/data/other', { data: { k: 'v' } });
    await bao('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
    await bao('POST', 'kv1/legacy', { user: 'old', n: 7 });
    await bao('PUT', 'sys/policies/acl/reader', { policy: 'path "secret/data/*" { capabilities = ["read"] }' });
    await bao('POST', 'sys/auth/userpass', { type: 'userpass' });
    await bao('POST', 'auth/userpass/users/eso', { password: 'userpass-pw', token_policies: ['reader'] });
    for (const namespace of [nsEso, nsCustos]) {
      await h.client.create(Resources.secrets, {
        metadata: { name: 'vault-auth', namespace },
        stringData: { token: vault.rootToken, password: 'userpass-pw' },
      });
      const tokenAuth = { tokenSecretRef: { name: 'vault-auth', key: 'token' } };
      await createStore(h, namespace, 'vault', {
        vault: { server: vault.address, path: 'secret', version: 'v2', auth: tokenAuth },
      });
      await createStore(h, namespace, 'vault-kv1', {
        vault: { server: vault.address, path: 'kv1', version: 'v1', auth: tokenAuth },
      });
      await createStore(h, namespace, 'vault-userpass', {
        vault: {
          server: vault.address,
          path: 'secret',
          auth: { userPass: { path: 'userpass', username: 'eso', secretRef: { name: 'vault-auth', key: 'password' } } },
        },
      });
    }
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op, esoMetrics } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(async () => {
    await stopBoth(eso, op);
    await vault?.stop();
  });

  for (const c of cases) {
    it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
  }

  // ESO logs in for every reconcile and revokes that token when done (unless its experimental token cache is on);
  // Custos keeps one login token per identity until its lease nears its end, so it never revokes: RevokeSelf (and
  // the LookupSelf ESO makes before revoking) are ESO's alone. Every other kind of call matches.
  it('counts the same kinds of provider API calls, but for the revocations Custos does not need', async () => {
    const ofEso = await providerApiCalls(esoMetrics, 'HashiCorp/Vault');
    const ofCustos = await providerApiCalls(`http://${op?.httpAddress}/metrics`, 'HashiCorp/Vault');
    assert.ok(ofEso.includes('Login success') && ofEso.includes('ReadSecretData success'), String(ofEso));
    assert.ok(!ofCustos.includes('RevokeSelf success'), String(ofCustos));
    assert.deepEqual(
      ofCustos,
      ofEso.filter((kind) => kind !== 'RevokeSelf success'),
    );
  });
});

describe(`differential: PushSecret to a real Vault, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  let h: Harness;
  let vault: VaultServer;
  const sides = { eso: '', custos: '' };
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;

  const store = [{ name: 'vault' }];
  const cases: Array<{ name: string; spec: PushSecretSpec; remoteKeys: string[]; fails?: boolean }> = [
    {
      name: 'push-property',
      spec: {
        secretStoreRefs: store,
        selector: { secret: { name: 'db' } },
        data: [
          { match: { secretKey: 'pass', remoteRef: { remoteKey: 'app/db', property: 'password' } } },
          { match: { secretKey: 'user', remoteRef: { remoteKey: 'app/db', property: 'username' } } },
        ],
      },
      remoteKeys: ['app/db'],
    },
    {
      name: 'push-whole-secret',
      spec: {
        secretStoreRefs: store,
        selector: { secret: { name: 'db' } },
        data: [{ match: { remoteRef: { remoteKey: 'whole' } } }],
      },
      remoteKeys: ['whole'],
    },
    {
      name: 'push-json-key-without-property',
      spec: {
        secretStoreRefs: store,
        selector: { secret: { name: 'db' } },
        data: [{ match: { secretKey: 'config', remoteRef: { remoteKey: 'config' } } }],
      },
      remoteKeys: ['config'],
    },
    {
      // A secret someone else wrote (no managed-by marker) is left alone: both fail, nothing is overwritten.
      name: 'push-unmanaged',
      spec: {
        secretStoreRefs: store,
        selector: { secret: { name: 'db' } },
        data: [{ match: { secretKey: 'pass', remoteRef: { remoteKey: 'foreign', property: 'password' } } }],
      },
      remoteKeys: ['foreign'],
      fails: true,
    },
  ];

  async function bao(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await vault.request(method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: HTTP ${res.status}`);
    return (res.body ?? {}) as Record<string, unknown>;
  }

  before(async () => {
    [h, vault] = await Promise.all([harness(), startVault({ binary: vaultBuild.binary })]);
    for (const side of ['eso', 'custos'] as const) {
      sides[side] = await createNamespace(h, `diff-vpush-${side}`);
      await bao('POST', `sys/mounts/push-${side}`, { type: 'kv', options: { version: '2' } });
      await bao('POST', `push-${side}/data/foreign`, { data: { password: 'not-yours' } });
      await h.client.create(Resources.secrets, {
        metadata: { name: 'vault-auth', namespace: sides[side] },
        stringData: { token: vault.rootToken },
      });
      await h.client.create(Resources.secrets, {
        metadata: { name: 'db', namespace: sides[side] },
        stringData: { user: 'admin', pass: 's3cr3t-<pass>', config: '{"port":5432,"tls":true}' },
      });
      await createStore(h, sides[side], 'vault', {
        vault: {
          server: vault.address,
          path: `push-${side}`,
          auth: { tokenSecretRef: { name: 'vault-auth', key: 'token' } },
        },
      });
    }
    const { kubeconfigPath } = await integration.cluster();
    eso = await startEsoWithMetrics(build as EsoBuild, {
      kubeconfigPath,
      kc: h.kc,
      controllerClass: 'default',
      concurrent: 2,
      namespace: sides.eso,
      clusterScoped: false,
    });
    op = await startTestOperator(h, {
      namespace: sides.custos,
      concurrency: 2,
      controllers: [pushSecretController(), pushSecretStoreFinalizerController],
    });
  });

  after(async () => {
    await stopBoth(eso, op);
    await vault?.stop();
  });

  for (const c of cases) {
    it(c.name, async () => {
      for (const side of ['eso', 'custos'] as const) {
        await h.client.create(PushSecretResources.pushSecrets, {
          apiVersion: 'external-secrets.io/v1alpha1',
          kind: 'PushSecret',
          metadata: { name: c.name, namespace: sides[side] },
          spec: { refreshInterval: '1h', ...c.spec },
        });
      }
      const settled = async (side: 'eso' | 'custos') => {
        eso?.assertRunning();
        const ps = await h.client.get<KubeObject & { status?: Record<string, unknown> }>(
          PushSecretResources.pushSecrets,
          c.name,
          { namespace: sides[side] },
        );
        return readyOf(ps as never)?.status === (c.fails ? 'False' : 'True') ? ps : undefined;
      };
      const ofEso = await waitFor("ESO's PushSecret", () => settled('eso'), 30_000);
      const ofCustos = await waitFor("Custos's PushSecret", () => settled('custos'), 30_000);
      const status = (ps: { status?: Record<string, unknown> }) => ({
        ready: readyOf(ps as never)?.status,
        reason: readyOf(ps as never)?.reason,
        syncedPushSecrets: ps.status?.syncedPushSecrets,
      });
      assert.deepEqual(status(ofCustos), status(ofEso), 'PushSecret status');
      if (c.fails) assert.match(readyOf(ofCustos as never)?.message ?? '', /not managed by external-secrets/);
      for (const key of c.remoteKeys) {
        const remoteOf = async (side: 'eso' | 'custos') => {
          const data = (await bao('GET', `push-${side}/data/${key}`)).data as { data: unknown };
          const meta = (await bao('GET', `push-${side}/metadata/${key}`)).data as Record<string, unknown>;
          return { data: data.data, custom_metadata: meta.custom_metadata, versions: meta.current_version };
        };
        assert.deepEqual(await remoteOf('custos'), await remoteOf('eso'), `the Vault secret ${key}`);
      }
    });
  }
});
