// The gateway's Akeyless v2 API driven by Akeyless' own client library (the `akeyless` npm SDK, generated from the
// same OpenAPI spec as akeyless-go, which ESO uses): the real client's requests -- with the extra default fields it
// sends -- are accepted, and its model classes read every answer. The store and gateway run in-process.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { createGatewayServer, type GatewayServer } from '../../../src/gateway/server.js';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { storeClient } from '../store/client.js';

// The SDK is CommonJS without types; only the calls below are used.
interface SdkModel {
  constructFromObject(data: Record<string, unknown>): unknown;
}
interface V2Api {
  auth(body: unknown): Promise<{ token?: string }>;
  createSecret(body: unknown): Promise<{ name?: string }>;
  describeItem(body: unknown): Promise<Record<string, unknown>>;
  getSecretValue(body: unknown): Promise<Record<string, unknown>>;
  listItems(body: unknown): Promise<{ items?: Array<Record<string, unknown>> }>;
  updateSecretVal(body: unknown): Promise<{ name?: string }>;
  deleteItem(body: unknown): Promise<Record<string, unknown>>;
  validateToken(body: unknown): Promise<Record<string, unknown>>;
  createCertificate(body: unknown): Promise<Record<string, unknown>>;
  getCertificateValue(body: unknown): Promise<Record<string, unknown>>;
}
interface Sdk {
  ApiClient: new () => { basePath: string };
  V2Api: new (client: unknown) => V2Api;
  [model: string]: unknown;
}
const sdk = createRequire(import.meta.url)('akeyless') as Sdk;
const model = (name: string, data: Record<string, unknown>) => (sdk[name] as SdkModel).constructFromObject(data);

describe('gateway Akeyless API through the official Akeyless client library', () => {
  const root = mkdtempSync(join(tmpdir(), 'custos-akeyless-sdk-'));
  const keyFile = join(root, 'unseal.key');
  const suffix = randomBytes(4).toString('hex');
  let store: StoreServer;
  let gateway: GatewayServer;
  let api: V2Api;
  let scoped: { accessId: string; accessKey: string };

  before(async () => {
    store = await createStoreServer({ location: { dataDir: join(root, 'store'), env: {} }, logger: false });
    const creds = await bootstrap(store.context.storage, store.context.auth);
    await initFragments(join(root, 'gateway'), { type: 'key-file', keyFile });
    gateway = await createGatewayServer({
      storeUrl: store.url,
      configDir: join(root, 'gateway'),
      unsealKeyFile: keyFile,
      insecureHttp: true,
      logger: false,
    });
    // An API-key identity limited to /sdk/* (read, list, create, update, delete).
    const admin = storeClient(store.url);
    const token = await admin.login(creds.admin.accessId, creds.admin.accessKey);
    const method = await admin.call('POST', '/v1/admin/auth-methods', {
      token,
      body: { name: 'sdk', type: 'api_key' },
    });
    assert.equal(method.status, 201, method.text);
    await admin.call('PUT', '/v1/admin/roles', {
      token,
      body: { name: 'sdk', rules: [{ path: '/sdk/*', capabilities: ['read', 'list', 'create', 'update', 'delete'] }] },
    });
    const bound = await admin.call('POST', '/v1/admin/roles/bind', {
      token,
      body: { role: 'sdk', accessId: method.body.accessId },
    });
    assert.equal(bound.status, 200, bound.text);
    scoped = { accessId: method.body.accessId, accessKey: method.body.accessKey };

    const client = new sdk.ApiClient();
    client.basePath = `${gateway.url}/akeyless-api/v2`;
    api = new sdk.V2Api(client);
  });
  after(async () => {
    await gateway?.close();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('authenticates, writes, describes, reads, lists, updates, validates and deletes a static secret', async () => {
    const { token } = await api.auth(
      model('Auth', { 'access-id': scoped.accessId, 'access-key': scoped.accessKey, 'access-type': 'access_key' }),
    );
    assert.match(token ?? '', /^t-/);
    const name = `/sdk/${suffix}/db`;
    const first = `first-${randomBytes(6).toString('hex')}`;
    assert.equal(
      (await api.createSecret(model('CreateSecret', { name, value: first, tags: ['team=a'], token }))).name,
      name,
    );

    const item = await api.describeItem(model('DescribeItem', { name, 'show-versions': true, token }));
    assert.equal(item.item_name, name);
    assert.equal(item.item_type, 'STATIC_SECRET');
    assert.equal(item.last_version, 1);
    assert.deepEqual(item.item_tags, ['team=a']);

    assert.deepEqual(await api.getSecretValue(model('GetSecretValue', { names: [name], token })), { [name]: first });
    const listed = await api.listItems(model('ListItems', { path: `/sdk/${suffix}`, token }));
    assert.deepEqual(
      listed.items?.map((i) => i.item_name),
      [name],
    );

    const second = `second-${randomBytes(6).toString('hex')}`;
    await api.updateSecretVal(model('UpdateSecretVal', { name, value: second, token }));
    assert.deepEqual(await api.getSecretValue(model('GetSecretValue', { names: [name], token })), { [name]: second });
    const old = await api.getSecretValue(model('GetSecretValue', { names: [name], version: 1, token }));
    assert.deepEqual(old, { [name]: first });

    const valid = await api.validateToken(model('ValidateToken', { token }));
    assert.equal(valid.is_valid, true);

    const deleted = await api.deleteItem(model('DeleteItem', { name, token }));
    assert.equal(deleted.item_name, name);
    await assert.rejects(api.describeItem(model('DescribeItem', { name, token })), (e: { status?: number }) => {
      assert.equal(e.status, 404);
      return true;
    });
  });

  it('answers 401 outside the identity scope whether or not the item exists', async () => {
    const { token } = await api.auth(
      model('Auth', { 'access-id': scoped.accessId, 'access-key': scoped.accessKey, 'access-type': 'access_key' }),
    );
    for (const name of ['/other/exists-or-not', `/other/${suffix}`]) {
      await assert.rejects(api.describeItem(model('DescribeItem', { name, token })), (e: { status?: number }) => {
        assert.equal(e.status, 401);
        return true;
      });
    }
    await assert.rejects(
      api.auth(model('Auth', { 'access-id': scoped.accessId, 'access-key': 'wrong', 'access-type': 'access_key' })),
      (e: { status?: number }) => {
        assert.equal(e.status, 401);
        return true;
      },
    );
  });

  it('creates a certificate item and reads it back as the SDK models it', async () => {
    const { token } = await api.auth(
      model('Auth', { 'access-id': scoped.accessId, 'access-key': scoped.accessKey, 'access-type': 'access_key' }),
    );
    const name = `/sdk/${suffix}/tls`;
    const certificatePem = '-----BEGIN CERTIFICATE-----\nMIIBsdk\n-----END CERTIFICATE-----\n';
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(24).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    await api.createCertificate(
      model('CreateCertificate', {
        name,
        'certificate-data': Buffer.from(certificatePem).toString('base64'),
        'key-data': Buffer.from(keyPem).toString('base64'),
        token,
      }),
    );
    const item = await api.describeItem(model('DescribeItem', { name, token }));
    assert.equal(item.item_type, 'CERTIFICATE');
    const value = await api.getCertificateValue(model('GetCertificateValue', { name, token }));
    assert.equal(value.certificate_pem, certificatePem);
    assert.equal(value.private_key_pem, keyPem);
  });
});
