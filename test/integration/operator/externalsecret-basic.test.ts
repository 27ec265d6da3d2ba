import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { type OperatorHandle, startOperator } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  startTestOperator,
  waitFor,
} from './harness.js';

describe('ExternalSecret basic sync', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle;
  let ns: string;

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'es-basic');
    op = await startTestOperator(h, { namespace: ns });
  });
  after(async () => {
    await op?.stop();
  });

  it('creates the target Secret with ESO labels, annotations and status', async () => {
    await createFakeStore(h, ns, 'store', [
      { key: 'k1', value: 'value1' },
      { key: 'k2', value: 'value2' },
    ]);
    await createExternalSecret(h, ns, 'es1', {
      secretStoreRef: { name: 'store', kind: 'SecretStore' },
      target: { name: 'target1' },
      refreshInterval: '1h',
      data: [
        { secretKey: 'foo', remoteRef: { key: 'k1' } },
        { secretKey: 'bar', remoteRef: { key: 'k2' } },
      ],
    });
    const secret = await waitFor('target secret', () => getSecret(h, ns, 'target1'));
    assert.deepEqual(decode(secret.data), { foo: 'value1', bar: 'value2' });
    assert.equal(secret.metadata?.labels?.['reconcile.external-secrets.io/managed'], 'true');
    assert.equal(
      secret.metadata?.annotations?.['reconcile.external-secrets.io/data-hash'],
      '1bed8bcbcb4547ffe19a19cd47d9078e84aa6598266d86b99f992d64',
    );
    const es = await waitFor('ready', async () => {
      const es = await getExternalSecret(h, ns, 'es1');
      return readyOf(es)?.status === 'True' ? es : undefined;
    });
    assert.equal(readyOf(es)?.reason, 'SecretSynced');
    assert.equal((es.status as { binding?: { name?: string } }).binding?.name, 'target1');
  });

  it('refuses to start on a cluster without the CRDs, saying what to install', async () => {
    const plane = await integration.startPrivate();
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(plane.kubeconfigPath);
      await assert.rejects(
        startOperator({ kubeConfig: kc }),
        /does not serve external-secrets\.io\/v1 externalsecrets, external-secrets\.io\/v1 secretstores, external-secrets\.io\/v1 clustersecretstores: install the CRDs first \(custos crds install/,
      );
    } finally {
      await plane.stop();
    }
  });
});
