import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { integration, type TestCluster, uniqueName } from '../../helpers/cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

describe('real control plane', { skip: integration.skipReason }, () => {
  let cluster: TestCluster;
  let core: CoreV1Api;

  before(async () => {
    cluster = await integration.cluster();
    core = cluster.kc.makeApiClient(CoreV1Api);
  });

  it('garbage-collects a Secret whose owner was deleted (kube-controller-manager runs)', async () => {
    const namespace = uniqueName('gc');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const owner = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'owner' }, data: { a: 'b' } },
    });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
        stringData: { k: 'v' },
      },
    });
    await core.deleteNamespacedConfigMap({ namespace, name: 'owner' });
    await eventually('the owned Secret to be garbage-collected', 60_000, async () => {
      try {
        await core.readNamespacedSecret({ namespace, name: 'owned' });
        return undefined;
      } catch (error) {
        return statusOf(error) === 404 ? true : undefined;
      }
    });
  });

  it('finishes deleting a namespace together with its contents', async () => {
    const namespace = uniqueName('nsdel');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 's' }, stringData: { k: 'v' } } });
    await core.deleteNamespace({ name: namespace });
    await eventually('the namespace to disappear', 60_000, async () => {
      try {
        await core.readNamespace({ name: namespace });
        return undefined;
      } catch (error) {
        return statusOf(error) === 404 ? true : undefined;
      }
    });
  });

  it('enforces RBAC: a service account without a role cannot read Secrets', async () => {
    const namespace = uniqueName('rbac');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    const tokenRequest = await core.createNamespacedServiceAccountToken({
      namespace,
      name: 'reader',
      body: { spec: { audiences: [cluster.server], expirationSeconds: 600 } },
    });
    const token = tokenRequest.status!.token;
    // The token is genuine: TokenReview authenticates it as the service account.
    const review = await cluster.kc.makeApiClient(AuthenticationV1Api).createTokenReview({
      body: { spec: { token, audiences: [cluster.server] } },
    });
    assert.equal(review.status?.authenticated, true);
    assert.equal(review.status?.user?.username, `system:serviceaccount:${namespace}:reader`);

    const saConfig = new KubeConfig();
    const current = cluster.kc.getCurrentCluster()!;
    saConfig.loadFromOptions({
      clusters: [{ name: 'c', server: current.server, caData: current.caData }],
      users: [{ name: 'sa', token }],
      contexts: [{ name: 'c', cluster: 'c', user: 'sa' }],
      currentContext: 'c',
    });
    await assert.rejects(
      saConfig.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace }),
      (error: unknown) => statusOf(error) === 403,
    );
  });
});

describe('private control planes', { skip: integration.skipReason }, () => {
  it('start side by side on distinct ports and clean up only their own processes and files', async () => {
    const [a, b] = await Promise.all([integration.startPrivate(), integration.startPrivate()]);
    try {
      assert.notEqual(a.server, b.server);
      assert.notEqual(a.dir, b.dir);
      assert.ok(existsSync(a.kubeconfigPath) && a.kubeconfigPath.endsWith('/kubeconfig'));
      await a.stop();
      assert.equal(existsSync(a.dir), false, 'the stopped plane removed its directory');
      // The other plane is untouched by the first one's shutdown.
      const kc = new KubeConfig();
      kc.loadFromFile(b.kubeconfigPath);
      const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
      assert.ok(namespaces.items.some((ns) => ns.metadata?.name === 'default'));
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
