// The custos provider's pieces without a store: reference parsing, property selection, the error rule (only
// not_found is "not found"; 401/403 read the same whether or not the item exists), store validation, the SSE
// parser and watch matching, and — against a small in-process double of the native API — token reuse, a fresh
// login after a 401, and a watch that resumes with `since` after its stream ends.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RemoteChange, StoreObject } from '../../../src/providers/contract.js';
import { failure } from '../../../src/providers/custos/api.js';
import { CustosSecretsClient, parseVersion, remotePath } from '../../../src/providers/custos/client.js';
import { ChangeFeedWatch, refMatches, SseParser, sharedPrefix } from '../../../src/providers/custos/feed.js';
import { CustosSecretsProvider } from '../../../src/providers/custos/index.js';
import { CustosSession } from '../../../src/providers/custos/session.js';
import { selectProperty, tagsToMap, tagsWanted } from '../../../src/providers/custos/value.js';
import {
  NoSecretError,
  ProviderConfigError,
  ProviderError,
  ProviderUnavailableError,
} from '../../../src/providers/errors.js';
import { TokenCache } from '../../../src/providers/token-cache.js';

describe('custos references and values', () => {
  it('reads keys as absolute paths and versions as numbers or "latest"', () => {
    assert.equal(remotePath('app/db'), '/app/db');
    assert.equal(remotePath('/app/db/'), '/app/db');
    assert.throws(() => remotePath(''), /remoteRef.key is empty/);
    assert.equal(parseVersion(undefined), undefined);
    assert.equal(parseVersion('latest'), undefined);
    assert.equal(parseVersion('3'), 3);
    assert.throws(() => parseVersion('0'), ProviderConfigError);
    assert.throws(() => parseVersion('v2'), /not a version number/);
  });

  it('selects a property: a dotted name as one literal key first, else a gjson path; missing is NoSecretError', () => {
    const value = JSON.stringify({ 'tls.crt': 'literal', tls: { crt: 'nested', key: 'k' }, n: 5 });
    assert.equal(selectProperty(value, '/p', 'tls.crt'), 'literal');
    assert.equal(selectProperty(value, '/p', 'tls.key'), 'k');
    assert.equal(selectProperty(value, '/p', 'n'), '5');
    assert.throws(() => selectProperty(value, '/p', 'nope'), NoSecretError);
    assert.throws(
      () => selectProperty('{"a":"s3cret"}', '/p', 'b'),
      (e: Error) => !e.message.includes('s3cret'),
    );
  });

  it('turns tags into a metadata map and find.tags into tag strings', () => {
    assert.deepEqual({ ...tagsToMap(['env=prod', 'a=b=c', 'bare']) }, { env: 'prod', a: 'b=c', bare: '' });
    assert.deepEqual(tagsWanted({ env: 'prod', team: 'x' }), ['env=prod', 'team=x']);
    assert.deepEqual(tagsWanted(undefined), []);
  });
});

describe('custos error rule', () => {
  const res = (status: number, code?: string, message = 'm') => ({
    status,
    body: code ? { error: { code, message } } : '<html>proxy</html>',
  });

  it('only the gateway not_found is NoSecretError', () => {
    assert.ok(failure(res(404, 'not_found'), '/a', 'read') instanceof NoSecretError);
    const proxy404 = failure(res(404), '/a', 'read');
    assert.ok(proxy404 instanceof ProviderError && !(proxy404 instanceof NoSecretError));
  });

  it('401 and 403 are "access denied to <path>" without the server text', () => {
    const denied = failure(res(403, 'forbidden', 'item exists but ...'), '/mdapi/x/y', 'read');
    assert.ok(denied instanceof ProviderConfigError);
    assert.match(denied.message, /^access denied to \/mdapi\/x\/y: /);
    assert.doesNotMatch(denied.message, /exists/);
    assert.equal(
      failure(res(401, 'unauthorized', 'other'), '/p', 'read').message.split('(')[0],
      failure(res(403, 'forbidden'), '/p', 'read').message.split('(')[0],
    );
  });

  it('sealed, rate limits and server errors are transient; bad input is a configuration error', () => {
    assert.ok(failure(res(503, 'sealed'), '/a', 'read') instanceof ProviderUnavailableError);
    assert.ok(failure(res(429, 'rate_limited'), '/a', 'read') instanceof ProviderUnavailableError);
    assert.ok(failure(res(500), '/a', 'read') instanceof ProviderUnavailableError);
    const bad = failure(res(400, 'invalid', '"path" has an empty segment'), '/a', 'read');
    assert.ok(bad instanceof ProviderConfigError);
    assert.match(bad.message, /empty segment/);
  });
});

describe('custos store validation', () => {
  const provider = new CustosSecretsProvider();
  const store = (custos: unknown, kind: StoreObject['kind'] = 'SecretStore'): StoreObject => ({
    kind,
    name: 's',
    namespace: kind === 'SecretStore' ? 'team' : undefined,
    spec: { provider: { custos } } as StoreObject['spec'],
  });
  const apiKeyRef = { accessId: { name: 'c', key: 'id' }, accessKey: { name: 'c', key: 'key' } };

  it('accepts an API key store and a kubernetes store with an access id', () => {
    assert.deepEqual(provider.validateStore(store({ gatewayURL: 'https://gw:8443', auth: { apiKeyRef } })).errors, []);
    const k8s = { kubernetes: { accessId: 'p-1', serviceAccountRef: { name: 'eso' } } };
    assert.deepEqual(provider.validateStore(store({ gatewayURL: 'https://gw', auth: k8s })).errors, []);
  });

  it('says what to fix', () => {
    const errors = (custos: unknown, kind?: StoreObject['kind']) => provider.validateStore(store(custos, kind)).errors;
    assert.match(errors({ gatewayURL: 'gw:8443', auth: { apiKeyRef } }).join(), /gatewayURL must be an https:\/\/ URL/);
    assert.match(errors({ gatewayURL: 'https://gw', auth: {} }).join(), /exactly one of kubernetes or apiKeyRef/);
    assert.match(errors({ gatewayURL: 'https://gw', auth: { kubernetes: {} } }).join(), /accessId is required/);
    const foreign = { ...apiKeyRef, accessKey: { name: 'c', key: 'k', namespace: 'other' } };
    assert.match(errors({ gatewayURL: 'https://gw', auth: { apiKeyRef: foreign } }).join(), /SecretStore's namespace/);
    const ca = { type: 'ConfigMap', name: 'ca', key: 'ca.crt' };
    assert.match(
      errors({ gatewayURL: 'https://gw', auth: { apiKeyRef }, caProvider: ca }, 'ClusterSecretStore').join(),
      /caProvider.namespace is required/,
    );
  });
});

describe('custos change feed parsing', () => {
  it('splits server-sent events across chunks, drops comments, accepts CRLF', () => {
    const parser = new SseParser();
    const events: { event: string; data: string }[] = [];
    for (const chunk of [': connected\n\nid: 4\nevent: chan', 'ge\r\ndata: {"seq":4}\r\n', '\r\n: keepalive\n\n']) {
      parser.push(chunk, (e) => events.push(e));
    }
    assert.deepEqual(events, [{ event: 'change', data: '{"seq":4}' }]);
  });

  it('opens one stream on the shared prefix and matches keys exactly and paths by whole segments', () => {
    assert.equal(sharedPrefix([{ key: '/mdapi/ns/a/b' }, { path: 'mdapi/ns/c/' }]), '/mdapi/ns');
    assert.equal(sharedPrefix([{ key: '/a/b' }, { key: '/c' }]), '/');
    assert.equal(refMatches({ key: 'a/b' }, '/a/b'), true);
    assert.equal(refMatches({ key: '/a/b' }, '/a/bc'), false);
    assert.equal(refMatches({ path: '/a' }, '/a/b/c'), true);
    assert.equal(refMatches({ path: '/a' }, '/ab'), false);
    assert.equal(refMatches({ path: '' }, '/anything'), true);
  });
});

/** A tiny stand-in for the gateway's native API: logins, one secret, and an event stream it ends on demand. */
class NativeDouble {
  logins = 0;
  eventQueries: URLSearchParams[] = [];
  /** Tokens the double refuses with 401 (revoked). */
  revoked = new Set<string>();
  private server: Server | undefined;
  private streams: ServerResponse[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (url.pathname === '/v1/auth/login') {
      this.logins++;
      this.json(res, 200, { token: `t-${this.logins}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    } else if (this.revoked.has(token)) {
      this.json(res, 401, { error: { code: 'unauthorized', message: 'token expired' } });
    } else if (url.pathname === '/v1/secrets' && req.method === 'GET') {
      this.json(res, 200, { path: url.searchParams.get('path'), version: 1, value: 'v', tags: [] });
    } else if (url.pathname === '/v1/events') {
      this.eventQueries.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': connected\n\n');
      this.streams.push(res);
    } else this.json(res, 404, { error: { code: 'not_found', message: 'no such endpoint' } });
  }

  /** Sends a change to every open stream. */
  emit(seq: number, path: string): void {
    for (const s of this.streams) {
      s.write(`id: ${seq}\nevent: change\ndata: ${JSON.stringify({ seq, path, version: seq, op: 'update' })}\n\n`);
    }
  }

  /** Ends every open stream, as the store does when the token expires. */
  endStreams(): void {
    for (const s of this.streams.splice(0)) s.end();
  }

  async close(): Promise<void> {
    this.endStreams();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('custos session and watch against a native API double', () => {
  const double = new NativeDouble();
  before(() => double.start());
  after(() => double.close());

  const session = (tokens = new TokenCache()) =>
    new CustosSession(
      { baseUrl: double.url },
      { cacheKey: 'k', describe: 'access id p-1 (api_key)', loginBody: async () => ({ type: 'api_key' }) },
      tokens,
      Date.now,
    );

  it('logs in once for many calls and again once after the gateway refuses the cached token', async () => {
    const before = double.logins;
    const client = new CustosSecretsClient(session());
    await client.getSecret({ key: '/a' });
    await client.getSecret({ key: '/b' });
    assert.equal(double.logins - before, 1);
    double.revoked.add(`t-${double.logins}`);
    assert.equal(Buffer.from(await client.getSecret({ key: '/c' })).toString(), 'v');
    assert.equal(double.logins - before, 2);
  });

  it('refuses to push bytes that are not UTF-8 text, before anything is sent, without quoting them', async () => {
    const client = new CustosSecretsClient(session());
    const push = client.pushSecret(
      { data: { cert: Buffer.from([0xff, 0xfe, 0x41]) } },
      { secretKey: 'cert', remoteRef: { remoteKey: '/app/cert' } },
    );
    await assert.rejects(
      push,
      (e: Error) => e instanceof ProviderConfigError && /key "cert" .* not UTF-8/.test(e.message),
    );
    await assert.rejects(
      client.pushSecret({ data: {} }, { secretKey: 'missing', remoteRef: { remoteKey: '/app/x' } }),
      /has no key "missing"/,
    );
  });

  it('a watch reports matching changes only and resumes with since after its stream ended', async () => {
    const changes: RemoteChange[] = [];
    const watch = new ChangeFeedWatch(
      session(),
      [{ key: '/app/db' }],
      (c) => changes.push(c),
      {},
      {
        initialBackoffMs: 10,
        maxBackoffMs: 50,
        idleTimeoutMs: 10_000,
      },
    );
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(check());
    };
    await until(() => double.eventQueries.length === 1);
    assert.equal(double.eventQueries[0]?.get('prefix'), '/app/db');
    assert.equal(double.eventQueries[0]?.get('since'), null);
    double.emit(7, '/app/db');
    double.emit(8, '/app/dbx');
    await until(() => changes.length === 1);
    double.endStreams();
    await until(() => double.eventQueries.length === 2);
    assert.equal(double.eventQueries[1]?.get('since'), '8');
    double.emit(9, '/app/db');
    await until(() => changes.length === 2);
    assert.deepEqual(changes, [
      { key: '/app/db', op: 'update', version: 7 },
      { key: '/app/db', op: 'update', version: 9 },
    ]);
    await watch.close();
  });
});
