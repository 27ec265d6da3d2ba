// Two operator processes' worth of state in one test process: only the leader writes; when it stops it releases
// the Lease and the standby takes over without losing or doubling a write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  getSecret,
  type Harness,
  harness,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

async function writes(op: OperatorHandle): Promise<number> {
  const text = await op.metrics.registry.getSingleMetricAsString('custos_target_secret_writes_total');
  return [...text.matchAll(/custos_target_secret_writes_total\{verb="[^"]+"\} (\d+)/g)].reduce(
    (s, m) => s + Number(m[1]),
    0,
  );
}

describe('leader election', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let a: OperatorHandle;
  let b: OperatorHandle | undefined;
  const lease = uniqueName('lease');
  const klass = uniqueName('leader-test');
  const timings = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 500 };

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'es-leader');
    // Its own controller class: cluster-wide operators of other test files running at the same time leave it alone.
    await createFakeStore(h, ns, 'store', [{ key: 'k', value: 'v' }], { controller: klass });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('only the leader syncs; the standby takes over after the leader stops', async () => {
    a = await startTestOperator(h, {
      namespace: ns,
      controllerClass: klass,
      leaderElect: true,
      leaderElection: { name: lease, namespace: ns, identity: 'op-a', ...timings },
    });
    await waitFor('a leads', async () => a.isLeader());
    b = await startTestOperator(h, {
      namespace: ns,
      controllerClass: klass,
      leaderElect: true,
      leaderElection: { name: lease, namespace: ns, identity: 'op-b', ...timings },
    });
    for (let i = 0; i < 3; i++) {
      await createExternalSecret(h, ns, `first-${i}`, {
        secretStoreRef: { name: 'store' },
        data: [{ secretKey: 'a', remoteRef: { key: 'k' } }],
      });
    }
    for (let i = 0; i < 3; i++) await waitFor(`first-${i}`, () => getSecret(h, ns, `first-${i}`));
    assert.equal(b.isLeader(), false);
    // A Secret is visible before its writer has handled the API server's answer and counted the write.
    await waitFor('a to count its writes', async () => (await writes(a)) >= 3);
    assert.equal(await writes(b), 0, 'the standby wrote nothing');
    assert.equal(await writes(a), 3);

    const started = Date.now();
    await a.stop();
    await waitFor('b leads', async () => b?.isLeader(), 10_000);
    const takeover = Date.now() - started;
    assert.ok(takeover < 5000, `took ${takeover} ms to take over after a released lease`);
    for (let i = 0; i < 3; i++) {
      await createExternalSecret(h, ns, `second-${i}`, {
        secretStoreRef: { name: 'store' },
        data: [{ secretKey: 'a', remoteRef: { key: 'k' } }],
      });
    }
    for (let i = 0; i < 3; i++) await waitFor(`second-${i}`, () => getSecret(h, ns, `second-${i}`));
    // The new leader re-checks the first three (already in sync) and creates only the new ones.
    await waitFor('b to count its writes', async () => (await writes(b as OperatorHandle)) >= 3);
    await sleep(500);
    assert.equal(await writes(b), 3);
  });
});
