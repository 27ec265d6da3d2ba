import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../src/kube/clock.js';
import { LanedQueue } from '../../../src/kube/workqueue/queue.js';

type Lane = 'urgent' | 'refresh';
const lanes: Lane[] = ['urgent', 'refresh'];

function drain<L extends string>(q: LanedQueue<L>): string[] {
  const out: string[] = [];
  for (let item = q.tryGet(); item; item = q.tryGet()) {
    out.push(item.key);
    q.done(item.key);
  }
  return out;
}

describe('LanedQueue: client-go guarantees', () => {
  it('hands keys out in FIFO order within a lane', () => {
    const q = new LanedQueue();
    for (const k of ['a', 'b', 'c']) q.add(k);
    assert.deepEqual(drain(q), ['a', 'b', 'c']);
  });

  it('collapses duplicate adds of a queued key into one', () => {
    const q = new LanedQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.deepEqual(drain(q), ['a', 'b']);
  });

  it('never hands out a key that is being processed; a re-add is processed again after done', () => {
    const q = new LanedQueue();
    q.add('a');
    const first = q.tryGet();
    assert.equal(first?.key, 'a');
    q.add('a'); // while processing
    assert.equal(q.len(), 0, 'the re-added key must not be queued while it is processed');
    assert.equal(q.tryGet(), undefined);
    q.done('a');
    assert.equal(q.len(), 1);
    assert.equal(q.tryGet()?.key, 'a');
  });

  it('collapses several re-adds during processing into one more run', () => {
    const q = new LanedQueue();
    q.add('a');
    q.tryGet();
    q.add('a');
    q.add('a');
    q.add('a');
    q.done('a');
    assert.deepEqual(drain(q), ['a']);
  });

  it('ignores done() for a key that is not being processed', () => {
    const q = new LanedQueue();
    q.add('a');
    q.done('a');
    assert.equal(q.len(), 1);
    assert.equal(q.processingCount(), 0);
  });

  it('resolves a waiting get() when a key is added', async () => {
    const q = new LanedQueue();
    const pending = q.get();
    q.add('late');
    assert.deepEqual(await pending, { key: 'late', lane: 'default' });
  });

  it('hands each key to only one of several waiting getters', async () => {
    const q = new LanedQueue();
    const getters = [q.get(), q.get(), q.get()];
    q.add('a');
    q.add('a');
    q.add('b');
    q.shutDown();
    const got = (await Promise.all(getters)).map((i) => i?.key);
    assert.deepEqual(got, ['a', 'b', undefined]);
  });

  it('rejects unknown and duplicated lane names with a message naming them', () => {
    assert.throws(() => new LanedQueue({ lanes: ['a', 'a'] }), /lane "a" is listed twice/);
    assert.throws(() => new LanedQueue({ lanes: ['a'], defaultLane: 'b' as 'a' }), /default lane "b"/);
    const q = new LanedQueue<Lane>({ lanes });
    assert.throws(() => q.add('k', 'other' as Lane), /unknown work queue lane "other"/);
  });
});

describe('LanedQueue: priority lanes', () => {
  it('serves the urgent lane before the refresh lane', () => {
    const q = new LanedQueue<Lane>({ lanes });
    q.add('r1', 'refresh');
    q.add('r2', 'refresh');
    q.add('u1', 'urgent');
    assert.deepEqual(drain(q), ['u1', 'r1', 'r2']);
  });

  it('uses the lowest lane for add() without a lane, so urgency is explicit', () => {
    const q = new LanedQueue<Lane>({ lanes });
    q.add('x');
    assert.deepEqual(q.depths(), { urgent: 0, refresh: 1 });
  });

  it('promotes a key queued in refresh when it is added as urgent, and never demotes it', () => {
    const q = new LanedQueue<Lane>({ lanes });
    q.add('r1', 'refresh');
    q.add('r2', 'refresh');
    q.add('u1', 'urgent');
    q.add('r2', 'urgent');
    assert.deepEqual(q.depths(), { urgent: 2, refresh: 1 });
    q.add('u1', 'refresh');
    assert.deepEqual(q.depths(), { urgent: 2, refresh: 1 });
    assert.deepEqual(drain(q), ['u1', 'r2', 'r1']);
  });

  it('requeues a key re-added during processing in the highest lane any re-add asked for', () => {
    const q = new LanedQueue<Lane>({ lanes });
    q.add('k', 'refresh');
    q.tryGet();
    q.add('k', 'refresh');
    q.add('k', 'urgent');
    q.add('k', 'refresh');
    q.done('k');
    assert.deepEqual(q.depths(), { urgent: 1, refresh: 0 });
    assert.deepEqual(q.tryGet(), { key: 'k', lane: 'urgent' });
  });

  it('does not starve refreshes: a waiting lane is served after maxSkips passes', () => {
    const q = new LanedQueue<Lane>({ lanes, maxSkips: 3 });
    for (let i = 0; i < 4; i++) q.add(`r${i}`, 'refresh');
    for (let i = 0; i < 8; i++) q.add(`u${i}`, 'urgent');
    assert.deepEqual(drain(q), ['u0', 'u1', 'u2', 'r0', 'u3', 'u4', 'u5', 'r1', 'u6', 'u7', 'r2', 'r3']);
  });

  it('keeps a backlogged refresh lane at 1 of every maxSkips+1 items under a constant urgent inflow', () => {
    const q = new LanedQueue<Lane>({ lanes, maxSkips: 10 });
    for (let i = 0; i < 1000; i++) q.add(`r${i}`, 'refresh');
    let refreshes = 0;
    for (let i = 0; i < 1100; i++) {
      q.add(`u${i}`, 'urgent');
      const item = q.tryGet();
      assert.ok(item);
      if (item.lane === 'refresh') refreshes++;
      q.done(item.key);
    }
    assert.equal(refreshes, 100);
  });
});

describe('LanedQueue: shutdown', () => {
  it('shutDown drops queued keys, ignores later adds and releases waiting getters', async () => {
    const idle = new LanedQueue();
    const waiting = idle.get();
    idle.shutDown();
    assert.equal(await waiting, undefined);

    const q = new LanedQueue();
    q.add('a');
    const inFlight = q.tryGet();
    q.add('b');
    q.shutDown();
    q.add('c');
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
    assert.ok(inFlight);
    q.add(inFlight.key);
    q.done(inFlight.key);
    assert.equal(q.len(), 0, 'a key finished after shutdown is not requeued');
  });

  it('shutDownWithDrain lets workers finish queued and in-flight keys, then resolves true', async () => {
    const q = new LanedQueue();
    q.add('a');
    q.add('b');
    const a = q.tryGet();
    let drained: boolean | undefined;
    const drain = q.shutDownWithDrain().then((v) => {
      drained = v;
    });
    q.add('late');
    assert.equal((await q.get())?.key, 'b');
    assert.equal(await q.get(), undefined, 'nothing is left and nothing can be added');
    q.done('b');
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, undefined, 'a is still in flight');
    q.done(a!.key);
    await drain;
    assert.equal(drained, true);
  });

  it('shutDownWithDrain still processes a key that was re-added while in flight before the shutdown', async () => {
    const q = new LanedQueue();
    q.add('a');
    q.tryGet();
    q.add('a');
    const drained = q.shutDownWithDrain();
    q.done('a');
    assert.equal((await q.get())?.key, 'a');
    q.done('a');
    assert.equal(await drained, true);
  });

  it('shutDownWithDrain gives up at its deadline and drops what is left', async () => {
    const clock = new FakeClock();
    const q = new LanedQueue({ clock });
    q.add('slow');
    q.add('never');
    q.tryGet();
    const result = q.shutDownWithDrain(5000);
    clock.advance(4999);
    assert.equal(q.len(), 1);
    clock.advance(1);
    assert.equal(await result, false);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });
});

describe('LanedQueue: metrics', () => {
  it('reports depth per lane, adds, queue latency and work duration on the injected clock', () => {
    const clock = new FakeClock();
    const depth: Record<string, number> = {};
    const adds: string[] = [];
    const latency: Array<[string, number]> = [];
    const work: Array<[string, number]> = [];
    const q = new LanedQueue<Lane>({
      lanes,
      clock,
      metrics: {
        depth: (lane, n) => {
          depth[lane] = n;
        },
        add: (lane) => adds.push(lane),
        latency: (lane, ms) => latency.push([lane, ms]),
        workDuration: (lane, ms) => work.push([lane, ms]),
      },
    });
    q.add('a', 'refresh');
    clock.advance(100);
    q.add('a', 'urgent'); // promoted; latency still counts from the first add
    q.add('b', 'refresh');
    assert.deepEqual(depth, { urgent: 1, refresh: 1 });
    assert.deepEqual(adds, ['refresh', 'urgent', 'refresh']);
    clock.advance(50);
    const item = q.tryGet();
    assert.deepEqual(item, { key: 'a', lane: 'urgent' });
    assert.deepEqual(latency, [['urgent', 150]]);
    assert.deepEqual(depth, { urgent: 0, refresh: 1 });
    clock.advance(30);
    assert.equal(q.longestRunningMs(), 30);
    q.done('a');
    assert.deepEqual(work, [['urgent', 30]]);
  });

  it('keeps working when a metrics hook throws', () => {
    const q = new LanedQueue({
      metrics: {
        add: () => {
          throw new Error('boom');
        },
      },
    });
    q.add('a');
    assert.equal(q.tryGet()?.key, 'a');
  });
});
