// ClusterPushSecret on the real control plane: a PushSecret stamped into every selected namespace, reported in
// status, a foreign PushSecret of the same name left alone, children removed when a namespace is no longer
// selected and when the ClusterPushSecret is deleted. The store has a controller class unique to this file, so
// a cluster-wide operator here leaves other files' objects alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import {
  type ClusterPushSecretObject,
  clusterPushSecretOperatorController,
  PUSHSECRET_EXISTS_REASON,
  type PushSecretObject,
  PushSecretResources,
  pushSecretController,
} from '../../../src/operator/pushsecret/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../../src/providers/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { createNamespace, type Harness, harness, startTestOperator, waitFor } from './harness.js';

describe('ClusterPushSecret controller', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle;
  const klass = uniqueName('cps-class');
  const css = uniqueName('cps-fake');
  const cps = uniqueName('cps');
  const label = uniqueName('sel');
  const remoteKey = uniqueName('cps-remote');
  const fake = new FakeSecretsProvider();
  const namespaces: string[] = [];

  const getCps = () => h.client.get<ClusterPushSecretObject>(PushSecretResources.clusterPushSecrets, cps);
  const child = async (namespace: string) => {
    try {
      return await h.client.get<PushSecretObject>(PushSecretResources.pushSecrets, 'child', { namespace });
    } catch {
      return undefined;
    }
  };

  before(async () => {
    h = await harness();
    for (const prefix of ['cps-a', 'cps-b', 'cps-taken', 'cps-other'])
      namespaces.push(await createNamespace(h, prefix));
    const [a, b, taken] = namespaces as [string, string, string, string];
    for (const ns of [a, b, taken]) {
      await h.client.patch(Resources.namespaces, ns, { metadata: { labels: { 'cps-test': label } } });
      await h.client.create(Resources.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'src', namespace: ns },
        stringData: { v: 'cps-value-9kQ' },
      });
    }
    await h.client.create(PushSecretResources.pushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'child', namespace: taken },
      spec: { secretStoreRefs: [{ name: 'elsewhere' }], selector: { secret: { name: 'src' } } },
    });
    await h.client.create(OperatorResources.clusterSecretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: css },
      spec: { controller: klass, provider: { fake: { data: [] } } },
    });
    op = await startTestOperator(h, {
      controllerClass: klass,
      providers: defaultProviderRegistry({ fake }),
      controllers: [pushSecretController(), clusterPushSecretOperatorController],
    });
  });

  after(async () => {
    await op?.stop();
    await h?.client.delete(OperatorResources.clusterSecretStores, css).catch(() => undefined);
  });

  it('stamps the PushSecret into selected namespaces and reports the taken one as failed', async () => {
    const [a, b, taken] = namespaces as [string, string, string, string];
    await h.client.create(PushSecretResources.clusterPushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'ClusterPushSecret',
      metadata: { name: cps },
      spec: {
        namespaceSelectors: [{ matchLabels: { 'cps-test': label } }],
        pushSecretName: 'child',
        pushSecretMetadata: { labels: { from: 'cps' } },
        pushSecretSpec: {
          secretStoreRefs: [{ kind: 'ClusterSecretStore', name: css }],
          selector: { secret: { name: 'src' } },
          data: [{ match: { secretKey: 'v', remoteRef: { remoteKey } } }],
        },
      },
    });
    const status = await waitFor('ClusterPushSecret status', async () => {
      const s = (await getCps()).status;
      return s?.provisionedNamespaces?.length === 2 ? s : undefined;
    });
    assert.deepEqual(status.provisionedNamespaces, [a, b].sort());
    assert.deepEqual(status.failedNamespaces, [{ namespace: taken, reason: PUSHSECRET_EXISTS_REASON }]);
    assert.equal(status.pushSecretName, 'child');
    assert.equal(status.conditions?.[0]?.status, 'False');
    for (const ns of [a, b]) {
      const p = await waitFor(`child in ${ns} Ready`, async () => {
        const c = await child(ns);
        return c?.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' ? c : undefined;
      });
      assert.equal(p.metadata?.labels?.from, 'cps');
      assert.equal(p.metadata?.ownerReferences?.[0]?.name, cps);
    }
    assert.ok(fake.calls.count('pushSecret', remoteKey) >= 2);
    assert.deepEqual((await child(taken))?.spec?.secretStoreRefs, [{ name: 'elsewhere', kind: 'SecretStore' }]);
  });

  it('removes the child from a namespace no longer selected, and all children on deletion', async () => {
    const [a, b] = namespaces as [string, string, string, string];
    await h.client.patch(Resources.namespaces, b, { metadata: { labels: { 'cps-test': null } } });
    await waitFor('child in b removed', async () => (await child(b)) === undefined);
    assert.ok(await child(a));
    await h.client.delete(PushSecretResources.clusterPushSecrets, cps);
    await waitFor('child in a removed', async () => (await child(a)) === undefined);
    await waitFor('ClusterPushSecret gone', async () => {
      try {
        await getCps();
        return false;
      } catch {
        return true;
      }
    });
  });
});
