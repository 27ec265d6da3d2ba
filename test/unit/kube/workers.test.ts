import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, flushMicrotasks } from '../../../src/kube/clock.js';
import { isTerminalError, runWorkers, SlowRetryError, TerminalError } from '../../../src/kube/workqueue/workers.js';
import { WorkQueue } from '../../../src/kube/workqueue/workqueue.js';

type Lane = 'urgent' | 'refresh';
const lanes: Lane[] = ['urgent', 'refresh'];

/** A promise the test resolves by hand, to hold a handler "in flight". */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('runWorkers', () => {
  it('runs up to N keys at once but never the same key twice at once', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const running = new Set<string>();
    let peak = 0;
    let overlap = false;
    const gates = new Map<string, ReturnType<typeof gate>>();
    const calls: string[] = [];
    const workers = runWorkers(q, 3, async (key) => {
      if (running.has(key)) overlap = true;
      running.add(key);
      peak = Math.max(peak, running.size);
      calls.push(key);
      const g = gate();
      gates.set(key, g);
      await g.opened;
      running.delete(key);
    });
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await flushMicrotasks();
    assert.deepEqual(calls, ['a', 'b', 'c']);
    q.add('a'); // re-added while a is processed
    await flushMicrotasks();
    assert.deepEqual(calls, ['a', 'b', 'c'], 'a must wait for its own run to finish');
    gates.get('b')?.open();
    await flushMicrotasks();
    assert.deepEqual(calls, ['a', 'b', 'c', 'd']);
    gates.get('a')?.open();
    await flushMicrotasks();
    assert.deepEqual(calls, ['a', 'b', 'c', 'd', 'a'], 'a runs again after it is done');
    for (const g of gates.values()) g.open();
    await flushMicrotasks();
    for (const g of gates.values()) g.open();
    q.shutDown();
    await workers.stopped;
    assert.equal(overlap, false);
    assert.equal(peak, 3);
  });

  it('retries a throwing handler through the rate limiter and forgets the key once it succeeds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const seen: Array<[number, number]> = [];
    const errors: string[] = [];
    let failuresLeft = 2;
    runWorkers(
      q,
      1,
      (_key, ctx) => {
        seen.push([clock.now(), ctx.retries]);
        if (failuresLeft-- > 0) throw new Error('provider unavailable');
      },
      { onError: (key, error, kind) => errors.push(`${key}:${kind}:${(error as Error).message}`) },
    );
    const start = clock.now();
    q.add('k');
    await clock.advanceAsync(0);
    await clock.advanceAsync(1000);
    await clock.advanceAsync(2000);
    assert.deepEqual(seen, [
      [start, 0],
      [start + 1000, 1],
      [start + 3000, 2],
    ]);
    assert.deepEqual(errors, ['k:retry:provider unavailable', 'k:retry:provider unavailable']);
    assert.equal(q.numRequeues('k'), 0, 'success clears the backoff');
    q.shutDown();
  });

  it('retries a SlowRetryError with a backoff that grows past 7 minutes up to its own cap', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, retry: { qps: 1e9, burst: 1e9 } });
    const starts: number[] = [];
    runWorkers(q, 1, () => {
      starts.push(clock.now());
      throw new SlowRetryError('provider unavailable', 2 * 3_600_000);
    });
    q.add('k');
    for (let i = 0; i < 20; i++) await clock.advanceAsync(3_600_000);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    assert.ok(gaps.includes(1_024_000) && gaps.includes(4_096_000), `backoff grew past 7 min: ${gaps.join(', ')}`);
    assert.equal(Math.max(...gaps), 7_200_000, "and stopped at the error's cap");
    q.shutDown();
  });

  it('does not retry a TerminalError, even when it is wrapped as the cause of another error', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const kinds: string[] = [];
    let calls = 0;
    runWorkers(
      q,
      1,
      () => {
        calls++;
        throw new Error('reconcile failed', { cause: new TerminalError('invalid regexp in spec') });
      },
      { onError: (_key, _error, kind) => kinds.push(kind) },
    );
    q.add('k');
    await clock.advanceAsync(60 * 60_000);
    assert.equal(calls, 1);
    assert.deepEqual(kinds, ['terminal']);
    assert.equal(q.numRequeues('k'), 0);
    assert.equal(isTerminalError(new Error('x')), false);
    q.shutDown();
  });

  it('requeues after requeueAfter, in the lane the result names or else the lane the key came from', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<Lane>({ clock, lanes });
    const runs: string[] = [];
    runWorkers(q, 1, (key, ctx) => {
      runs.push(`${key}@${ctx.lane}`);
      if (runs.length === 1) return { requeueAfter: 60_000, lane: 'refresh' };
      if (runs.length === 2) return { requeueAfter: 30_000 };
      return undefined;
    });
    q.add('es', 'urgent');
    await clock.advanceAsync(59_999);
    assert.deepEqual(runs, ['es@urgent']);
    await clock.advanceAsync(1);
    assert.deepEqual(runs, ['es@urgent', 'es@refresh']);
    await clock.advanceAsync(30_000);
    assert.deepEqual(runs, ['es@urgent', 'es@refresh', 'es@refresh']);
    await clock.advanceAsync(600_000);
    assert.equal(runs.length, 3, 'an empty result does not requeue');
    q.shutDown();
  });

  it('survives synchronous throws, non-Error throws and a throwing onError', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const done: string[] = [];
    runWorkers(
      q,
      1,
      (key) => {
        if (key === 'sync') throw new Error('sync');
        if (key === 'string') throw 'not an error';
        done.push(key);
      },
      {
        onError: () => {
          throw new Error('logger broke');
        },
      },
    );
    q.add('sync');
    q.add('string');
    q.add('ok');
    await clock.advanceAsync(0);
    assert.deepEqual(done, ['ok']);
    assert.equal(q.processingCount(), 0);
    q.shutDown();
  });

  it('stops once the queue is drained on shutdown, after finishing in-flight work', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const g = gate();
    const finished: string[] = [];
    const workers = runWorkers(q, 2, async (key) => {
      if (key === 'slow') await g.opened;
      finished.push(key);
    });
    q.add('slow');
    q.add('a');
    q.add('b');
    await flushMicrotasks();
    const drained = q.shutDownWithDrain();
    let stopped = false;
    void workers.stopped.then(() => {
      stopped = true;
    });
    await flushMicrotasks();
    assert.deepEqual(finished, ['a', 'b']);
    assert.equal(stopped, false);
    g.open();
    assert.equal(await drained, true);
    await workers.stopped;
    assert.deepEqual(finished, ['a', 'b', 'slow']);
  });

  it('aborts the handler signal at the per-key timeout but keeps the key in processing until it returns', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const g = gate();
    const errors: string[] = [];
    let aborted: unknown;
    runWorkers(
      q,
      2,
      async (_key, ctx) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = ctx.signal.reason;
        });
        await g.opened;
        ctx.signal.throwIfAborted();
      },
      { timeoutMs: 30_000, clock, onError: (_k, e) => errors.push((e as Error).message) },
    );
    q.add('slow');
    await clock.advanceAsync(29_999);
    assert.equal(aborted, undefined);
    await clock.advanceAsync(1);
    assert.match(String(aborted), /reconcile of slow timed out after 30000 ms/);
    q.add('slow');
    await clock.advanceAsync(0);
    assert.equal(q.processingCount(), 1, 'the second worker must not start the same key');
    g.open();
    await clock.advanceAsync(0);
    assert.deepEqual(errors, ['reconcile of slow timed out after 30000 ms']);
    q.shutDown();
  });

  it('rejects a worker count that is not a positive integer', () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    assert.throws(() => runWorkers(q, 0, () => undefined), /worker count must be an integer >= 1, got 0/);
  });
});
