// Which stores share one provider client between namespaces, how long a failed client build is shared, and how a
// call waits for its store's budget, is counted, and can drop a client that stopped working.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { StoreRateLimits } from '../../../src/operator/externalsecret/store-rate-limits.js';
import type { ResolvedStore } from '../../../src/operator/externalsecret/stores.js';
import { ProviderClientCache, sharesAcrossNamespaces } from '../../../src/operator/provider-clients.js';
import {
  type NewClientOptions,
  type Provider,
  ProviderConfigError,
  ProviderRegistry,
  type SecretsClient,
  type StoreObject,
} from '../../../src/providers/index.js';

const cluster = (provider: Record<string, unknown>): StoreObject => ({
  kind: 'ClusterSecretStore',
  name: 'shared',
  spec: { provider } as StoreObject['spec'],
});

const ref = (namespace?: string) => ({ name: 'creds', key: 'token', ...(namespace ? { namespace } : {}) });

describe('sharesAcrossNamespaces', () => {
  const cases: [string, StoreObject, boolean][] = [
    ['fake ClusterSecretStore', cluster({ fake: { data: [] } }), true],
    [
      'fake SecretStore',
      { kind: 'SecretStore', name: 's', namespace: 'a', spec: { provider: { fake: { data: [] } } } },
      false,
    ],
    ['kubernetes without auth', cluster({ kubernetes: { remoteNamespace: 'x' } }), true],
    [
      'kubernetes token with namespace',
      cluster({ kubernetes: { auth: { token: { bearerToken: ref('ops') } } } }),
      true,
    ],
    ['kubernetes referent token', cluster({ kubernetes: { auth: { token: { bearerToken: ref() } } } }), false],
    [
      'kubernetes referent serviceAccount',
      cluster({ kubernetes: { auth: { serviceAccount: { name: 'sa' } } } }),
      false,
    ],
    [
      'kubernetes serviceAccount with namespace',
      cluster({ kubernetes: { auth: { serviceAccount: { name: 'sa', namespace: 'ops' } } } }),
      true,
    ],
    [
      'kubernetes referent cert key',
      cluster({ kubernetes: { auth: { cert: { clientCert: ref('ops'), clientKey: ref() } } } }),
      false,
    ],
    ['kubernetes authRef without namespace', cluster({ kubernetes: { authRef: ref() } }), false],
    ['kubernetes authRef with namespace', cluster({ kubernetes: { authRef: ref('ops') } }), true],
    [
      'kubernetes caProvider without namespace',
      cluster({ kubernetes: { server: { caProvider: { type: 'Secret', name: 'ca', key: 'ca' } } } }),
      false,
    ],
    [
      'akeyless secretRef with namespaces',
      cluster({
        akeyless: { akeylessGWApiURL: 'https://a', authSecretRef: { secretRef: { accessID: ref('ops') } } },
      }),
      true,
    ],
    [
      'akeyless referent secretRef',
      cluster({ akeyless: { akeylessGWApiURL: 'https://a', authSecretRef: { secretRef: { accessID: ref() } } } }),
      false,
    ],
    [
      'akeyless referent kubernetesAuth serviceAccount',
      cluster({
        akeyless: {
          akeylessGWApiURL: 'https://a',
          authSecretRef: { kubernetesAuth: { accessID: 'p', k8sConfName: 'c', serviceAccountRef: { name: 'sa' } } },
        },
      }),
      false,
    ],
    [
      'akeyless kubernetesAuth with the operator token',
      cluster({
        akeyless: {
          akeylessGWApiURL: 'https://a',
          authSecretRef: { kubernetesAuth: { accessID: 'p', k8sConfName: 'c' } },
        },
      }),
      true,
    ],
    [
      'custos apiKeyRef with namespaces',
      cluster({
        custos: { gatewayURL: 'https://g', auth: { apiKeyRef: { accessId: ref('o'), accessKey: ref('o') } } },
      }),
      true,
    ],
    [
      'custos referent apiKeyRef',
      cluster({ custos: { gatewayURL: 'https://g', auth: { apiKeyRef: { accessId: ref('o'), accessKey: ref() } } } }),
      false,
    ],
    [
      'custos referent serviceAccountRef',
      cluster({
        custos: { gatewayURL: 'https://g', auth: { kubernetes: { accessId: 'p', serviceAccountRef: { name: 'sa' } } } },
      }),
      false,
    ],
    [
      'custos with the operator token',
      cluster({ custos: { gatewayURL: 'https://g', auth: { kubernetes: { accessId: 'p' } } } }),
      true,
    ],
    [
      'onepassword token with namespace',
      cluster({
        onepassword: {
          connectHost: 'http://c',
          vaults: { v: 1 },
          auth: { secretRef: { connectTokenSecretRef: ref('o') } },
        },
      }),
      true,
    ],
    [
      'onepassword token without namespace',
      cluster({
        onepassword: {
          connectHost: 'http://c',
          vaults: { v: 1 },
          auth: { secretRef: { connectTokenSecretRef: ref() } },
        },
      }),
      false,
    ],
    // Templates may use .remoteRef.namespace: the answer can differ per namespace.
    ['webhook', cluster({ webhook: { url: 'https://h/{{ .remoteRef.key }}', result: {} } }), false],
    ['a provider Custos does not implement', cluster({ aws: {} }), false],
    ['two providers', cluster({ fake: { data: [] }, kubernetes: {} }), false],
    ['no provider', cluster({}), false],
  ];
  for (const [name, store, expected] of cases) {
    it(`${expected ? 'shares' : 'keeps the namespace for'} ${name}`, () => {
      assert.equal(sharesAcrossNamespaces(store), expected);
    });
  }
});

/** A provider under a real key that counts client builds and can fail them. */
function stubProvider(key: string, fail?: () => Error) {
  const built: string[] = [];
  const closed: string[] = [];
  const provider: Provider = {
    key,
    capabilities: 'ReadOnly',
    maintained: true,
    async newClient({ namespace }: NewClientOptions): Promise<SecretsClient> {
      built.push(namespace);
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw fail();
      return {
        close: async () => {
          closed.push(namespace);
        },
      } as unknown as SecretsClient;
    },
    validateStore: () => ({ errors: [], warnings: [] }),
  };
  return { provider, built, closed };
}

function cache(provider: Provider, now: { t: number }, failureTtlMs?: number) {
  return new ProviderClientCache({
    registry: new ProviderRegistry([provider]),
    kube: { kubeConfig: new KubeConfig() },
    failureTtlMs,
    now: () => now.t,
  });
}

const resolved = (object: StoreObject): ResolvedStore => ({ object, identity: `${object.kind}/x/uid/1`, resource: {} });

describe('ProviderClientCache', () => {
  it('builds one client for all namespaces of a non-referent ClusterSecretStore', async () => {
    const { provider, built } = stubProvider('kubernetes');
    const clients = cache(provider, { t: 0 });
    const store = resolved(cluster({ kubernetes: { auth: { token: { bearerToken: ref('ops') } } } }));
    await Promise.all(['a', 'b', 'c'].map((ns) => clients.get(store, ns)));
    assert.equal(built.length, 1);
  });

  it('builds one client per namespace of a referent ClusterSecretStore', async () => {
    const { provider, built } = stubProvider('kubernetes');
    const clients = cache(provider, { t: 0 });
    const store = resolved(cluster({ kubernetes: { auth: { token: { bearerToken: ref() } } } }));
    await Promise.all(['a', 'b', 'a'].map((ns) => clients.get(store, ns)));
    assert.deepEqual(built.sort(), ['a', 'b']);
  });

  it('answers callers with the same build failure for a few seconds, then tries again', async () => {
    const now = { t: 1_000 };
    let attempt = 0;
    const { provider, built } = stubProvider(
      'onepassword',
      () => new ProviderConfigError(`login refused (attempt ${++attempt})`),
    );
    const clients = cache(provider, now);
    const store = resolved({
      kind: 'SecretStore',
      name: 's',
      namespace: 'a',
      spec: { provider: { onepassword: {} } } as never,
    });
    const concurrent = await Promise.allSettled(Array.from({ length: 10 }, () => clients.get(store, 'a')));
    assert.equal(built.length, 1);
    for (const result of concurrent) {
      assert.equal(result.status, 'rejected');
      assert.equal((result as PromiseRejectedResult).reason.message, 'login refused (attempt 1)');
    }
    // Retries of the readers a moment later (their own backoff) still get the same error without a new login.
    now.t += 4_000;
    for (let i = 0; i < 10; i++) {
      await assert.rejects(clients.get(store, 'a'), {
        name: 'ProviderConfigError',
        message: 'login refused (attempt 1)',
      });
    }
    assert.equal(built.length, 1);
    now.t += 1_001;
    await assert.rejects(clients.get(store, 'a'), { message: 'login refused (attempt 2)' });
    assert.equal(built.length, 2);
  });

  it('failureTtlMs 0 shares a failure only while the client is being built', async () => {
    const { provider, built } = stubProvider('fake', () => new Error('broken'));
    const clients = cache(provider, { t: 0 }, 0);
    const store = resolved(cluster({ fake: { data: [] } }));
    await Promise.allSettled([clients.get(store, 'a'), clients.get(store, 'b')]);
    assert.equal(built.length, 1);
    await assert.rejects(clients.get(store, 'a'), /broken/);
    assert.equal(built.length, 2);
  });

  it('replaces a working client only after ttlMs', async () => {
    const now = { t: 0 };
    const { provider, built } = stubProvider('fake');
    const clients = cache(provider, now);
    const store = resolved(cluster({ fake: { data: [] } }));
    await clients.get(store, 'a');
    now.t = 299_999;
    await clients.get(store, 'b');
    assert.equal(built.length, 1);
    now.t = 300_000;
    await clients.get(store, 'a');
    assert.equal(built.length, 2);
  });

  it('call waits for the store budget, then counts one call per client method (or the provider counts its own)', async () => {
    const { provider } = stubProvider('fake');
    const counted: string[] = [];
    const throttled: number[] = [];
    const clients = new ProviderClientCache({
      registry: new ProviderRegistry([provider, { ...stubProvider('kubernetes').provider, countsApiCalls: true }]),
      kube: { kubeConfig: new KubeConfig() },
      rateLimits: new StoreRateLimits({ qps: 20, burst: 1 }),
      onThrottled: (_provider, waitedMs) => throttled.push(waitedMs),
      onCall: (p, call, status) => counted.push(`${p} ${call} ${status}`),
    });
    const store = resolved(cluster({ fake: { data: [] } }));
    assert.equal(await clients.call(store, 'a', 'GetSecret', async () => 'v'), 'v');
    await assert.rejects(
      clients.call(store, 'a', 'GetSecret', async () => {
        throw new Error('not found');
      }),
      /not found/,
    );
    assert.equal(throttled.length, 1, 'the second call waited for the budget (20 a second, burst 1)');
    assert.ok((throttled[0] ?? 0) > 0 && (throttled[0] ?? 0) <= 50, `waited ${throttled[0]} ms`);
    assert.deepEqual(counted, ['fake GetSecret success', 'fake GetSecret error']);
    const own = resolved(cluster({ kubernetes: { auth: { token: { bearerToken: ref('ops') } } } }));
    await clients.call(own, 'a', 'GetSecret', async () => 'v');
    assert.equal(counted.length, 2, 'a provider that counts its own API calls is not counted again');
  });

  it('hasWorking tells whether a built client is cached; forget drops it so the next call builds anew', async () => {
    const now = { t: 0 };
    const { provider, built } = stubProvider('fake');
    const clients = cache(provider, now);
    const store = resolved(cluster({ fake: { data: [] } }));
    assert.equal(await clients.hasWorking(store, 'a'), false);
    await clients.acquire(store, 'a');
    assert.equal(await clients.hasWorking(store, 'a'), true);
    clients.forget(store, 'a');
    assert.equal(await clients.hasWorking(store, 'a'), false);
    await clients.acquire(store, 'a');
    assert.equal(built.length, 2);
    now.t = 300_000;
    assert.equal(await clients.hasWorking(store, 'a'), false, 'an expired client does not count');
    const { provider: failing } = stubProvider('fake', () => new Error('refused'));
    const failingClients = cache(failing, now);
    await assert.rejects(failingClients.acquire(store, 'a'), /refused/);
    assert.equal(await failingClients.hasWorking(store, 'a'), false, 'a failed build does not count');
  });

  it('closes the clients of stores nobody asks for any more (changed or deleted) once they expire', async () => {
    const now = { t: 0 };
    const { provider, built, closed } = stubProvider('fake');
    const clients = cache(provider, now);
    const generation = (n: number): ResolvedStore => ({
      object: cluster({ fake: { data: [] } }),
      identity: `ClusterSecretStore//shared/uid/${n}`,
      resource: {},
    });
    await clients.get(generation(1), 'a');
    now.t = 200_000;
    await clients.get(generation(2), 'a'); // the store's spec changed: generation 1 is never asked for again
    assert.deepEqual(closed, []);
    now.t = 300_001;
    await clients.get(generation(2), 'a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed.length, 1, 'the generation-1 client is closed');
    assert.equal(built.length, 2, 'the live generation keeps its client');
  });
});
