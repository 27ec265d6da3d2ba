// The store's HTTP API end to end on both backends: the gateway's view of docs/store-protocol.md, zero knowledge,
// access rules, bad input, the change feed, rotation and the audit log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { FailureLimiter } from '../../../src/store/auth/ratelimit.js';
import { hashToken } from '../../../src/store/auth/secrets.js';
import { backends, type OpenedBackend } from './backends.js';
import { storeClient } from './client.js';
import { customerShare, openEnvelope, sealEnvelope } from './envelope.js';

const tables = [
  'items',
  'item_versions',
  'item_tags',
  'changes',
  'auth_methods',
  'roles',
  'role_bindings',
  'tokens',
  'audit_log',
  'fragment_generations',
];

for (const backend of backends) {
  describe(`store API on ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedBackend;
    let server: StoreServer;
    let api: ReturnType<typeof storeClient>;
    let admin: string;
    let gateway: string;
    let joplin: string;
    let issueJwt: (namespace: string) => Promise<string>;
    let jwtAccessId: string;
    const fCustomer = randomBytes(32);
    const secrets: string[] = [];
    const logLines: string[] = [];
    const credentials: string[] = [];

    /** What the gateway does to write a value: share from the store, seal locally, send ciphertext. */
    async function put(token: string, path: string, plaintext: string, mode: 'create' | 'update' = 'create') {
      const keyId = randomBytes(16);
      const shared = await api.call('POST', '/v1/keys/share', {
        token,
        body: { path, keyId: keyId.toString('base64'), purpose: mode },
      });
      if (shared.status !== 200) return shared;
      const described =
        mode === 'update'
          ? await api.call('GET', `/v1/items/describe?path=${encodeURIComponent(path)}`, { token })
          : undefined;
      const version = mode === 'create' ? 1 : (described?.body.version as number) + 1;
      // Short throwaway values would match by accident; only distinctive ones are hunted for.
      if (plaintext.length >= 8) secrets.push(plaintext);
      const dCustomer = customerShare(fCustomer, keyId);
      const ciphertext = sealEnvelope(plaintext, {
        path,
        version,
        generation: shared.body.generation,
        keyId,
        dStore: Buffer.from(shared.body.share, 'base64'),
        dCustomer,
      });
      const body = { path, ciphertext, keyId: keyId.toString('base64'), generation: shared.body.generation };
      return mode === 'create'
        ? api.call('POST', '/v1/items', {
            token,
            body: { ...body, type: 'static', tags: ['k8s-external-secrets'], description: 'd' },
          })
        : api.call('POST', '/v1/items/versions', { token, body: { ...body, expectedVersion: version - 1 } });
    }

    /** What the gateway does to read: one round trip, then local decryption. */
    async function get(token: string, path: string, version?: number) {
      const reply = await api.call(
        'GET',
        `/v1/items?path=${encodeURIComponent(path)}${version ? `&version=${version}` : ''}`,
        { token },
      );
      if (reply.status !== 200) return { reply, value: undefined };
      const keyId = Buffer.from(reply.body.keyId, 'base64');
      const value = openEnvelope(reply.body.ciphertext, {
        path,
        version: reply.body.sealedVersion,
        keyId,
        dStore: Buffer.from(reply.body.share, 'base64'),
        dCustomer: customerShare(fCustomer, keyId),
      });
      return { reply, value };
    }

    before(async () => {
      opened = await backend.open();
      server = await createStoreServer({
        storage: opened.storage,
        rootKey: randomBytes(32),
        keepaliveMs: 100,
        feedPollMs: 200,
        maxValueBytes: 4096,
        loginLimiter: new FailureLimiter(4, 60_000),
        logger: pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) }),
      });
      api = storeClient(server.url);
      const creds = await bootstrap(opened.storage, server.context.auth);
      admin = await api.login(creds.admin.accessId, creds.admin.accessKey);
      gateway = await api.login(creds.gateway.accessId, creds.gateway.accessKey);
      credentials.push(creds.admin.accessKey, creds.gateway.accessKey, admin, gateway);

      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
      issueJwt = (namespace) =>
        new SignJWT({ k8s_ns: namespace })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer('https://issuer.test')
          .setAudience('custos')
          .setSubject(`system:serviceaccount:${namespace}:app`)
          .setExpirationTime('5m')
          .sign(privateKey);
      const method = await api.call('POST', '/v1/admin/auth-methods', {
        token: admin,
        body: {
          name: 'workloads',
          type: 'jwt',
          config: {
            jwks: { keys: [jwk] },
            issuer: 'https://issuer.test',
            audience: 'custos',
            claimMappings: { namespace: 'k8s_ns' },
          },
        },
      });
      assert.equal(method.status, 201, method.text);
      jwtAccessId = method.body.accessId;
      const role = await api.call('PUT', '/v1/admin/roles', {
        token: admin,
        body: {
          name: 'mdapi',
          rules: [{ path: '/mdapi/{{namespace}}/*', capabilities: ['read', 'list', 'create', 'update', 'delete'] }],
        },
      });
      assert.equal(role.status, 200, role.text);
      const bound = await api.call('POST', '/v1/admin/roles/bind', {
        token: admin,
        body: { role: 'mdapi', accessId: jwtAccessId },
      });
      assert.equal(bound.status, 200, bound.text);
      const login = await api.call('POST', '/v1/auth/login', {
        body: { type: 'jwt', accessId: jwtAccessId, jwt: await issueJwt('joplin') },
      });
      assert.equal(login.status, 200, login.text);
      assert.deepEqual(login.body.identity.claims, { sub: 'system:serviceaccount:joplin:app', namespace: 'joplin' });
      joplin = login.body.token;
      credentials.push(joplin);
    });
    after(async () => {
      await server?.close();
      await opened?.cleanup();
    });

    it('answers health without a token', async () => {
      const reply = await api.call('GET', '/v1/health');
      assert.equal(reply.status, 200);
      assert.equal(reply.body.backend, backend.name);
    });

    it('stores a value written the gateway way and gives it back in one read', async () => {
      const created = await put(joplin, '/mdapi/joplin/db/password', 'hunter2-joplin');
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.body, { path: '/mdapi/joplin/db/password', version: 1 });
      const { reply, value } = await get(joplin, '/mdapi/joplin/db/password');
      assert.equal(value, 'hunter2-joplin');
      assert.deepEqual(reply.body.tags, ['k8s-external-secrets']);
      assert.deepEqual(
        reply.body.versions.map((v: { version: number }) => v.version),
        [1],
      );
      const again = await put(admin, '/mdapi/joplin/db/password', 'x');
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'conflict');
    });

    it('keeps versions, checks expectedVersion, rolls back to an old envelope that still opens', async () => {
      const path = '/mdapi/joplin/rotating/key';
      assert.equal((await put(joplin, path, 'v1-value')).status, 201);
      const v2 = await put(joplin, path, 'v2-value', 'update');
      assert.equal(v2.status, 200, v2.text);
      assert.equal(v2.body.version, 2);
      assert.equal((await get(joplin, path, 1)).value, 'v1-value');
      assert.equal((await get(joplin, path)).value, 'v2-value');
      const stale = await api.call('POST', '/v1/items/versions', {
        token: joplin,
        body: {
          path,
          ciphertext: 'AAAA',
          keyId: randomBytes(16).toString('base64'),
          generation: 1,
          expectedVersion: 1,
        },
      });
      assert.equal(stale.status, 409);
      const rolled = await api.call('POST', '/v1/items/rollback', { token: joplin, body: { path, version: 1 } });
      assert.equal(rolled.status, 200, rolled.text);
      assert.equal(rolled.body.version, 3);
      const { reply, value } = await get(joplin, path);
      assert.equal(reply.body.version, 3);
      assert.equal(reply.body.sealedVersion, 1);
      assert.equal(value, 'v1-value');
    });

    it('zero knowledge: the database holds no plaintext and the store side alone cannot open an envelope', async () => {
      const plaintext = `zk-marker-${randomBytes(8).toString('hex')}`;
      const path = '/mdapi/joplin/zk/value';
      assert.equal((await put(joplin, path, plaintext)).status, 201);
      const dump = JSON.stringify(await Promise.all(tables.map((t) => opened.raw(`SELECT * FROM ${t}`))));
      for (const secret of [...secrets, plaintext]) {
        assert.ok(!dump.includes(secret), 'plaintext found in the database');
        assert.ok(!dump.includes(Buffer.from(secret).toString('base64')), 'base64 plaintext found in the database');
      }
      assert.ok(!dump.includes(fCustomer.toString('base64')) && !dump.includes(fCustomer.toString('hex')));
      if (backend.name === 'sqlite') {
        for (const file of readdirSync(opened.dataDir)) {
          const bytes = readFileSync(join(opened.dataDir, file));
          assert.ok(!bytes.includes(plaintext), `plaintext found in ${file}`);
          assert.ok(!bytes.includes(fCustomer), `customer fragment found in ${file}`);
        }
      }
      // Everything the store has: the ciphertext, key id and d_store (which it computes from its fragment).
      const { reply } = await get(joplin, path);
      const keyId = Buffer.from(reply.body.keyId, 'base64');
      const dStore = Buffer.from(reply.body.share, 'base64');
      for (const guess of [dStore, Buffer.alloc(32), randomBytes(32)]) {
        assert.throws(() => openEnvelope(reply.body.ciphertext, { path, version: 1, keyId, dStore, dCustomer: guess }));
      }
      assert.equal(
        openEnvelope(reply.body.ciphertext, {
          path,
          version: 1,
          keyId,
          dStore,
          dCustomer: customerShare(fCustomer, keyId),
        }),
        plaintext,
      );
    });

    it('scopes a namespace to its own paths, with the same refusal whether the item exists or not', async () => {
      assert.equal((await put(admin, '/mdapi/bootstrap/admin/token', 'bootstrap-secret')).status, 201);
      const existing = await api.call('GET', '/v1/items?path=/mdapi/bootstrap/admin/token', { token: joplin });
      const missing = await api.call('GET', '/v1/items?path=/mdapi/bootstrap/nothing/here', { token: joplin });
      assert.equal(existing.status, 403);
      assert.equal(missing.status, 403);
      assert.equal(existing.body.error.code, 'forbidden');
      assert.equal(
        existing.body.error.message.replace('admin/token', 'X'),
        missing.body.error.message.replace('nothing/here', 'X'),
      );
      const share = await api.call('POST', '/v1/keys/share', {
        token: joplin,
        body: { path: '/mdapi/bootstrap/admin/token', keyId: randomBytes(16).toString('base64'), purpose: 'read' },
      });
      assert.equal(share.status, 403);
      assert.equal((await put(joplin, '/mdapi/bootstrap/new', 'x')).status, 403);
      const notThere = await api.call('GET', '/v1/items?path=/mdapi/joplin/nothing', { token: joplin });
      assert.equal(notThere.status, 404);
      assert.equal(notThere.body.error.code, 'not_found');
      // The gateway's own key administers fragments but reads no items.
      assert.equal((await api.call('GET', '/v1/items?path=/mdapi/joplin/db/password', { token: gateway })).status, 403);
    });

    it('hands out shares only for fresh key ids (writes) or key ids of the path itself (reads)', async () => {
      const foreign = await api.call('GET', '/v1/items?path=/mdapi/bootstrap/admin/token', { token: admin });
      const own = await api.call('GET', '/v1/items?path=/mdapi/joplin/db/password', { token: joplin });
      const share = (path: string, keyId: string, purpose: string) =>
        api.call('POST', '/v1/keys/share', { token: joplin, body: { path, keyId, purpose } });
      const reuse = await share('/mdapi/joplin/new-item', foreign.body.keyId, 'create');
      assert.equal(reuse.status, 409);
      assert.match(reuse.body.error.message, /fresh random/);
      assert.equal((await share('/mdapi/joplin/db/password', foreign.body.keyId, 'read')).status, 404);
      const mine = await share('/mdapi/joplin/db/password', own.body.keyId, 'read');
      assert.equal(mine.status, 200);
      assert.equal(mine.body.share, own.body.share);
    });

    it('lists only paths the caller may list, with tags and a cursor', async () => {
      for (const name of ['a', 'b', 'c'])
        assert.equal((await put(joplin, `/mdapi/joplin/list/${name}`, `list-${name}`)).status, 201);
      const mine = await api.call('GET', '/v1/items/list?prefix=/mdapi/', { token: joplin });
      assert.equal(mine.status, 200);
      assert.ok(mine.body.items.length > 0);
      assert.ok(mine.body.items.every((i: { path: string }) => i.path.startsWith('/mdapi/joplin/')));
      const page1 = await api.call('GET', '/v1/items/list?prefix=/mdapi/joplin/list/&limit=2', { token: joplin });
      assert.deepEqual(
        page1.body.items.map((i: { path: string }) => i.path),
        ['/mdapi/joplin/list/a', '/mdapi/joplin/list/b'],
      );
      const page2 = await api.call(
        'GET',
        `/v1/items/list?prefix=/mdapi/joplin/list/&limit=2&cursor=${page1.body.nextCursor}`,
        { token: joplin },
      );
      assert.deepEqual(
        page2.body.items.map((i: { path: string }) => i.path),
        ['/mdapi/joplin/list/c'],
      );
      assert.equal(page2.body.nextCursor, undefined);
      const tagged = await api.call('GET', '/v1/items/list?prefix=/&tag=k8s-external-secrets', { token: admin });
      assert.ok(tagged.body.items.some((i: { path: string }) => i.path === '/mdapi/bootstrap/admin/token'));
    });

    it('updates tags and description, deletes, then answers 404', async () => {
      const path = '/mdapi/joplin/meta/x';
      assert.equal((await put(joplin, path, 'meta-value')).status, 201);
      const patched = await api.call('PATCH', '/v1/items', {
        token: joplin,
        body: { path, tags: ['env=prod'], description: 'prod db' },
      });
      assert.equal(patched.status, 200, patched.text);
      const described = await api.call('GET', `/v1/items/describe?path=${path}`, { token: joplin });
      assert.deepEqual(described.body.tags, ['env=prod']);
      assert.equal(described.body.description, 'prod db');
      assert.equal(described.body.ciphertext, undefined);
      assert.equal(described.body.share, undefined);
      assert.equal((await api.call('DELETE', `/v1/items?path=${path}`, { token: joplin })).status, 204);
      assert.equal((await api.call('DELETE', `/v1/items?path=${path}`, { token: joplin })).status, 404);
      assert.equal((await api.call('GET', `/v1/items?path=${path}`, { token: joplin })).status, 404);
    });

    it('rejects bad input with a clear error and writes nothing', async () => {
      const before = Number((await opened.raw('SELECT COUNT(*) AS n FROM items'))[0]!.n);
      const malformed = await api.call('POST', '/v1/items', { token: joplin, raw: '{"path": "/mdapi/joplin/x",' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'invalid');
      const huge = await api.call('POST', '/v1/items', {
        token: joplin,
        body: {
          path: '/mdapi/joplin/huge',
          ciphertext: 'A'.repeat(200_000),
          keyId: randomBytes(16).toString('base64'),
          generation: 1,
        },
      });
      assert.equal(huge.status, 413);
      assert.match(huge.body.error.message, /larger than/);
      const tooLongCiphertext = await api.call('POST', '/v1/items', {
        token: joplin,
        body: {
          path: '/mdapi/joplin/big',
          ciphertext: 'A'.repeat(12_000),
          keyId: randomBytes(16).toString('base64'),
          generation: 1,
        },
      });
      assert.equal(tooLongCiphertext.status, 400);
      for (const path of [
        '/mdapi/joplin/../bootstrap/x',
        '/mdapi/joplin//x',
        'mdapi/joplin/x',
        '/mdapi/joplin/x\u202e',
        '/mdapi/joplin/*',
      ]) {
        const reply = await api.call('POST', '/v1/items', {
          token: joplin,
          body: { path, ciphertext: 'AAAA', keyId: randomBytes(16).toString('base64'), generation: 1 },
        });
        assert.equal(reply.status, 400, path);
        assert.match(reply.body.error.message, /path/);
      }
      const badKeyId = await api.call('POST', '/v1/items', {
        token: joplin,
        body: { path: '/mdapi/joplin/k', ciphertext: 'AAAA', keyId: 'AAAA', generation: 1 },
      });
      assert.match(badKeyId.body.error.message, /keyId.*16 bytes/);
      const badGeneration = await api.call('POST', '/v1/items', {
        token: joplin,
        body: {
          path: '/mdapi/joplin/k',
          ciphertext: 'AAAA',
          keyId: randomBytes(16).toString('base64'),
          generation: 99,
        },
      });
      assert.match(badGeneration.body.error.message, /generation 99 does not exist/);
      assert.equal(Number((await opened.raw('SELECT COUNT(*) AS n FROM items'))[0]!.n), before);
    });

    it('refuses missing, wrong, revoked and expired tokens with 401', async () => {
      assert.equal((await api.call('GET', '/v1/items?path=/mdapi/joplin/db/password')).status, 401);
      assert.equal(
        (await api.call('GET', '/v1/items?path=/mdapi/joplin/db/password', { token: 't-wrong' })).status,
        401,
      );
      const expired = 't-expired-token-for-test';
      await opened.storage.putToken({
        tokenHash: hashToken(expired),
        accessId: jwtAccessId,
        claims: { namespace: 'joplin' },
        expiresAt: new Date(Date.now() - 1000).toISOString(),
        revoked: false,
        createdAt: new Date().toISOString(),
      });
      const reply = await api.call('POST', '/v1/auth/validate', { token: expired, body: {} });
      assert.equal(reply.status, 401);
      assert.match(reply.body.error.message, /expired/);
      const login = await api.call('POST', '/v1/auth/login', {
        body: { type: 'jwt', accessId: jwtAccessId, jwt: await issueJwt('joplin') },
      });
      const valid = await api.call('POST', '/v1/auth/validate', { token: login.body.token, body: {} });
      assert.equal(valid.status, 200);
      assert.equal(valid.body.identity.claims.namespace, 'joplin');
      assert.equal((await api.call('POST', '/v1/auth/logout', { token: login.body.token, body: {} })).status, 204);
      assert.equal((await api.call('POST', '/v1/auth/validate', { token: login.body.token, body: {} })).status, 401);
    });

    it('delivers changes over server-sent events, only for readable paths, with catch-up from a sequence', async () => {
      const controller = new AbortController();
      const response = await fetch(`${server.url}/v1/events?prefix=/mdapi/&since=0`, {
        headers: { authorization: `Bearer ${joplin}` },
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = response.body!.getReader();
      let text = '';
      const seen = (needle: string) => text.includes(needle);
      const readUntil = async (predicate: () => boolean) => {
        const deadline = Date.now() + 10_000;
        while (!predicate()) {
          if (Date.now() > deadline) throw new Error(`timed out; stream so far:\n${text}`);
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += Buffer.from(value).toString();
        }
      };
      // Catch-up: the earlier create of /mdapi/joplin/db/password arrives first.
      await readUntil(() => seen('"path":"/mdapi/joplin/db/password"'));
      assert.equal((await put(admin, '/mdapi/bootstrap/live/x', 'live-other')).status, 201);
      assert.equal((await put(joplin, '/mdapi/joplin/live/y', 'live-mine')).status, 201);
      await readUntil(() => seen('"path":"/mdapi/joplin/live/y"'));
      await readUntil(() => seen(': keepalive'));
      controller.abort();
      assert.ok(!seen('/mdapi/bootstrap/'), 'an event for an unreadable path was delivered');
      assert.match(
        text,
        /event: change\ndata: \{"seq":\d+,"path":"\/mdapi\/joplin\/live\/y","version":1,"op":"create"\}/,
      );
      assert.ok(!text.includes('live-mine'));
    });

    it('rotates the store fragment; old envelopes stay readable and are re-wrapped by the gateway', async () => {
      const path = '/mdapi/joplin/rotate/x';
      assert.equal((await put(joplin, path, 'before-rotation')).status, 201);
      assert.equal((await api.call('POST', '/v1/fragment/rotate', { token: joplin, body: {} })).status, 403);
      const rotated = await api.call('POST', '/v1/fragment/rotate', { token: gateway, body: {} });
      assert.equal(rotated.status, 200, rotated.text);
      assert.equal(rotated.body.generation, 2);
      const generations = await api.call('GET', '/v1/fragment/generations', { token: gateway });
      assert.deepEqual(
        generations.body.generations.map((g: { generation: number; active: boolean }) => [g.generation, g.active]),
        [
          [1, false],
          [2, true],
        ],
      );
      assert.equal((await get(joplin, path)).value, 'before-rotation');
      const candidates = await api.call('POST', '/v1/items/rewrap-candidates', {
        token: gateway,
        body: { limit: 1000 },
      });
      assert.equal(candidates.status, 200);
      const candidate = candidates.body.items.find((c: { path: string }) => c.path === path);
      assert.ok(candidate);
      // The gateway opens with the old generation's shares and seals under a new key id on generation 2.
      const oldKeyId = Buffer.from(candidate.keyId, 'base64');
      const plaintext = openEnvelope(candidate.ciphertext, {
        path,
        version: candidate.sealedVersion,
        keyId: oldKeyId,
        dStore: Buffer.from(candidate.share, 'base64'),
        dCustomer: customerShare(fCustomer, oldKeyId),
      });
      const keyId = randomBytes(16);
      const share = await api.call('POST', '/v1/keys/share', {
        token: gateway,
        body: { path, keyId: keyId.toString('base64'), purpose: 'rewrap', generation: 2 },
      });
      assert.equal(share.status, 200, share.text);
      const ciphertext = sealEnvelope(plaintext, {
        path,
        version: candidate.sealedVersion,
        generation: 2,
        keyId,
        dStore: Buffer.from(share.body.share, 'base64'),
        dCustomer: customerShare(fCustomer, keyId),
      });
      const body = {
        path,
        version: candidate.version,
        fromGeneration: 1,
        ciphertext,
        keyId: keyId.toString('base64'),
        generation: 2,
      };
      assert.equal((await api.call('POST', '/v1/items/rewrap', { token: gateway, body })).status, 200);
      assert.equal((await api.call('POST', '/v1/items/rewrap', { token: gateway, body })).status, 409);
      const { reply, value } = await get(joplin, path);
      assert.equal(reply.body.generation, 2);
      assert.equal(value, 'before-rotation');
    });

    it('fails closed: when the audit log cannot be written, nothing is written and nothing is read', async () => {
      await opened.breakAudit();
      try {
        const created = await put(joplin, '/mdapi/joplin/unaudited/x', 'never-stored');
        assert.equal(created.status, 503);
        assert.equal(created.body.error.code, 'unavailable');
        assert.match(created.body.error.message, /audit/);
        assert.ok(logLines.some((l) => l.includes('audit log write failed') && l.includes('disk full')));
        const read = await api.call('GET', '/v1/items?path=/mdapi/joplin/db/password', { token: joplin });
        assert.equal(read.status, 503);
        assert.equal(read.body.ciphertext, undefined);
        assert.ok(!read.text.includes('share'));
      } finally {
        await opened.repairAudit();
      }
      assert.equal(
        Number((await opened.raw("SELECT COUNT(*) AS n FROM items WHERE path = '/mdapi/joplin/unaudited/x'"))[0]!.n),
        0,
      );
      assert.equal((await api.call('GET', '/v1/items?path=/mdapi/joplin/db/password', { token: joplin })).status, 200);
    });

    it('audits every request in a chain that verifies, and pinpoints the first altered entry', async () => {
      const verified = await api.call('GET', '/v1/audit/verify', { token: admin });
      assert.equal(verified.status, 200);
      assert.equal(verified.body.ok, true, verified.text);
      const entries = (await api.call('GET', '/v1/audit?from=1&limit=5000', { token: admin })).body.entries as {
        seq: number;
        action: string;
        outcome: string;
        path: string;
      }[];
      assert.ok(
        entries.some(
          (e) => e.action === 'item.read' && e.outcome === 'forbidden' && e.path === '/mdapi/bootstrap/admin/token',
        ),
      );
      assert.ok(entries.some((e) => e.action === 'auth.login' && e.outcome === 'ok'));
      const log = JSON.stringify(entries);
      for (const secret of secrets) assert.ok(!log.includes(secret), 'a secret value reached the audit log');
      const target = entries[Math.floor(entries.length / 2)]!;
      const [original] = await opened.raw('SELECT outcome FROM audit_log WHERE seq = ?', [target.seq]);
      await opened.raw("UPDATE audit_log SET outcome = 'ok-tampered' WHERE seq = ?", [target.seq]);
      const tampered = await api.call('GET', '/v1/audit/verify', { token: admin });
      assert.equal(tampered.body.ok, false);
      assert.equal(tampered.body.firstBadSeq, target.seq);
      await opened.raw('UPDATE audit_log SET outcome = ? WHERE seq = ?', [original!.outcome, target.seq]);
      await opened.raw('DELETE FROM audit_log WHERE seq = ?', [target.seq]);
      const removed = await api.call('GET', '/v1/audit/verify', { token: admin });
      assert.equal(removed.body.firstBadSeq, target.seq);
      assert.match(removed.body.reason, /missing/);
    });

    it('never logs a value, a token or an access key', () => {
      assert.ok(logLines.length > 0, 'the fault tests above log something');
      const log = logLines.join('\n');
      for (const secret of [...secrets, ...credentials]) assert.ok(!log.includes(secret), 'a secret reached the log');
    });

    it('rate-limits repeated failed logins', async () => {
      const attempt = () =>
        api.call('POST', '/v1/auth/login', { body: { type: 'api_key', accessId: 'p-nobody', accessKey: 'wrong' } });
      for (let i = 0; i < 4; i++) assert.equal((await attempt()).status, 401);
      const blocked = await attempt();
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error.code, 'rate_limited');
    });
  });
}
