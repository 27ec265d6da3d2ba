// Coalesced provider reads, checked against the fake provider's call log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ProviderAccess } from '../../../src/operator/externalsecret/provider-access.js';
import { coalesceAgeMs } from '../../../src/operator/externalsecret/reconciler.js';
import type { ResolvedStore } from '../../../src/operator/externalsecret/stores.js';
import { defaultProviderRegistry, FakeSecretsProvider, NoSecretError } from '../../../src/providers/index.js';

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
  it('does not keep errors: the next read asks the provider again', async () => {
    const now = { t: 0 };
    const { fake, access, store, calls } = setup(now);
    const s = store('v');
    await assert.rejects(access.getSecret(s, 'ns', { key: 'missing' }, 60_000), NoSecretError);
    await assert.rejects(access.getSecret(s, 'ns', { key: 'missing' }, 60_000), NoSecretError);
    assert.equal(fake.calls.count('getSecret'), 2);
    assert.deepEqual(calls, ['GetSecret:error', 'GetSecret:error']);
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
