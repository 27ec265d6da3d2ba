// A burst of first syncs (an install, an operator restart) spends the API server on Secrets and status first: the
// `Created` events wait until no first sync is queued, and then every one of them is written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../../src/providers/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  eventsOf,
  type Harness,
  harness,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

const COUNT = 40;

describe('events during a burst of first syncs', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let op: OperatorHandle | undefined;

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'event-burst');
    // One remote key per ExternalSecret and 20 ms per read: the burst lasts long enough to look inside it.
    const data = Array.from({ length: COUNT }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));
    await createFakeStore(h, ns, 'store', data);
    for (let i = 0; i < COUNT; i++) {
      await createExternalSecret(h, ns, `app-${i}`, {
        refreshInterval: '1h',
        secretStoreRef: { name: 'store' },
        target: { name: `app-${i}` },
        data: [{ secretKey: 'value', remoteRef: { key: `key-${i}` } }],
      });
    }
  });

  after(async () => {
    await op?.stop();
  });

  it(
    'writes no Created event while first syncs are queued, then one for every Secret',
    { timeout: 60_000 },
    async () => {
      const fake = new FakeSecretsProvider({ delayMs: 20 });
      op = await startTestOperator(h, { namespace: ns, concurrency: 5, providers: defaultProviderRegistry({ fake }) });
      const created = async () => (await eventsOf(h, ns)).filter((e) => e.reason === 'Created').length;
      const secrets = async () =>
        (
          await h.client.list(Resources.secrets, {
            namespace: ns,
            labelSelector: 'reconcile.external-secrets.io/managed',
          })
        ).items.length;

      // Half the Secrets written means at least COUNT/2 - 5 ExternalSecrets still queued: no event may be out yet.
      let atHalf: number | undefined;
      for (let polls = 0; atHalf === undefined && polls < 3000; polls++) {
        if ((await secrets()) >= COUNT / 2) atHalf = await created();
        else await sleep(10);
      }
      assert.equal(atHalf, 0, 'Created events written while half the Secrets were still to come');

      await waitFor('all Secrets', async () => (await secrets()) === COUNT, 30_000);
      await waitFor(`${COUNT} Created events`, async () => (await created()) === COUNT, 30_000);
      const events = (await eventsOf(h, ns)).filter((e) => e.reason === 'Created');
      const named = new Set(events.map((e) => (e.involvedObject as { name: string }).name));
      assert.equal(named.size, COUNT, 'one Created event per ExternalSecret');
    },
  );
});
