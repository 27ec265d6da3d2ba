import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FakeClock } from '../../../src/kube/clock.js';
import { workQueuePrometheus } from '../../../src/kube/workqueue/prometheus.js';
import { WorkQueue } from '../../../src/kube/workqueue/workqueue.js';

describe('work queue Prometheus metrics', () => {
  it('exposes controller-runtime metric names with a lane label, for several controllers on one registry', async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const es = workQueuePrometheus('externalsecret', registry);
    const queue = new WorkQueue({ lanes: ['urgent', 'refresh'], clock, metrics: es.hooks });
    es.attach(queue);
    const store = workQueuePrometheus('secretstore', registry);
    store.attach(new WorkQueue({ clock, metrics: store.hooks }));

    queue.add('a', 'urgent');
    queue.add('b', 'refresh');
    queue.add('c', 'refresh');
    clock.advance(2000);
    queue.tryGet();
    clock.advance(500);
    queue.addRateLimited('x', 'urgent');

    const text = await registry.metrics();
    const line = (prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));
    assert.equal(
      line('workqueue_depth{controller="externalsecret",name="externalsecret",lane="urgent"}'),
      'workqueue_depth{controller="externalsecret",name="externalsecret",lane="urgent"} 0',
    );
    assert.equal(
      line('workqueue_depth{controller="externalsecret",name="externalsecret",lane="refresh"}'),
      'workqueue_depth{controller="externalsecret",name="externalsecret",lane="refresh"} 2',
    );
    assert.ok(line('workqueue_depth{controller="secretstore",name="secretstore",lane="default"} 0'));
    assert.ok(line('workqueue_adds_total{controller="externalsecret",name="externalsecret",lane="refresh"} 2'));
    assert.ok(line('workqueue_retries_total{controller="externalsecret",name="externalsecret",lane="urgent"} 1'));
    assert.ok(
      line('workqueue_queue_duration_seconds_sum{controller="externalsecret",name="externalsecret",lane="urgent"} 2'),
    );
    assert.ok(
      line('workqueue_longest_running_processor_seconds{controller="externalsecret",name="externalsecret"} 0.5'),
    );
    assert.ok(line('workqueue_unfinished_work_seconds{controller="externalsecret",name="externalsecret"} 0.5'));
  });
});
