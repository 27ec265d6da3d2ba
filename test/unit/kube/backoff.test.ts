import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../../src/kube/backoff.js';
import { FakeClock, sleep } from '../../../src/kube/clock.js';
import { TokenBucket } from '../../../src/kube/tokenbucket.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap when jitter is off', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    assert.deepEqual(
      Array.from({ length: 6 }, () => b.next()),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(b.attempts, 6);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, jitter: 0 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 100);
  });

  it('keeps jittered delays within [ceiling * (1 - jitter), ceiling]', () => {
    const low = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 0.999999 });
    const high = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 0 });
    assert.equal(low.next(), 500);
    assert.equal(high.next(), 1000);
    const real = new Backoff({ initialMs: 1000, maxMs: 30_000 });
    for (let i = 0; i < 200; i++) {
      const d = real.next();
      const ceiling = Math.min(30_000, 1000 * 2 ** i);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${i}: ${d} outside [${ceiling / 2}, ${ceiling}]`);
    }
  });

  it('never overflows however many failures it counts', () => {
    const b = new Backoff({ initialMs: 1, maxMs: 5000, jitter: 0 });
    for (let i = 0; i < 5000; i++) b.next();
    assert.equal(b.next(), 5000);
  });

  it('rejects nonsensical options, naming them', () => {
    assert.throws(() => new Backoff({ initialMs: 0 }), /initialMs must be > 0/);
    assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), /maxMs must be >= initialMs/);
    assert.throws(() => new Backoff({ jitter: 2 }), /jitter must be within \[0, 1\]/);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then paces at the rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(50, 100, clock);
    for (let i = 0; i < 100; i++) assert.equal(bucket.reserve(), 0);
    assert.equal(bucket.reserve(), 20);
    assert.equal(bucket.reserve(), 40);
    clock.advance(1000);
    // 50 tokens refilled, 2 were owed.
    for (let i = 0; i < 48; i++) assert.equal(bucket.reserve(), 0);
    assert.equal(bucket.reserve(), 20);
  });

  it('is unlimited with a rate of 0', () => {
    const bucket = new TokenBucket(0, 0, new FakeClock());
    for (let i = 0; i < 10_000; i++) assert.equal(bucket.reserve(), 0);
  });

  it('take() waits on the clock for the reserved token', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    await bucket.take();
    let taken = false;
    const p = bucket.take().then(() => {
      taken = true;
    });
    await clock.advanceAsync(99);
    assert.equal(taken, false);
    await clock.advanceAsync(1);
    await p;
    assert.equal(taken, true);
  });
});

describe('sleep', () => {
  it('rejects with the abort reason and cancels its timer when aborted', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const p = sleep(clock, 10_000, controller.signal);
    controller.abort(new Error('stopping'));
    await assert.rejects(p, /stopping/);
    assert.equal(clock.pendingTimers(), 0);
  });
});
