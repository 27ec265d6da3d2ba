// A standalone gateway in front of a store that serves TLS with its own CA (`custos gateway serve --store-ca`):
// secrets round-trip over the verified connection, store administration and audit are relayed through the gateway,
// and a gateway that does not trust the store's CA refuses to talk to it with an error that says why.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { createGatewayServer, type GatewayServer } from '../../../src/gateway/server.js';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { storeClient } from '../store/client.js';

describe('gateway -> store over TLS, with store administration relayed', () => {
  const root = mkdtempSync(join(tmpdir(), 'custos-store-tls-'));
  const configDir = join(root, 'gateway');
  const keyFile = join(root, 'unseal.key');
  let store: StoreServer;
  let gateway: GatewayServer;
  let untrusting: GatewayServer;
  let admin: { accessId: string; accessKey: string };
  let storeCa: string;

  before(async () => {
    // The store's own certificate and CA, separate from the gateway's.
    const storeCert = await loadOrCreateServingCertificate(join(root, 'store-tls'), []);
    storeCa = storeCert.caPem ?? '';
    store = await createStoreServer({
      location: { dataDir: join(root, 'store'), env: {} },
      tls: { cert: storeCert.certPem, key: storeCert.keyPem },
      logger: false,
    });
    assert.match(store.url, /^https:/);
    admin = (await bootstrap(store.context.storage, store.context.auth)).admin;
    await initFragments(configDir, { type: 'key-file', keyFile });
    const common = {
      storeUrl: store.url,
      configDir,
      unsealKeyFile: keyFile,
      insecureHttp: true,
      logger: false as const,
    };
    gateway = await createGatewayServer({ ...common, storeCaPem: storeCa });
    untrusting = await createGatewayServer(common);
  });
  after(async () => {
    await untrusting?.close();
    await gateway?.close();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('round-trips a secret and relays admin, audit and logout to the store', async () => {
    const api = storeClient(gateway.url);
    const token = await api.login(admin.accessId, admin.accessKey);
    const value = `tls-${randomBytes(8).toString('hex')}`;
    const put = await api.call('POST', '/v1/secrets', { token, body: { path: '/apps/tls/db', value } });
    assert.equal(put.status, 201, put.text);
    const got = await api.call('GET', '/v1/secrets?path=/apps/tls/db', { token });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.body.value, value);

    const method = await api.call('POST', '/v1/admin/auth-methods', {
      token,
      body: { name: 'ci', type: 'api_key' },
    });
    assert.equal(method.status, 201, method.text);
    const listed = await api.call('GET', '/v1/admin/auth-methods', { token });
    assert.ok(
      listed.body.authMethods.some((m: { name: string }) => m.name === 'ci'),
      'the relayed list shows the new method',
    );
    const verify = await api.call('GET', '/v1/audit/verify', { token });
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.body.ok, true, verify.text);
    assert.equal(JSON.stringify(verify.body).includes(value), false, 'the audit answer holds no value');

    // Only an identity with admin rights may administer, relayed or not.
    const other = await api.login(method.body.accessId, method.body.accessKey);
    const refused = await api.call('GET', '/v1/admin/auth-methods', { token: other });
    assert.equal(refused.status, 403, refused.text);

    const logout = await api.call('POST', '/v1/auth/logout', { token });
    assert.ok(logout.status === 200 || logout.status === 204, logout.text);
    const after = await api.call('GET', '/v1/secrets?path=/apps/tls/db', { token });
    assert.equal(after.status, 401, after.text);
  });

  it('a gateway that does not trust the store CA says so instead of connecting', async () => {
    const api = storeClient(untrusting.url);
    const login = await api.call('POST', '/v1/auth/login', {
      body: { type: 'api_key', accessId: admin.accessId, accessKey: admin.accessKey },
    });
    assert.equal(login.status, 503, login.text);
    assert.match(login.text, /unreachable \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO)/);
    assert.equal(login.text.includes(admin.accessKey), false);
    const relayed = await api.call('GET', '/v1/admin/auth-methods', { token: 'whatever' });
    assert.equal(relayed.status, 503, relayed.text);
  });
});
