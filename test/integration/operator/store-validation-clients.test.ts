// Store validation on the real control plane shares the provider client that ExternalSecret reads use (ESO builds a
// new client -- for most providers a new login -- on every validation, every 5 minutes per store; users count those
// logins against provider limits). What a user notices: the provider sees one client per store, a store whose
// credentials were rotated stays Ready, and a store that does not validate costs no more than before.
//
// Stores here revalidate every second (`spec.refreshInterval: 1`), so a few seconds cover several validations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import type { NewClientOptions, SecretsClient } from '../../../src/providers/contract.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../../src/providers/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  eventsOf,
  getExternalSecret,
  type Harness,
  harness,
  readyOf,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

/**
 * The fake provider with credentials that can be rotated: a client validates only while the credentials it was
 * built with are current, as a client holding a revoked token would. Counts client builds and validations per store.
 */
class RotatingCredentialsProvider extends FakeSecretsProvider {
  credentials = 1;
  readonly builds = new Map<string, number>();
  readonly validations = new Map<string, number>();

  override async newClient(options: NewClientOptions): Promise<SecretsClient> {
    const client = await super.newClient(options);
    const store = options.store.name;
    this.builds.set(store, (this.builds.get(store) ?? 0) + 1);
    const builtWith = this.credentials;
    const validate = client.validate.bind(client);
    client.validate = async () => {
      this.validations.set(store, (this.validations.get(store) ?? 0) + 1);
      if (builtWith !== this.credentials) return { result: 'Error', message: 'token revoked' };
      return validate();
    };
    return client;
  }
}

async function storeReady(h: Harness, namespace: string, name: string) {
  const store = await h.client.get<{ status?: { conditions?: Array<Record<string, string>> } }>(
    OperatorResources.secretStores,
    name,
    { namespace },
  );
  return store.status?.conditions?.find((c) => c.type === 'Ready');
}

describe('store validation shares the provider client of the reads', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle;
  let ns: string;
  const provider = new RotatingCredentialsProvider();

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'storeclients');
    op = await startTestOperator(h, {
      namespace: ns,
      providers: defaultProviderRegistry({ fake: provider }),
    });
    await createFakeStore(h, ns, 'store', [{ key: 'db', value: 'pw-1' }], { refreshInterval: 1 });
    await createExternalSecret(h, ns, 'app', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      data: [{ secretKey: 'password', remoteRef: { key: 'db' } }],
    });
    await waitFor(
      'app Ready',
      async () => readyOf(await getExternalSecret(h, ns, 'app'))?.status === 'True' || undefined,
    );
  });

  after(async () => {
    await op?.stop();
  });

  it('validations and reads of one store use one client', async () => {
    const validationsBefore = provider.validations.get('store') ?? 0;
    await sleep(4_000);
    const validations = (provider.validations.get('store') ?? 0) - validationsBefore;
    assert.ok(validations >= 3, `the store revalidates every second (${validations} validations in 4 s)`);
    assert.equal(provider.builds.get('store'), 1, 'one client for every validation and read');
    assert.ok(provider.calls.count('getSecret', 'db') >= 2, 'the ExternalSecret kept refreshing');
  });

  it('after a credential rotation the store stays Ready: the stale client is replaced, not reported', async () => {
    const builds = provider.builds.get('store') ?? 0;
    provider.credentials++;
    const deadline = Date.now() + 4_000;
    while (Date.now() < deadline) {
      const ready = await storeReady(h, ns, 'store');
      assert.equal(ready?.status, 'True', `store stayed Ready (${ready?.reason}: ${ready?.message})`);
      await sleep(100);
    }
    assert.equal(provider.builds.get('store'), builds + 1, 'one new client after the rotation');
    const warnings = (await eventsOf(h, ns)).filter((e) => e.reason === 'InvalidProviderConfig');
    assert.deepEqual(warnings, []);
  });

  it('a store that does not validate is Ready=False and costs one client per validation, as without sharing', async () => {
    await createFakeStore(h, ns, 'broken', [{ key: 'db', value: 'x' }], {
      refreshInterval: 1,
      provider: { fake: { data: [{ key: 'db', value: 'x' }], validationResult: 2 } },
    });
    const ready = await waitFor('broken store Ready=False', async () => {
      const condition = await storeReady(h, ns, 'broken');
      return condition?.status === 'False' ? condition : undefined;
    });
    assert.equal(ready.reason, 'InvalidProviderConfig');
    assert.equal(ready.message, 'unable to validate store: unable to validate');
    await sleep(3_000);
    const validations = provider.validations.get('broken') ?? 0;
    const builds = provider.builds.get('broken') ?? 0;
    assert.ok(validations >= 3, `${validations} validations`);
    assert.equal(builds, validations, 'each failed validation on its own new client, never a second try');
  });
});
