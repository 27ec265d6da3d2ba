// controller-runtime's reconcile metrics as runWorkers reports them: result labels, errors, terminal errors,
// panics, the time histogram and the worker gauges, read back from a real prom-client registry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FakeClock, flushMicrotasks } from '../../../src/kube/clock.js';
import { reconcilePrometheus } from '../../../src/kube/workqueue/reconcile-prometheus.js';
import { runWorkers, TerminalError } from '../../../src/kube/workqueue/workers.js';
import { WorkQueue } from '../../../src/kube/workqueue/workqueue.js';

async function values(registry: Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  assert.ok(metric, `${name} is registered`);
  return metric.values.map((v) => ({
    labels: v.labels,
    value: v.value,
    metricName: (v as { metricName?: string }).metricName,
  }));
}

describe('reconcile metrics (controller-runtime names)', () => {
  it('counts each outcome under its result label, errors, terminal errors and panics', async () => {
    const registry = new Registry();
    const queue = new WorkQueue({ clock: new FakeClock() });
    const outcomes: Record<string, () => unknown> = {
      scheduled: () => ({ requeueAfter: 60_000 }),
      done: () => undefined,
      failing: () => {
        throw new Error('provider down');
      },
      invalid: () => {
        throw new TerminalError('bad spec');
      },
      bug: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'spec')");
      },
    };
    const workers = runWorkers(queue, 2, async (key) => outcomes[key]?.() as never, {
      observer: reconcilePrometheus('externalsecret', 2, registry),
    });
    for (const key of Object.keys(outcomes)) queue.add(key);
    await flushMicrotasks();
    queue.shutDown();
    await workers.stopped;

    const total = Object.fromEntries(
      (await values(registry, 'controller_runtime_reconcile_total')).map((v) => [v.labels.result, v.value]),
    );
    assert.deepEqual(total, { success: 1, error: 3, requeue: 0, requeue_after: 1 });
    assert.deepEqual(
      (await values(registry, 'controller_runtime_reconcile_errors_total')).map((v) => v.value),
      [3],
    );
    assert.deepEqual(
      (await values(registry, 'controller_runtime_terminal_reconcile_errors_total')).map((v) => v.value),
      [1],
    );
    assert.deepEqual(
      (await values(registry, 'controller_runtime_reconcile_panics_total')).map((v) => v.value),
      [1],
    );
    const count = (await values(registry, 'controller_runtime_reconcile_time_seconds')).find(
      (v) => v.metricName === 'controller_runtime_reconcile_time_seconds_count',
    );
    assert.equal(count?.value, 5, 'every reconcile is timed');
    assert.deepEqual(
      (await values(registry, 'controller_runtime_max_concurrent_reconciles')).map((v) => [
        v.labels.controller,
        v.value,
      ]),
      [['externalsecret', 2]],
    );
    assert.deepEqual(
      (await values(registry, 'controller_runtime_active_workers')).map((v) => v.value),
      [0],
    );
  });

  it('shows the workers busy while reconciles run', async () => {
    const registry = new Registry();
    const queue = new WorkQueue({ clock: new FakeClock() });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const workers = runWorkers(queue, 3, () => held, { observer: reconcilePrometheus('secretstore', 3, registry) });
    queue.add('a');
    queue.add('b');
    await flushMicrotasks();
    assert.deepEqual(
      (await values(registry, 'controller_runtime_active_workers')).map((v) => v.value),
      [2],
    );
    release();
    await flushMicrotasks();
    queue.shutDown();
    await workers.stopped;
    assert.deepEqual(
      (await values(registry, 'controller_runtime_active_workers')).map((v) => v.value),
      [0],
    );
  });
});

describe('a failing metrics observer', () => {
  it('changes nothing about the keys: a success is not retried', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    let calls = 0;
    const workers = runWorkers(
      queue,
      1,
      async () => {
        calls++;
      },
      {
        observer: {
          started: () => {
            throw new Error('broken metrics');
          },
          finished: () => {
            throw new Error('broken metrics');
          },
        },
      },
    );
    queue.add('a');
    await flushMicrotasks();
    assert.equal(calls, 1);
    assert.equal(queue.numRequeues('a'), 0, 'not sent through the rate limiter');
    queue.shutDown();
    await workers.stopped;
    assert.equal(calls, 1, 'not run again');
  });
});
