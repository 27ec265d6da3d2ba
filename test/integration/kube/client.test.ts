import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeObject } from '../../../src/kube/client.js';
import { isAlreadyExists, isConflict, isNotFound, KubeApiError } from '../../../src/kube/errors.js';
import { Resources } from '../../../src/kube/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('KubeClient on a real API server', { skip: integration.skipReason }, () => {
  let client: KubeClient;
  let namespace: string;

  before(async () => {
    const { kc } = await integration.cluster();
    client = new KubeClient(kc);
    namespace = uniqueName('kclient');
    await client.create(Resources.namespaces, { metadata: { name: namespace } });
  });

  after(async () => {
    await client?.delete(Resources.namespaces, namespace).catch(() => undefined);
    client?.close();
  });

  it('creates, gets, lists, updates and deletes a namespaced core object', async () => {
    const created = await client.create<Secret>(Resources.secrets, {
      metadata: { name: 'crud', namespace, labels: { app: 'crud' } },
      stringData: { password: 'hunter2' },
    });
    assert.ok(created.metadata?.resourceVersion);
    const got = await client.get<Secret>(Resources.secrets, 'crud', { namespace });
    assert.equal(got.data?.password, b64('hunter2'));

    const list = await client.list<Secret>(Resources.secrets, { namespace, labelSelector: 'app=crud' });
    assert.deepEqual(
      list.items.map((s) => s.metadata?.name),
      ['crud'],
    );
    assert.ok(list.metadata?.resourceVersion);

    got.data = { password: b64('changed') };
    const updated = await client.update(Resources.secrets, got);
    assert.notEqual(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);

    await client.delete(Resources.secrets, 'crud', { namespace });
    await assert.rejects(client.get(Resources.secrets, 'crud', { namespace }), (e) => isNotFound(e));
  });

  it('reports a stale resourceVersion as a 409 Conflict carrying the server message', async () => {
    const s = await client.create<Secret>(Resources.secrets, { metadata: { name: 'occ', namespace } });
    await client.update(Resources.secrets, { ...s, data: { a: b64('1') } });
    const error = await client.update(Resources.secrets, { ...s, data: { a: b64('2') } }).catch((e: unknown) => e);
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.status, 409);
    assert.equal(error.reason, 'Conflict');
    assert.ok(isConflict(error));
    assert.match(error.apiMessage, /the object has been modified/);
    assert.match(error.message, new RegExp(`PUT /api/v1/namespaces/${namespace}/secrets/occ: 409 Conflict`));
    const dup = await client.create(Resources.secrets, { metadata: { name: 'occ', namespace } }).catch((e) => e);
    assert.ok(isAlreadyExists(dup) && !isConflict(dup));
  });

  it('never puts request bodies into errors', async () => {
    const error = await client
      .create<Secret>(Resources.secrets, {
        metadata: { name: 'Invalid_Name', namespace },
        stringData: { token: 'do-not-leak-me' },
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.status, 422);
    assert.equal(error.reason, 'Invalid');
    assert.doesNotMatch(`${error.message} ${JSON.stringify(error.details)}`, /do-not-leak-me/);
  });

  it('patches with merge, strategic and JSON patch', async () => {
    await client.create<Secret>(Resources.secrets, {
      metadata: { name: 'patches', namespace, labels: { a: '1' } },
      data: { k: b64('v') },
    });
    await client.patch(Resources.secrets, 'patches', { metadata: { labels: { b: '2' } } }, { namespace });
    await client.patch(
      Resources.secrets,
      'patches',
      { metadata: { labels: { c: '3' } } },
      { namespace, patchType: 'strategic' },
    );
    const patched = await client.patch<Secret>(
      Resources.secrets,
      'patches',
      [{ op: 'remove', path: '/metadata/labels/a' }],
      { namespace, patchType: 'json' },
    );
    assert.deepEqual(patched.metadata?.labels, { b: '2', c: '3' });
  });

  it('applies server-side with a field manager, and force takes over fields owned by another manager', async () => {
    const obj: Secret = { metadata: { name: 'ssa', namespace, labels: { owner: 'one' } }, data: { k: b64('1') } };
    const applied = await client.apply(Resources.secrets, obj, { fieldManager: 'manager-one' });
    assert.equal(applied.data?.k, b64('1'));
    const managers = ((applied.metadata?.managedFields ?? []) as Array<{ manager: string }>).map((m) => m.manager);
    assert.deepEqual(managers, ['manager-one']);

    const other: Secret = { metadata: { name: 'ssa', namespace, labels: { owner: 'two' } } };
    const conflict = await client.apply(Resources.secrets, other, { fieldManager: 'manager-two' }).catch((e) => e);
    assert.ok(conflict instanceof KubeApiError && conflict.status === 409, 'a field owned by another manager');
    const forced = await client.apply(Resources.secrets, other, { fieldManager: 'manager-two', force: true });
    assert.equal(forced.metadata?.labels?.owner, 'two');
  });

  it('updates and patches the status subresource of a cluster-scoped object', async () => {
    const ns = await client.get(Resources.namespaces, namespace);
    const withStatus = { ...ns, status: { ...(ns.status as object), conditions: [] } };
    const updated = await client.updateStatus(Resources.namespaces, withStatus);
    assert.equal(updated.metadata?.name, namespace);
    const patched = await client.patchStatus(Resources.namespaces, namespace, {
      status: {
        conditions: [
          { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'Test', message: 'from a test' },
        ],
      },
    });
    const conditions = (patched.status as { conditions: Array<{ reason: string }> }).conditions;
    assert.equal(conditions[0]?.reason, 'Test');
  });

  it('lists metadata only, without Secret data', async () => {
    await client.create<Secret>(Resources.secrets, {
      metadata: { name: 'meta-only', namespace, labels: { meta: 'yes' } },
      stringData: { secret: 'invisible' },
    });
    const list = await client.list(Resources.secrets, { namespace, labelSelector: 'meta=yes', metadataOnly: true });
    assert.equal(list.kind, 'PartialObjectMetadataList');
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]?.metadata?.name, 'meta-only');
    assert.equal((list.items[0] as Secret).data, undefined);
    const one = await client.get(Resources.secrets, 'meta-only', { namespace, metadataOnly: true });
    assert.equal(one.kind, 'PartialObjectMetadata');
    assert.equal((one as Secret).data, undefined);
  });

  it('deletes with preconditions: a stale uid is refused', async () => {
    await client.create(Resources.secrets, { metadata: { name: 'precond', namespace } });
    const refused = await client
      .delete(Resources.secrets, 'precond', { namespace, preconditions: { uid: 'not-the-uid' } })
      .catch((e) => e);
    assert.ok(refused instanceof KubeApiError && refused.status === 409);
    await client.delete(Resources.secrets, 'precond', { namespace, propagationPolicy: 'Background' });
  });

  it('works with grouped resources (coordination.k8s.io Lease)', async () => {
    const lease = await client.create<KubeObject>(Resources.leases, {
      metadata: { name: 'grouped', namespace },
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15 },
    });
    assert.equal(lease.apiVersion, 'coordination.k8s.io/v1');
    const leases = await client.list(Resources.leases, { namespace });
    assert.equal(leases.items.length, 1);
  });

  it('paces requests with its token bucket', async () => {
    const { kc } = await integration.cluster();
    const slow = new KubeClient(kc, { qps: 10, burst: 1 });
    try {
      const start = Date.now();
      for (let i = 0; i < 6; i++) await slow.get(Resources.namespaces, namespace);
      // 5 requests beyond the burst at 10/s need at least ~500 ms.
      assert.ok(Date.now() - start >= 450, `6 requests at 10 QPS took only ${Date.now() - start} ms`);
    } finally {
      slow.close();
    }
  });

  it('turns a refused connection into a KubeApiError with status 0', async () => {
    const { kc } = await integration.cluster();
    const deadKc = new KubeConfig();
    deadKc.loadFromOptions({
      clusters: kc.clusters.map((c) => ({ ...c, server: 'https://127.0.0.1:1' })),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    const error = await new KubeClient(deadKc).get(Resources.namespaces, 'x').catch((e) => e);
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.status, 0);
    assert.equal(error.reason, 'NetworkError');
    assert.match(error.message, /ECONNREFUSED/);
  });
});
