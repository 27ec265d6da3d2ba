// Coalesced provider reads, checked against the fake provider's call log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ProviderAccess, type ProviderAccessOptions } from '../../../src/operator/externalsecret/provider-access.js';
import { coalesceAgeMs } from '../../../src/operator/externalsecret/reconciler.js';
import type { ResolvedStore } from '../../../src/operator/externalsecret/stores.js';
import {
  defaultProviderRegistry,
  FakeSecretsProvider,
  MissingSecretError,
  NoSecretError,
  type Provider,
  ProviderConfigError,
  ProviderRegistry,
  type SecretsClient,
  type StoreObject,
} from '../../../src/providers/index.js';

function setup(now: { t: number }, coalesceWindowMs?: number) {
  const fake = new FakeSecretsProvider();
  const calls: string[] = [];
  let coalesced = 0;
  const access = new ProviderAccess({
    registry: defaultProviderRegistry({ fake }),
    kube: { kubeConfig: new KubeConfig() },
    coalesceWindowMs,
    now: () => now.t,
    onCall: (_p, call, status) => calls.push(`${call}:${status}`),
    onCoalesced: () => coalesced++,
  });
  const store = (value: string, generation = 1): ResolvedStore => ({
    object: {
      kind: 'SecretStore',
      name: 's',
      namespace: 'ns',
      spec: { provider: { fake: { data: [{ key: 'k', value }] } } },
    },
    identity: `SecretStore/ns/s/uid/${generation}`,
    resource: {},
  });
  return { fake, access, calls, store, coalesced: () => coalesced };
}

/** A SecretStore "s" in "ns" of the fake provider with these entries. */
function fakeStoreWith(data: Array<{ key: string; value: string; version?: string }>): ResolvedStore {
  return {
    object: { kind: 'SecretStore', name: 's', namespace: 'ns', spec: { provider: { fake: { data } } } },
    identity: 'SecretStore/ns/s/uid/1',
    resource: {},
  };
}

/**
 * ProviderAccess over a provider keyed `fake` whose clients fetch whole secrets with these methods (fetchSecret,
 * and getSecretMap where a test needs it), for shapes the fake provider cannot take (files, misses, changing values).
 */
function accessWithClient(client: Partial<SecretsClient>, options: Partial<ProviderAccessOptions> = {}) {
  const provider: Provider = {
    key: 'fake',
    capabilities: 'ReadOnly',
    maintained: true,
    fetchesWholeSecrets: true,
    async newClient() {
      return { close: async () => {}, ...client } as SecretsClient;
    },
    validateStore: () => ({ errors: [], warnings: [] }),
  };
  return new ProviderAccess({
    registry: new ProviderRegistry([provider]),
    kube: { kubeConfig: new KubeConfig() },
    ...options,
  });
}

describe('ProviderAccess', () => {
  it('shares one provider call between concurrent and recent identical reads', async () => {
    const now = { t: 0 };
    const { fake, access, store, coalesced } = setup(now);
    const s = store('v');
    const results = await Promise.all([1, 2, 3].map(() => access.getSecret(s, 'ns', { key: 'k' }, 60_000)));
    assert.deepEqual(
      results.map((r) => new TextDecoder().decode(r)),
      ['v', 'v', 'v'],
    );
    now.t = 30_000;
    await access.getSecret(s, 'ns', { key: 'k' }, 60_000);
    assert.equal(fake.calls.count('getSecret'), 1);
    assert.equal(coalesced(), 3);
  });
  it('reads again once the result is older than the caller accepts', async () => {
    const now = { t: 0 };
    const { fake, access, store } = setup(now);
    const s = store('v');
    await access.getSecret(s, 'ns', { key: 'k' }, 10_000);
    now.t = 10_001;
    await access.getSecret(s, 'ns', { key: 'k' }, 10_000);
    await access.getSecret(s, 'ns', { key: 'k' }, 0);
    assert.equal(fake.calls.count('getSecret'), 3);
  });
  it('a store change (new identity) never sees the old value', async () => {
    const now = { t: 0 };
    const { access, store } = setup(now);
    await access.getSecret(store('old', 1), 'ns', { key: 'k' }, 60_000);
    const fresh = await access.getSecret(store('new', 2), 'ns', { key: 'k' }, 60_000);
    assert.equal(new TextDecoder().decode(fresh), 'new');
  });
  it('shares a failure for 5 s with other readers, never twice with one, never with a fresh read', async () => {
    const now = { t: 0 };
    const { fake, access, store, calls } = setup(now);
    const s = store('v');
    const read = (reader: string | undefined, maxAgeMs = 60_000, at = s) =>
      assert.rejects(access.getSecret(at, 'ns', { key: 'missing' }, maxAgeMs, reader), NoSecretError);
    await read('ns/a');
    now.t = 4_000; // the retries of other ExternalSecrets reading the same missing key
    await read('ns/b');
    await read('ns/c');
    assert.equal(fake.calls.count('getSecret'), 1);
    await read('ns/a'); // a's own retry asks again, and b and c may share that answer
    assert.equal(fake.calls.count('getSecret'), 2);
    await read('ns/d', 0); // a user change reads fresh
    await read(undefined); // a caller without a name: failures shared only in flight
    assert.equal(fake.calls.count('getSecret'), 4);
    await read('ns/e');
    now.t = 9_001;
    await read('ns/f');
    assert.equal(fake.calls.count('getSecret'), 5);
    await read('ns/g', 60_000, store('v', 2)); // a changed store is another client
    assert.equal(fake.calls.count('getSecret'), 6);
    assert.ok(calls.every((c) => c === 'GetSecret:error'));
  });

  it('properties of one remote secret share one fetch; each caller gets its own property or its own error', async () => {
    const now = { t: 0 };
    const { fake, access, calls } = setup(now);
    const login = fakeStoreWith([
      { key: 'db', value: '{"user":"app","password":"pw-1"}' },
      { key: 'db', value: '{"user":"old"}', version: 'v1' },
    ]);
    const read = (ref: { key: string; property?: string; version?: string }) =>
      access.getSecret(login, 'ns', ref, 60_000).then((v) => new TextDecoder().decode(v));
    const [user, password, whole, missing] = await Promise.allSettled([
      read({ key: 'db', property: 'user' }),
      read({ key: 'db', property: 'password' }),
      read({ key: 'db' }),
      read({ key: 'db', property: 'port' }),
    ]);
    assert.deepEqual(
      [user, password, whole].map((r) => (r.status === 'fulfilled' ? r.value : r.reason)),
      ['app', 'pw-1', '{"user":"app","password":"pw-1"}'],
    );
    assert.equal(missing.status, 'rejected');
    assert.ok(
      (missing as PromiseRejectedResult).reason instanceof NoSecretError,
      'a missing property is NoSecretError',
    );
    assert.equal(fake.calls.count('getSecret', 'db'), 1, 'one fetch for four properties');
    assert.deepEqual(calls, ['GetSecret:success']);
    // Another version is another remote secret: its own fetch.
    assert.equal(await read({ key: 'db', property: 'user', version: 'v1' }), 'old');
    assert.equal(fake.calls.count('getSecret', 'db'), 2);
  });

  it('a property the fetch lacks (a file) costs one call more, shared by its readers, counted like any call', async () => {
    const log: string[] = [];
    const calls: string[] = [];
    const access = accessWithClient(
      {
        async fetchSecret(ref) {
          log.push(`fetch ${ref.key}`);
          return {
            pick: (property) => new TextEncoder().encode(`field ${property}`),
            load: (property) =>
              property?.startsWith('file/')
                ? async () => {
                    log.push(`load ${property}`);
                    return new TextEncoder().encode(`content of ${property}`);
                  }
                : undefined,
          };
        },
      },
      { onCall: (_p, call, status) => calls.push(`${call}:${status}`) },
    );
    const store = fakeStoreWith([]);
    const read = (property: string) =>
      access.getSecret(store, 'ns', { key: 'item', property }, 60_000).then((v) => new TextDecoder().decode(v));
    const values = await Promise.all(['user', 'password', 'file/ca.crt', 'file/ca.crt', 'file/tls.key'].map(read));
    assert.deepEqual(values, [
      'field user',
      'field password',
      'content of file/ca.crt',
      'content of file/ca.crt',
      'content of file/tls.key',
    ]);
    assert.deepEqual(log.sort(), ['fetch item', 'load file/ca.crt', 'load file/tls.key']);
    assert.deepEqual(calls, ['GetSecret:success', 'GetSecret:success', 'GetSecret:success']);
  });

  it('an extract and the data[] entries reading one remote secret share one fetch', async () => {
    const now = { t: 0 };
    const { fake, access, calls } = setup(now);
    const db = fakeStoreWith([{ key: 'db', value: '{"user":"app","password":"pw-1","tls":{"mode":"verify"}}' }]);
    const text = (v: Uint8Array) => new TextDecoder().decode(v);
    const texts = (m: Record<string, Uint8Array>) =>
      Object.fromEntries(Object.entries(m).map(([k, v]) => [k, text(v)]));
    const [whole, tls, user] = await Promise.all([
      access.getSecretMap(db, 'ns', { key: 'db' }, 60_000),
      access.getSecretMap(db, 'ns', { key: 'db', property: 'tls' }, 60_000),
      access.getSecret(db, 'ns', { key: 'db', property: 'user' }, 60_000),
    ]);
    assert.deepEqual(texts(whole), { user: 'app', password: 'pw-1', tls: '{"mode":"verify"}' });
    assert.deepEqual(texts(tls), { mode: 'verify' });
    assert.equal(text(user), 'app');
    assert.equal(fake.calls.count('getSecret', 'db'), 1, 'one fetch for all three');
    assert.equal(fake.calls.count('getSecretMap'), 0);
    assert.deepEqual(calls, ['GetSecret:success']);
    // Errors are getSecretMap's own: a value that is not an object, a missing secret (NoSecretError).
    await assert.rejects(access.getSecretMap(db, 'ns', { key: 'db', property: 'user' }, 60_000), /unmarshal|object/);
    await assert.rejects(access.getSecretMap(db, 'ns', { key: 'gone' }, 60_000), NoSecretError);
  });

  it("an extract gets getSecretMap's own error for a miss, and its own call where the fetch lacks the map", async () => {
    const log: string[] = [];
    const access = accessWithClient({
      async fetchSecret(ref) {
        log.push(`fetch ${ref.key}`);
        if (ref.key === 'missing') {
          // As the kubernetes provider: data[] fails, extract is NoSecretError.
          throw new MissingSecretError('secrets "missing" not found', new NoSecretError('"missing" not found'));
        }
        return {
          pick: () => new TextEncoder().encode('v'),
          secretMap: (property) =>
            ref.key === 'document' ? undefined : { [property ?? 'all']: new TextEncoder().encode('v') },
        };
      },
      async getSecretMap(ref) {
        log.push(`getSecretMap ${ref.key}`);
        return { file: new TextEncoder().encode('file content') };
      },
    });
    const store = fakeStoreWith([]);
    await assert.rejects(access.getSecretMap(store, 'ns', { key: 'missing' }, 60_000), NoSecretError);
    await assert.rejects(access.getSecret(store, 'ns', { key: 'missing' }, 60_000), (e: unknown) => {
      assert.ok(!(e instanceof NoSecretError), 'data[] of a missing Secret fails instead of being skipped');
      assert.match((e as Error).message, /secrets "missing" not found/);
      return true;
    });
    const map = await access.getSecretMap(store, 'ns', { key: 'document' }, 60_000);
    assert.deepEqual(Object.keys(map), ['file']);
    // (A settled failure is not shared with a caller that names no reader: the data[] read fetched again.)
    assert.deepEqual(log, ['fetch missing', 'fetch missing', 'fetch document', 'getSecretMap document']);
  });

  it('a reader whose property or extract failed on a shared fetch reads fresh on its retry; others keep sharing', async () => {
    let value = '{"user":"app"}'; // no password yet, and not what an extract of "plain" needs either
    let fetches = 0;
    const now = { t: 0 };
    const access = accessWithClient(
      {
        async fetchSecret(ref) {
          fetches++;
          const body = ref.key === 'plain' ? (value.includes('password') ? value : 'not json') : value;
          const parsed = (() => {
            try {
              return JSON.parse(body) as Record<string, string>;
            } catch {
              return undefined;
            }
          })();
          return {
            pick: (property) => {
              const v = property ? parsed?.[property] : body;
              if (v === undefined) throw new NoSecretError(`no property ${property}`);
              return new TextEncoder().encode(v);
            },
            secretMap: () => {
              if (!parsed) throw new ProviderConfigError('the value is not a JSON object');
              return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, new TextEncoder().encode(v)]));
            },
          };
        },
      },
      { now: () => now.t },
    );
    const store = fakeStoreWith([]);
    const password = (reader: string) =>
      access.getSecret(store, 'ns', { key: 'db', property: 'password' }, 60_000, reader);
    await assert.rejects(password('ns/a'), NoSecretError);
    assert.equal(fetches, 1);
    value = '{"user":"app","password":"pw"}'; // fixed at the provider
    now.t = 5_000;
    const user = await access.getSecret(store, 'ns', { key: 'db', property: 'user' }, 60_000, 'ns/b');
    assert.equal(new TextDecoder().decode(user), 'app');
    assert.equal(fetches, 1, 'another reader still shares the fetch');
    assert.equal(new TextDecoder().decode(await password('ns/a')), 'pw', "ns/a's retry reads fresh");
    assert.equal(fetches, 2);

    // The same for an extract whose value was not a JSON object.
    value = 'broken';
    now.t = 100_000;
    await assert.rejects(access.getSecretMap(store, 'ns', { key: 'plain' }, 60_000, 'ns/c'), /not a JSON object/);
    assert.equal(fetches, 3);
    value = '{"password":"pw-2"}';
    now.t = 101_000;
    const map = await access.getSecretMap(store, 'ns', { key: 'plain' }, 60_000, 'ns/c');
    assert.deepEqual(Object.keys(map), ['password']);
    assert.equal(fetches, 4);
  });

  it('coalesceWindowMs 0 disables sharing of finished reads', async () => {
    const now = { t: 0 };
    const { fake, access, store } = setup(now, 0);
    const s = store('v');
    await access.getSecret(s, 'ns', { key: 'k' }, 60_000);
    await access.getSecret(s, 'ns', { key: 'k' }, 60_000);
    assert.equal(fake.calls.count('getSecret'), 2);
  });
});

/** A `kubernetes` provider whose clients answer with the namespace they were built for, counting every call. */
function namespaceEcho(options: { failLogin?: boolean } = {}) {
  const calls = { newClient: 0, getSecret: 0 };
  const provider: Provider = {
    key: 'kubernetes',
    capabilities: 'ReadOnly',
    maintained: true,
    async newClient({ namespace }) {
      calls.newClient++;
      await new Promise((resolve) => setImmediate(resolve));
      if (options.failLogin) throw new ProviderConfigError('login refused: bad token');
      return {
        async getSecret() {
          calls.getSecret++;
          return new TextEncoder().encode(namespace);
        },
        close: async () => {},
      } as unknown as SecretsClient;
    },
    validateStore: () => ({ errors: [], warnings: [] }),
  };
  return { provider, calls };
}

function clusterStore(spec: StoreObject['spec']): ResolvedStore {
  return {
    object: { kind: 'ClusterSecretStore', name: 'shared', spec },
    identity: 'ClusterSecretStore//shared/uid/1',
    resource: {},
  };
}

describe('ProviderAccess across namespaces', () => {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it('one read serves every namespace of a ClusterSecretStore whose credentials do not depend on it', async () => {
    const now = { t: 0 };
    const { fake, access } = setup(now);
    const store = clusterStore({ provider: { fake: { data: [{ key: 'k', value: 'v' }] } } });
    const namespaces = Array.from({ length: 50 }, (_, i) => `tenant-${i}`);
    const values = await Promise.all(namespaces.map((ns) => access.getSecret(store, ns, { key: 'k' }, 60_000)));
    assert.deepEqual(new Set(values.map(text)), new Set(['v']));
    now.t = 30_000;
    await access.getSecret(store, 'late', { key: 'k' }, 60_000);
    assert.equal(fake.calls.count('getSecret'), 1);
    assert.equal(fake.calls.count('newClient'), 1);
  });

  it('two namespaces, non-referent kubernetes ClusterSecretStore: one client, one read', async () => {
    const { provider, calls } = namespaceEcho();
    const access = new ProviderAccess({
      registry: new ProviderRegistry([provider]),
      kube: { kubeConfig: new KubeConfig() },
    });
    const store = clusterStore({
      provider: { kubernetes: { auth: { token: { bearerToken: { name: 't', key: 'token', namespace: 'ops' } } } } },
    });
    await access.getSecret(store, 'a', { key: 'k' }, 60_000);
    await access.getSecret(store, 'b', { key: 'k' }, 60_000);
    assert.deepEqual(calls, { newClient: 1, getSecret: 1 });
  });

  it('two namespaces, referent ClusterSecretStore: a client and a read per namespace, answers not mixed', async () => {
    const { provider, calls } = namespaceEcho();
    const access = new ProviderAccess({
      registry: new ProviderRegistry([provider]),
      kube: { kubeConfig: new KubeConfig() },
    });
    // bearerToken without a namespace: read in the namespace of each ExternalSecret.
    const store = clusterStore({
      provider: { kubernetes: { auth: { token: { bearerToken: { name: 't', key: 'token' } } } } },
    });
    const [a, b] = await Promise.all(['a', 'b'].map((ns) => access.getSecret(store, ns, { key: 'k' }, 60_000)));
    assert.deepEqual([text(a as Uint8Array), text(b as Uint8Array)], ['a', 'b']);
    assert.equal(text(await access.getSecret(store, 'b', { key: 'k' }, 60_000)), 'b');
    assert.deepEqual(calls, { newClient: 2, getSecret: 2 });
  });

  it('a SecretStore in each namespace: a read per namespace', async () => {
    const { fake, access } = setup({ t: 0 });
    const store = (ns: string): ResolvedStore => ({
      object: {
        kind: 'SecretStore',
        name: 's',
        namespace: ns,
        spec: { provider: { fake: { data: [{ key: 'k', value: ns }] } } },
      },
      identity: `SecretStore/${ns}/s/uid-${ns}/1`,
      resource: {},
    });
    assert.equal(text(await access.getSecret(store('a'), 'a', { key: 'k' }, 60_000)), 'a');
    assert.equal(text(await access.getSecret(store('b'), 'b', { key: 'k' }, 60_000)), 'b');
    assert.equal(fake.calls.count('getSecret'), 2);
  });

  it('forget() of a shared store drops the read for every namespace', async () => {
    const { fake, access } = setup({ t: 0 });
    const store = clusterStore({ provider: { fake: { data: [{ key: 'k', value: 'v' }] } } });
    await access.getSecret(store, 'a', { key: 'k' }, 60_000);
    access.forget(store, 'b');
    await access.getSecret(store, 'a', { key: 'k' }, 60_000);
    assert.equal(fake.calls.count('getSecret'), 2);
  });

  it('a failed login is shared by the readers of a few seconds, then tried again', async () => {
    const now = { t: 0 };
    const { provider, calls } = namespaceEcho({ failLogin: true });
    const access = new ProviderAccess({
      registry: new ProviderRegistry([provider]),
      kube: { kubeConfig: new KubeConfig() },
      now: () => now.t,
    });
    const store = clusterStore({ provider: { kubernetes: {} } });
    // Ten ExternalSecrets reading different keys, then each retrying a moment later.
    const first = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => access.getSecret(store, `ns-${i}`, { key: `k${i}` }, 60_000)),
    );
    assert.ok(first.every((r) => r.status === 'rejected' && r.reason.message === 'login refused: bad token'));
    now.t = 2_000;
    for (let i = 0; i < 10; i++) {
      await assert.rejects(access.getSecret(store, `ns-${i}`, { key: `k${i}` }, 60_000), {
        message: 'login refused: bad token',
      });
    }
    assert.equal(calls.newClient, 1);
    now.t = 7_000;
    await assert.rejects(access.getSecret(store, 'ns-0', { key: 'k0' }, 60_000), /login refused/);
    assert.equal(calls.newClient, 2);
  });
});

describe('coalesceAgeMs', () => {
  const es = (spec: Record<string, unknown>) =>
    ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: {}, spec }) as never;
  it('is half the refresh interval, capped by the window', () => {
    assert.equal(coalesceAgeMs(es({ refreshInterval: '10s' }), 300_000), 5_000);
    assert.equal(coalesceAgeMs(es({ refreshInterval: '1h' }), 300_000), 300_000);
  });
  it('is 0 (in-flight sharing only) for interval 0, OnChange and CreatedOnce', () => {
    assert.equal(coalesceAgeMs(es({ refreshInterval: '0s' }), 300_000), 0);
    assert.equal(coalesceAgeMs(es({ refreshPolicy: 'OnChange' }), 300_000), 0);
    assert.equal(coalesceAgeMs(es({ refreshPolicy: 'CreatedOnce' }), 300_000), 0);
  });
});
