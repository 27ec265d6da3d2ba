// ESO's common provider cases that need paths and tags (FindByNameWithPath, FindByTag, FindByTagWithPath), which
// neither the fake nor the kubernetes provider has, run with the custos provider against the real store (SQLite in
// a temp dir) and gateway in-process; plus the JSON cases again through it. Each asserts the exact Secret the way
// ESO's e2e framework does (type, labels and annotations without managed/created-by/data-hash, data).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { createGatewayServer, type GatewayServer } from '../../../src/gateway/server.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { PushSecretResources, pushSecretController } from '../../../src/operator/pushsecret/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { integration } from '../../helpers/cluster.js';
import { storeClient } from '../store/client.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  getSecret,
  type Harness,
  harness,
  type SecretObject,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

const IGNORED_LABELS = ['reconcile.external-secrets.io/managed', 'reconcile.external-secrets.io/created-by'];
const IGNORED_ANNOTATIONS = ['reconcile.external-secrets.io/data-hash'];

function comparable(secret: SecretObject | undefined) {
  if (!secret) return undefined;
  const strip = (map: Record<string, string> | undefined, ignored: string[]) =>
    Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => !ignored.includes(k)));
  return {
    type: secret.type,
    labels: strip(secret.metadata?.labels, IGNORED_LABELS),
    annotations: strip(secret.metadata?.annotations, IGNORED_ANNOTATIONS),
    data: decode(secret.data),
  };
}

describe('ESO common cases (custos provider: paths and tags)', { skip: integration.skipReason }, () => {
  const root = mkdtempSync(join(tmpdir(), 'custos-eso-cases-'));
  const configDir = join(root, 'gateway');
  const keyFile = join(root, 'unseal.key');
  const suffix = randomBytes(4).toString('hex');
  let h: Harness;
  let store: StoreServer;
  let gateway: GatewayServer;
  let writer: GatewayServer;
  let operator: OperatorHandle;
  let ns: string;
  /** Items live below /apps/<ns>; `base` is that prefix. */
  let base: string;
  let flatBase: string;
  let readItem: (path: string) => Promise<{ value: string; version: number } | undefined>;
  const values: Record<string, string> = {};
  const value = (label: string) => {
    values[label] = `${label}-${suffix}-${randomBytes(6).toString('hex')}`;
    return values[label];
  };

  before(async () => {
    h = await harness();
    store = await createStoreServer({ location: { dataDir: join(root, 'store'), env: {} }, logger: false });
    const creds = await bootstrap(store.context.storage, store.context.auth);
    await initFragments(configDir, { type: 'key-file', keyFile });
    gateway = await createGatewayServer({ storeUrl: store.url, configDir, unsealKeyFile: keyFile, logger: false });
    writer = await createGatewayServer({
      storeUrl: store.url,
      configDir,
      unsealKeyFile: keyFile,
      insecureHttp: true,
      logger: false,
    });
    const adminApi = storeClient(writer.url);
    const admin = await adminApi.login(creds.admin.accessId, creds.admin.accessKey);
    const storeApi = storeClient(store.url);
    const method = await storeApi.call('POST', '/v1/admin/auth-methods', {
      token: admin,
      body: { name: 'operator', type: 'api_key' },
    });
    assert.equal(method.status, 201, method.text);
    const role = await storeApi.call('PUT', '/v1/admin/roles', {
      token: admin,
      body: {
        name: 'apps',
        rules: [
          { path: '/apps/*', capabilities: ['read', 'list'] },
          // PushSecrets write below .../pushed/ only.
          { path: '/apps/*/pushed/*', capabilities: ['read', 'list', 'create', 'update', 'delete'] },
        ],
      },
    });
    assert.equal(role.status, 200, role.text);
    const bound = await storeApi.call('POST', '/v1/admin/roles/bind', {
      token: admin,
      body: { role: 'apps', accessId: method.body.accessId },
    });
    assert.equal(bound.status, 200, bound.text);

    ns = await createNamespace(h, 'es-cases-custos');
    base = `/apps/${ns}`;
    flatBase = `apps_${ns}`;
    const put = async (path: string, v: string, tags: string[] = []) => {
      const r = await adminApi.call('POST', '/v1/secrets', { token: admin, body: { path, value: v, tags } });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    };
    await put(`${base}/find/alpha-one`, value('alpha-one'), ['team=a']);
    await put(`${base}/find/alpha-two`, value('alpha-two'), ['team=a', 'env=prod']);
    await put(`${base}/find/beta`, value('beta'), ['team=b']);
    await put(`${base}/other/alpha-three`, value('alpha-three'), ['team=a']);
    await put(`${base}/json`, JSON.stringify({ one: value('eins'), two: value('zwei') }));
    await put(
      `${base}/nested`,
      JSON.stringify({ db: { host: 'h', port: 5432 }, name: { first: 'Tom' }, friends: [{ first: 'Dale' }] }),
    );

    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'custos-creds', namespace: ns },
      stringData: { accessId: method.body.accessId, accessKey: method.body.accessKey },
    });
    await h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'custos', namespace: ns },
      spec: {
        provider: {
          custos: {
            gatewayURL: gateway.url,
            caBundle: Buffer.from(gateway.caPem ?? '').toString('base64'),
            auth: {
              apiKeyRef: {
                accessId: { name: 'custos-creds', key: 'accessId' },
                accessKey: { name: 'custos-creds', key: 'accessKey' },
              },
            },
          },
        },
      },
    });
    operator = await startTestOperator(h, { namespace: ns, concurrency: 4, controllers: [pushSecretController()] });
    readItem = async (path: string) => {
      const r = await adminApi.call('GET', `/v1/secrets?path=${encodeURIComponent(path)}`, { token: admin });
      return r.status === 200 ? { value: r.body.value as string, version: r.body.version as number } : undefined;
    };
  });

  after(async () => {
    await operator?.stop();
    await writer?.close();
    await gateway?.close();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const cases: Array<{ name: string; spec: () => ExternalSecretSpec; data: () => Record<string, string | undefined> }> =
    [
      {
        name: 'find-by-name',
        spec: () => ({ dataFrom: [{ find: { name: { regexp: 'alpha-(one|two)$' } } }] }),
        data: () => ({
          [`${flatBase}_find_alpha-one`]: values['alpha-one'],
          [`${flatBase}_find_alpha-two`]: values['alpha-two'],
        }),
      },
      {
        name: 'find-by-name-with-path',
        spec: () => ({ dataFrom: [{ find: { path: `${base}/find`, name: { regexp: 'alpha' } } }] }),
        data: () => ({ 'alpha-one': values['alpha-one'], 'alpha-two': values['alpha-two'] }),
      },
      {
        name: 'find-by-name-and-rewrite',
        spec: () => ({
          dataFrom: [
            {
              find: { path: `${base}/find`, name: { regexp: 'alpha' } },
              rewrite: [{ regexp: { source: 'alpha-(.*)', target: 'a_$1' } }],
            },
          ],
        }),
        data: () => ({ a_one: values['alpha-one'], a_two: values['alpha-two'] }),
      },
      {
        name: 'find-by-tag',
        spec: () => ({ dataFrom: [{ find: { tags: { team: 'a' } } }] }),
        data: () => ({
          [`${flatBase}_find_alpha-one`]: values['alpha-one'],
          [`${flatBase}_find_alpha-two`]: values['alpha-two'],
          [`${flatBase}_other_alpha-three`]: values['alpha-three'],
        }),
      },
      {
        name: 'find-by-tag-with-path',
        spec: () => ({ dataFrom: [{ find: { path: `${base}/find`, tags: { team: 'a' } } }] }),
        data: () => ({ 'alpha-one': values['alpha-one'], 'alpha-two': values['alpha-two'] }),
      },
      {
        name: 'json-data-with-property',
        spec: () => ({
          data: [
            { secretKey: 'one', remoteRef: { key: `${base}/json`, property: 'one' } },
            { secretKey: 'two', remoteRef: { key: `${base}/json`, property: 'two' } },
          ],
        }),
        data: () => ({ one: values.eins, two: values.zwei }),
      },
      {
        name: 'json-data-from-sync',
        spec: () => ({ dataFrom: [{ extract: { key: `${base}/json` } }] }),
        data: () => ({ one: values.eins, two: values.zwei }),
      },
      {
        name: 'json-data-from-extract-property',
        spec: () => ({ dataFrom: [{ extract: { key: `${base}/nested`, property: 'db' } }] }),
        data: () => ({ host: 'h', port: '5432' }),
      },
      {
        name: 'nested-json-with-gjson',
        spec: () => ({
          data: [
            { secretKey: 'first', remoteRef: { key: `${base}/nested`, property: 'name.first' } },
            { secretKey: 'friend', remoteRef: { key: `${base}/nested`, property: 'friends.0.first' } },
          ],
        }),
        data: () => ({ first: 'Tom', friend: 'Dale' }),
      },
    ];

  for (const c of cases) {
    it(c.name, async () => {
      await createExternalSecret(h, ns, c.name, {
        refreshInterval: '1h',
        secretStoreRef: { name: 'custos', kind: 'SecretStore' },
        ...c.spec(),
      });
      const expected = { type: 'Opaque', labels: {}, annotations: {}, data: c.data() };
      let last: unknown;
      try {
        await waitFor(c.name, async () => {
          last = comparable(await getSecret(h, ns, c.name));
          try {
            assert.deepEqual(last, expected);
            return true;
          } catch {
            return false;
          }
        });
      } catch {
        assert.deepEqual(last, expected);
      }
    });
  }
  it('PushSecret into the custos store: pushed once, a source change is a new version, deletion removes it', async () => {
    const path = `${base}/pushed/db`;
    const first = value('pushed-first');
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'push-source', namespace: ns },
      stringData: { password: first },
    });
    await h.client.create(PushSecretResources.pushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'to-custos', namespace: ns },
      spec: {
        refreshInterval: '1s',
        deletionPolicy: 'Delete',
        secretStoreRefs: [{ name: 'custos', kind: 'SecretStore' }],
        selector: { secret: { name: 'push-source' } },
        data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: path } } }],
      },
    });
    const pushed = await waitFor('pushed', async () =>
      (await readItem(path))?.value === first ? readItem(path) : undefined,
    );
    await sleep(3000); // three refresh intervals with nothing changed
    assert.equal((await readItem(path))?.version, pushed?.version, 'an unchanged source is not pushed again');

    const second = value('pushed-second');
    await h.client.patch(Resources.secrets, 'push-source', { stringData: { password: second } }, { namespace: ns });
    const updated = await waitFor('re-pushed', async () => {
      const item = await readItem(path);
      return item?.value === second ? item : undefined;
    });
    assert.equal(updated.version, (pushed?.version ?? 0) + 1);

    await h.client.delete(PushSecretResources.pushSecrets, 'to-custos', { namespace: ns });
    await waitFor('remote item deleted', async () => ((await readItem(path)) === undefined ? true : undefined));
    const statusText = JSON.stringify(
      await h.client.list(PushSecretResources.pushSecrets, { namespace: ns }).catch(() => ({ items: [] })),
    );
    for (const v of [first, second]) assert.ok(!statusText.includes(v) && !h.logs.join('\n').includes(v));
  });
});
