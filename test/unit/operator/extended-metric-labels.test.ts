// --enable-extended-metric-labels: the app.kubernetes.io/* label mapping and how OperatorMetrics uses it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  EXTENDED_LABEL_NAMES,
  extendedMetricLabels,
  metricLabelName,
} from '../../../src/operator/extended-metric-labels.js';
import { OperatorMetrics } from '../../../src/operator/metrics.js';

describe('extended metric labels', () => {
  it('turns label keys into Prometheus names by replacing every non-alphanumeric with _', () => {
    assert.equal(metricLabelName('app.kubernetes.io/part-of'), 'app_kubernetes_io_part_of');
    assert.equal(metricLabelName('app.kubernetes.io/managed-by'), 'app_kubernetes_io_managed_by');
    assert.deepEqual(EXTENDED_LABEL_NAMES, [
      'app_kubernetes_io_name',
      'app_kubernetes_io_instance',
      'app_kubernetes_io_version',
      'app_kubernetes_io_component',
      'app_kubernetes_io_part_of',
      'app_kubernetes_io_managed_by',
    ]);
  });

  it('fills the six labels from the object, empty when missing, ignoring other labels', () => {
    assert.deepEqual(
      extendedMetricLabels({
        'app.kubernetes.io/name': 'shop',
        'app.kubernetes.io/part-of': 'checkout',
        team: 'blue',
      }),
      {
        app_kubernetes_io_name: 'shop',
        app_kubernetes_io_instance: '',
        app_kubernetes_io_version: '',
        app_kubernetes_io_component: '',
        app_kubernetes_io_part_of: 'checkout',
        app_kubernetes_io_managed_by: '',
      },
    );
    assert.deepEqual(Object.values(extendedMetricLabels(undefined)), ['', '', '', '', '', '']);
  });

  it('labels ExternalSecret series only when enabled', async () => {
    const on = new OperatorMetrics(new Registry(), { extendedLabels: true });
    const off = new OperatorMetrics(new Registry());
    for (const m of [on, off]) {
      const labels = m.esLabels('es', 'ns', { 'app.kubernetes.io/name': 'shop' });
      m.syncCalls.inc(labels);
      m.setExternalSecretCondition(labels, 'Ready', 'True');
    }
    const onText = await on.registry.metrics();
    assert.match(
      onText,
      /externalsecret_sync_calls_total\{name="es",namespace="ns",app_kubernetes_io_name="shop",app_kubernetes_io_instance="",[^}]*\} 1/,
    );
    assert.match(onText, /externalsecret_status_condition\{[^}]*status="True",app_kubernetes_io_name="shop"[^}]*\} 1/);
    const offText = await off.registry.metrics();
    assert.match(offText, /externalsecret_sync_calls_total\{name="es",namespace="ns"\} 1/);
    assert.doesNotMatch(offText, /app_kubernetes_io/);
  });

  it('drops gauge series under old labels when the labels change, and keeps the last ones for deletion', async () => {
    const m = new OperatorMetrics(new Registry(), { extendedLabels: true });
    m.setExternalSecretCondition(m.esLabels('es', 'ns', { 'app.kubernetes.io/name': 'old' }), 'Ready', 'True');
    m.setExternalSecretCondition(m.esLabels('es', 'ns', { 'app.kubernetes.io/name': 'new' }), 'Ready', 'True');
    let text = await m.registry.metrics();
    assert.doesNotMatch(text, /app_kubernetes_io_name="old"/);
    assert.match(text, /condition="Ready",status="True",app_kubernetes_io_name="new"/);
    // Deleted: the object is no longer known (labels undefined), its series keep the labels last seen.
    assert.equal(m.esLabels('es', 'ns', undefined).app_kubernetes_io_name, 'new');
    m.externalSecretDeleted('es', 'ns');
    text = await m.registry.metrics();
    assert.doesNotMatch(text, /condition="Ready"/);
    assert.match(text, /condition="Deleted",status="False",app_kubernetes_io_name="new"[^}]*\} 1/);
  });
});
