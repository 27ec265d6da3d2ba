import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../src/kube/clock.js';
import {
  BucketRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from '../../../src/kube/workqueue/ratelimiter.js';
import { WorkQueue } from '../../../src/kube/workqueue/workqueue.js';

type Lane = 'urgent' | 'refresh';
const lanes: Lane[] = ['urgent', 'refresh'];

describe('WorkQueue: delayed adds', () => {
  it('queues a delayed key only once its delay has passed on the clock', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 1000);
    assert.equal(q.len(), 0);
    clock.advance(999);
    assert.equal(q.len(), 0);
    clock.advance(1);
    assert.equal(q.tryGet()?.key, 'k');
  });

  it('adds at once when the delay is zero or negative', () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.addAfter('a', 0);
    q.addAfter('b', -5);
    assert.equal(q.len(), 2);
  });

  it('fires delayed keys in due order, whatever the order they were added in', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('late', 300);
    q.addAfter('early', 100);
    q.addAfter('middle', 200);
    clock.advance(1000);
    const order = [q.tryGet()?.key, q.tryGet()?.key, q.tryGet()?.key];
    assert.deepEqual(order, ['early', 'middle', 'late']);
  });

  it('collapses delayed adds of one key: the earliest due time and the highest lane win', () => {
    const clock = new FakeClock();
    const q = new WorkQueue<Lane>({ clock, lanes });
    q.addAfter('k', 5000, 'refresh');
    q.addAfter('k', 1000, 'refresh');
    q.addAfter('k', 3000, 'urgent');
    assert.equal(q.waitingCount(), 1);
    clock.advance(1000);
    assert.deepEqual(q.depths(), { urgent: 1, refresh: 0 });
    assert.equal(q.waitingCount(), 0);
    q.tryGet();
    q.done('k');
    clock.advance(10_000);
    assert.equal(q.len(), 0, 'the later duplicates were collapsed, not kept');
  });

  it('drops waiting keys and cancels its timer on shutdown', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 1000);
    q.shutDown();
    assert.equal(clock.pendingTimers(), 0);
    clock.advance(2000);
    assert.equal(q.len(), 0);
    q.addAfter('k2', 10);
    assert.equal(q.waitingCount(), 0);
  });
});

describe('WorkQueue: rate-limited adds', () => {
  it('backs a failing key off exponentially from 1 s, capped at 7 min, until it is forgotten', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      const before = clock.now();
      q.addRateLimited('k');
      while (q.len() === 0) clock.advance(1);
      delays.push(clock.now() - before);
      q.tryGet();
      q.done('k');
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 420000, 420000, 420000]);
    assert.equal(q.numRequeues('k'), 12);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.addRateLimited('k');
    clock.advance(1000);
    assert.equal(q.len(), 1, 'after forget the backoff starts from the base delay again');
  });

  it('lets one key back off past the cap when asked for a longer one, never shorter than the usual cap', () => {
    const limiter = new ExponentialFailureRateLimiter(1000, 420_000);
    const longer = Array.from({ length: 16 }, () => limiter.when('slow', 8_640_000));
    assert.deepEqual(
      longer.slice(8),
      [256_000, 512_000, 1_024_000, 2_048_000, 4_096_000, 8_192_000, 8_640_000, 8_640_000],
    );
    const shorter = Array.from({ length: 12 }, () => limiter.when('fast', 60_000));
    assert.equal(shorter.at(-1), 420_000, "a cap below the limiter's own does not shorten the backoff");
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 14; i++) {
      const before = clock.now();
      q.addRateLimited('k', undefined, 3_600_000);
      while (q.len() === 0) clock.advance(1000);
      delays.push(clock.now() - before);
      q.tryGet();
      q.done('k');
    }
    assert.deepEqual(delays.slice(10), [1_024_000, 2_048_000, 3_600_000, 3_600_000]);
  });

  it('takes the base and cap of the per-key backoff from options', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    const limiter = new ExponentialFailureRateLimiter(5, 20);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limiter.when('x')),
      [5, 10, 20, 20],
    );
    q.addRateLimited('k');
    clock.advance(5);
    assert.equal(q.len(), 1);
  });

  it('limits retries of many keys together with the global token bucket (10/s after a burst of 100)', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, retry: { baseDelayMs: 1 } });
    for (let i = 0; i < 120; i++) q.addRateLimited(`k${i}`);
    clock.advance(1);
    assert.equal(q.len(), 100, 'the burst passes after the per-key delay');
    clock.advance(99);
    assert.equal(q.len(), 101, 'then one more every 100 ms');
    clock.advance(1900);
    assert.equal(q.len(), 120);
  });

  it('counts retries in the metrics', () => {
    const retries: string[] = [];
    const q = new WorkQueue<Lane>({ clock: new FakeClock(), lanes, metrics: { retry: (lane) => retries.push(lane) } });
    q.addRateLimited('a', 'urgent');
    q.addRateLimited('b');
    assert.deepEqual(retries, ['urgent', 'refresh']);
  });

  it('validates limiter parameters with messages that say what is wrong', () => {
    assert.throws(() => new ExponentialFailureRateLimiter(0, 10), /base must be > 0/);
    assert.throws(() => new ExponentialFailureRateLimiter(10, 5), /cap \(5 ms\) must be >= base \(10 ms\)/);
    assert.throws(() => new BucketRateLimiter(10, 0), /burst must be >= 1/);
  });

  it('MaxOf takes the larger delay and the larger requeue count', () => {
    const clock = new FakeClock();
    const limiter = new MaxOfRateLimiter(
      new ExponentialFailureRateLimiter(10, 1000),
      new BucketRateLimiter(1, 1, clock),
    );
    assert.equal(limiter.when('a'), 10);
    assert.equal(limiter.when('b'), 1000, 'the bucket is empty, so its 1 s wait dominates');
    assert.equal(limiter.numRequeues('a'), 1);
  });
});
