// Differential test of the vault provider: the real ESO v0.16.2 (tools/eso-oracle links ESO's own vault provider
// and Vault's Go client) and Custos read the same real Vault (tools/vault-dev, Vault v1.21.4) through the same
// store specs, each in its own namespace, and must write the same Secrets and report the same status and events
// (eso-differential-harness.ts): properties and gjson paths, whole secrets, versions, extracts, custom_metadata,
// find by name, path and tags, a KV v1 engine, a userpass login, and the failures for a missing key or property.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoProcess, esoVersion } from '../../helpers/eso-oracle.js';
import { startVault, type VaultServer, vaultBuildOrSkip } from '../../helpers/vault-server.js';
import {
  compareCase,
  type DiffCase,
  skip as esoSkip,
  providerApiCalls,
  startBoth,
  stopBoth,
} from './eso-differential-harness.js';
import { createNamespace, createStore, type Harness, harness } from './harness.js';

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
