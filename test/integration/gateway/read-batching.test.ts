// Batched gateway -> store reads against the real store on both backends: many concurrent reads through a gateway
// that batches eagerly give exactly the answers of the same reads sent one by one through a gateway that does not
// batch (allowed, forbidden-existing, forbidden-missing, missing, bad version, bad token; native and Akeyless APIs),
// and the audit log holds the same entries, one per item read. Also the store's batch endpoint itself (limits,
// per-entry errors) and the fallback of a batching gateway in front of a store without it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { createGatewayServer, type GatewayServer } from '../../../src/gateway/server.js';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import type { AuditEntry } from '../../../src/store/storage/types.js';
import { backends, type OpenedBackend } from '../store/backends.js';
import { storeClient } from '../store/client.js';

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  token?: string;
}

async function send(base: string, call: Call): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (call.body) headers['content-type'] = 'application/json';
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  const response = await fetch(new URL(call.path, base), {
    method: call.method,
    headers,
    body: call.body ? JSON.stringify(call.body) : undefined,
  });
  return { status: response.status, text: await response.text() };
}

const itemActions = new Set(['item.read', 'item.describe']);
const auditKey = (e: AuditEntry) => `${e.actor} ${e.action} ${e.path} ${e.outcome} ${e.detail.status}`;

async function auditAfter(opened: OpenedBackend, seq: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let from = seq + 1; ; ) {
    const page = await opened.storage.listAudit(from, 1000);
    entries.push(...page);
    if (page.length < 1000) return entries;
    from = page.at(-1)!.seq + 1;
  }
}

const lastSeq = async (opened: OpenedBackend) => (await auditAfter(opened, 0)).at(-1)?.seq ?? 0;

for (const backend of backends) {
  describe(`gateway read batching on ${backend.name}`, { skip: backend.skip }, () => {
    const root = mkdtempSync(join(tmpdir(), 'custos-read-batching-'));
    let opened: OpenedBackend;
    let store: StoreServer;
    let batching: GatewayServer;
    let single: GatewayServer;
    let appToken: string;
    let appId: string;
    let plaintexts: string[];

    before(async () => {
      opened = await backend.open();
      store = await createStoreServer({ storage: opened.storage, rootKey: randomBytes(32), logger: false });
      const creds = await bootstrap(opened.storage, store.context.auth);
      const configDir = join(root, 'gateway');
      const keyFile = join(root, 'unseal.key');
      await initFragments(configDir, { type: 'key-file', keyFile });
      const common = {
        storeUrl: store.url,
        configDir,
        unsealKeyFile: keyFile,
        insecureHttp: true,
        logger: false as const,
      };
      // Batch as soon as one read of a token is in flight, so that concurrency of a test suffices.
      batching = await createGatewayServer({ ...common, storeReadBatching: { maxInFlight: 1, maxBatch: 8 } });
      single = await createGatewayServer({ ...common, storeReadBatching: false });

      const api = storeClient(store.url);
      const admin = await api.login(creds.admin.accessId, creds.admin.accessKey);
      const method = await api.call('POST', '/v1/admin/auth-methods', {
        token: admin,
        body: { name: 'app', type: 'api_key' },
      });
      assert.equal(method.status, 201, method.text);
      const rules = [
        { path: '/app/*', capabilities: ['read'] },
        { path: '/listed/*', capabilities: ['list'] },
      ];
      assert.equal(
        (await api.call('PUT', '/v1/admin/roles', { token: admin, body: { name: 'app', rules } })).status,
        200,
      );
      const bound = await api.call('POST', '/v1/admin/roles/bind', {
        token: admin,
        body: { role: 'app', accessId: method.body.accessId },
      });
      assert.equal(bound.status, 200, bound.text);
      appId = method.body.accessId;
      appToken = await api.login(appId, method.body.accessKey);

      plaintexts = [];
      for (const path of ['/app/one', '/app/two', '/app/three', '/other/secret', '/listed/thing']) {
        const value = `v-${randomBytes(8).toString('hex')}`;
        plaintexts.push(value);
        const put = await send(single.url, {
          method: 'POST',
          path: '/v1/secrets',
          token: admin,
          body: { path, value },
        });
        assert.equal(put.status, 201, put.text);
      }
      const update = await send(single.url, {
        method: 'POST',
        path: '/v1/secrets',
        token: admin,
        body: { path: '/app/two', value: 'second-version-value' },
      });
      assert.equal(update.status, 200, update.text);
    });

    after(async () => {
      await batching?.close();
      await single?.close();
      await store?.close();
      await opened?.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    /** Every kind of answer a read can get, through both client APIs. */
    function calls(): Call[] {
      const token = appToken;
      const native = (path: string, extra = '') => ({
        method: 'GET' as const,
        path: `/v1/secrets?path=${encodeURIComponent(path)}${extra}`,
        token,
      });
      const describeNative = (path: string) => ({
        method: 'GET' as const,
        path: `/v1/secrets/describe?path=${encodeURIComponent(path)}`,
        token,
      });
      return [
        native('/app/one'),
        native('/app/two'),
        native('/app/two', '&version=1'),
        native('/app/two', '&version=9'), // allowed, no such version: 404
        native('/app/missing'), // allowed, missing: 404
        native('/other/secret'), // forbidden, exists: 403
        native('/other/nothing'), // forbidden, missing: the same 403
        native('/listed/thing'), // list only: reading is forbidden
        describeNative('/listed/thing'), // ... describing is allowed
        describeNative('/app/three'),
        describeNative('/other/secret'),
        describeNative('/app/missing'),
        { ...native('/app/one'), token: 'not-a-valid-token' }, // 401 for each read
        { method: 'POST', path: '/v2/get-secret-value', body: { token, names: ['/app/one', 'app/three'] } },
        { method: 'POST', path: '/v2/get-secret-value', body: { token, names: ['/app/one', '/other/secret'] } },
        { method: 'POST', path: '/v2/get-secret-value', body: { token, names: ['/app/missing'] } },
        { method: 'POST', path: '/v2/describe-item', body: { token, name: '/app/two' } },
        { method: 'POST', path: '/v2/describe-item', body: { token, name: '/other/nothing' } },
      ];
    }

    it('answers concurrent batched reads exactly as sequential single reads, with the same audit entries', async () => {
      const all = calls();
      const mark1 = await lastSeq(opened);
      const expected: { status: number; text: string }[] = [];
      for (const call of all) expected.push(await send(single.url, call));
      const sequentialAudit = (await auditAfter(opened, mark1)).filter((e) => itemActions.has(e.action));
      const statuses = new Set(expected.map((e) => e.status));
      for (const status of [200, 401, 403, 404]) assert.ok(statuses.has(status), `the mix has a ${status}`);
      assert.ok(
        sequentialAudit.every((e) => e.detail.batch === undefined),
        'the non-batching gateway reads one by one',
      );

      const rounds = 4;
      const mark2 = await lastSeq(opened);
      const concurrent = await Promise.all(
        Array.from({ length: rounds }, () => all.map((call) => send(batching.url, call))).flat(),
      );
      concurrent.forEach((got, i) => {
        const want = expected[i % all.length]!;
        assert.deepEqual(got, want, `${all[i % all.length]!.method} ${all[i % all.length]!.path}`);
      });

      const batchedAudit = (await auditAfter(opened, mark2)).filter((e) => itemActions.has(e.action));
      assert.ok(
        batchedAudit.some((e) => e.detail.batch === true),
        'some reads went through the batch endpoint',
      );
      const counts = (entries: AuditEntry[]) => {
        const m = new Map<string, number>();
        for (const e of entries) m.set(auditKey(e), (m.get(auditKey(e)) ?? 0) + 1);
        return m;
      };
      const want = new Map([...counts(sequentialAudit)].map(([k, n]) => [k, n * rounds]));
      assert.deepEqual(counts(batchedAudit), want, 'one audit entry per item read, as without batching');
      assert.ok(
        (await auditAfter(opened, mark2)).every((e) => e.action !== 'item.batch-get'),
        'a batch is not audited on top of its reads',
      );
    });

    it('answers each entry of a batch as the single endpoints would, and refuses oversized batches', async () => {
      const api = storeClient(store.url);
      const reads = [
        { path: '/app/one' },
        { path: '/other/secret' },
        { path: '/app/missing', describe: true },
        { path: 'no-leading-slash' },
        { path: '/app/two', version: 1 },
      ];
      const batch = await api.call('POST', '/v1/items/batch-get', { token: appToken, body: { reads } });
      assert.equal(batch.status, 200, batch.text);
      for (const [i, read] of reads.entries()) {
        const query = `path=${encodeURIComponent(read.path)}${read.version ? `&version=${read.version}` : ''}`;
        const one = await api.call('GET', `/v1/items${read.describe ? '/describe' : ''}?${query}`, {
          token: appToken,
        });
        const entry = batch.body.results[i];
        if (one.status === 200) assert.deepEqual(entry, { item: one.body });
        else assert.deepEqual(entry, { error: { status: one.status, ...one.body.error } });
      }
      for (const text of plaintexts) assert.ok(!batch.text.includes(text), 'the store never holds a plaintext');

      const tooMany = Array.from({ length: 65 }, () => ({ path: '/app/one' }));
      const refused = await api.call('POST', '/v1/items/batch-get', { token: appToken, body: { reads: tooMany } });
      assert.equal(refused.status, 400);
      assert.match(refused.body.error.message, /1 to 64 reads/);
      const badKind = await api.call('POST', '/v1/items/batch-get', {
        token: appToken,
        body: { reads: [{ path: '/app/one', describe: 'yes' }] },
      });
      assert.equal(badKind.status, 400);
      assert.match(badKind.body.error.message, /reads\[0\]\.describe must be true or false/);
      const noToken = await api.call('POST', '/v1/items/batch-get', { body: { reads: [{ path: '/app/one' }] } });
      assert.equal(noToken.status, 401);
    });

    it('fails each read closed when its audit entry cannot be written, as a single read does', async () => {
      const api = storeClient(store.url);
      await opened.breakAudit();
      try {
        const one = await api.call('GET', '/v1/items?path=%2Fapp%2Fone', { token: appToken });
        assert.equal(one.status, 503);
        const batch = await api.call('POST', '/v1/items/batch-get', {
          token: appToken,
          body: { reads: [{ path: '/app/one' }, { path: '/other/secret' }] },
        });
        assert.equal(batch.status, 200, batch.text);
        const unavailable = { error: { status: 503, ...one.body.error } };
        assert.deepEqual(batch.body.results, [unavailable, unavailable]);
        assert.ok(!batch.text.includes('ciphertext'), 'no record leaves without its audit entry');
      } finally {
        await opened.repairAudit();
      }
    });

    it('falls back to single reads in front of a store without the batch endpoint', async () => {
      // A proxy in front of the store that answers the batch endpoint as an older store would: 404.
      let batchCalls = 0;
      const proxy: Server = createServer((req, res) => {
        if (req.url?.startsWith('/v1/items/batch-get')) {
          batchCalls++;
          req.resume();
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'not_found', message: 'no endpoint POST /v1/items/batch-get' } }));
          return;
        }
        const target = new URL(req.url ?? '/', store.url);
        const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const port = (proxy.address() as AddressInfo).port;
      const configDir = join(root, 'gateway');
      const old = await createGatewayServer({
        storeUrl: `http://127.0.0.1:${port}`,
        configDir,
        unsealKeyFile: join(root, 'unseal.key'),
        insecureHttp: true,
        logger: false,
        storeReadBatching: { maxInFlight: 1 },
      });
      try {
        const all = calls();
        const expected = await Promise.all(all.map((call) => send(single.url, call)));
        const got = await Promise.all([...all, ...all].map((call) => send(old.url, call)));
        for (const [i, reply] of got.entries()) assert.deepEqual(reply, expected[i % all.length]);
        assert.ok(batchCalls >= 1, 'the gateway tried a batch');
        const tried = batchCalls;
        await Promise.all([...all, ...all].map((call) => send(old.url, call)));
        assert.equal(batchCalls, tried, 'and then never again');
      } finally {
        await old.close();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });
}
