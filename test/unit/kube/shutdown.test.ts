import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { FakeClock, flushMicrotasks, sleep } from '../../../src/kube/clock.js';
import { onTerminationSignal, shutdownGracefully } from '../../../src/kube/shutdown.js';
import { runWorkers } from '../../../src/kube/workqueue/workers.js';
import { WorkQueue } from '../../../src/kube/workqueue/workqueue.js';

describe('shutdownGracefully', () => {
  it('stops informers, drains queued work, waits for workers, and only then releases the lease', async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    const queue = new WorkQueue({ clock });
    const workers = runWorkers(queue, 1, async (key) => {
      order.push(`start ${key}`);
      await sleep(clock, 1000);
      order.push(`end ${key}`);
    });
    queue.add('a');
    queue.add('b');
    await flushMicrotasks();
    const election = { stop: new AbortController(), done: Promise.resolve() };
    election.done = new Promise<void>((resolve) =>
      election.stop.signal.addEventListener('abort', () => {
        order.push('lease released');
        resolve();
      }),
    );
    const pending = shutdownGracefully({
      clock,
      informers: [{ stop: () => void order.push('informer stopped') }],
      queues: [queue],
      workers: [workers],
      leaderElection: election,
      onStep: (step, outcome) => order.push(`${step} ${outcome}`),
    });
    await clock.advanceAsync(3000);
    const result = await pending;
    assert.deepEqual(order, [
      'start a',
      'informer stopped',
      'informers done',
      'end a',
      'start b',
      'end b',
      'queues done',
      'workers done',
      'lease released',
      'lease done',
    ]);
    assert.equal(result.clean, true);
  });

  it('gives up on a stuck worker at the drain deadline and still releases the lease', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const workers = runWorkers(queue, 1, () => new Promise(() => {})); // never finishes
    queue.add('stuck');
    queue.add('queued');
    await flushMicrotasks();
    const steps: string[] = [];
    const stop = new AbortController();
    const pending = shutdownGracefully({
      clock,
      drainTimeoutMs: 10_000,
      queues: [queue],
      workers: [workers],
      leaderElection: { stop, done: Promise.resolve() },
      onStep: (step, outcome) => steps.push(`${step} ${outcome}`),
    });
    await clock.advanceAsync(9_999);
    assert.deepEqual(steps, ['informers done'], 'still draining');
    await clock.advanceAsync(1);
    const result = await pending;
    assert.deepEqual(steps, ['informers done', 'queues timed out', 'workers timed out', 'lease done']);
    assert.equal(result.clean, false);
    assert.equal(queue.len(), 0, 'what was still queued is dropped');
    assert.ok(stop.signal.aborted);
  });
});

describe('onTerminationSignal', () => {
  it('runs the shutdown once on the first signal and forces the exit on a second one', async () => {
    const source = new EventEmitter();
    const calls: string[] = [];
    let forced = 0;
    const dispose = onTerminationSignal((signal) => void calls.push(signal), {
      source,
      onSecondSignal: () => forced++,
    });
    source.emit('SIGTERM');
    await flushMicrotasks(2);
    assert.deepEqual(calls, ['SIGTERM']);
    source.emit('SIGINT');
    assert.equal(forced, 1);
    assert.deepEqual(calls, ['SIGTERM']);
    dispose();
    assert.equal(source.listenerCount('SIGTERM') + source.listenerCount('SIGINT'), 0);
  });
});
