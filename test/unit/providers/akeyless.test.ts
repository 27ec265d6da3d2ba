// The akeyless provider against a protocol double of the public Akeyless API: exact request bodies, token caching
// with a fake clock, ESO's item-type dispatch, property/literal-dot, find by name and tags, push/delete ownership,
// and the error rule (404 alone is "not found"; messages never carry secret values).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AkeylessProvider } from '../../../src/api/generated/types.js';
import { AkeylessSecretsClient } from '../../../src/providers/akeyless/client.js';
import type { Credentials } from '../../../src/providers/akeyless/credentials.js';
import { AkeylessSecretsProvider, EXPIRY_MARGIN_MS, TokenCache } from '../../../src/providers/akeyless/index.js';
import { AkeylessSession } from '../../../src/providers/akeyless/session.js';
import { tokenExpiry } from '../../../src/providers/akeyless/token-cache.js';
import type { StoreObject } from '../../../src/providers/contract.js';
import {
  NoSecretError,
  ProviderConfigError,
  ProviderError,
  ProviderUnavailableError,
} from '../../../src/providers/errors.js';
import { AkeylessApiDouble } from '../../helpers/akeyless-api-double.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const texts = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));

const ACCESS_KEY = 'ak-VERY-SECRET-KEY';
const SECRET_VALUES = ['s3cr3t-pw', 'hunter2', 'rot-pass', 'dyn-pass', ACCESS_KEY];

function assertNoSecretValues(error: unknown): true {
  const message = (error as Error).message;
  for (const value of SECRET_VALUES) assert.ok(!message.includes(value), `message leaks "${value}": ${message}`);
  return true;
}

class FakeClock {
  ms = Date.UTC(2026, 0, 1);
  now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

const apiKeyCredentials = (accessId = 'p-api'): Credentials => ({
  accessId,
  cacheKey: `key-${accessId}`,
  authBody: async () => ({ 'access-id': accessId, 'access-type': 'access_key', 'access-key': ACCESS_KEY }),
});

describe('akeyless provider (protocol double)', () => {
  let api: AkeylessApiDouble;
  let clock: FakeClock;
  let cache: TokenCache;

  const client = (credentials = apiKeyCredentials(), baseUrl = api.url) =>
    new AkeylessSecretsClient(new AkeylessSession({ baseUrl }, credentials, cache, clock.now));

  before(async () => {
    clock = new FakeClock();
    api = await AkeylessApiDouble.start({ now: () => clock.now(), prefix: '/api/v2' });
  });
  after(() => api.close());

  beforeEach(() => {
    clock.ms = Date.UTC(2026, 0, 1);
    cache = new TokenCache(clock.now);
    api.requests.length = 0;
    api.items.clear();
    api.methods.clear();
    api.methods.set('p-api', { accessKey: ACCESS_KEY, allow: ['/app/', '/shared/', '/eso-created/'], ttlSeconds: 600 });
    api.setStatic('/app/db', '{"user":"admin","password":"s3cr3t-pw"}');
    api.setStatic('/app/plain', 'v1-hunter1', 'hunter2');
    api.setStatic('/secret/other-team', 'nope');
  });

  describe('authentication and token cache', () => {
    it('sends the access_key /auth body and puts the token in the body of every call', async () => {
      const c = client();
      assert.equal(text(await c.getSecret({ key: '/app/plain' })), 'hunter2');
      assert.deepEqual(api.calls('auth'), [
        { 'access-id': 'p-api', 'access-type': 'access_key', 'access-key': ACCESS_KEY },
      ]);
      const describeBody = api.calls('describe-item')[0] as Record<string, unknown>;
      assert.deepEqual(Object.keys(describeBody).sort(), ['name', 'token']);
      assert.match(String(describeBody.token), /^t-/);
      assert.deepEqual(api.calls('get-secret-value')[0], {
        names: ['/app/plain'],
        version: 0,
        token: describeBody.token,
      });
    });

    it('reuses one token across calls and clients until shortly before it expires (fake clock)', async () => {
      await client().getSecret({ key: '/app/plain' });
      await client().getSecret({ key: '/app/db' });
      assert.equal(api.calls('auth').length, 1);
      // ttl 600 s: still valid 1 s before the 30 s margin starts.
      clock.advance(600_000 - EXPIRY_MARGIN_MS - 1000);
      await client().getSecret({ key: '/app/plain' });
      assert.equal(api.calls('auth').length, 1);
      clock.advance(2000);
      await client().getSecret({ key: '/app/plain' });
      assert.equal(api.calls('auth').length, 2);
      const tokens = new Set(api.calls('describe-item').map((b) => b.token));
      assert.equal(tokens.size, 2);
    });

    it('forgets expired tokens of identities no longer used', async () => {
      api.methods.set('p-other', { accessKey: ACCESS_KEY, allow: ['/app/'], ttlSeconds: 60 });
      await client(apiKeyCredentials('p-other')).getSecret({ key: '/app/plain' });
      assert.equal(cache.size, 1);
      clock.advance(61_000);
      await client().getSecret({ key: '/app/plain' });
      assert.equal(cache.size, 1, 'the expired p-other token was dropped');
    });

    it('shares one login between concurrent calls', async () => {
      const c = client();
      await Promise.all([
        c.getSecret({ key: '/app/plain' }),
        c.getSecret({ key: '/app/db' }),
        c.getSecret({ key: '/app/plain' }),
      ]);
      assert.equal(api.calls('auth').length, 1);
    });

    it('logs in again and retries once when the server refuses a cached token', async () => {
      const c = client();
      await c.getSecret({ key: '/app/plain' });
      api.revokeAll();
      assert.equal(text(await c.getSecret({ key: '/app/plain' })), 'hunter2');
      assert.equal(api.calls('auth').length, 2);
      assert.equal(api.calls('validate-token').length, 1);
    });

    it('sends Universal Identity tokens as "uid-token"', async () => {
      api.methods.set('p-uid', { accessKey: ACCESS_KEY, allow: ['/app/'], uidTokens: true });
      await client(apiKeyCredentials('p-uid')).getSecret({ key: '/app/plain' });
      const body = api.calls('describe-item')[0] as Record<string, unknown>;
      assert.match(String(body['uid-token']), /^u-/);
      assert.equal(body.token, undefined);
    });

    it('takes the expiry from creds.expiry, else the JWT exp, else assumes 4 minutes', () => {
      const now = Date.UTC(2026, 0, 1);
      assert.equal(tokenExpiry('t-x', { expiry: now / 1000 + 100 }, now), now + 100_000);
      const jwt = `e30.${Buffer.from(JSON.stringify({ exp: now / 1000 + 50 })).toString('base64url')}.sig`;
      assert.equal(tokenExpiry(jwt, {}, now), now + 50_000);
      assert.equal(tokenExpiry('t-x', undefined, now), now + 240_000);
    });

    it('re-authenticates after 4 minutes when the answer has no expiry', async () => {
      api.methods.set('p-noexp', { accessKey: ACCESS_KEY, allow: ['/app/'], omitExpiry: true, ttlSeconds: 3600 });
      const creds = apiKeyCredentials('p-noexp');
      await client(creds).getSecret({ key: '/app/plain' });
      clock.advance(240_000 - EXPIRY_MARGIN_MS - 1000);
      await client(creds).getSecret({ key: '/app/plain' });
      assert.equal(api.calls('auth').length, 1);
      clock.advance(2000);
      await client(creds).getSecret({ key: '/app/plain' });
      assert.equal(api.calls('auth').length, 2);
    });

    it('reports a refused login as a configuration error without the access key', async () => {
      const creds: Credentials = {
        ...apiKeyCredentials(),
        authBody: async () => ({ 'access-id': 'p-api', 'access-type': 'access_key', 'access-key': 'wrong-hunter2' }),
      };
      await assert.rejects(client(creds).getSecret({ key: '/app/plain' }), (e) => {
        assert.ok(e instanceof ProviderConfigError);
        assert.match(
          (e as Error).message,
          /authentication to Akeyless .* access ID p-api failed: auth failed: wrong access key \(HTTP 401\)/,
        );
        assert.ok(!(e as Error).message.includes('wrong-hunter2'));
        return assertNoSecretValues(e);
      });
    });

    it('validate() logs in: Ready with good credentials, Error with the reason otherwise', async () => {
      assert.deepEqual(await client().validate(), { result: 'Ready' });
      const bad = await client(apiKeyCredentials('p-unknown')).validate();
      assert.equal(bad.result, 'Error');
      assert.match(bad.message ?? '', /access id p-unknown is unknown/);
    });
  });

  describe('item types and versions', () => {
    it('reads a static secret at a version; an unparsable version means latest', async () => {
      const c = client();
      assert.equal(text(await c.getSecret({ key: '/app/plain', version: '1' })), 'v1-hunter1');
      assert.equal(text(await c.getSecret({ key: '/app/plain', version: 'latest' })), 'hunter2');
      assert.deepEqual(
        api.calls('get-secret-value').map((b) => b.version),
        [1, 0],
      );
    });

    it('returns a dynamic secret as JSON with sorted keys, without a version', async () => {
      api.items.set('/app/dyn', {
        type: 'DYNAMIC_SECRET',
        reply: { user: 'tmp-1', password: 'dyn-pass', ttl_in_minutes: 60 },
      });
      const c = client();
      assert.equal(
        text(await c.getSecret({ key: '/app/dyn', version: '3' })),
        '{"password":"dyn-pass","ttl_in_minutes":60,"user":"tmp-1"}',
      );
      assert.deepEqual(Object.keys(api.calls('get-dynamic-secret-value')[0] ?? {}).sort(), ['name', 'token']);
      assert.equal(text(await c.getSecret({ key: '/app/dyn', property: 'password' })), 'dyn-pass');
    });

    it('unwraps rotated secrets: payload, else target_value, else value, else the whole reply', async () => {
      const c = client();
      api.items.set('/app/rot', { type: 'ROTATED_SECRET', reply: { value: { payload: 'custom-rot-pass' } } });
      assert.equal(text(await c.getSecret({ key: '/app/rot' })), 'custom-rot-pass');
      api.items.set('/app/rot', {
        type: 'ROTATED_SECRET',
        reply: { value: { target_value: { password: 'rot-pass' }, x: 1 } },
      });
      assert.equal(text(await c.getSecret({ key: '/app/rot' })), '{"password":"rot-pass"}');
      api.items.set('/app/rot', { type: 'ROTATED_SECRET', reply: { value: { username: 'u', password: 'rot-pass' } } });
      assert.equal(text(await c.getSecret({ key: '/app/rot', property: 'username' })), 'u');
      api.items.set('/app/rot', { type: 'ROTATED_SECRET', reply: { other: 'rot-pass' } });
      assert.equal(text(await c.getSecret({ key: '/app/rot' })), '{"other":"rot-pass"}');
      // `names` is a string for this command, and the version is passed on.
      await c.getSecret({ key: '/app/rot', version: '2' });
      assert.deepEqual(
        api
          .calls('get-rotated-secret-value')
          .map((b) => [b.names, b.version])
          .at(-1),
        ['/app/rot', 2],
      );
    });

    it('returns a certificate as {certificate_pem, private_key_pem}, so tls.crt/tls.key are properties', async () => {
      api.items.set('/app/cert', {
        type: 'CERTIFICATE',
        reply: { certificate_pem: 'CERT-PEM', private_key_pem: 'KEY-PEM', extra: 'dropped' },
      });
      const c = client();
      assert.equal(
        text(await c.getSecret({ key: '/app/cert' })),
        '{"certificate_pem":"CERT-PEM","private_key_pem":"KEY-PEM"}',
      );
      assert.equal(text(await c.getSecret({ key: '/app/cert', property: 'private_key_pem' })), 'KEY-PEM');
      assert.deepEqual(texts(await c.getSecretMap({ key: '/app/cert' })), {
        certificate_pem: 'CERT-PEM',
        private_key_pem: 'KEY-PEM',
      });
    });

    it('refuses other item types with a clear error', async () => {
      api.items.set('/app/key', { type: 'CLASSIC_KEY' });
      await assert.rejects(client().getSecret({ key: '/app/key' }), /invalid item type "CLASSIC_KEY" for "\/app\/key"/);
    });

    it('treats a describe answer without item_name as a missing item', async () => {
      api.failNext('describe-item', 200, '');
      // failNext answers {"error": ""} with 200: no item_name.
      await assert.rejects(client().getSecret({ key: '/app/plain' }), NoSecretError);
    });
  });

  describe('property (gjson, literal dot first)', () => {
    it('prefers a key containing dots over the nested path, then falls back to the path', async () => {
      api.setStatic('/app/tls', JSON.stringify({ 'tls.crt': 'LITERAL', tls: { crt: 'NESTED', key: 'K' } }));
      const c = client();
      assert.equal(text(await c.getSecret({ key: '/app/tls', property: 'tls.crt' })), 'LITERAL');
      assert.equal(text(await c.getSecret({ key: '/app/tls', property: 'tls.key' })), 'K');
    });

    it('says which key is missing without quoting the value', async () => {
      await assert.rejects(client().getSecret({ key: '/app/db', property: 'host' }), (e) => {
        assert.ok(e instanceof ProviderError && !(e instanceof NoSecretError));
        assert.equal((e as Error).message, 'key host does not exist in value of item "/app/db"');
        return assertNoSecretValues(e);
      });
    });

    it('rejects an empty value without a property', async () => {
      api.setStatic('/app/empty', '');
      await assert.rejects(client().getSecret({ key: '/app/empty' }), /item "\/app\/empty" is empty/);
    });
  });

  describe('dataFrom.extract', () => {
    it('splits a JSON object; non-string values keep their JSON text', async () => {
      api.setStatic('/app/cfg', '{"user":"admin","port":5432,"tls":{"on":true}}');
      const c = client();
      assert.deepEqual(texts(await c.getSecretMap({ key: '/app/cfg' })), {
        user: 'admin',
        port: '5432',
        tls: '{"on":true}',
      });
      assert.deepEqual(texts(await c.getSecretMap({ key: '/app/cfg', property: 'tls' })), { on: 'true' });
    });

    it('refuses a value that is not JSON without quoting it', async () => {
      await assert.rejects(client().getSecretMap({ key: '/app/plain' }), (e) => {
        assert.match((e as Error).message, /unable to unmarshal secret/);
        return assertNoSecretValues(e);
      });
    });
  });

  describe('dataFrom.find', () => {
    beforeEach(() => {
      api.setStatic('/shared/a', 'A');
      api.setStatic('/shared/b', 'B');
      api.setStatic('/shared/sub/c', 'C');
      api.setStatic('/app/shared/not-under-path', 'X');
      api.items.get('/shared/a')?.tags?.push('team-x');
      api.items.get('/shared/sub/c')?.tags?.push('team-y');
      api.items.get('/app/db')?.tags?.push('team-x');
    });

    it('lists by path (normalised to /p/) and matches the regexp on the full name', async () => {
      const out = await client().getAllSecrets({ path: 'shared', name: { regexp: '^/shared/[ab]$' } });
      assert.deepEqual(texts(out), { '/shared/a': 'A', '/shared/b': 'B' });
      assert.deepEqual(api.calls('list-items')[0], {
        type: ['static-secret', 'dynamic-secret', 'rotated-secret'],
        'minimal-view': true,
        filter: '/shared/',
        token: api.calls('list-items')[0]?.token,
      });
    });

    it('drops names that contain the path but do not start with it', async () => {
      const out = await client().getAllSecrets({ path: '/shared/', name: { regexp: '.*' } });
      assert.deepEqual(Object.keys(out).sort(), ['/shared/a', '/shared/b', '/shared/sub/c']);
    });

    it('lists once per tag value (keys ignored), with minimal-view false', async () => {
      const out = await client().getAllSecrets({ tags: { owner: 'team-x', other: 'team-y' } });
      assert.deepEqual(Object.keys(out).sort(), ['/app/db', '/shared/a', '/shared/sub/c']);
      assert.deepEqual(
        api.calls('list-items').map((b) => [b.tag, b['minimal-view'], b.filter]),
        [
          ['team-x', false, undefined],
          ['team-y', false, undefined],
        ],
      );
    });

    it('follows next_page when the server pages', async () => {
      const paged = await AkeylessApiDouble.start({ now: clock.now, pageSize: 2 });
      try {
        for (const [k, v] of api.items) paged.items.set(k, v);
        paged.methods.set('p-api', api.methods.get('p-api') ?? { allow: [] });
        const out = await client(apiKeyCredentials(), paged.url).getAllSecrets({
          path: '/shared',
          name: { regexp: '.' },
        });
        assert.equal(Object.keys(out).length, 3);
        assert.deepEqual(
          paged.calls('list-items').map((b) => b['pagination-token']),
          [undefined, '2'],
        );
      } finally {
        await paged.close();
      }
    });

    it('asks for name or tags when neither is set', async () => {
      await assert.rejects(client().getAllSecrets({ path: '/shared' }), ProviderConfigError);
    });
  });

  describe('errors: 404 alone means "does not exist"', () => {
    it('maps 404 to NoSecretError', async () => {
      await assert.rejects(client().getSecret({ key: '/app/missing' }), NoSecretError);
    });

    it('keeps 401 apart from "not found", for items that exist and items that do not', async () => {
      for (const key of ['/secret/other-team', '/secret/missing']) {
        await assert.rejects(client().getSecret({ key }), (e) => {
          assert.ok(e instanceof ProviderConfigError, String(e));
          assert.ok(!(e instanceof NoSecretError));
          assert.match((e as Error).message, /access denied: Unauthorized access \(HTTP 401\)/);
          return assertNoSecretValues(e);
        });
      }
      // The second refusal came with a cached token: /validate-token says it is fine, so no second login.
      assert.equal(api.calls('auth').length, 1);
      assert.equal(api.calls('validate-token').length, 1);
    });

    it('maps 5xx and 429 to ProviderUnavailableError, 400 to ProviderConfigError', async () => {
      api.failNext('describe-item', 503, 'gateway sealed');
      await assert.rejects(client().getSecret({ key: '/app/plain' }), ProviderUnavailableError);
      api.failNext('get-secret-value', 429, 'slow down');
      await assert.rejects(client().getSecret({ key: '/app/plain' }), ProviderUnavailableError);
      api.failNext('describe-item', 400, 'bad name');
      await assert.rejects(client().getSecret({ key: '/app/plain' }), ProviderConfigError);
    });

    it('maps an unreachable API to ProviderUnavailableError', async () => {
      const down = await AkeylessApiDouble.start();
      const url = down.url;
      await down.close();
      await assert.rejects(client(apiKeyCredentials(), url).getSecret({ key: '/app/plain' }), ProviderUnavailableError);
    });
  });

  describe('push, delete, exists', () => {
    const source = (data: Record<string, string>) => ({
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
    });

    it('creates a missing item as JSON tagged k8s-external-secrets, then is a no-op when unchanged', async () => {
      const c = client();
      await c.pushSecret(source({ 'cache-pass': 'mypassword', b: '<&>' }), {
        remoteRef: { remoteKey: '/eso-created/my-secret' },
      });
      const created = api.calls('create-secret')[0];
      assert.deepEqual(
        { ...created, token: undefined },
        {
          name: '/eso-created/my-secret',
          value: '{"b":"\\u003c\\u0026\\u003e","cache-pass":"mypassword"}',
          tags: ['k8s-external-secrets'],
          token: undefined,
        },
      );
      await c.pushSecret(source({ 'cache-pass': 'mypassword', b: '<&>' }), {
        remoteRef: { remoteKey: '/eso-created/my-secret' },
      });
      assert.equal(api.calls('update-secret-val').length, 0);
      assert.equal(api.calls('create-secret').length, 1);
    });

    it('merges into an existing item; a property push sets one key from secretKey', async () => {
      api.setStatic('/app/cfg', '{"keep":"1","user":"old"}');
      const c = client();
      await c.pushSecret(source({ pw: 'hunter2', user: 'new' }), {
        secretKey: 'pw',
        remoteRef: { remoteKey: '/app/cfg', property: 'password' },
      });
      assert.equal(api.items.get('/app/cfg')?.versions?.at(-1), '{"keep":"1","password":"hunter2","user":"old"}');
      await c.pushSecret(source({ user: 'new' }), { remoteRef: { remoteKey: '/app/cfg' } });
      assert.equal(api.items.get('/app/cfg')?.versions?.at(-1), '{"keep":"1","password":"hunter2","user":"new"}');
      assert.deepEqual(Object.keys(api.calls('update-secret-val')[0] ?? {}).sort(), ['name', 'token', 'value']);
    });

    it('never turns a 401 into a create', async () => {
      await assert.rejects(
        client().pushSecret(source({ a: 'b' }), { remoteRef: { remoteKey: '/secret/new' } }),
        ProviderConfigError,
      );
      assert.equal(api.calls('create-secret').length, 0);
    });

    it('refuses to merge into a remote value that is not a JSON object, without quoting it', async () => {
      await assert.rejects(client().pushSecret(source({ a: 'b' }), { remoteRef: { remoteKey: '/app/plain' } }), (e) => {
        assert.match((e as Error).message, /failed to unmarshal remote secret: invalid JSON format/);
        return assertNoSecretValues(e);
      });
    });

    it('deletes only items it created; a property delete rewrites the rest; a missing item is fine', async () => {
      const c = client();
      await c.deleteSecret({ remoteKey: '/app/db' });
      assert.ok(api.items.has('/app/db'), 'an untagged item is never deleted');
      api.items.set('/eso-created/x', {
        type: 'STATIC_SECRET',
        versions: ['{"a":"1","b":"2"}'],
        tags: ['k8s-external-secrets'],
      });
      await c.deleteSecret({ remoteKey: '/eso-created/x', property: 'a' });
      assert.equal(api.items.get('/eso-created/x')?.versions?.at(-1), '{"b":"2"}');
      await c.deleteSecret({ remoteKey: '/eso-created/x', property: 'b' });
      assert.ok(!api.items.has('/eso-created/x'), 'the last property removes the item');
      await c.deleteSecret({ remoteKey: '/eso-created/x' });
      api.items.set('/eso-created/y', { type: 'STATIC_SECRET', versions: ['v'], tags: ['k8s-external-secrets'] });
      await c.deleteSecret({ remoteKey: '/eso-created/y' });
      assert.ok(!api.items.has('/eso-created/y'));
      assert.deepEqual(Object.keys(api.calls('delete-item')[0] ?? {}).sort(), ['name', 'token']);
    });

    it('secretExists: 404 is false, 401 is an error, a property checks the JSON key', async () => {
      const c = client();
      assert.equal(await c.secretExists({ remoteKey: '/app/missing' }), false);
      assert.equal(await c.secretExists({ remoteKey: '/app/db' }), true);
      assert.equal(await c.secretExists({ remoteKey: '/app/db', property: 'password' }), true);
      assert.equal(await c.secretExists({ remoteKey: '/app/db', property: 'host' }), false);
      await assert.rejects(c.secretExists({ remoteKey: '/secret/other-team' }), ProviderConfigError);
    });
  });
});

describe('akeyless provider: store validation', () => {
  const provider = new AkeylessSecretsProvider();
  const ref = (key: string, namespace?: string) => ({ name: 'creds', key, ...(namespace ? { namespace } : {}) });
  const spec = (auth: AkeylessProvider['authSecretRef'], extra: Partial<AkeylessProvider> = {}): AkeylessProvider => ({
    akeylessGWApiURL: 'https://gw.example:8000/api/v2',
    authSecretRef: auth,
    ...extra,
  });
  const check = (s: AkeylessProvider, kind: StoreObject['kind'] = 'SecretStore') =>
    provider.validateStore({
      kind,
      namespace: kind === 'SecretStore' ? 'ns' : undefined,
      spec: { provider: { akeyless: s } },
    });

  it('accepts the seed manifests (secretRef and kubernetesAuth)', () => {
    assert.deepEqual(
      check(
        spec({
          secretRef: {
            accessID: ref('accessId'),
            accessType: ref('accessType'),
            accessTypeParam: ref('accessTypeParam'),
          },
        }),
      ).errors,
      [],
    );
    assert.deepEqual(
      check(spec({ kubernetesAuth: { accessID: 'p-k8s', k8sConfName: 'conf', serviceAccountRef: { name: 'sa' } } }))
        .errors,
      [],
    );
    assert.deepEqual(
      check(
        spec({ secretRef: { accessID: ref('a', 'x'), accessType: ref('t', 'x'), accessTypeParam: ref('p', 'x') } }),
        'ClusterSecretStore',
      ).errors,
      [],
    );
  });

  it('names what to fix', () => {
    assert.deepEqual(check(spec({ secretRef: { accessID: { name: 'creds' }, accessType: ref('t') } })).errors, [
      'authSecretRef.secretRef.accessID.key must not be empty',
    ]);
    assert.deepEqual(check(spec({ kubernetesAuth: { accessID: '', k8sConfName: '' } })).errors, [
      'missing kubernetes auth-method access-id (kubernetesAuth.accessID)',
      'missing kubernetes config name (kubernetesAuth.k8sConfName)',
    ]);
    assert.deepEqual(
      check(spec({ secretRef: { accessID: ref('a'), accessType: ref('t') } }), 'ClusterSecretStore').errors,
      [
        'authSecretRef.secretRef.accessID: cluster scope requires namespace',
        'authSecretRef.secretRef.accessType: cluster scope requires namespace',
      ],
    );
    assert.deepEqual(
      check(spec({ secretRef: { accessID: ref('a'), accessType: ref('t') } }, { akeylessGWApiURL: 'not a url' }))
        .errors,
      ['akeylessGWApiURL is not a valid URL with a host'],
    );
    assert.deepEqual(
      check(
        spec(
          { secretRef: { accessID: ref('a'), accessType: ref('t') } },
          { caProvider: { type: 'ConfigMap', name: 'ca', namespace: 'x' } },
        ),
      ).errors,
      ['caProvider.namespace must be empty with SecretStore'],
    );
  });
});
