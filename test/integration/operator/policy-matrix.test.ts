// Every creationPolicy x deletionPolicy pair (ESO 2.4): what exists after the first sync, and what happens when
// the provider data disappears. All pairs run at once in one namespace; one provider change drives them all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  setFakeData,
  startTestOperator,
  waitFor,
} from './harness.js';

type Creation = 'Owner' | 'Orphan' | 'Merge' | 'CreateOrMerge' | 'None';
type Deletion = 'Retain' | 'Delete' | 'Merge';

interface Outcome {
  /** After the first sync. */
  created: boolean;
  owned?: boolean;
  firstReason: string;
  /** After the provider data is gone: Ready status/reason, and whether the Secret still exists. */
  gone: {
    ready: 'True' | 'False';
    reason: string;
    message?: RegExp;
    secret: 'kept' | 'deleted' | 'emptied' | 'absent';
  };
}

const forbidden = (c: Creation, d: Deletion) =>
  (d === 'Delete' && (c === 'Merge' || c === 'None' || c === 'CreateOrMerge')) || (d === 'Merge' && c === 'None');

function expected(c: Creation, d: Deletion): Outcome | 'forbidden' {
  if (forbidden(c, d)) return 'forbidden';
  const creates = c === 'Owner' || c === 'Orphan' || c === 'CreateOrMerge';
  const firstReason = c === 'Merge' ? 'SecretMissing' : 'SecretSynced';
  const present = creates ? 'kept' : 'absent';
  let gone: Outcome['gone'];
  if (d === 'Retain') {
    // A missing remote key with Retain is an error; the last good Secret stays.
    gone = {
      ready: 'False',
      reason: 'SecretSyncedError',
      message: /spec\.data\[0\] \(key: gone\), err: /,
      secret: present,
    };
  } else if (d === 'Delete') {
    gone =
      c === 'Owner'
        ? { ready: 'True', reason: 'SecretDeleted', secret: 'deleted' }
        : { ready: 'False', reason: 'SecretSyncedError', message: /^could not delete secret/, secret: 'kept' };
  } else if (c === 'Merge') {
    gone = { ready: 'True', reason: 'SecretMissing', secret: 'absent' };
  } else {
    gone = { ready: 'True', reason: 'SecretSynced', secret: creates ? 'emptied' : 'absent' };
  }
  return { created: creates, owned: c === 'Owner', firstReason, gone };
}

const creations: Creation[] = ['Owner', 'Orphan', 'Merge', 'CreateOrMerge', 'None'];
const deletions: Deletion[] = ['Retain', 'Delete', 'Merge'];
const nameOf = (c: Creation, d: Deletion) => `m-${c}-${d}`.toLowerCase();

describe('creationPolicy x deletionPolicy', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle;
  let ns: string;

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'es-matrix');
    await createFakeStore(h, ns, 'store', [{ key: 'gone', value: 'soon-gone' }]);
    op = await startTestOperator(h, { namespace: ns, concurrency: 4 });
    for (const c of creations) {
      for (const d of deletions) {
        await createExternalSecret(h, ns, nameOf(c, d), {
          secretStoreRef: { name: 'store' },
          refreshInterval: '1s',
          target: { creationPolicy: c, deletionPolicy: d },
          data: [{ secretKey: 'a', remoteRef: { key: 'gone' } }],
        });
      }
    }
  });
  after(async () => {
    await op?.stop();
  });

  const status = async (name: string) => readyOf(await getExternalSecret(h, ns, name));

  it('after the first sync', async () => {
    for (const c of creations) {
      for (const d of deletions) {
        const name = nameOf(c, d);
        const want = expected(c, d);
        if (want === 'forbidden') {
          const ready = await waitFor(name, async () =>
            (await status(name))?.status === 'False' ? status(name) : undefined,
          );
          assert.match(ready?.message ?? '', /cannot be combined/, name);
          continue;
        }
        const ready = await waitFor(name, async () =>
          (await status(name))?.status === 'True' ? status(name) : undefined,
        );
        assert.equal(ready?.reason, want.firstReason, name);
        const secret = await getSecret(h, ns, name);
        assert.equal(secret !== undefined, want.created, `${name} created`);
        if (secret) {
          assert.equal(decode(secret.data).a, 'soon-gone');
          assert.equal((secret.metadata?.ownerReferences ?? []).length > 0, want.owned, `${name} ownerReference`);
        }
      }
    }
  });

  it('Owner + Delete deletes a managed Secret it did not control yet (was Orphan), never one another object controls', async () => {
    await createExternalSecret(h, ns, 'was-orphan', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: { creationPolicy: 'Orphan' },
      data: [{ secretKey: 'a', remoteRef: { key: 'gone' } }],
    });
    await waitFor('was-orphan synced', () => getSecret(h, ns, 'was-orphan'));
    await createExternalSecret(h, ns, 'owner', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: { name: 'owned-elsewhere' },
      data: [{ secretKey: 'a', remoteRef: { key: 'gone' } }],
    });
    await waitFor('owned-elsewhere synced', () => getSecret(h, ns, 'owned-elsewhere'));
    // Both switch to Owner + Delete reading a key the store does not have: no data left.
    const nothing = { creationPolicy: 'Owner', deletionPolicy: 'Delete' } as const;
    await h.client.patch(
      OperatorResources.externalSecrets,
      'was-orphan',
      { spec: { target: nothing, data: [{ secretKey: 'a', remoteRef: { key: 'never-there' } }] } },
      { namespace: ns, patchType: 'merge' },
    );
    await createExternalSecret(h, ns, 'intruder', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      target: { name: 'owned-elsewhere', ...nothing },
      data: [{ secretKey: 'a', remoteRef: { key: 'never-there' } }],
    });
    // The Secret goes first, then the status says so.
    await waitFor('the Orphan-made Secret deleted and the status saying so', async () =>
      (await getSecret(h, ns, 'was-orphan')) === undefined && (await status('was-orphan'))?.reason === 'SecretDeleted'
        ? true
        : undefined,
    );
    const refused = await waitFor('intruder refused', async () =>
      (await status('intruder'))?.status === 'False' ? status('intruder') : undefined,
    );
    assert.match(
      refused?.message ?? '',
      /^could not delete secret: Secret "owned-elsewhere" is controlled by ExternalSecret "owner"/,
    );
    assert.equal(
      decode((await getSecret(h, ns, 'owned-elsewhere'))?.data).a,
      'soon-gone',
      "the other owner's Secret is kept",
    );
  });

  it('after the provider data is gone', async () => {
    await setFakeData(h, ns, 'store', [{ key: 'unrelated', value: 'x' }]);
    for (const c of creations) {
      for (const d of deletions) {
        const name = nameOf(c, d);
        const want = expected(c, d);
        if (want === 'forbidden') continue;
        // Wait for status and Secret together: some outcomes keep the status the first sync already wrote.
        const secretMatches = async () => {
          const secret = await getSecret(h, ns, name);
          switch (want.gone.secret) {
            case 'kept':
              return decode(secret?.data).a === 'soon-gone';
            case 'deleted':
            case 'absent':
              return secret === undefined;
            case 'emptied':
              return secret !== undefined && Object.keys(secret.data ?? {}).length === 0;
          }
        };
        const ready = await waitFor(
          `${name} ${want.gone.reason} with the Secret ${want.gone.secret}`,
          async () => {
            const r = await status(name);
            return r?.status === want.gone.ready && r.reason === want.gone.reason && (await secretMatches())
              ? r
              : undefined;
          },
          15_000,
        );
        if (want.gone.message) assert.match(ready.message ?? '', want.gone.message, name);
      }
    }
  });
});
