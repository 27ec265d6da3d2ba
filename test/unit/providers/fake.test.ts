// The fake provider behaves like ESO's providers/v1/fake: these are the cases ESO's own tests and e2e suites rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { FakeProvider } from '../../../src/api/generated/types.js';
import type { SecretsClient, StoreObject } from '../../../src/providers/contract.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../../../src/providers/errors.js';
import { FakeSecretsProvider } from '../../../src/providers/fake/index.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const texts = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));

function store(fake: FakeProvider, name = 'fake-store', namespace = 'ns'): StoreObject {
  return { kind: 'SecretStore', name, namespace, spec: { provider: { fake } } };
}

async function client(fake: FakeProvider, provider = new FakeSecretsProvider()): Promise<SecretsClient> {
  return provider.newClient({ store: store(fake), namespace: 'ns', kube: { kubeConfig: new KubeConfig() } });
}

const person = JSON.stringify({
  name: { first: 'Tom', last: 'Anderson' },
  friends: [
    { first: 'Dale', last: 'Murphy' },
    { first: 'Roger', last: 'Craig' },
  ],
});

describe('fake provider: getSecret', () => {
  it('returns the value of a key without a version', async () => {
    const c = await client({ data: [{ key: '/foo/bar', value: 'HELLO1' }] });
    assert.equal(text(await c.getSecret({ key: '/foo/bar' })), 'HELLO1');
  });

  it('requires the exact version', async () => {
    const c = await client({
      data: [
        { key: 'k', value: 'one', version: 'v1' },
        { key: 'k', value: 'two', version: 'v2' },
      ],
    });
    assert.equal(text(await c.getSecret({ key: 'k', version: 'v1' })), 'one');
    assert.equal(text(await c.getSecret({ key: 'k', version: 'v2' })), 'two');
    await assert.rejects(c.getSecret({ key: 'k' }), NoSecretError);
    await assert.rejects(c.getSecret({ key: 'k', version: 'v3' }), NoSecretError);
  });

  it("reports a missing key as NoSecretError with ESO's message", async () => {
    const c = await client({ data: [] });
    await assert.rejects(c.getSecret({ key: 'nope' }), (e: unknown) => {
      assert.ok(e instanceof NoSecretError);
      assert.equal((e as Error).message, 'Secret does not exist');
      return true;
    });
  });

  it('applies property as a gjson path (NestedJSONWithGJSON)', async () => {
    const c = await client({ data: [{ key: 'json', value: person }] });
    assert.equal(text(await c.getSecret({ key: 'json', property: 'name.first' })), 'Tom');
    assert.equal(text(await c.getSecret({ key: 'json', property: 'friends.1.first' })), 'Roger');
    assert.equal(text(await c.getSecret({ key: 'json', property: 'friends.#.last' })), '["Murphy","Craig"]');
    assert.equal(text(await c.getSecret({ key: 'json', property: 'name' })), '{"first":"Tom","last":"Anderson"}');
    await assert.rejects(c.getSecret({ key: 'json', property: 'name.middle' }), NoSecretError);
  });

  it('rejects unsupported gjson syntax as a configuration error naming the property', async () => {
    const c = await client({ data: [{ key: 'json', value: person }] });
    await assert.rejects(c.getSecret({ key: 'json', property: 'friends.#(last=="Craig").first' }), (e: unknown) => {
      assert.ok(e instanceof ProviderConfigError);
      assert.match((e as Error).message, /friends\.#\(last=="Craig"\)\.first/);
      return true;
    });
  });

  it('keeps the key+version concatenation of ESO (key "ab" without version is "a" with version "b")', async () => {
    const c = await client({ data: [{ key: 'a', value: 'x', version: 'b' }] });
    // The entry exists under "ab" but its version is "b", so asking for "ab" without a version misses.
    await assert.rejects(c.getSecret({ key: 'ab' }), NoSecretError);
  });

  it('accepts the deprecated valueMap as a JSON object', async () => {
    const c = await client({ data: [{ key: 'm', value: '', valueMap: { b: '2', a: '1' } }] });
    assert.deepEqual(texts(await c.getSecretMap({ key: 'm' })), { a: '1', b: '2' });
  });
});

describe('fake provider: getSecretMap', () => {
  it('splits a JSON object: strings unquoted, other values as JSON text (JSONDataFromSync)', async () => {
    const c = await client({
      data: [{ key: 'j', value: '{"s":"x","n": 1.50 ,"o":{ "a" : 1 },"b":true,"z":null,"d":1,"d":2}' }],
    });
    assert.deepEqual(texts(await c.getSecretMap({ key: 'j' })), {
      s: 'x',
      n: '1.50',
      o: '{ "a" : 1 }',
      b: 'true',
      z: '',
      d: '2',
    });
  });

  it('extracts a nested object first with property (JSONDataFromExtractProperty)', async () => {
    const c = await client({ data: [{ key: 'j', value: '{"db":{"host":"h","port":5432}}' }] });
    assert.deepEqual(texts(await c.getSecretMap({ key: 'j', property: 'db' })), { host: 'h', port: '5432' });
  });

  it('gives an empty map for a JSON null and an error without the value for anything else', async () => {
    const c = await client({
      data: [
        { key: 'null', value: 'null' },
        { key: 'plain', value: 'hunter2-not-json' },
        { key: 'arr', value: '[1]' },
      ],
    });
    assert.deepEqual(await c.getSecretMap({ key: 'null' }), {});
    for (const key of ['plain', 'arr']) {
      await assert.rejects(c.getSecretMap({ key }), (e: unknown) => {
        assert.ok(e instanceof ProviderError);
        assert.match((e as Error).message, /unable to unmarshal secret/);
        assert.doesNotMatch((e as Error).message, /hunter2/);
        return true;
      });
    }
  });

  it('requires the exact version', async () => {
    const c = await client({ data: [{ key: 'j', value: '{"a":"1"}', version: 'v1' }] });
    await assert.rejects(c.getSecretMap({ key: 'j' }), NoSecretError);
    assert.deepEqual(texts(await c.getSecretMap({ key: 'j', version: 'v1' })), { a: '1' });
  });
});

describe('fake provider: one fetch answers getSecretMap', () => {
  it('fetchSecret(ref).secretMap(property) equals getSecretMap, errors included', async () => {
    const c = await client({
      data: [
        { key: 'j', value: '{"s":"x","db":{"host":"h","port":5432},"list":[1],"n":null}' },
        { key: 'plain', value: 'not-json' },
        { key: 'v', value: '{"a":"1"}', version: 'v1' },
      ],
    });
    const outcome = async (run: () => Record<string, Uint8Array> | undefined | Promise<unknown>) => {
      try {
        const map = (await run()) as Record<string, Uint8Array>;
        return { ok: texts(map) };
      } catch (error) {
        return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
      }
    };
    const refs = [{ key: 'j' }, { key: 'plain' }, { key: 'v', version: 'v1' }];
    const properties = [undefined, 'db', 's', 'list', 'n', 'missing', 'db.host'];
    const kinds = new Set<string>();
    for (const ref of refs) {
      const fetched = await c.fetchSecret?.(ref);
      assert.ok(fetched?.secretMap, 'the fake answers extracts from its fetch');
      for (const property of properties) {
        const own = await outcome(() => c.getSecretMap({ ...ref, property }));
        const shared = await outcome(() => fetched.secretMap?.(property));
        assert.deepEqual(shared, own, `${ref.key} property ${property}`);
        kinds.add('ok' in own ? 'map' : (own.error?.split(':')[0] ?? ''));
      }
    }
    assert.deepEqual([...kinds].sort(), ['NoSecretError', 'ProviderError', 'map'], 'maps and both kinds of error');
  });
});

describe('fake provider: getAllSecrets', () => {
  const data: FakeProvider['data'] = [
    { key: 'db-user', value: 'old', version: 'v1' },
    { key: 'db-user', value: 'new', version: 'v2' },
    { key: 'db-pass', value: 'p' },
    { key: 'api/key', value: 'k' },
  ];

  it('finds by name regexp (unanchored, RE2) and the newest version wins (FindByName)', async () => {
    const c = await client({ data });
    assert.deepEqual(texts(await c.getAllSecrets({ name: { regexp: 'db-' } })), { 'db-user': 'new', 'db-pass': 'p' });
    assert.deepEqual(texts(await c.getAllSecrets({ name: { regexp: '^db-user$' } })), { 'db-user': 'new' });
  });

  it('converts names into valid Secret keys with conversionStrategy', async () => {
    const c = await client({ data });
    assert.deepEqual(texts(await c.getAllSecrets({ name: { regexp: '^api' } })), { api_key: 'k' });
    assert.deepEqual(texts(await c.getAllSecrets({ name: { regexp: '^api' }, conversionStrategy: 'Unicode' })), {
      api_U002f_key: 'k',
    });
  });

  it('supports only find.name, and says so', async () => {
    const c = await client({ data });
    await assert.rejects(c.getAllSecrets({ tags: { a: 'b' } }), /only supports find\.name/);
  });

  it('reports an invalid regexp as a configuration error naming it', async () => {
    const c = await client({ data });
    await assert.rejects(c.getAllSecrets({ name: { regexp: 'db-(' } }), (e: unknown) => {
      assert.ok(e instanceof ProviderConfigError);
      assert.match((e as Error).message, /could not compile find\.name\.regexp \[db-\(\]/);
      return true;
    });
  });
});

describe('fake provider: push, delete, exists', () => {
  it('stores pushed values in memory, visible to later clients of the same store', async () => {
    const provider = new FakeSecretsProvider();
    const first = await client({ data: [] }, provider);
    await first.pushSecret(
      { data: { token: Buffer.from('t0k3n') } },
      { secretKey: 'token', remoteRef: { remoteKey: 'r' } },
    );
    assert.equal(await first.secretExists({ remoteKey: 'r' }), true);
    const second = await client({ data: [] }, provider);
    assert.equal(text(await second.getSecret({ key: 'r' })), 't0k3n');
    await second.pushSecret(
      { data: { token: Buffer.from('new') } },
      { secretKey: 'token', remoteRef: { remoteKey: 'r' } },
    );
    assert.equal(text(await first.getSecret({ key: 'r' })), 'new');
  });

  it('refuses to overwrite a key defined in the store spec', async () => {
    const c = await client({ data: [{ key: 'fixed', value: 'v' }] });
    await assert.rejects(
      c.pushSecret({ data: { k: Buffer.from('x') } }, { secretKey: 'k', remoteRef: { remoteKey: 'fixed' } }),
      /key already exists/,
    );
    assert.equal(text(await c.getSecret({ key: 'fixed' })), 'v');
  });

  it('drops store entries removed from the spec but keeps pushed ones', async () => {
    const provider = new FakeSecretsProvider();
    const c1 = await client({ data: [{ key: 'gone', value: 'v' }] }, provider);
    await c1.pushSecret({ data: { k: Buffer.from('p') } }, { secretKey: 'k', remoteRef: { remoteKey: 'pushed' } });
    const c2 = await client({ data: [] }, provider);
    await assert.rejects(c2.getSecret({ key: 'gone' }), NoSecretError);
    assert.equal(text(await c2.getSecret({ key: 'pushed' })), 'p');
  });

  it('keeps stores of the same name in different namespaces apart', async () => {
    const provider = new FakeSecretsProvider();
    const kube = { kubeConfig: new KubeConfig() };
    const a = await provider.newClient({ store: store({ data: [] }, 's', 'a'), namespace: 'a', kube });
    const b = await provider.newClient({ store: store({ data: [] }, 's', 'b'), namespace: 'b', kube });
    await a.pushSecret({ data: { k: Buffer.from('p') } }, { secretKey: 'k', remoteRef: { remoteKey: 'x' } });
    assert.equal(await b.secretExists({ remoteKey: 'x' }), false);
  });

  it('treats delete as a no-op', async () => {
    const c = await client({ data: [{ key: 'k', value: 'v' }] });
    await c.deleteSecret({ remoteKey: 'k' });
    assert.equal(text(await c.getSecret({ key: 'k' })), 'v');
  });
});

describe('fake provider: validation and call counting', () => {
  it('is Ready unless validationResult says otherwise', async () => {
    assert.deepEqual(await (await client({ data: [] })).validate(), { result: 'Ready' });
    assert.deepEqual(await (await client({ data: [], validationResult: 1 })).validate(), {
      result: 'Unknown',
      message: 'unable to validate',
    });
    assert.equal((await (await client({ data: [], validationResult: 2 })).validate()).result, 'Error');
  });

  it("validates the store spec like ESO's webhook", () => {
    const provider = new FakeSecretsProvider();
    const result = provider.validateStore(
      store({
        data: [
          { key: 'a', value: 'v' },
          { key: '', value: 'x' },
          { key: 'b', value: '' },
        ],
      }),
    );
    // ESO stops at the first bad entry (eso-differential-webhook.test.ts checks the message against ESO itself).
    assert.deepEqual(result.errors, ['key must be set in data 1']);
    assert.equal(provider.maintained, false);
  });

  it('counts calls per method and per key', async () => {
    const provider = new FakeSecretsProvider();
    const c = await client({ data: [{ key: 'a', value: '{"x":"1"}' }] }, provider);
    await c.getSecret({ key: 'a' });
    await c.getSecret({ key: 'a', property: 'x' });
    await c.getSecretMap({ key: 'a' });
    await assert.rejects(c.getSecret({ key: 'b' }), NoSecretError);
    assert.equal(provider.calls.count('getSecret'), 3);
    assert.equal(provider.calls.count('getSecret', 'a'), 2);
    assert.equal(provider.calls.count('getSecretMap', 'a'), 1);
    assert.equal(provider.calls.count('newClient'), 1);
    provider.calls.reset();
    assert.equal(provider.calls.count('getSecret'), 0);
  });

  it('can add latency to every read', async () => {
    const provider = new FakeSecretsProvider({ delayMs: 30 });
    const c = await client({ data: [{ key: 'a', value: 'v' }] }, provider);
    const started = Date.now();
    await c.getSecret({ key: 'a' });
    assert.ok(Date.now() - started >= 25);
  });

  it('rejects a store without spec.provider.fake', async () => {
    const provider = new FakeSecretsProvider();
    await assert.rejects(
      provider.newClient({
        store: { kind: 'SecretStore', name: 's', namespace: 'n', spec: { provider: {} } },
        namespace: 'n',
        kube: { kubeConfig: new KubeConfig() },
      }),
      ProviderConfigError,
    );
  });
});
