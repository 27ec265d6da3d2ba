import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../src/kube/clock.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import {
  LeaderElector,
  type Lease,
  type LeaseLock,
  type LeaseSpec,
  microTime,
  validateLeaderElectionTimings,
} from '../../../src/kube/leaderelection.js';

/** One Lease in memory with the API server's optimistic concurrency; each candidate gets its own door to it. */
class LeaseStore {
  lease: Lease | undefined;
  #rv = 0;

  lockFor(): LeaseLock & { down: boolean } {
    const store = this;
    const lock = {
      down: false,
      async get() {
        store.#check(lock.down);
        return store.lease && structuredClone(store.lease);
      },
      async create(spec: LeaseSpec) {
        store.#check(lock.down);
        if (store.lease)
          throw new KubeApiError({ status: 409, method: 'POST', path: '/l', apiStatus: { reason: 'AlreadyExists' } });
        store.lease = { metadata: { name: 'l', namespace: 'ns', resourceVersion: String(++store.#rv) }, spec };
        return structuredClone(store.lease);
      },
      async update(lease: Lease, spec: LeaseSpec) {
        store.#check(lock.down);
        if (lease.metadata?.resourceVersion !== store.lease?.metadata?.resourceVersion) {
          throw new KubeApiError({ status: 409, method: 'PUT', path: '/l', apiStatus: { reason: 'Conflict' } });
        }
        store.lease = { metadata: { ...lease.metadata, resourceVersion: String(++store.#rv) }, spec };
        return structuredClone(store.lease);
      },
      describe: () => 'ns/l',
    };
    return lock;
  }

  #check(down: boolean): void {
    if (down) throw new KubeApiError({ status: 0, method: 'GET', path: '/l', message: 'connect ECONNREFUSED' });
  }
}

interface Candidate {
  elector: LeaderElector;
  lock: ReturnType<LeaseStore['lockFor']>;
  log: string[];
  leadingSignal?: AbortSignal;
  stop: AbortController;
  done: Promise<void>;
}

function candidate(store: LeaseStore, clock: FakeClock, identity: string, random = () => 0): Candidate {
  const lock = store.lockFor();
  const log: string[] = [];
  const stop = new AbortController();
  const c = { lock, log, stop } as Candidate;
  c.elector = new LeaderElector({
    identity,
    lock,
    clock,
    random,
    callbacks: {
      onStartedLeading: (signal) => {
        c.leadingSignal = signal;
        log.push(`started@${clock.now()}`);
      },
      onStoppedLeading: () => log.push(`stopped@${clock.now()}`),
      onNewLeader: (who) => log.push(`leader=${who}`),
    },
  });
  c.done = c.elector.run(stop.signal);
  return c;
}

async function advanceUntil(clock: FakeClock, limitMs: number, done: () => boolean): Promise<number> {
  const start = clock.now();
  while (!done()) {
    if (clock.now() - start > limitMs) assert.fail(`condition not reached within ${limitMs} ms of fake time`);
    await clock.advanceAsync(100);
  }
  return clock.now() - start;
}

describe('leader election timings', () => {
  it('defaults to 15 s lease, 10 s renew deadline, 2 s retry period', () => {
    assert.deepEqual(validateLeaderElectionTimings({}), {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it('refuses a lease duration not above the renew deadline, naming both', () => {
    assert.throws(
      () => validateLeaderElectionTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
      /leaseDuration \(10000 ms\) must be greater than renewDeadline \(10000 ms\)/,
    );
  });

  it('refuses a renew deadline not above retryPeriod * 1.2, naming the product', () => {
    assert.throws(
      () => validateLeaderElectionTimings({ renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }),
      /renewDeadline \(2400 ms\) must be greater than retryPeriod \* 1.2 \(2400 ms\)/,
    );
    assert.doesNotThrow(() => validateLeaderElectionTimings({ renewDeadlineMs: 2_401, retryPeriodMs: 2_000 }));
  });

  it('refuses zero, negative and fractional-second lease durations', () => {
    assert.throws(() => validateLeaderElectionTimings({ retryPeriodMs: 0 }), /retryPeriodMs must be > 0, got 0/);
    assert.throws(() => validateLeaderElectionTimings({ leaseDurationMs: -1 }), /leaseDurationMs must be > 0/);
    assert.throws(() => validateLeaderElectionTimings({ leaseDurationMs: 15_500 }), /whole seconds/);
  });

  it('refuses an elector without identity', () => {
    const lock = new LeaseStore().lockFor();
    assert.throws(
      () => new LeaderElector({ identity: '', lock, callbacks: { onStartedLeading() {} } }),
      /non-empty identity/,
    );
  });

  it('writes Lease times as MicroTime with six fractional digits', () => {
    assert.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000Z');
  });
});

describe('LeaderElector (fake clock, in-memory Lease)', () => {
  it('creates the Lease and leads at once when nobody holds it', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await clock.advanceAsync(0);
    assert.ok(a.elector.isLeader());
    assert.deepEqual(a.log, ['leader=a', `started@${clock.now()}`]);
    assert.equal(store.lease?.spec?.holderIdentity, 'a');
    assert.equal(store.lease?.spec?.leaseDurationSeconds, 15);
    assert.equal(store.lease?.spec?.leaseTransitions, 0);
    assert.equal(store.lease?.spec?.acquireTime, microTime(clock.now()));
    a.stop.abort();
    await a.done;
  });

  it('lets exactly one of two candidates lead; the other learns who leads', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    await clock.advanceAsync(30_000);
    assert.equal([a, b].filter((c) => c.elector.isLeader()).length, 1);
    const follower = a.elector.isLeader() ? b : a;
    assert.equal(follower.elector.getLeader(), store.lease?.spec?.holderIdentity);
    assert.ok(follower.log.includes(`leader=${store.lease?.spec?.holderIdentity}`));
    assert.ok(!follower.log.some((l) => l.startsWith('started')));
    for (const c of [a, b]) c.stop.abort();
    await clock.advanceAsync(0);
  });

  it('renews every retry period, so a follower never sees the Lease expire', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await clock.advanceAsync(0);
    const b = candidate(store, clock, 'b');
    await clock.advanceAsync(120_000);
    assert.ok(a.elector.isLeader());
    assert.ok(!b.elector.isLeader());
    const sinceRenew = clock.now() - Date.parse(store.lease?.spec?.renewTime ?? '');
    assert.ok(sinceRenew <= 2_000, `last renewal ${sinceRenew} ms ago`);
    assert.equal(store.lease?.spec?.leaseTransitions, 0);
    for (const c of [a, b]) c.stop.abort();
    await clock.advanceAsync(0);
  });

  it('a leader that cannot renew stops within renewDeadline; the other takes over after leaseDuration', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await clock.advanceAsync(0);
    const b = candidate(store, clock, 'b');
    await clock.advanceAsync(10_000);
    const lastRenew = Date.parse(store.lease?.spec?.renewTime ?? '');
    a.lock.down = true; // a is cut off from the API server

    const stoppedAfter = await advanceUntil(clock, 20_000, () => !a.elector.isLeader());
    assert.ok(a.leadingSignal?.aborted, 'the leading signal aborts');
    assert.ok(a.log.some((l) => l.startsWith('stopped@')));
    assert.ok(stoppedAfter <= 10_000 + 2_000, `a stopped ${stoppedAfter} ms after the cut`);

    await advanceUntil(clock, 30_000, () => b.elector.isLeader());
    const takeover = clock.now() - lastRenew;
    assert.ok(takeover >= 15_000, `b took over ${takeover} ms after the last renewal: the lease was still valid`);
    assert.ok(takeover <= 15_000 + 2_400 + 200, `b took over ${takeover} ms after the last renewal`);
    const aStopped = Number(a.log.find((l) => l.startsWith('stopped@'))?.split('@')[1]);
    const bStarted = Number(b.log.find((l) => l.startsWith('started@'))?.split('@')[1]);
    assert.ok(aStopped < bStarted, 'the old leader stops before the new one starts');
    assert.equal(store.lease?.spec?.holderIdentity, 'b');
    assert.equal(store.lease?.spec?.leaseTransitions, 1);
    b.stop.abort();
    await clock.advanceAsync(0);
    await Promise.all([a.done, b.done]);
  });

  it('releases the Lease on cancel, so the other candidate takes over at its next retry', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await clock.advanceAsync(0);
    const b = candidate(store, clock, 'b');
    await clock.advanceAsync(5_000);
    a.stop.abort();
    await clock.advanceAsync(0);
    await a.done;
    assert.equal(store.lease?.spec?.holderIdentity, null);
    assert.ok(a.log.at(-1)?.startsWith('stopped@'));
    const waited = await advanceUntil(clock, 15_000, () => b.elector.isLeader());
    assert.ok(waited <= 2_400 + 100, `b waited ${waited} ms instead of one retry period`);
    b.stop.abort();
    await clock.advanceAsync(0);
    await b.done;
  });

  it('keeps the Lease when releaseOnCancel is off', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const elector = new LeaderElector({
      identity: 'a',
      lock: store.lockFor(),
      clock,
      releaseOnCancel: false,
      callbacks: { onStartedLeading() {} },
    });
    const stop = new AbortController();
    const done = elector.run(stop.signal);
    await clock.advanceAsync(0);
    stop.abort();
    await clock.advanceAsync(0);
    await done;
    assert.equal(store.lease?.spec?.holderIdentity, 'a');
  });

  it('returns without leading when cancelled while waiting, and survives throwing callbacks', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const errors: unknown[] = [];
    const leader = new LeaderElector({
      identity: 'a',
      lock: store.lockFor(),
      clock,
      onError: (e) => errors.push(e),
      callbacks: {
        onStartedLeading: async () => {
          throw new Error('callback failed');
        },
        onNewLeader: () => {
          throw new Error('observer failed');
        },
      },
    });
    const stopA = new AbortController();
    const runA = leader.run(stopA.signal);
    await clock.advanceAsync(0);
    assert.ok(leader.isLeader(), 'a throwing callback does not cost leadership');
    assert.equal(errors.length, 2);

    const stopB = new AbortController();
    const b = new LeaderElector({ identity: 'b', lock: store.lockFor(), clock, callbacks: { onStartedLeading() {} } });
    const runB = b.run(stopB.signal);
    await clock.advanceAsync(5_000);
    stopB.abort();
    await clock.advanceAsync(0);
    await runB;
    assert.equal(b.isLeader(), false);
    stopA.abort();
    await clock.advanceAsync(0);
    await runA;
  });
});
