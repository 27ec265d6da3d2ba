// Acceptance of the gateway against the real store (SQLite in a temp dir): round trips through the native and the
// Akeyless APIs, zero knowledge (the store's files and the gateway-store traffic), the 401/403/404 rules, rotation
// with re-wrap, the change feed relay, and Kubernetes login through Akeyless /auth against the real control plane.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { fragmentFilePath, initFragments } from '../../../src/gateway/crypto/admin.js';
import { openValue } from '../../../src/gateway/crypto/envelope.js';
import { DecryptionError } from '../../../src/gateway/crypto/errors.js';
import { openKeyring, readFragmentFile } from '../../../src/gateway/crypto/sealed-file.js';
import { readUnsealKeyFile } from '../../../src/gateway/crypto/unseal-key.js';
import { rotateFragments } from '../../../src/gateway/rotation.js';
import { createGatewayServer, type GatewayServer } from '../../../src/gateway/server.js';
import { StoreClient } from '../../../src/gateway/store-client.js';
import { type BootstrapResult, bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy.js';

const root = mkdtempSync(join(tmpdir(), 'custos-gw-store-'));
const dataDir = join(root, 'store-data');
const configDir = join(root, 'gateway-config');
const keyFile = join(root, 'unseal.key');
const logLines: string[] = [];
/** Every plaintext written in this file; distinctive so an accidental match is impossible. */
const plaintexts: string[] = [];
const value = (label: string) => {
  const v = `${label}-${randomBytes(12).toString('hex')}`;
  plaintexts.push(v);
  return v;
};

let store: StoreServer;
let proxy: RecordingProxy;
let gateway: GatewayServer;
let creds: BootstrapResult;
let admin: string;
let app: { accessId: string; accessKey: string };

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
  body: any;
  text: string;
}

function call(method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<Reply> {
  const url = new URL(path, gateway.url);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = {};
  if (payload) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, ca: gateway.caPem }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const akeyless = (command: string, body: Record<string, unknown>) => call('POST', `/v2/${command}`, { body });
const enc = encodeURIComponent;

async function login(accessId: string, accessKey: string): Promise<string> {
  const r = await call('POST', '/v1/auth/login', { body: { type: 'api_key', accessId, accessKey } });
  assert.equal(r.status, 200, r.text);
  return r.body.token;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

before(async () => {
  store = await createStoreServer({ location: { dataDir, env: {} }, logger: false, feedPollMs: 100 });
  creds = await bootstrap(store.context.storage, store.context.auth);
  // Plain HTTP on loopback so the recorded bytes are the real messages, not TLS records.
  proxy = await startRecordingProxy(store.url);
  await initFragments(configDir, { type: 'key-file', keyFile });
  gateway = await createGatewayServer({
    storeUrl: proxy.url,
    configDir,
    unsealKeyFile: keyFile,
    logger: (await import('pino')).pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) }),
  });
  admin = await login(creds.admin.accessId, creds.admin.accessKey);
  const method = await store.app.inject({
    method: 'POST',
    url: '/v1/admin/auth-methods',
    headers: { authorization: `Bearer ${admin}` },
    payload: { name: 'app-joplin', type: 'api_key' },
  });
  assert.equal(method.statusCode, 201, method.body);
  app = { accessId: method.json().accessId, accessKey: method.json().accessKey };
  const role = await store.app.inject({
    method: 'PUT',
    url: '/v1/admin/roles',
    headers: { authorization: `Bearer ${admin}` },
    payload: {
      name: 'joplin',
      rules: [{ path: '/mdapi/joplin/*', capabilities: ['read', 'list', 'create', 'update', 'delete'] }],
    },
  });
  assert.equal(role.statusCode, 200, role.body);
  const bound = await store.app.inject({
    method: 'POST',
    url: '/v1/admin/roles/bind',
    headers: { authorization: `Bearer ${admin}` },
    payload: { role: 'joplin', accessId: app.accessId },
  });
  assert.equal(bound.statusCode, 200, bound.body);
});

after(async () => {
  await gateway?.close();
  await proxy?.close();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('gateway against the real store', () => {
  it('round-trips through the native API: put, get, versions, rollback, list, delete', async () => {
    const path = '/mdapi/joplin/native/db';
    const v1 = value('native-v1');
    const v2 = value('native-v2');
    const created = await call('POST', '/v1/secrets', { token: admin, body: { path, value: v1, tags: ['team-a'] } });
    assert.deepEqual([created.status, created.body], [201, { path, version: 1, created: true }]);
    const updated = await call('POST', '/v1/secrets', { token: admin, body: { path, value: v2 } });
    assert.deepEqual([updated.status, updated.body.version], [200, 2]);
    const latest = await call('GET', `/v1/secrets?path=${enc(path)}`, { token: admin });
    assert.deepEqual([latest.body.version, latest.body.value, latest.body.tags], [2, v2, ['team-a']]);
    const first = await call('GET', `/v1/secrets?path=${enc(path)}&version=1`, { token: admin });
    assert.equal(first.body.value, v1);
    const rolled = await call('POST', '/v1/secrets/rollback', { token: admin, body: { path, version: 1 } });
    assert.deepEqual(rolled.body, { path, version: 3, from: 1 });
    const afterRollback = await call('GET', `/v1/secrets?path=${enc(path)}`, { token: admin });
    assert.deepEqual([afterRollback.body.version, afterRollback.body.value], [3, v1]);
    const versions = await call('GET', `/v1/secrets/versions?path=${enc(path)}`, { token: admin });
    assert.deepEqual(
      versions.body.versions.map((v: { version: number }) => v.version),
      [1, 2, 3],
    );
    const listed = await call('GET', '/v1/secrets/list?prefix=/mdapi/joplin/native/', { token: admin });
    assert.deepEqual(
      listed.body.items.map((i: { path: string }) => i.path),
      [path],
    );
    const gone = `${path}-temp`;
    await call('POST', '/v1/secrets', { token: admin, body: { path: gone, value: value('temp') } });
    assert.equal((await call('DELETE', `/v1/secrets?path=${enc(gone)}`, { token: admin })).status, 204);
    assert.equal((await call('GET', `/v1/secrets?path=${enc(gone)}`, { token: admin })).status, 404);
  });

  it('keeps every version when writers race on one item', async () => {
    const path = '/mdapi/joplin/native/race';
    const values = Array.from({ length: 5 }, (_, i) => value(`race${i}`));
    const results = await Promise.all(
      values.map((v) => call('POST', '/v1/secrets', { token: admin, body: { path, value: v } })),
    );
    assert.ok(
      results.every((r) => r.status === 200 || r.status === 201),
      results.map((r) => r.text).join('\n'),
    );
    assert.deepEqual(results.map((r) => r.body.version).sort(), [1, 2, 3, 4, 5]);
    for (const [i, r] of results.entries()) {
      const got = await call('GET', `/v1/secrets?path=${enc(path)}&version=${r.body.version}`, { token: admin });
      assert.equal(got.body.value, values[i]);
    }
  });

  it('round-trips through the Akeyless API the way ESO calls it', async () => {
    const auth = await akeyless('auth', {
      'access-id': app.accessId,
      'access-type': 'access_key',
      'access-key': app.accessKey,
    });
    assert.equal(auth.status, 200, auth.text);
    const token = auth.body.token as string;
    const name = '/mdapi/joplin/eso/db';
    const secret = JSON.stringify({ user: 'app', password: value('eso-password') });
    assert.equal((await akeyless('get-secret-value', { names: [name], version: 0, token })).status, 404);
    const created = await akeyless('create-secret', { name, value: secret, tags: ['k8s-external-secrets'], token });
    assert.deepEqual([created.status, created.body], [200, { name }]);
    const described = await akeyless('describe-item', { name, token });
    assert.equal(described.status, 200, described.text);
    assert.equal(described.body.item_name, name);
    assert.equal(described.body.item_type, 'STATIC_SECRET');
    assert.deepEqual(described.body.item_tags, ['k8s-external-secrets']);
    const got = await akeyless('get-secret-value', { names: [name], version: 0, token });
    assert.deepEqual(got.body, { [name]: secret });
    const next = value('eso-next');
    assert.deepEqual((await akeyless('update-secret-val', { name, value: next, token })).body, { name });
    assert.deepEqual((await akeyless('get-secret-value', { names: [name], token })).body, { [name]: next });
    assert.deepEqual((await akeyless('get-secret-value', { names: [name], version: 1, token })).body, {
      [name]: secret,
    });
    const listed = await akeyless('list-items', { path: '/mdapi/joplin/eso', token });
    assert.deepEqual(
      listed.body.items.map((i: { item_name: string }) => i.item_name),
      [name],
    );
    const byTag = await akeyless('list-items', { tag: 'k8s-external-secrets', 'minimal-view': false, token });
    assert.ok(byTag.body.items.some((i: { item_name: string }) => i.item_name === name));
    const deleted = await akeyless('delete-item', { name, token });
    assert.equal(deleted.body.item_name, name);
    assert.equal((await akeyless('describe-item', { name, token })).status, 404);
    const valid = await akeyless('validate-token', { token });
    assert.equal(valid.body.is_valid, true);
  });

  it('404 only in scope; 403 (native) and 401 (Akeyless) outside it, the same whether or not the item exists', async () => {
    await call('POST', '/v1/secrets', {
      token: admin,
      body: { path: '/mdapi/bootstrap/exists', value: value('bootstrap') },
    });
    const token = await login(app.accessId, app.accessKey);
    const answers: Reply[] = [];
    for (const path of ['/mdapi/bootstrap/exists', '/mdapi/bootstrap/missing']) {
      const native = await call('GET', `/v1/secrets?path=${enc(path)}`, { token });
      assert.equal(native.status, 403, native.text);
      assert.equal(native.body.error.code, 'forbidden');
      answers.push(native);
      for (const command of ['describe-item', 'get-secret-value', 'update-secret-val', 'delete-item']) {
        const r = await akeyless(command, { name: path, names: [path], value: 'x', token });
        assert.equal(r.status, 401, `${command} ${path}: ${r.text}`);
      }
      const write = await call('POST', '/v1/secrets', { token, body: { path, value: 'nope' } });
      assert.equal(write.status, 403, write.text);
    }
    assert.equal(
      answers[0]!.text.replace(/exists|missing/g, 'X'),
      answers[1]!.text.replace(/exists|missing/g, 'X'),
      'existence does not leak through the message',
    );
    assert.equal((await call('GET', '/v1/secrets?path=/mdapi/joplin/none', { token })).status, 404);
    assert.equal((await akeyless('describe-item', { name: '/mdapi/joplin/none', token })).status, 404);
    assert.equal((await call('GET', '/v1/secrets?path=/mdapi/joplin/none', { token: 't-forged' })).status, 401);
    assert.equal((await akeyless('describe-item', { name: '/mdapi/joplin/none', token: 't-forged' })).status, 401);
  });

  it('relays the change feed as server-sent events', async () => {
    const token = await login(app.accessId, app.accessKey);
    const path = '/mdapi/joplin/feed/item';
    const seen = new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        new URL('/v1/events?prefix=/mdapi/joplin/feed/', gateway.url),
        { headers: { authorization: `Bearer ${token}` }, ca: gateway.caPem },
        (res) => {
          assert.equal(res.statusCode, 200);
          let text = '';
          res.on('data', (c) => {
            text += c;
            if (text.includes(path)) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('error', (e) =>
        e.message.includes('aborted') || e.message.includes('socket hang up') ? undefined : reject(e),
      );
      req.end();
      setTimeout(() => {
        void call('POST', '/v1/secrets', { token, body: { path, value: value('feed') } });
      }, 200);
    });
    const text = await seen;
    assert.match(text, /event: change/);
    assert.ok(!plaintexts.some((p) => text.includes(p)));
  });

  it('closes promptly while a client still holds a change-feed stream open', async () => {
    const token = await login(app.accessId, app.accessKey);
    const second = await createGatewayServer({ storeUrl: proxy.url, configDir, unsealKeyFile: keyFile, logger: false });
    let streamEnded!: Promise<void>;
    await new Promise<void>((opened, reject) => {
      streamEnded = new Promise<void>((ended) => {
        const req = httpsRequest(
          new URL('/v1/events?prefix=/mdapi/joplin/feed/', second.url),
          { headers: { authorization: `Bearer ${token}` }, ca: second.caPem },
          (res) => {
            assert.equal(res.statusCode, 200);
            res.once('data', () => opened());
            res.on('close', () => ended());
          },
        );
        req.on('error', (error) => {
          reject(error);
          ended();
        });
        req.end();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      second.close().then(() => 'closed'),
      new Promise((r) => {
        timer = setTimeout(() => r('still open after 10 s'), 10_000);
      }),
    ]);
    clearTimeout(timer);
    assert.equal(closed, 'closed');
    await streamEnded;
  });

  it('rotates both halves, re-wraps old versions without losing a value', async () => {
    const path = '/mdapi/joplin/rotate/item';
    const before = value('before-rotation');
    await call('POST', '/v1/secrets', { token: admin, body: { path, value: before } });
    const storeClient = new StoreClient({ url: proxy.url });
    try {
      const gw = await storeClient.login({ type: 'api_key', ...creds.gateway });
      const key = readUnsealKeyFile(keyFile);
      const rotated = await rotateFragments(configDir, key, storeClient, gw.token);
      assert.deepEqual(rotated, { generation: 2, generations: [1, 2] });
      const afterRotation = value('after-rotation');
      await call('POST', '/v1/secrets', { token: admin, body: { path, value: afterRotation } });
      const described = await storeClient.describeItem(admin, path);
      assert.equal(described.generation, 2, 'a running gateway writes with the new generation');
      assert.equal((await call('GET', `/v1/secrets?path=${enc(path)}&version=1`, { token: admin })).body.value, before);
      const rewrap = await call('POST', '/v1/sys/rewrap', { token: gw.token, body: {} });
      assert.equal(rewrap.status, 200, rewrap.text);
      assert.equal(rewrap.body.failures.length, 0, rewrap.text);
      assert.ok(rewrap.body.rewrapped >= 10, rewrap.text);
      assert.equal((await storeClient.rewrapCandidates(gw.token, 10)).items.length, 0);
      // Every value written so far still reads back, now from generation 2.
      assert.equal((await call('GET', `/v1/secrets?path=${enc(path)}&version=1`, { token: admin })).body.value, before);
      assert.equal((await call('GET', `/v1/secrets?path=${enc(path)}`, { token: admin })).body.value, afterRotation);
      const v1 = await call('GET', `/v1/secrets?path=${enc('/mdapi/joplin/native/db')}&version=1`, { token: admin });
      assert.equal(v1.status, 200, v1.text);
      // Version 3 of that item is a rollback copy sealed for version 1: it was re-wrapped on its own and still reads.
      const copy = await call('GET', `/v1/secrets?path=${enc('/mdapi/joplin/native/db')}&version=3`, { token: admin });
      assert.equal(copy.body.value, v1.body.value);
      // The gateway role alone cannot read values: item access always needs the caller's own rights.
      assert.equal((await call('GET', `/v1/secrets?path=${enc(path)}`, { token: gw.token })).status, 403);
    } finally {
      storeClient.close();
    }
  });

  it('accepts a value of exactly the limit (1 MiB) and rejects one byte more, writing nothing', async () => {
    const path = '/mdapi/joplin/size/big';
    const limit = 1024 * 1024;
    const big = await call('POST', '/v1/secrets', { token: admin, body: { path, value: 'b'.repeat(limit) } });
    assert.equal(big.status, 201, big.text.slice(0, 300));
    assert.equal((await call('GET', `/v1/secrets?path=${enc(path)}`, { token: admin })).body.value.length, limit);
    const tooBig = await call('POST', '/v1/secrets', { token: admin, body: { path, value: 'b'.repeat(limit + 1) } });
    assert.equal(tooBig.status, 413, tooBig.text.slice(0, 300));
    assert.match(tooBig.body.error.message, /limit is 1048576/);
    assert.equal((await call('GET', `/v1/secrets/versions?path=${enc(path)}`, { token: admin })).body.version, 1);
  });

  it('seals on request (fragment capability only) and then answers 503 until unsealed', async () => {
    const appToken = await login(app.accessId, app.accessKey);
    assert.equal((await call('POST', '/v1/sys/seal', { token: appToken })).status, 403);
    const sealed = await call('POST', '/v1/sys/seal', { token: admin });
    assert.deepEqual([sealed.status, sealed.body.sealed], [200, true]);
    const read = await call('GET', `/v1/secrets?path=${enc('/mdapi/joplin/native/db')}`, { token: admin });
    assert.deepEqual([read.status, read.body.error.code], [503, 'sealed']);
    const eso = await akeyless('get-secret-value', { names: ['/mdapi/joplin/native/db'], token: admin });
    assert.equal(eso.status, 503);
    gateway.vault.unsealWithKey(readUnsealKeyFile(keyFile));
    assert.equal(
      (await call('GET', `/v1/secrets?path=${enc('/mdapi/joplin/native/db')}`, { token: admin })).status,
      200,
    );
  });

  it('a restarted gateway serves everything written before (same config dir, same CA)', async () => {
    const before = await call('GET', `/v1/secrets?path=${enc('/mdapi/joplin/native/db')}&version=2`, { token: admin });
    const caPem = gateway.caPem;
    await gateway.close();
    gateway = await createGatewayServer({ storeUrl: proxy.url, configDir, unsealKeyFile: keyFile, logger: false });
    assert.equal(gateway.caPem, caPem);
    const after = await call('GET', `/v1/secrets?path=${enc('/mdapi/joplin/native/db')}&version=2`, { token: admin });
    assert.deepEqual([after.status, after.body.value], [200, before.body.value]);
  });

  it('answers 503 with a reason when the store is unreachable', async () => {
    const dead = await createGatewayServer({
      storeUrl: 'http://127.0.0.1:9',
      configDir,
      unsealKeyFile: keyFile,
      insecureHttp: true,
      logger: false,
    });
    try {
      const response = await fetch(`${dead.url}/v1/secrets?path=/mdapi/joplin/x`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'unavailable');
      assert.match(body.error.message, /unreachable/);
    } finally {
      await dead.close();
    }
  });

  it(
    'logs in with a Kubernetes ServiceAccount through Akeyless /auth (real TokenReview)',
    { skip: integration.skipReason },
    async () => {
      const cluster = await integration.cluster();
      const core = cluster.kc.makeApiClient(CoreV1Api);
      const namespace = uniqueName('joplin');
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'eso' } } });
      const { status } = await core.createNamespacedServiceAccountToken({
        namespace,
        name: 'eso',
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      const method = await store.app.inject({
        method: 'POST',
        url: '/v1/admin/auth-methods',
        headers: { authorization: `Bearer ${admin}` },
        payload: { name: 'k8s', type: 'kubernetes', config: { kubeconfigPath: cluster.kubeconfigPath } },
      });
      assert.equal(method.statusCode, 201, method.body);
      const accessId = method.json().accessId as string;
      await store.app.inject({
        method: 'PUT',
        url: '/v1/admin/roles',
        headers: { authorization: `Bearer ${admin}` },
        payload: {
          name: 'mdapi',
          rules: [{ path: '/mdapi/{{namespace}}/*', capabilities: ['read', 'list', 'create', 'update'] }],
        },
      });
      await store.app.inject({
        method: 'POST',
        url: '/v1/admin/roles/bind',
        headers: { authorization: `Bearer ${admin}` },
        payload: { role: 'mdapi', accessId },
      });
      const own = `/mdapi/${namespace}/db`;
      const secret = value('k8s-value');
      await call('POST', '/v1/secrets', { token: admin, body: { path: own, value: secret } });
      const auth = await akeyless('auth', {
        'access-id': accessId,
        'access-type': 'k8s',
        'k8s-auth-config-name': 'ignored',
        'k8s-service-account-token': Buffer.from(status!.token!).toString('base64'),
      });
      assert.equal(auth.status, 200, auth.text);
      const token = auth.body.token as string;
      assert.deepEqual((await akeyless('get-secret-value', { names: [own], token })).body, { [own]: secret });
      assert.equal((await akeyless('get-secret-value', { names: ['/mdapi/bootstrap/exists'], token })).status, 401);
      assert.equal((await akeyless('get-secret-value', { names: ['/mdapi/bootstrap/missing'], token })).status, 401);
      const forged = await akeyless('auth', {
        'access-id': accessId,
        'access-type': 'k8s',
        'k8s-service-account-token': 'bm90LWEtand0',
      });
      assert.equal(forged.status, 401, forged.text);
    },
  );
});

describe('zero knowledge (after every write above)', () => {
  it("the store's files never contain a plaintext nor the customer fragment", () => {
    const keyring = openKeyring(readFragmentFile(fragmentFilePath(configDir)), readUnsealKeyFile(keyFile));
    const files = filesUnder(dataDir);
    assert.ok(
      files.some((f) => f.endsWith('.db')),
      `SQLite files: ${files.join(', ')}`,
    );
    assert.ok(plaintexts.length >= 10);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const p of plaintexts)
        assert.ok(!bytes.includes(Buffer.from(p)), `${relative(root, file)} holds a plaintext`);
      for (const g of keyring.list()) {
        for (const form of [
          g.fragment,
          Buffer.from(g.fragment.toString('base64')),
          Buffer.from(g.fragment.toString('hex')),
        ]) {
          assert.ok(!bytes.includes(form), `${relative(root, file)} holds the customer fragment`);
        }
      }
    }
  });

  it('everything the store holds (envelope + d_store) does not decrypt without the customer fragment', async () => {
    const keyring = openKeyring(readFragmentFile(fragmentFilePath(configDir)), readUnsealKeyFile(keyFile));
    const client = new StoreClient({ url: store.url });
    try {
      const record = await client.getItem(admin, '/mdapi/joplin/native/db', 2);
      const address = { path: record.path, version: record.sealedVersion ?? record.version };
      const keys = {
        keyId: Buffer.from(record.keyId, 'base64'),
        generation: record.generation,
        dStore: Buffer.from(record.share, 'base64'),
      };
      // Control: with the customer fragment the same inputs decrypt, so the failures below are meaningful.
      const opened = openValue(record.ciphertext, address, {
        ...keys,
        customerFragment: keyring.fragment(record.generation),
      });
      assert.ok(plaintexts.includes(opened.toString('utf8')));
      for (const guess of [Buffer.alloc(32), Buffer.from(record.share, 'base64'), randomBytes(32)]) {
        assert.throws(
          () => openValue(record.ciphertext, address, { ...keys, customerFragment: guess }),
          DecryptionError,
        );
      }
    } finally {
      client.close();
    }
  });

  it('the gateway-store traffic never carries the customer fragment nor a plaintext', () => {
    const keyring = openKeyring(readFragmentFile(fragmentFilePath(configDir)), readUnsealKeyFile(keyFile));
    const traffic = proxy.captured();
    assert.ok(traffic.length > 10_000, 'the proxy saw the traffic');
    assert.ok(traffic.includes(Buffer.from('/v1/keys/share')), 'and it is readable HTTP');
    for (const g of keyring.list()) {
      for (const form of [
        g.fragment,
        Buffer.from(g.fragment.toString('base64')),
        Buffer.from(g.fragment.toString('hex')),
      ]) {
        assert.ok(!traffic.includes(form), `generation ${g.generation}'s fragment crossed the wire`);
      }
    }
    for (const p of plaintexts) assert.ok(!traffic.includes(Buffer.from(p)), 'a plaintext crossed the wire');
  });

  it('the gateway wrote nothing but its sealed fragment file and TLS material', () => {
    const written = filesUnder(configDir)
      .map((f) => relative(configDir, f))
      .sort();
    assert.deepEqual(written, ['fragments.json', 'tls/ca.crt', 'tls/gateway.crt', 'tls/gateway.key']);
    for (const file of filesUnder(configDir)) {
      const text = readFileSync(file, 'utf8');
      for (const p of plaintexts) assert.ok(!text.includes(p));
    }
  });

  it('the gateway log holds no value and no access key', () => {
    const text = logLines.join('');
    assert.ok(text.length > 1000);
    for (const p of plaintexts) assert.ok(!text.includes(p), 'a value reached the log');
    assert.ok(!text.includes(app.accessKey) && !text.includes(creds.admin.accessKey), 'an access key reached the log');
  });
});
