// The real Vault the vault provider's tests run against (tools/vault-dev, test/helpers/vault-server.ts): it serves
// KV v2 at secret/, mounts more kv engines, enables the auth methods the provider supports and logs in, over HTTP
// and HTTPS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { startVault, type VaultServer, vaultBuildOrSkip } from '../../helpers/vault-server.js';

const { binary, skip } = vaultBuildOrSkip();

describe('real Vault dev server (tools/vault-dev)', { skip }, () => {
  let vault: VaultServer;

  before(async () => {
    vault = await startVault({ binary });
  });
  after(async () => {
    await vault?.stop();
  });

  it('serves KV v2 at secret/ with the root token', async () => {
    const written = await vault.request('POST', 'secret/data/app', { data: { user: 'admin', port: '5432' } });
    assert.equal(written.status, 200, written.text);
    assert.equal(written.body.data.version, 1);
    const read = await vault.request('GET', 'secret/data/app');
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.data, { user: 'admin', port: '5432' });
    assert.equal(read.body.data.metadata.version, 1);
  });

  it('mounts a KV v1 engine and reads back what was written', async () => {
    const mounted = await vault.request('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
    assert.equal(mounted.status, 204, mounted.text);
    const written = await vault.request('POST', 'kv1/app', { password: 'hunter2' });
    assert.equal(written.status, 204, written.text);
    const read = await vault.request('GET', '/v1/kv1/app');
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data, { password: 'hunter2' });
  });

  it('enables the userpass, approle, kubernetes and jwt auth methods', async () => {
    for (const type of ['userpass', 'approle', 'kubernetes', 'jwt']) {
      const enabled = await vault.request('POST', `sys/auth/${type}`, { type });
      assert.equal(enabled.status, 204, `${type}: ${enabled.text}`);
    }
    const auths = await vault.request('GET', 'sys/auth');
    assert.equal(auths.status, 200, auths.text);
    for (const type of ['userpass', 'approle', 'kubernetes', 'jwt', 'token']) {
      assert.equal(auths.body.data[`${type}/`]?.type, type, `${type}/ is not listed`);
    }
  });

  it('logs a userpass user in and the token it returns is accepted', async () => {
    const user = await vault.request('POST', 'auth/userpass/users/alice', { password: 's3cret', policies: 'default' });
    assert.equal(user.status, 204, user.text);
    const login = await vault.request('POST', 'auth/userpass/login/alice', { password: 's3cret' }, '');
    assert.equal(login.status, 200, login.text);
    const token: unknown = login.body.auth?.client_token;
    assert.ok(typeof token === 'string' && token.length > 0, login.text);
    const self = await vault.request('GET', 'auth/token/lookup-self', undefined, token);
    assert.equal(self.status, 200, self.text);
    assert.equal(self.body.data.meta.username, 'alice');
    const denied = await vault.request('POST', 'auth/userpass/login/alice', { password: 'wrong' }, '');
    assert.equal(denied.status, 400, denied.text);
  });

  it('serves HTTPS with a given certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-tls-'));
    const tls = await loadOrCreateServingCertificate(dir, ['127.0.0.1']);
    const secure = await startVault({ binary, tls: { cert: tls.certPem, key: tls.keyPem, ca: tls.caPem } });
    try {
      assert.match(secure.address, /^https:\/\/127\.0\.0\.1:\d+$/);
      const read = await secure.request('GET', 'sys/mounts/secret/tune');
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.options?.version, '2');
    } finally {
      await secure.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
