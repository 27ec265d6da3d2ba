// ESO's <kind>_status_condition and <kind>_reconcile_duration gauges for PushSecret and the cluster kinds, fed by
// informer events: values follow the stored Ready condition, series go with their object, extended labels move.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { Informer, InformerEventHandler, KubeObject } from '../../../src/kube/index.js';
import { StatusMetrics } from '../../../src/operator/status-metrics.js';

function fakeInformer() {
  let handler: InformerEventHandler<KubeObject> | undefined;
  const informer = {
    addEventHandler(h: InformerEventHandler<KubeObject>) {
      handler = h;
      return () => undefined;
    },
  } as unknown as Informer<KubeObject>;
  return { informer, handler: () => handler as InformerEventHandler<KubeObject> };
}

const pushSecret = (ready: string, labels: Record<string, string> = {}) => ({
  metadata: { name: 'push', namespace: 'team-a', labels },
  status: { conditions: [{ type: 'Ready', status: ready }] },
});

async function series(registry: Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

describe('status metrics of PushSecret and the cluster kinds', () => {
  it('follow the stored Ready condition and go with the object', async () => {
    const registry = new Registry();
    const metrics = new StatusMetrics('pushsecret', registry);
    const { informer, handler } = fakeInformer();
    metrics.follow(informer);
    handler().onAdd?.(pushSecret('True'));
    const labels = { name: 'push', namespace: 'team-a', condition: 'Ready' };
    assert.deepEqual(await series(registry, 'pushsecret_status_condition'), [
      { labels: { ...labels, status: 'True' }, value: 1 },
      { labels: { ...labels, status: 'False' }, value: 0 },
    ]);
    handler().onUpdate?.(pushSecret('True'), pushSecret('False'));
    assert.deepEqual(
      (await series(registry, 'pushsecret_status_condition')).map((s) => [s.labels.status, s.value]),
      [
        ['True', 0],
        ['False', 1],
      ],
    );
    await metrics.timed('team-a/push', async () => undefined);
    const [duration] = await series(registry, 'pushsecret_reconcile_duration');
    assert.deepEqual(duration?.labels, { name: 'push', namespace: 'team-a' });
    assert.ok((duration?.value ?? 0) > 0, 'nanoseconds of the reconcile');
    handler().onDelete?.(pushSecret('False'));
    assert.deepEqual(await series(registry, 'pushsecret_status_condition'), []);
    assert.deepEqual(await series(registry, 'pushsecret_reconcile_duration'), []);
  });

  it('label cluster kinds with namespace "" and move extended labels with the object', async () => {
    const registry = new Registry();
    const metrics = new StatusMetrics('clusterexternalsecret', registry, { extendedLabels: true });
    const { informer, handler } = fakeInformer();
    metrics.follow(informer);
    const ces = (app: string) => ({
      metadata: { name: 'shared', labels: { 'app.kubernetes.io/name': app } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    handler().onAdd?.(ces('web'));
    handler().onUpdate?.(ces('web'), ces('api'));
    const now = await series(registry, 'clusterexternalsecret_status_condition');
    assert.deepEqual(
      now.map((s) => [s.labels.namespace, s.labels.app_kubernetes_io_name, s.labels.status, s.value]),
      [
        ['', 'api', 'True', 1],
        ['', 'api', 'False', 0],
      ],
      'only the series under the new label value are left',
    );
  });
});
