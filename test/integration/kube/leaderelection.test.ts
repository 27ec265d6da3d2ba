import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/kube/client.js';
import {
  kubeLeaseLock,
  type LeaderElectionTimings,
  LeaderElector,
  type Lease,
} from '../../../src/kube/leaderelection.js';
import { Resources } from '../../../src/kube/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { startFaultProxy } from './tcp-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

interface Running {
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  startedAt?: number;
  stoppedAt?: number;
}

function start(client: KubeClient, namespace: string, lease: string, identity: string, timings: LeaderElectionTimings) {
  const r = { stop: new AbortController() } as Running;
  r.elector = new LeaderElector({
    identity,
    lock: kubeLeaseLock(client, namespace, lease),
    ...timings,
    callbacks: {
      onStartedLeading: () => {
        r.startedAt = Date.now();
      },
      onStoppedLeading: () => {
        r.stoppedAt = Date.now();
      },
    },
  });
  r.done = r.elector.run(r.stop.signal);
  return r;
}

describe('leader election on a real Lease', { skip: integration.skipReason }, () => {
  let client: KubeClient;
  let namespace: string;

  before(async () => {
    const { kc } = await integration.cluster();
    client = new KubeClient(kc);
    namespace = uniqueName('kleader');
    await client.create(Resources.namespaces, { metadata: { name: namespace } });
  });

  after(async () => {
    await client?.delete(Resources.namespaces, namespace).catch(() => undefined);
    client?.close();
  });

  it('lets exactly one of two candidates lead, and the other take over once the leader stops renewing', async () => {
    const { kc } = await integration.cluster();
    const proxy = await startFaultProxy(kc);
    const viaProxy = new KubeClient(proxy.kc);
    const timings = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    // a reaches the server through a proxy we can cut; b directly.
    const a = start(viaProxy, namespace, 'takeover', 'candidate-a', timings);
    await eventually('a to lead', 15_000, () => a.elector.isLeader());
    const b = start(client, namespace, 'takeover', 'candidate-b', timings);
    try {
      await sleep(3 * timings.retryPeriodMs);
      assert.equal(b.elector.isLeader(), false, 'only one leads');
      assert.equal(b.elector.getLeader(), 'candidate-a');

      proxy.setMode('refuse');
      const cutAt = Date.now();
      // a's last successful renewal (same machine, so its wall clock is ours).
      const lastRenew = Date.parse(
        (await client.get<Lease>(Resources.leases, 'takeover', { namespace })).spec?.renewTime ?? '',
      );
      await eventually('a to give up', 15_000, () => !a.elector.isLeader());
      await eventually('b to take over', 20_000, () => b.elector.isLeader());
      const sinceRenew = (b.startedAt ?? 0) - lastRenew;
      assert.ok(
        sinceRenew >= timings.leaseDurationMs,
        `b took over ${sinceRenew} ms after a's last renewal, while the lease was still valid`,
      );
      const sinceCut = (b.startedAt ?? 0) - cutAt;
      assert.ok(sinceCut <= timings.leaseDurationMs + 6_000, `b needed ${sinceCut} ms after the cut`);
      assert.ok((a.stoppedAt ?? Number.POSITIVE_INFINITY) <= (b.startedAt ?? 0), 'a stopped before b started');

      const lease = await client.get<Lease>(Resources.leases, 'takeover', { namespace });
      assert.equal(lease.spec?.holderIdentity, 'candidate-b');
      assert.equal(lease.spec?.leaseTransitions, 1);
      assert.equal(lease.spec?.leaseDurationSeconds, 4);
      assert.match(lease.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    } finally {
      a.stop.abort();
      b.stop.abort();
      await Promise.all([a.done, b.done]);
      viaProxy.close();
      await proxy.close();
    }
  });

  it('releases the Lease on shutdown so the other candidate takes over at once, not after 15 s', async () => {
    const a = start(client, namespace, 'release', 'candidate-a', {});
    await eventually('a to lead', 15_000, () => a.elector.isLeader());
    const b = start(client, namespace, 'release', 'candidate-b', {});
    try {
      await sleep(2_500);
      assert.equal(b.elector.isLeader(), false);
      const stoppedAt = Date.now();
      a.stop.abort();
      await a.done;
      const released = await client.get<Lease>(Resources.leases, 'release', { namespace });
      assert.equal(released.spec?.holderIdentity ?? '', '', 'the holder is cleared');
      await eventually('b to take over', 10_000, () => b.elector.isLeader());
      const waited = Date.now() - stoppedAt;
      assert.ok(waited < 8_000, `b needed ${waited} ms; an unreleased lease would take 15 s`);
    } finally {
      a.stop.abort();
      b.stop.abort();
      await Promise.all([a.done, b.done]);
    }
  });
});
