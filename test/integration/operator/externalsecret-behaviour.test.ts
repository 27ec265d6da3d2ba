// ExternalSecret behaviour on the real control plane with the fake provider: ESO's policies, drift repair,
// no writes when nothing changed, truthful status, metrics, and no secret value in logs, events or status.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import { dataHash } from '../../../src/operator/externalsecret/hash.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  eventsOf,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  setFakeData,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

// Every value carries this marker, so one grep finds any leak.
const MARK = `SV${randomBytes(6).toString('hex')}`;
const v = (s: string) => `${MARK}-${s}`;

describe('ExternalSecret behaviour', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle;
  let ns: string;
  let storeData: Array<{ key: string; value: string; version?: string }>;

  const waitReady = (name: string, status: 'True' | 'False' = 'True', timeoutMs = 15_000) =>
    waitFor(
      `${name} Ready=${status}`,
      async () => {
        const es = await getExternalSecret(h, ns, name);
        return readyOf(es)?.status === status ? es : undefined;
      },
      timeoutMs,
    );

  const putStore = async (data: typeof storeData) => {
    storeData = data;
    await setFakeData(h, ns, 'store', data);
  };

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'es-behaviour');
    storeData = [
      { key: 'k1', value: v('one') },
      { key: 'k2', value: v('two') },
      { key: 'json', value: JSON.stringify({ user: v('user'), pass: v('pass') }) },
    ];
    await createFakeStore(h, ns, 'store', storeData);
    op = await startTestOperator(h, { namespace: ns, concurrency: 2 });
  });

  after(async () => {
    // The leak check runs last, over everything the tests above caused.
    await op?.stop();
  });

  it('writes exactly the Secret ESO would (type, labels, annotations, data)', async () => {
    await createExternalSecret(h, ns, 'exact', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
      dataFrom: [{ extract: { key: 'json' } }],
    });
    const secret = await waitFor('secret', () => getSecret(h, ns, 'exact'));
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(decode(secret.data), { a: v('one'), user: v('user'), pass: v('pass') });
    const labels = { ...secret.metadata?.labels };
    assert.equal(labels['reconcile.external-secrets.io/managed'], 'true');
    assert.match(labels['reconcile.external-secrets.io/created-by'] ?? '', /^[0-9a-f]{56}$/);
    assert.deepEqual(Object.keys(labels).sort(), [
      'reconcile.external-secrets.io/created-by',
      'reconcile.external-secrets.io/managed',
    ]);
    assert.deepEqual(Object.keys(secret.metadata?.annotations ?? {}), ['reconcile.external-secrets.io/data-hash']);
    const owner = secret.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'ExternalSecret');
    assert.equal(owner?.controller, true);
    const managers = (secret.metadata?.managedFields as Array<{ manager: string }>).map((m) => m.manager);
    assert.deepEqual(managers, ['externalsecrets.external-secrets.io/exact']);
    const es = await waitReady('exact');
    assert.equal(readyOf(es)?.message, 'secret synced');
    assert.match(String(es.status?.syncedResourceVersion), /^1-[0-9a-f]{56}$/);
  });

  it('refreshes without any Secret or status write when nothing changed', async () => {
    await createExternalSecret(h, ns, 'quiet', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await waitReady('quiet');
    const secret = await getSecret(h, ns, 'quiet');
    const es = await getExternalSecret(h, ns, 'quiet');
    const calls = async () => {
      const text = await op.metrics.registry.getSingleMetricAsString('externalsecret_sync_calls_total');
      return Number(/name="quiet",namespace="[^"]+"} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const lastSuccess = async () => {
      const text = await op.metrics.registry.getSingleMetricAsString(
        'custos_externalsecret_last_successful_sync_timestamp_seconds',
      );
      return Number(/name="quiet",namespace="[^"]+"} ([\d.e+]+)/.exec(text)?.[1] ?? 0);
    };
    const before = await calls();
    const successBefore = await lastSuccess();
    await sleep(3500);
    assert.ok((await calls()) >= before + 2, 'the ExternalSecret was refreshed at least twice');
    // status.refreshTime stays (no write), but the last successful sync is there for staleness alerts.
    assert.ok((await lastSuccess()) > successBefore, 'the last-successful-sync gauge moved without a status write');
    assert.ok(Math.abs((await lastSuccess()) - Date.now() / 1000) < 30);
    assert.equal((await getSecret(h, ns, 'quiet'))?.metadata?.resourceVersion, secret?.metadata?.resourceVersion);
    assert.equal((await getExternalSecret(h, ns, 'quiet')).metadata?.resourceVersion, es.metadata?.resourceVersion);
  });

  it('picks up a changed provider value at the next refresh', async () => {
    await createExternalSecret(h, ns, 'rotate', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      data: [{ secretKey: 'a', remoteRef: { key: 'rot' } }],
    });
    await putStore([...storeData, { key: 'rot', value: v('r1') }]);
    await waitFor('first value', async () => decode((await getSecret(h, ns, 'rotate'))?.data).a === v('r1'));
    await putStore([...storeData.filter((e) => e.key !== 'rot'), { key: 'rot', value: v('r2') }]);
    await waitFor('rotated value', async () => decode((await getSecret(h, ns, 'rotate'))?.data).a === v('r2'), 10_000);
    const events = await eventsOf(h, ns);
    assert.ok(events.some((e) => e.reason === 'Updated' && (e.involvedObject as { name: string }).name === 'rotate'));
  });

  it('a force-sync annotation refreshes at once, long before the interval', async () => {
    await putStore([...storeData, { key: 'fs', value: v('f1') }]);
    await createExternalSecret(h, ns, 'forced', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      data: [{ secretKey: 'a', remoteRef: { key: 'fs' } }],
    });
    await waitFor('first value', async () => decode((await getSecret(h, ns, 'forced'))?.data).a === v('f1'));
    await putStore([...storeData.filter((e) => e.key !== 'fs'), { key: 'fs', value: v('f2') }]);
    // The operator reads the fake store's data from its own watch of the store, which may trail the annotation's
    // event on a loaded machine: a force-sync that ran before the store update arrived read the old value. So the
    // annotation is changed again (each change is a new force-sync) until the value arrives; with a 1h interval
    // nothing but force-sync can bring it.
    const deadline = Date.now() + 15_000;
    let arrived = false;
    while (!arrived && Date.now() < deadline) {
      await h.client.patch(
        OperatorResources.externalSecrets,
        'forced',
        { metadata: { annotations: { 'force-sync': String(Date.now()) } } },
        { namespace: ns },
      );
      arrived = await waitFor(
        'forced value',
        async () => decode((await getSecret(h, ns, 'forced'))?.data).a === v('f2'),
        2000,
      ).catch(() => false);
    }
    assert.ok(arrived, 'force-sync did not bring the new value within 15 s (refreshInterval is 1h)');
  });

  it('repairs an edited or deleted target Secret within 2 s', async () => {
    await createExternalSecret(h, ns, 'drift', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    const secret = await waitFor('secret', () => getSecret(h, ns, 'drift'));
    await waitReady('drift');
    secret.data = { a: Buffer.from('tampered').toString('base64') };
    await h.client.update(Resources.secrets, secret);
    await waitFor('repaired data', async () => decode((await getSecret(h, ns, 'drift'))?.data).a === v('one'), 2000);
    await h.client.delete(Resources.secrets, 'drift', { namespace: ns });
    await waitFor('recreated', async () => decode((await getSecret(h, ns, 'drift'))?.data).a === v('one'), 2000);
  });

  it('spaces out repairs of a Secret that another controller keeps rewriting, says so, and still repairs it', async () => {
    await createExternalSecret(h, ns, 'fought', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await waitFor('synced', async () => decode((await getSecret(h, ns, 'fought'))?.data).a === v('one'));
    // The other controller: whenever the Secret holds the synced value, it writes its own (for 12 s).
    let repairs = -1;
    for (const end = Date.now() + 12_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      const secret = await getSecret(h, ns, 'fought');
      if (!secret || decode(secret.data).a !== v('one')) continue;
      repairs++;
      secret.data = { a: Buffer.from('theirs').toString('base64') };
      await h.client.update(Resources.secrets, secret).catch(() => undefined);
    }
    // At once five times a minute, then 5 s, 10 s, ... apart: about 7 in 12 s; without spacing, one per round trip.
    assert.ok(repairs >= 5 && repairs <= 10, `${repairs} repairs in 12 s`);
    const events = await eventsOf(h, ns);
    const warning = events.find(
      (e) => e.reason === 'DriftRepairsSpaced' && (e.involvedObject as { name?: string })?.name === 'fought',
    );
    assert.match(
      String(warning?.message),
      /target Secret "fought" was changed by something else 5 times within a minute/,
    );
    assert.equal(warning?.type, 'Warning');
    await waitFor(
      'repaired after the fight',
      async () => decode((await getSecret(h, ns, 'fought'))?.data).a === v('one'),
      25_000,
    );
  });

  it('a missing remote key gives Ready=False naming the key and keeps the last good Secret', async () => {
    await createExternalSecret(h, ns, 'missing', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    const good = await waitFor('secret', () => getSecret(h, ns, 'missing'));
    await waitReady('missing');
    await h.client.patch(
      OperatorResources.externalSecrets,
      'missing',
      {
        spec: {
          data: [
            { secretKey: 'a', remoteRef: { key: 'k1' } },
            { secretKey: 'b', remoteRef: { key: 'no-such-key' } },
          ],
        },
      },
      { namespace: ns },
    );
    const es = await waitReady('missing', 'False');
    const ready = readyOf(es);
    assert.equal(ready?.reason, 'SecretSyncedError');
    assert.match(ready?.message ?? '', /could not get secret data from provider/);
    assert.match(ready?.message ?? '', /no-such-key/);
    assert.match(ready?.message ?? '', /spec\.data\[1\]/);
    const after = await getSecret(h, ns, 'missing');
    assert.deepEqual(after?.data, good.data);
    const events = await eventsOf(h, ns);
    assert.ok(events.some((e) => e.reason === 'UpdateFailed' && e.type === 'Warning'));
  });

  it('a missing store, a bad regexp and a forbidden policy pair each say what to fix', async () => {
    await createExternalSecret(h, ns, 'nostore', {
      secretStoreRef: { name: 'does-not-exist' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await createExternalSecret(h, ns, 'badre', {
      secretStoreRef: { name: 'store' },
      dataFrom: [{ extract: { key: 'json' }, rewrite: [{ regexp: { source: '(', target: 'x' } }] }],
    });
    await createExternalSecret(h, ns, 'forbidden', {
      secretStoreRef: { name: 'store' },
      target: { creationPolicy: 'Merge', deletionPolicy: 'Delete' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    assert.match(
      readyOf(await waitReady('nostore', 'False'))?.message ?? '',
      /SecretStore "does-not-exist".*does not exist/,
    );
    assert.match(readyOf(await waitReady('badre', 'False'))?.message ?? '', /invalid rewrite regexp "\(".*RE2/);
    assert.match(
      readyOf(await waitReady('forbidden', 'False'))?.message ?? '',
      /deletionPolicy Delete cannot be combined with creationPolicy Merge/,
    );
  });

  it('an unsupported provider is named on the store and on the ExternalSecret', async () => {
    await h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'aws-store', namespace: ns },
      spec: {
        provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } },
      },
    });
    const store = await waitFor('store status', async () => {
      const s = await h.client.get<
        { status?: { conditions?: Array<Record<string, string>> } } & Record<string, unknown>
      >(OperatorResources.secretStores, 'aws-store', { namespace: ns });
      return s.status?.conditions?.length ? s : undefined;
    });
    const condition = store.status?.conditions?.[0];
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, 'InvalidProviderConfig');
    assert.match(condition?.message ?? '', /unsupported provider "aws"/);
    await createExternalSecret(h, ns, 'unsupported', {
      secretStoreRef: { name: 'aws-store' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    assert.match(readyOf(await waitReady('unsupported', 'False'))?.message ?? '', /unsupported provider "aws"/);
  });

  it('leaves stores of another controller class, and the ExternalSecrets using them, alone', async () => {
    await createFakeStore(h, ns, 'foreign-store', [{ key: 'k1', value: v('foreign') }], { controller: 'someone-else' });
    // The operator must have seen the foreign store before the ExternalSecret arrives (a store it has not seen yet is
    // "not found", as in ESO). Stores come through one watch in order, so once a store created after it is in use,
    // the foreign one is known too.
    await createFakeStore(h, ns, 'after-foreign', [{ key: 'k1', value: v('after') }]);
    await createExternalSecret(h, ns, 'after-foreign-es', {
      secretStoreRef: { name: 'after-foreign' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await waitReady('after-foreign-es');
    await createExternalSecret(h, ns, 'foreign-es', {
      secretStoreRef: { name: 'foreign-store' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await waitReady('exact'); // the operator is running
    await sleep(2000);
    const es = await getExternalSecret(h, ns, 'foreign-es');
    assert.equal(es.status, undefined);
    assert.equal(await getSecret(h, ns, 'foreign-es'), undefined);
    const store = await h.client.get<{ status?: unknown } & Record<string, unknown>>(
      OperatorResources.secretStores,
      'foreign-store',
      { namespace: ns },
    );
    assert.equal(store.status, undefined);
  });

  it('creationPolicy Merge never creates, and keeps keys it does not own', async () => {
    await createExternalSecret(h, ns, 'merger', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      target: { name: 'shared', creationPolicy: 'Merge' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    const es = await waitReady('merger');
    assert.equal(readyOf(es)?.reason, 'SecretMissing');
    assert.equal(readyOf(es)?.message, 'secret will not be created due to CreationPolicy=Merge');
    assert.equal(await getSecret(h, ns, 'shared'), undefined);
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'shared', namespace: ns },
      data: { foreign: Buffer.from('mine').toString('base64') },
    });
    await waitFor('merged', async () => decode((await getSecret(h, ns, 'shared'))?.data).a === v('one'));
    const secret = await getSecret(h, ns, 'shared');
    assert.deepEqual(decode(secret?.data), { foreign: 'mine', a: v('one') });
    assert.equal(secret?.metadata?.ownerReferences, undefined);
  });

  it('Owner refuses a Secret owned by another ExternalSecret', async () => {
    await createExternalSecret(h, ns, 'first-owner', {
      secretStoreRef: { name: 'store' },
      target: { name: 'contested' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await waitReady('first-owner');
    await createExternalSecret(h, ns, 'second-owner', {
      secretStoreRef: { name: 'store' },
      target: { name: 'contested' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k2' } }],
    });
    const es = await waitReady('second-owner', 'False');
    assert.match(readyOf(es)?.message ?? '', /^target is owned by another ExternalSecret/);
    assert.equal(decode((await getSecret(h, ns, 'contested'))?.data).a, v('one'));
  });

  it('deletes the Secret created under an old target name (Owner, target rename)', async () => {
    await createExternalSecret(h, ns, 'renamer', {
      secretStoreRef: { name: 'store' },
      target: { name: 'old-name' },
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await waitFor('old secret', () => getSecret(h, ns, 'old-name'));
    await h.client.patch(
      OperatorResources.externalSecrets,
      'renamer',
      { spec: { target: { name: 'new-name' } } },
      { namespace: ns },
    );
    await waitFor('new secret', () => getSecret(h, ns, 'new-name'));
    await waitFor('old secret gone', async () => (await getSecret(h, ns, 'old-name')) === undefined, 5000);
  });

  it('immutable targets are created immutable and report a change they cannot apply', async () => {
    // The remote key exists before the ExternalSecret does, and the test waits for Ready=True before changing it:
    // otherwise a Ready=False left from an earlier sync could be taken for the immutable error.
    await putStore([...storeData, { key: 'imm', value: v('i1') }]);
    await createExternalSecret(h, ns, 'frozen', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      target: { immutable: true },
      data: [{ secretKey: 'a', remoteRef: { key: 'imm' } }],
    });
    await waitReady('frozen');
    const secret = await waitFor('secret', () => getSecret(h, ns, 'frozen'));
    assert.equal(secret.immutable, true);
    await putStore([...storeData.filter((e) => e.key !== 'imm'), { key: 'imm', value: v('i2') }]);
    const es = await waitReady('frozen', 'False');
    assert.match(readyOf(es)?.message ?? '', /^could not update secret, target is immutable/);
    assert.equal(decode((await getSecret(h, ns, 'frozen'))?.data).a, v('i1'));
  });

  it('deletionPolicy Delete removes the Secret when the provider data is gone', async () => {
    await putStore([...storeData, { key: 'ephemeral', value: v('e') }]);
    await createExternalSecret(h, ns, 'deleter', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      target: { deletionPolicy: 'Delete' },
      data: [{ secretKey: 'a', remoteRef: { key: 'ephemeral' } }],
    });
    await waitFor('secret', () => getSecret(h, ns, 'deleter'));
    await putStore(storeData.filter((e) => e.key !== 'ephemeral'));
    await waitFor('deleted', async () => (await getSecret(h, ns, 'deleter')) === undefined, 10_000);
    const es = await waitFor('SecretDeleted', async () => {
      const es = await getExternalSecret(h, ns, 'deleter');
      return readyOf(es)?.reason === 'SecretDeleted' ? es : undefined;
    });
    assert.equal(readyOf(es)?.message, 'secret deleted due to DeletionPolicy=Delete');
  });

  it('deletionPolicy Retain keeps the Secret and reports the error when the provider data is gone', async () => {
    await putStore([...storeData, { key: 'kept', value: v('kept') }]);
    await createExternalSecret(h, ns, 'retainer', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      data: [{ secretKey: 'a', remoteRef: { key: 'kept' } }],
    });
    await waitFor('secret', () => getSecret(h, ns, 'retainer'));
    await waitReady('retainer');
    await putStore(storeData.filter((e) => e.key !== 'kept'));
    const es = await waitReady('retainer', 'False');
    assert.match(readyOf(es)?.message ?? '', /kept/);
    assert.equal(decode((await getSecret(h, ns, 'retainer'))?.data).a, v('kept'));
  });

  it('deletionPolicy Merge drops only the keys that are gone', async () => {
    await putStore([...storeData, { key: 'm1', value: v('m1') }, { key: 'm2', value: v('m2') }]);
    await createExternalSecret(h, ns, 'merge-del', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1s',
      target: { deletionPolicy: 'Merge' },
      data: [
        { secretKey: 'a', remoteRef: { key: 'm1' } },
        { secretKey: 'b', remoteRef: { key: 'm2' } },
      ],
    });
    await waitFor(
      'both keys',
      async () => Object.keys(decode((await getSecret(h, ns, 'merge-del'))?.data)).length === 2,
    );
    await putStore(storeData.filter((e) => e.key !== 'm2').concat([{ key: 'm1', value: v('m1') }]));
    await waitFor('one key', async () => {
      const data = decode((await getSecret(h, ns, 'merge-del'))?.data);
      return Object.keys(data).length === 1 && data.a === v('m1');
    });
    const events = await eventsOf(h, ns);
    assert.ok(events.some((e) => e.reason === 'MissingProviderSecret'));
  });

  it('on ExternalSecret deletion: Delete removes the Secret, Orphan leaves it, Owner lets GC remove it', async () => {
    const spec = (target: Record<string, unknown>) => ({
      secretStoreRef: { name: 'store' },
      target,
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    await createExternalSecret(h, ns, 'gone-delete', spec({ deletionPolicy: 'Delete' }));
    await createExternalSecret(h, ns, 'gone-orphan', spec({ creationPolicy: 'Orphan' }));
    await createExternalSecret(h, ns, 'gone-owner', spec({}));
    for (const name of ['gone-delete', 'gone-orphan', 'gone-owner']) await waitFor(name, () => getSecret(h, ns, name));
    const orphan = await getSecret(h, ns, 'gone-orphan');
    assert.equal(orphan?.metadata?.ownerReferences, undefined);
    const es = await getExternalSecret(h, ns, 'gone-delete');
    assert.ok((es.metadata?.finalizers ?? []).includes('externalsecrets.external-secrets.io/externalsecret-cleanup'));
    for (const name of ['gone-delete', 'gone-orphan', 'gone-owner']) {
      await h.client.delete(OperatorResources.externalSecrets, name, { namespace: ns });
    }
    await waitFor('ExternalSecrets gone', async () => {
      const list = await h.client.list(OperatorResources.externalSecrets, { namespace: ns });
      return !list.items.some((i) => i.metadata?.name?.startsWith('gone-'));
    });
    await waitFor(
      'Delete policy removed its Secret',
      async () => (await getSecret(h, ns, 'gone-delete')) === undefined,
    );
    await waitFor(
      'GC removed the owned Secret',
      async () => (await getSecret(h, ns, 'gone-owner')) === undefined,
      // kube-controller-manager's garbage collector picks up a newly installed CRD kind on its next discovery
      // resync (every 30 s), so on a fresh control plane this can take most of a minute.
      60_000,
    );
    assert.ok(await getSecret(h, ns, 'gone-orphan'), 'the Orphan Secret stays');
  });

  it('adopts a Secret written by ESO without changing it', async () => {
    const es = await createExternalSecret(h, ns, 'adopt', {
      secretStoreRef: { name: 'store-later' },
      refreshInterval: '1h',
      data: [{ secretKey: 'a', remoteRef: { key: 'k1' } }],
    });
    const data = { a: new TextEncoder().encode(v('one')) };
    const written: KubeObject = await h.client.create<KubeObject>(
      Resources.secrets,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: 'adopt',
          namespace: ns,
          labels: {
            'reconcile.external-secrets.io/managed': 'true',
            'reconcile.external-secrets.io/created-by': (await import('../../../src/operator/index.js')).createdByValue(
              ns,
              'adopt',
            ),
          },
          annotations: { 'reconcile.external-secrets.io/data-hash': dataHash(data) },
          ownerReferences: [
            {
              apiVersion: 'external-secrets.io/v1',
              kind: 'ExternalSecret',
              name: 'adopt',
              uid: es.metadata?.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        data: { a: Buffer.from(data.a).toString('base64') },
      },
      { fieldManager: 'externalsecrets.external-secrets.io/adopt' },
    );
    await createFakeStore(h, ns, 'store-later', storeData);
    await waitReady('adopt', 'True', 20_000);
    const adopted = await getSecret(h, ns, 'adopt');
    assert.equal(adopted?.metadata?.resourceVersion, written.metadata?.resourceVersion);
  });

  it('serves ESO metrics, queue depth per lane and coalesced reads', async () => {
    // Many ExternalSecrets reading the same key share provider calls.
    for (let i = 0; i < 5; i++) {
      await createExternalSecret(h, ns, `shared-${i}`, {
        secretStoreRef: { name: 'store' },
        refreshInterval: '1h',
        data: [{ secretKey: 'a', remoteRef: { key: 'k2' } }],
      });
    }
    for (let i = 0; i < 5; i++) await waitReady(`shared-${i}`);
    const response = await fetch(`http://${op.httpAddress}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /externalsecret_sync_calls_total\{name="shared-0",namespace="[^"]+"\} \d+/);
    assert.match(
      text,
      /externalsecret_status_condition\{name="shared-0",namespace="[^"]+",condition="Ready",status="True"\} 1/,
    );
    assert.match(text, /externalsecret_sync_calls_error\{name="missing"/);
    assert.match(text, /externalsecret_reconcile_duration\{name="shared-0"/);
    assert.match(
      text,
      /externalsecret_provider_api_calls_count\{provider="Fake",call="GetSecret",status="success"\} \d+/,
    );
    assert.match(
      text,
      /secretstore_status_condition\{name="store",namespace="[^"]+",condition="Ready",status="True"\} 1/,
    );
    assert.match(text, /workqueue_depth\{controller="externalsecret",name="externalsecret",lane="urgent"\} \d+/);
    assert.match(text, /workqueue_depth\{controller="externalsecret",name="externalsecret",lane="refresh"\} \d+/);
    const coalesced = Number(
      /custos_provider_reads_coalesced_total\{provider="Fake",call="GetSecret"\} (\d+)/.exec(text)?.[1],
    );
    assert.ok(coalesced >= 4, `expected coalesced reads, got ${coalesced}`);
    assert.equal((await fetch(`http://${op.httpAddress}/healthz`)).status, 200);
    assert.equal((await fetch(`http://${op.httpAddress}/readyz`)).status, 200);
  });

  it('never puts a secret value in logs, events or status', async () => {
    const events = JSON.stringify(await eventsOf(h, ns));
    const statuses = JSON.stringify(
      (await h.client.list(OperatorResources.externalSecrets, { namespace: ns })).items.map((i) => i.status),
    );
    const stores = JSON.stringify(
      (await h.client.list(OperatorResources.secretStores, { namespace: ns })).items.map((i) => i.status),
    );
    const metrics = await op.metrics.registry.metrics();
    assert.ok(h.logs.length > 10, 'logs were captured');
    for (const [what, text] of Object.entries({ logs: h.logs.join('\n'), events, statuses, stores, metrics })) {
      assert.equal(text.includes(MARK), false, `a secret value leaked into ${what}`);
    }
  });
});
