// The gateway's two client APIs over an in-memory store double (no processes): shapes, status codes and the rule
// that values never reach logs or error messages.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { fragmentFilePath, initFragments } from '../../../src/gateway/crypto/admin.js';
import { readUnsealKeyFile } from '../../../src/gateway/crypto/unseal-key.js';
import { FragmentVault } from '../../../src/gateway/crypto/vault.js';
import { SecretService } from '../../../src/gateway/secrets.js';
import { buildGatewayApp } from '../../../src/gateway/server.js';
import { StoreDouble } from './store-double.js';

const root = mkdtempSync(join(tmpdir(), 'custos-gw-api-'));
const logs: string[] = [];
const store = new StoreDouble();
let vault: FragmentVault;
let app: FastifyInstance;
const secretValue = 'p4ss-VALUE-that-must-not-leak';

before(async () => {
  const keyFile = join(root, 'unseal.key');
  await initFragments(join(root, 'config'), { type: 'key-file', keyFile });
  vault = new FragmentVault(fragmentFilePath(join(root, 'config')));
  vault.unsealWithKey(readUnsealKeyFile(keyFile));
  store.addCredential('p-joplin', 'key-joplin', '/mdapi/joplin/');
  store.addCredential('p-admin', 'key-admin', '/');
  const logger = pino({ level: 'trace' }, { write: (line: string) => logs.push(line) });
  app = await buildGatewayApp(
    { secrets: new SecretService(store.client(), vault, 4096), store: store.client(), vault },
    { logger, maxValueBytes: 4096 },
  );
});
after(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

async function call(method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, body?: unknown, token?: string) {
  const response = await app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

async function login(accessId: string, accessKey: string): Promise<string> {
  const r = await call('POST', '/v1/auth/login', { type: 'api_key', accessId, accessKey });
  assert.equal(r.status, 200);
  return r.body.token;
}

describe('native API', () => {
  it('puts, gets, lists versions and rolls back', async () => {
    const token = await login('p-joplin', 'key-joplin');
    const path = '/mdapi/joplin/app/db';
    const first = await call('POST', '/v1/secrets', { path, value: secretValue, tags: ['team=a'] }, token);
    assert.deepEqual([first.status, first.body], [201, { path, version: 1, created: true }]);
    const second = await call('POST', '/v1/secrets', { path, value: 'second' }, token);
    assert.deepEqual([second.status, second.body.version], [200, 2]);
    const latest = await call('GET', `/v1/secrets?path=${encodeURIComponent(path)}`, undefined, token);
    assert.equal(latest.body.value, 'second');
    assert.deepEqual(latest.body.tags, ['team=a']);
    const v1 = await call('GET', `/v1/secrets?path=${encodeURIComponent(path)}&version=1`, undefined, token);
    assert.equal(v1.body.value, secretValue);
    const rolled = await call('POST', '/v1/secrets/rollback', { path, version: 1 }, token);
    assert.deepEqual(rolled.body, { path, version: 3, from: 1 });
    const now = await call('GET', `/v1/secrets?path=${encodeURIComponent(path)}`, undefined, token);
    assert.deepEqual([now.body.version, now.body.value], [3, secretValue]);
    const versions = await call('GET', `/v1/secrets/versions?path=${encodeURIComponent(path)}`, undefined, token);
    assert.deepEqual(
      versions.body.versions.map((v: { version: number }) => v.version),
      [1, 2, 3],
    );
    // The store holds only envelopes: no plaintext anywhere in its state.
    assert.ok(!JSON.stringify([...store.items.values()]).includes(secretValue));
  });

  it('keeps every version when writers race on one item', async () => {
    const token = await login('p-joplin', 'key-joplin');
    const path = '/mdapi/joplin/race';
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call('POST', '/v1/secrets', { path, value: `w${i}` }, token)),
    );
    assert.ok(results.every((r) => r.status === 200 || r.status === 201));
    const versions = results.map((r) => r.body.version).sort();
    assert.deepEqual(versions, [1, 2, 3, 4, 5, 6]);
    for (const r of results) {
      const got = await call('GET', `/v1/secrets?path=${path}&version=${r.body.version}`, undefined, token);
      assert.equal(got.status, 200);
    }
  });

  it('answers 403 outside the token scope whether or not the item exists, 404 inside it', async () => {
    const admin = await login('p-admin', 'key-admin');
    await call('POST', '/v1/secrets', { path: '/mdapi/bootstrap/exists', value: 'x' }, admin);
    const token = await login('p-joplin', 'key-joplin');
    const existing = await call('GET', '/v1/secrets?path=/mdapi/bootstrap/exists', undefined, token);
    const missing = await call('GET', '/v1/secrets?path=/mdapi/bootstrap/missing', undefined, token);
    assert.equal(existing.status, 403);
    assert.deepEqual(existing, {
      ...missing,
      body: { error: { ...missing.body.error, message: existing.body.error.message } },
    });
    assert.equal((await call('GET', '/v1/secrets?path=/mdapi/joplin/none', undefined, token)).status, 404);
    assert.equal((await call('GET', '/v1/secrets?path=/mdapi/joplin/none')).status, 401);
    assert.equal((await call('GET', '/v1/secrets?path=/mdapi/joplin/none', undefined, 't-bogus')).status, 401);
  });

  it('rejects bad input with a clear error and writes nothing', async () => {
    const token = await login('p-joplin', 'key-joplin');
    const before = store.calls.length;
    const cases: [unknown, RegExp][] = [
      [{ path: '/mdapi/joplin/../x', value: 'v' }, /".." segment/],
      [{ path: 'relative', value: 'v' }, /must start with/],
      [{ path: '/mdapi/joplin/a\u0000b', value: 'v' }, /control/],
      [{ path: '/mdapi/joplin/cafe\u0301', value: 'v' }, /NFC/],
      [{ path: '/mdapi/joplin/a//b', value: 'v' }, /empty segment/],
      [{ path: '/mdapi/joplin/a' }, /"value" is required/],
      [{ path: '/mdapi/joplin/a', value: 'x'.repeat(4097) }, /limit is 4096/],
    ];
    for (const [body, message] of cases) {
      const r = await call('POST', '/v1/secrets', body, token);
      assert.ok(r.status === 400 || r.status === 413, `${JSON.stringify(body).slice(0, 60)} -> ${r.status}`);
      assert.match(r.body.error.message, message);
    }
    const malformed = await app.inject({
      method: 'POST',
      url: '/v1/secrets',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: `{"path":"/mdapi/joplin/a","value":"${secretValue}"`,
    });
    assert.equal(malformed.statusCode, 400);
    assert.ok(!malformed.body.includes(secretValue), 'a parse error must not echo the body');
    assert.match(malformed.body, /not valid JSON/);
    assert.deepEqual(store.calls.slice(before), [], 'nothing reached the store');
  });

  it('a sealed gateway answers 503 with the reason and writes nothing', async () => {
    const token = await login('p-joplin', 'key-joplin');
    const key = readUnsealKeyFile(join(root, 'unseal.key'));
    vault.seal();
    try {
      const before = store.calls.length;
      const put = await call('POST', '/v1/secrets', { path: '/mdapi/joplin/sealed', value: 'v' }, token);
      assert.equal(put.status, 503);
      assert.equal(put.body.error.code, 'sealed');
      assert.match(put.body.error.message, /unseal/);
      const get = await call('POST', '/v2/get-secret-value', { names: ['/mdapi/joplin/app/db'], token });
      assert.equal(get.status, 503);
      assert.deepEqual(store.calls.slice(before), []);
      assert.equal((await call('GET', '/v1/health')).body.sealed, true);
    } finally {
      vault.unsealWithKey(key);
    }
  });
});

describe('Akeyless v2 API', () => {
  it('authenticates with access_key and returns the token in the body', async () => {
    for (const prefix of ['', '/v2', '/api/v2', '/akeyless-api/v2']) {
      const r = await call('POST', `${prefix}/auth`, {
        'access-id': 'p-joplin',
        'access-type': 'access_key',
        'access-key': 'key-joplin',
      });
      assert.equal(r.status, 200, prefix);
      assert.match(r.body.token, /^t-/);
      assert.equal(r.body.creds.token, r.body.token);
      assert.equal(typeof r.body.creds.expiry, 'number');
    }
    const bad = await call('POST', '/v2/auth', { 'access-id': 'p-joplin', 'access-key': 'wrong' });
    assert.equal(bad.status, 401);
    assert.equal(typeof bad.body.error, 'string');
  });

  it("answers ESO's URL probe with 'unknown command'", async () => {
    const r = await app.inject({ method: 'POST', url: '/v2', headers: { 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 404);
    assert.match(r.body, /unknown command/);
  });

  it('creates, describes, reads, lists, updates and deletes like ESO expects', async () => {
    const { body: auth } = await call('POST', '/v2/auth', { 'access-id': 'p-joplin', 'access-key': 'key-joplin' });
    const token = auth.token as string;
    const name = '/mdapi/joplin/eso/db';
    const value = JSON.stringify({ user: 'u', password: secretValue });
    const missing = await call('POST', '/v2/get-secret-value', { names: [name], version: 0, token });
    assert.equal(missing.status, 404);
    const created = await call('POST', '/v2/create-secret', { name, value, tags: ['k8s-external-secrets'], token });
    assert.deepEqual(created, { status: 200, body: { name } });
    const again = await call('POST', '/v2/create-secret', { name, value, token });
    assert.equal(again.status, 409);
    const described = await call('POST', '/v2/describe-item', { name, token });
    assert.equal(described.body.item_name, name);
    assert.equal(described.body.item_type, 'STATIC_SECRET');
    assert.equal(described.body.last_version, 1);
    assert.deepEqual(described.body.item_tags, ['k8s-external-secrets']);
    const got = await call('POST', '/v2/get-secret-value', { names: [name], version: 0, token });
    assert.deepEqual(got.body, { [name]: value });
    const noSlash = await call('POST', '/v2/get-secret-value', { names: ['mdapi/joplin/eso/db'], token });
    assert.deepEqual(noSlash.body, { 'mdapi/joplin/eso/db': value });
    const updated = await call('POST', '/v2/update-secret-val', { name, value: 'v2', 'last-version': 0, token });
    assert.deepEqual(updated.body, { name });
    const stale = await call('POST', '/v2/update-secret-val', { name, value: 'v3', 'last-version': 1, token });
    assert.equal(stale.status, 409);
    const v1 = await call('POST', '/v2/get-secret-value', { names: [name], version: 1, token });
    assert.deepEqual(v1.body, { [name]: value });
    const versions = await call('POST', '/v2/describe-item', { name, 'show-versions': true, token });
    assert.deepEqual(
      versions.body.item_versions.map((v: { version: number }) => v.version),
      [1, 2],
    );
    const listed = await call('POST', '/v2/list-items', { path: '/mdapi/joplin/eso', token });
    assert.deepEqual(
      listed.body.items.map((i: { item_name: string }) => i.item_name),
      [name],
    );
    const byTag = await call('POST', '/v2/list-items', { tag: 'k8s-external-secrets', token });
    assert.equal(byTag.body.items.length, 1);
    const filtered = await call('POST', '/v2/list-items', { filter: 'nomatch', token });
    assert.deepEqual(filtered.body.items, []);
    const dynamicOnly = await call('POST', '/v2/list-items', { type: ['dynamic-secret'], token });
    assert.deepEqual(dynamicOnly.body.items, []);
    const deleted = await call('POST', '/v2/delete-item', { name, token });
    assert.equal(deleted.body.item_name, name);
    assert.equal((await call('POST', '/v2/describe-item', { name, token })).status, 404);
    const validate = await call('POST', '/v2/validate-token', { token });
    assert.equal(validate.body.is_valid, true);
    const invalid = await call('POST', '/v2/validate-token', { token: 't-nope' });
    assert.deepEqual([invalid.status, invalid.body.is_valid], [200, false]);
  });

  it('answers 401 for a path outside the scope whether or not it exists; 404 only inside it', async () => {
    const admin = (await call('POST', '/v2/auth', { 'access-id': 'p-admin', 'access-key': 'key-admin' })).body.token;
    await call('POST', '/v2/create-secret', { name: '/mdapi/bootstrap/eso', value: 'x', token: admin });
    const token = (await call('POST', '/v2/auth', { 'access-id': 'p-joplin', 'access-key': 'key-joplin' })).body.token;
    for (const command of ['describe-item', 'get-secret-value', 'update-secret-val', 'delete-item']) {
      for (const name of ['/mdapi/bootstrap/eso', '/mdapi/bootstrap/missing']) {
        const r = await call('POST', `/v2/${command}`, { name, names: [name], value: 'v', token });
        assert.equal(r.status, 401, `${command} ${name}`);
      }
    }
    const create = await call('POST', '/v2/create-secret', { name: '/mdapi/bootstrap/new', value: 'v', token });
    assert.equal(create.status, 401);
    const inScope = await call('POST', '/v2/describe-item', { name: '/mdapi/joplin/missing', token });
    assert.equal(inScope.status, 404);
    const noToken = await call('POST', '/v2/describe-item', { name: '/mdapi/joplin/missing' });
    assert.equal(noToken.status, 401);
    assert.match(noToken.body.error, /token/);
  });
});

describe('Akeyless certificate items', () => {
  const certificatePem = '-----BEGIN CERTIFICATE-----\nMIIBcertificate\n-----END CERTIFICATE-----\n';
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${secretValue}\n-----END PRIVATE KEY-----\n`;
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it('creates a certificate item that describes as CERTIFICATE and reads through get-certificate-value', async () => {
    const token = (await call('POST', '/v2/auth', { 'access-id': 'p-joplin', 'access-key': 'key-joplin' })).body.token;
    const name = '/mdapi/joplin/tls/web';
    const created = await call('POST', '/v2/create-certificate', {
      name,
      'certificate-data': b64(certificatePem),
      'key-data': b64(keyPem),
      tags: ['team=web'],
      token,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const described = await call('POST', '/v2/describe-item', { name, token });
    assert.equal(described.body.item_type, 'CERTIFICATE');
    assert.deepEqual(described.body.item_tags, ['team=web'], 'the type marker is not shown as a tag');
    const value = await call('POST', '/v2/get-certificate-value', { name, token });
    assert.deepEqual(value.body, { certificate_pem: certificatePem, private_key_pem: keyPem });
    const listed = await call('POST', '/v2/list-items', { path: '/mdapi/joplin/tls', type: ['certificate'], token });
    assert.deepEqual(
      listed.body.items.map((i: { item_name: string }) => i.item_name),
      [name],
    );
    const staticOnly = await call('POST', '/v2/list-items', {
      path: '/mdapi/joplin/tls',
      type: ['static-secret'],
      token,
    });
    assert.deepEqual(staticOnly.body.items, []);
  });

  it('refuses data that is not base64 PEM and a static secret asked for as a certificate, without echoing values', async () => {
    const token = (await call('POST', '/v2/auth', { 'access-id': 'p-joplin', 'access-key': 'key-joplin' })).body.token;
    const bad = await call('POST', '/v2/create-certificate', {
      name: '/mdapi/joplin/tls/bad',
      'certificate-data': b64(secretValue),
      token,
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /certificate-data.*base64-encoded PEM certificate/);
    assert.ok(!JSON.stringify(bad.body).includes(secretValue));
    await call('POST', '/v2/create-secret', { name: '/mdapi/joplin/tls/plain', value: secretValue, token });
    const wrongType = await call('POST', '/v2/get-certificate-value', { name: '/mdapi/joplin/tls/plain', token });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.body.error, /not a certificate: use get-secret-value/);
    const missing = await call('POST', '/v2/get-certificate-value', { name: '/mdapi/joplin/tls/none', token });
    assert.equal(missing.status, 404);
  });
});

describe('logs', () => {
  it('never contain a value that was written or read', () => {
    const text = logs.join('');
    assert.ok(text.length > 0, 'requests were logged');
    assert.ok(!text.includes(secretValue));
    assert.ok(!text.includes('key-joplin'), 'nor a credential');
  });

  it('the sealed fragment file holds no value', () => {
    const file = readFileSync(fragmentFilePath(join(root, 'config')), 'utf8');
    assert.ok(!file.includes(secretValue));
  });
});
