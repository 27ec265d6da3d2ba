// Priority lanes on the real control plane: an ExternalSecret that was never synced, or whose spec changed, is
// served ahead of a backlog of periodic refreshes (reconciler.ts puts them in the 'urgent' lane, refreshes in
// 'refresh'). What a user notices: a new or edited ExternalSecret syncs within a read or two even while the
// operator is busy refreshing, instead of waiting for every pending refresh.
//
// The backlog is built deterministically: one worker, a fake provider that takes 500 ms per read, coalescing off,
// and 16 ExternalSecrets refreshing every second, each reading its own key. A refresh pass takes >= 8 s, so most of
// the 16 are always queued. The fake provider's calls are logged in order, so "how many refresh reads ran between
// the change and its first read" is counted, not timed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { FakeCallLog, type FakeMethod } from '../../../src/providers/fake/index.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../../src/providers/index.js';
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
  startTestOperator,
  waitFor,
} from './harness.js';

/** The fake provider's calls in the order they started. */
class OrderedCallLog extends FakeCallLog {
  readonly reads: string[] = [];
  override record(method: FakeMethod, key: string): void {
    super.record(method, key);
    if (method === 'getSecret') this.reads.push(key);
  }
}

const BACKLOG = 16;
const READ_DELAY_MS = 500;
/**
 * Reads that may run before an urgent item's own read: the one in flight when it is enqueued, one refresh the
 * queue's fairness may let through, and a few while the operator's watch delivers the change on a loaded machine.
 * A refresh-lane item waits behind the whole backlog (>= 10 queued, checked before each case).
 */
const MAX_READS_AHEAD = 5;
const MIN_QUEUED_REFRESHES = 10;

describe(
  'priority lanes: new and changed ExternalSecrets go ahead of refreshes',
  { skip: integration.skipReason },
  () => {
    let h: Harness;
    let op: OperatorHandle;
    let ns: string;
    const calls = new OrderedCallLog();
    let edited = -1;
    const backlogKey = (i: number) => `bk-${i}`;
    const isBacklogRead = (key: string) => key.startsWith('bk-');

    const depth = async (lane: 'urgent' | 'refresh') => {
      const text = await op.metrics.registry.getSingleMetricAsString('workqueue_depth');
      const line = new RegExp(
        `workqueue_depth\\{controller="externalsecret",name="externalsecret",lane="${lane}"\\} (\\d+)`,
      );
      return Number(line.exec(text)?.[1]);
    };

    /**
     * Waits for a real backlog: most of the refreshing ExternalSecrets queued in the refresh lane, and nothing left
     * in the urgent lane (the initial syncs, and any second sync the target Secrets' own watch events ask for).
     */
    const waitForBacklog = () =>
      waitFor(
        `>= ${MIN_QUEUED_REFRESHES} refreshes queued and no urgent work`,
        async () => {
          const [urgent, refresh] = [await depth('urgent'), await depth('refresh')];
          return urgent === 0 && refresh >= MIN_QUEUED_REFRESHES ? refresh : undefined;
        },
        60_000,
      );

    /** Backlog reads that started after `mark` and before the first read of `key`. */
    const readsAhead = (mark: number, key: string) => {
      const own = calls.reads.indexOf(key, mark);
      assert.ok(own >= 0, `no read of ${key} yet`);
      return calls.reads.slice(mark, own).filter(isBacklogRead).length;
    };

    before(async () => {
      h = await harness();
      ns = await createNamespace(h, 'lanes');
      await createFakeStore(h, ns, 'store', [
        ...Array.from({ length: BACKLOG }, (_, i) => ({ key: backlogKey(i), value: `value-${i}` })),
        { key: 'probe', value: 'probe-value' },
        { key: 'edited', value: 'edited-value' },
      ]);
      for (let i = 0; i < BACKLOG; i++) {
        await createExternalSecret(h, ns, `bk-${i}`, {
          secretStoreRef: { name: 'store' },
          refreshInterval: '1s',
          data: [{ secretKey: 'v', remoteRef: { key: backlogKey(i) } }],
        });
      }
      op = await startTestOperator(h, {
        namespace: ns,
        concurrency: 1,
        coalesceWindowMs: 0,
        providers: defaultProviderRegistry({ fake: new FakeSecretsProvider({ delayMs: READ_DELAY_MS, calls }) }),
      });
      await waitFor(
        'every backlog ExternalSecret Ready',
        async () => {
          for (let i = 0; i < BACKLOG; i++) {
            if (readyOf(await getExternalSecret(h, ns, `bk-${i}`))?.status !== 'True') return undefined;
          }
          return true;
        },
        60_000,
      );
    });

    after(async () => {
      await op?.stop();
    });

    it('a new ExternalSecret is read within a few reads although a refresh backlog is queued', async () => {
      const queued = await waitForBacklog();
      const mark = calls.reads.length;
      await createExternalSecret(h, ns, 'probe', {
        secretStoreRef: { name: 'store' },
        refreshInterval: '1h',
        data: [{ secretKey: 'v', remoteRef: { key: 'probe' } }],
      });
      const es = await waitFor(
        'probe Ready',
        async () => {
          const current = await getExternalSecret(h, ns, 'probe');
          return readyOf(current)?.status === 'True' ? current : undefined;
        },
        // Generous: even behind the whole backlog (16 x 0.5 s) it would become Ready within this.
        60_000,
      );
      assert.equal(readyOf(es)?.reason, 'SecretSynced');
      assert.equal(decode((await getSecret(h, ns, 'probe'))?.data).v, 'probe-value');
      const ahead = readsAhead(mark, 'probe');
      console.log(`# new ExternalSecret: ${ahead} refresh reads ahead of it, ${queued} refreshes queued`);
      assert.ok(
        ahead <= MAX_READS_AHEAD,
        `${ahead} refresh reads ran before the new ExternalSecret's first read (${queued} refreshes were queued)`,
      );
    });

    it('an edited ExternalSecret is re-read within a few reads, ahead of the refresh backlog', async () => {
      const queued = await waitForBacklog();
      // The ExternalSecret read last has just been refreshed: without priority its next turn is at the back of the
      // refresh queue, behind every other backlog item.
      const mark = calls.reads.length;
      const last = calls.reads.filter(isBacklogRead).at(-1) ?? '';
      const name = last; // ExternalSecret bk-i reads key bk-i
      assert.match(name, /^bk-\d+$/);
      edited = Number(name.slice(3));
      await h.client.patch(
        OperatorResources.externalSecrets,
        name,
        { spec: { data: [{ secretKey: 'v', remoteRef: { key: 'edited' } }] } },
        { namespace: ns },
      );
      await waitFor(
        `${name} carries the edited key's value`,
        async () => decode((await getSecret(h, ns, name))?.data).v === 'edited-value',
        60_000,
      );
      const ahead = readsAhead(mark, 'edited');
      console.log(`# edited ExternalSecret: ${ahead} refresh reads ahead of it, ${queued} refreshes queued`);
      assert.ok(
        ahead <= MAX_READS_AHEAD,
        `${ahead} refresh reads ran before the edited ExternalSecret's read (${queued} refreshes were queued)`,
      );
      const es = await getExternalSecret(h, ns, name);
      assert.equal(readyOf(es)?.status, 'True');
    });

    it('the refresh lane is not starved: every backlog ExternalSecret keeps being refreshed', async () => {
      const mark = calls.reads.length;
      await waitFor(
        'a refresh read of every backlog ExternalSecret after the cases',
        async () => {
          const later = new Set(calls.reads.slice(mark));
          return Array.from({ length: BACKLOG }, (_, i) => backlogKey(i)).every(
            (key, i) => later.has(key) || (i === edited && later.has('edited')),
          );
        },
        60_000,
      );
    });
  },
);
