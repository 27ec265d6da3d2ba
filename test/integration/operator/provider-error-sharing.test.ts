// Many ExternalSecrets reading one missing remote secret: each retries with backoff, and without sharing each retry
// is a provider call (users' 1Password complaint: a missing item used up the account's daily limit in 20 minutes).
// A failed read is shared with the other readers of the next 5 seconds (never twice with one), so 50
// ExternalSecrets cost a few calls, while every one of them still reports the missing key and syncs once it exists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../../src/providers/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  setFakeData,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

const COUNT = 50;

describe('a failed provider read is shared by the retries of its readers', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let op: OperatorHandle | undefined;
  const fake = new FakeSecretsProvider();
  const names = Array.from({ length: COUNT }, (_, i) => `reader-${i}`);

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'error-sharing');
    await createFakeStore(h, ns, 'store', [{ key: 'present', value: 'x' }]);
    op = await startTestOperator(h, { namespace: ns, providers: defaultProviderRegistry({ fake }) });
  });

  after(async () => {
    await op?.stop();
  });

  it(
    `${COUNT} ExternalSecrets retrying one missing key cost a few calls, report it, and sync once it exists`,
    {
      timeout: 120_000,
    },
    async () => {
      for (const name of names) {
        await createExternalSecret(h, ns, name, {
          refreshInterval: '1h',
          secretStoreRef: { name: 'store' },
          target: { name },
          data: [{ secretKey: 'password', remoteRef: { key: 'db-password' } }],
        });
      }
      for (const name of names) {
        await waitFor(`${name} Ready=False`, async () => {
          const condition = readyOf(await getExternalSecret(h, ns, name));
          return condition?.status === 'False' && condition;
        });
      }
      await sleep(15_000); // retries at about 1, 2, 4 and 8 s after each failure
      const calls = fake.calls.count('getSecret', 'db-password');
      // Unshared, the 50 readers made 229 calls by now (about 4.6 each); shared, 5: about one per retry round.
      assert.ok(calls <= 12, `${calls} provider calls for ${COUNT} readers of one missing key`);
      const messages = new Set<string>();
      for (const name of names) messages.add(readyOf(await getExternalSecret(h, ns, name))?.message ?? '');
      assert.equal(messages.size, 1);
      assert.match([...messages][0] as string, /db-password/);

      await setFakeData(h, ns, 'store', [
        { key: 'present', value: 'x' },
        { key: 'db-password', value: 'now-it-exists' },
      ]);
      for (const name of names) {
        await waitFor(`${name} synced`, async () => (await getSecret(h, ns, name))?.data?.password, 60_000);
      }
    },
  );
});
