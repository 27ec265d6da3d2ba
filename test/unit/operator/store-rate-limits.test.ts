import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeClock } from '../../../src/kube/clock.js';
import { ProviderAccess } from '../../../src/operator/externalsecret/provider-access.js';
import { StoreRateLimits, storeRateOf } from '../../../src/operator/externalsecret/store-rate-limits.js';
import type { ResolvedStore } from '../../../src/operator/externalsecret/stores.js';
import { ProviderClientCache } from '../../../src/operator/provider-clients.js';
import { PushClients } from '../../../src/operator/pushsecret/clients.js';
import { defaultProviderRegistry, FakeSecretsProvider, ProviderConfigError } from '../../../src/providers/index.js';

const store = (annotations?: Record<string, string>, name = 's', generation = 1): ResolvedStore => ({
  object: {
    kind: 'SecretStore',
    name,
    namespace: 'ns',
    spec: { provider: { fake: { data: ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, value: key })) } } },
  },
  identity: `SecretStore/ns/${name}/uid/${generation}`,
  resource: { metadata: { name, namespace: 'ns', annotations } },
});

describe('storeRateOf', () => {
  it('takes the store annotations over the operator default; burst defaults to twice the rate', () => {
    assert.deepEqual(storeRateOf(store(), { qps: 0 }), { qps: 0, burst: 1 });
    assert.deepEqual(storeRateOf(store(), { qps: 10, burst: 3 }), { qps: 10, burst: 3 });
    assert.deepEqual(storeRateOf(store({ 'custos.dev/provider-qps': '0.5' }), { qps: 10, burst: 3 }), {
      qps: 0.5,
      burst: 1,
    });
    assert.deepEqual(
      storeRateOf(store({ 'custos.dev/provider-qps': '4', 'custos.dev/provider-burst': '1' }), { qps: 0 }),
      { qps: 4, burst: 1 },
    );
    assert.deepEqual(storeRateOf(store({ 'custos.dev/provider-qps': '0' }), { qps: 10 }).qps, 0, 'a store opts out');
  });
  it('refuses a bad annotation with what to write', () => {
    for (const [name, value] of [
      ['custos.dev/provider-qps', 'fast'],
      ['custos.dev/provider-qps', '-1'],
      ['custos.dev/provider-burst', '0'],
      ['custos.dev/provider-qps', ''],
    ] as const) {
      assert.throws(
        () => storeRateOf(store({ [name]: value }), { qps: 0 }),
        (e: unknown) =>
          e instanceof ProviderConfigError &&
          e.message.startsWith(`annotation ${name} of the store is "${value}": write a number >=`),
      );
    }
  });
});

describe('StoreRateLimits', () => {
  it('lets a burst through, then spaces calls at the rate, per store; a new spec keeps the budget', () => {
    const clock = new FakeClock();
    const limits = new StoreRateLimits({ qps: 2, burst: 2 }, clock);
    const s = store();
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limits.reserve(s)),
      [0, 0, 500, 1000],
    );
    assert.equal(limits.reserve(store(undefined, 'other')), 0, 'another store has its own budget');
    assert.equal(limits.reserve(store(undefined, 's', 2)), 1500, 'a changed spec (generation) is the same store');
    clock.advance(10_000);
    assert.equal(limits.reserve(s), 0, 'refilled after a quiet period');
    assert.equal(new StoreRateLimits().reserve(s), 0, 'unlimited by default');
  });
});

describe('ProviderAccess with a store budget', () => {
  it('starts calls beyond the burst only after their wait, telling how long each waited', async () => {
    const fake = new FakeSecretsProvider();
    const waits: number[] = [];
    const access = new ProviderAccess({
      registry: defaultProviderRegistry({ fake }),
      kube: { kubeConfig: new KubeConfig() },
      rateLimits: new StoreRateLimits({ qps: 50, burst: 2 }),
      onThrottled: (_provider, waitedMs) => waits.push(waitedMs),
    });
    const s = store();
    const reads = ['a', 'b', 'c', 'd', 'e'].map((key) => access.getSecret(s, 'ns', { key }, 60_000));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fake.calls.count('getSecret'), 2, 'the burst went at once, the rest wait');
    assert.deepEqual(waits.length, 3);
    assert.ok(waits[0]! > 0 && waits[0]! < waits[1]! && waits[1]! < waits[2]!, `waits grow: ${waits.join(', ')}`);
    const values = await Promise.all(reads);
    assert.deepEqual(
      values.map((v) => new TextDecoder().decode(v)),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.equal(fake.calls.count('getSecret'), 5);
  });
  it('a bad annotation fails the read with what to fix', async () => {
    const access = new ProviderAccess({
      registry: defaultProviderRegistry({ fake: new FakeSecretsProvider() }),
      kube: { kubeConfig: new KubeConfig() },
      rateLimits: new StoreRateLimits(),
    });
    await assert.rejects(
      access.getSecret(store({ 'custos.dev/provider-qps': 'lots' }), 'ns', { key: 'a' }, 60_000),
      /annotation custos\.dev\/provider-qps of the store is "lots"/,
    );
  });
});

describe('PushClients with a store budget', () => {
  it('PushSecret writes draw on the same budget as reads', async () => {
    const fake = new FakeSecretsProvider();
    // A clock that stands still: the burst cannot refill however slow this machine is.
    const limits = new StoreRateLimits({ qps: 4, burst: 2 }, new FakeClock());
    const waits: number[] = [];
    // One client cache for reads and pushes, as the operator has (ControllerContext.providerClients).
    const registry = defaultProviderRegistry({ fake });
    const clients = new ProviderClientCache({
      registry,
      kube: { kubeConfig: new KubeConfig() },
      rateLimits: limits,
      onThrottled: (_provider, waitedMs) => waits.push(waitedMs),
    });
    const access = new ProviderAccess({ registry, kube: { kubeConfig: new KubeConfig() }, clients });
    const pushes = new PushClients(clients);
    const s = store();
    await Promise.all([
      access.getSecret(s, 'ns', { key: 'a' }, 60_000),
      access.getSecret(s, 'ns', { key: 'b' }, 60_000),
    ]);
    const source = { data: { v: new TextEncoder().encode('x') } };
    const pushed = pushes.push(s, 'ns', source, { secretKey: 'v', remoteRef: { remoteKey: 'out' } });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fake.calls.count('pushSecret'), 0, 'the reads used the burst: the push waits');
    assert.equal(waits.length, 1);
    await pushed;
    assert.equal(fake.calls.count('pushSecret'), 1);
    await clients.close();
  });
});
