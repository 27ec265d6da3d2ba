import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeClient, type KubeObject } from '../../../src/kube/client.js';
import { Informer } from '../../../src/kube/informer.js';
import { InformerFactory } from '../../../src/kube/informerfactory.js';
import { ListWatch, stripManagedFields } from '../../../src/kube/listwatch.js';
import { Resources } from '../../../src/kube/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { startFaultProxy } from './tcp-proxy.js';

interface Secret extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The etcd client URL, read from the control plane's kube-apiserver log (it logs its flags at start). */
function etcdUrlOf(kubeconfigPath: string): string | undefined {
  try {
    const log = readFileSync(join(dirname(kubeconfigPath), 'kube-apiserver.log'), 'utf8');
    return /--etcd-servers="\[(http:\/\/[^\]\s,]+)/.exec(log)?.[1];
  } catch {
    return undefined;
  }
}

/** Compacts etcd's history up to its current revision (what kube-apiserver does every 5 minutes anyway). */
async function compactEtcd(etcd: string): Promise<void> {
  const range = await fetch(`${etcd}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'Lw==' }) });
  const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
  const compact = await fetch(`${etcd}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision, physical: true }),
  });
  assert.equal(compact.status, 200, `etcd compaction failed: ${await compact.text()}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function secret(namespace: string, name: string, labels: Record<string, string> = {}, value = 'v'): Secret {
  return { metadata: { name, namespace, labels }, stringData: { key: value } };
}

describe('informer and list-watch on a real API server', { skip: integration.skipReason }, () => {
  let client: KubeClient;
  let namespace: string;

  before(async () => {
    const { kc } = await integration.cluster();
    client = new KubeClient(kc);
    namespace = uniqueName('kinformer');
    await client.create(Resources.namespaces, { metadata: { name: namespace } });
  });

  after(async () => {
    await client?.delete(Resources.namespaces, namespace).catch(() => undefined);
    client?.close();
  });

  it('sees Secrets created, updated and deleted, keeps an index current and syncs before handlers miss anything', async () => {
    await client.create(Resources.secrets, secret(namespace, 'before', { team: 'a' }));
    const informer = new Informer<Secret>(client, Resources.secrets, {
      namespace,
      indexers: { team: (s) => (s.metadata?.labels?.team ? [s.metadata.labels.team] : []) },
    });
    const events: string[] = [];
    informer.addEventHandler({
      onAdd: (s) => events.push(`add ${s.metadata?.name}`),
      onUpdate: (o, n) => events.push(`update ${n.metadata?.name} ${o.data?.key === n.data?.key ? 'same' : 'changed'}`),
      onDelete: (s) => events.push(`delete ${s.metadata?.name}`),
    });
    informer.start();
    try {
      assert.equal(await informer.waitForSync(AbortSignal.timeout(30_000)), true);
      assert.ok(informer.hasSynced());
      assert.deepEqual(events, ['add before']);
      assert.equal(informer.byIndex('team', 'a').length, 1);

      await client.create(Resources.secrets, secret(namespace, 'created', { team: 'b' }));
      await eventually('the add', 10_000, () => events.includes('add created'));
      await client.patch(
        Resources.secrets,
        'created',
        { data: { key: Buffer.from('new').toString('base64') } },
        { namespace },
      );
      await eventually('the update', 10_000, () => events.includes('update created changed'));
      assert.equal(informer.getByName(namespace, 'created')?.data?.key, Buffer.from('new').toString('base64'));
      await client.patch(Resources.secrets, 'created', { metadata: { labels: { team: 'a' } } }, { namespace });
      await eventually('the index to follow the label', 10_000, () => informer.byIndex('team', 'a').length === 2);
      assert.deepEqual(informer.byIndex('team', 'b'), []);
      await client.delete(Resources.secrets, 'created', { namespace });
      await eventually('the delete', 10_000, () => events.includes('delete created'));
      assert.equal(informer.get(`${namespace}/created`), undefined);
      assert.deepEqual(
        informer.byIndex('team', 'a').map((s) => s.metadata?.name),
        ['before'],
      );

      // A handler registered late is told about what is already cached.
      const late: string[] = [];
      informer.addEventHandler({ onAdd: (s) => late.push(s.metadata?.name ?? '') });
      assert.deepEqual(late, ['before']);
    } finally {
      await informer.stop();
    }
  });

  it('watches Secrets metadata-only: names and labels arrive, data never does', async () => {
    const informer = new Informer<Secret>(client, Resources.secrets, {
      namespace,
      metadataOnly: true,
      labelSelector: 'custos.test/meta=yes',
      transform: stripManagedFields,
    });
    const seen: Secret[] = [];
    informer.addEventHandler({ onAdd: (s) => seen.push(s), onUpdate: (_o, s) => seen.push(s) });
    await client.create(Resources.secrets, secret(namespace, 'meta-listed', { 'custos.test/meta': 'yes' }, 'listed'));
    await client.create(Resources.secrets, secret(namespace, 'meta-ignored', {}, 'ignored'));
    informer.start();
    try {
      await informer.waitForSync(AbortSignal.timeout(30_000));
      await client.create(
        Resources.secrets,
        secret(namespace, 'meta-watched', { 'custos.test/meta': 'yes' }, 'watched'),
      );
      await client.patch(
        Resources.secrets,
        'meta-watched',
        { metadata: { annotations: { touched: 'yes' } } },
        { namespace },
      );
      await eventually('the watched update', 10_000, () =>
        seen.some((s) => s.metadata?.annotations?.touched === 'yes'),
      );
      assert.deepEqual([...new Set(seen.map((s) => s.metadata?.name))].sort(), ['meta-listed', 'meta-watched']);
      for (const s of seen) {
        assert.equal(s.kind, 'PartialObjectMetadata');
        assert.equal(s.data, undefined);
        assert.equal(s.metadata?.managedFields, undefined, 'the transform dropped managedFields');
        assert.doesNotMatch(JSON.stringify(s), /bGlzdGVk|d2F0Y2hlZA/, 'no base64 of the values anywhere');
      }
    } finally {
      await informer.stop();
    }
  });

  it('resyncs: every cached object is handed to onUpdate(obj, obj) each period, without contacting the server', async () => {
    await client.create(Resources.secrets, secret(namespace, 'resync-me', { 'custos.test/resync': 'yes' }));
    const informer = new Informer<Secret>(client, Resources.secrets, {
      namespace,
      labelSelector: 'custos.test/resync=yes',
      resyncMs: 300,
    });
    const resyncs: string[] = [];
    informer.addEventHandler({
      onUpdate: (o, n) => {
        if (o === n) resyncs.push(n.metadata?.name ?? '');
      },
    });
    informer.start();
    try {
      await informer.waitForSync(AbortSignal.timeout(30_000));
      await eventually('three resyncs', 10_000, () => resyncs.length >= 3);
      assert.deepEqual([...new Set(resyncs)], ['resync-me']);
      assert.equal(informer.stats.lists, 1);
    } finally {
      await informer.stop();
    }
  });

  it('stops promptly when stopped right after syncing, before its watch is open', { timeout: 20_000 }, async () => {
    const informer = new Informer<Secret>(client, Resources.secrets, { namespace });
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(30_000));
    const start = Date.now();
    await informer.stop(); // the watch would otherwise run until its server-side timeout (minutes)
    assert.ok(Date.now() - start < 5_000, `stop took ${Date.now() - start} ms`);
  });

  it('shares one informer per view through the factory, and starts late ones at once', async () => {
    const factory = new InformerFactory(client);
    const a = factory.informer<Secret>(Resources.secrets, { namespace, labelSelector: 'custos.test/shared=yes' });
    factory.start();
    const b = factory.informer<Secret>(Resources.secrets, {
      namespace,
      labelSelector: 'custos.test/shared=yes',
      indexers: { byName: (s) => [s.metadata?.name ?? ''] },
    });
    const other = factory.informer<Secret>(Resources.secrets, { namespace, metadataOnly: true });
    try {
      assert.equal(a, b, 'same view, same informer');
      assert.notEqual(a, other);
      await client.create(Resources.secrets, secret(namespace, 'shared', { 'custos.test/shared': 'yes' }));
      assert.equal(await factory.waitForSync(AbortSignal.timeout(30_000)), true);
      await eventually(
        'the shared informer to see the Secret',
        10_000,
        () => a.byIndex('byName', 'shared').length === 1,
      );
      await eventually(
        'the late informer to see it too',
        10_000,
        () => other.getByName(namespace, 'shared') !== undefined,
      );
    } finally {
      await factory.stop();
    }
  });

  it('keeps watching across many server-side watch timeouts', async () => {
    const events: string[] = [];
    const lw = new ListWatch<Secret>(
      client,
      Resources.secrets,
      { onAdd: (s) => events.push(s.metadata?.name ?? '') },
      { namespace, labelSelector: 'custos.test/timeouts=yes', timeoutSeconds: 1 },
    );
    lw.start();
    try {
      await eventually('the first list', 10_000, () => lw.synced);
      await eventually('three watches ended by the server', 20_000, () => lw.stats.watches >= 4);
      await client.create(Resources.secrets, secret(namespace, 'after-timeouts', { 'custos.test/timeouts': 'yes' }));
      await eventually('an event after the timeouts', 10_000, () => events.includes('after-timeouts'));
      assert.equal(lw.stats.lists, 1, 'a server-side timeout resumes the watch, it does not relist');
    } finally {
      await lw.stop();
    }
  });

  it('relists on 410 Gone after etcd compacted past its resourceVersion, reporting only what changed', async (t) => {
    const { kc, kubeconfigPath } = await integration.cluster();
    const etcd = etcdUrlOf(kubeconfigPath);
    if (!etcd) {
      t.skip('the control plane log does not name its etcd, so it cannot be compacted from here');
      return;
    }
    // Events are the one core resource kube-apiserver serves without a watch cache, so a watch from a compacted
    // revision reaches etcd and fails with 410, exactly as any watch does once its history has been compacted.
    const event = (name: string) => ({
      metadata: { name, namespace },
      involvedObject: { kind: 'Pod', name: 'p', namespace },
      reason: 'Test',
      message: 'from a test',
      type: 'Normal',
    });
    for (const name of ['ev-kept', 'ev-doomed']) await client.create(Resources.events, event(name));
    const proxy = await startFaultProxy(kc);
    const proxied = new KubeClient(proxy.kc);
    const seen: string[] = [];
    const lw = new ListWatch(
      proxied,
      Resources.events,
      {
        onAdd: (e) => seen.push(`add ${e.metadata?.name}`),
        onUpdate: (_o, e) => seen.push(`update ${e.metadata?.name}`),
        onDelete: (e) => seen.push(`delete ${e.metadata?.name}`),
      },
      { namespace, backoff: { initialMs: 100, maxMs: 500 } },
    );
    lw.start();
    try {
      await eventually('the first list', 10_000, () => lw.synced && lw.stats.watches >= 1);
      assert.deepEqual(seen.sort(), ['add ev-doomed', 'add ev-kept']);
      seen.length = 0;
      proxy.setMode('refuse'); // the list-watch cannot see what happens next
      await client.create(Resources.events, event('ev-new'));
      await client.delete(Resources.events, 'ev-doomed', { namespace });
      await compactEtcd(etcd);
      proxy.setMode('forward');
      await eventually('the relist after 410', 20_000, () => lw.stats.relistsOnGone >= 1 && lw.stats.lists >= 2);
      assert.deepEqual(seen.sort(), ['add ev-new', 'delete ev-doomed'], 'ev-kept did not change: no event for it');
      assert.deepEqual(lw.keys().sort(), [`${namespace}/ev-kept`, `${namespace}/ev-new`]);
    } finally {
      await lw.stop();
      proxied.close();
      await proxy.close();
    }
  });

  it('aborts a silent (half-open) watch with its watchdog and recovers', async () => {
    const { kc } = await integration.cluster();
    const proxy = await startFaultProxy(kc);
    const proxied = new KubeClient(proxy.kc);
    const events: string[] = [];
    const errors: string[] = [];
    const lw = new ListWatch<Secret>(
      proxied,
      Resources.secrets,
      { onAdd: (s) => events.push(s.metadata?.name ?? ''), onError: (e) => errors.push((e as Error).name) },
      {
        namespace,
        labelSelector: 'custos.test/stall=yes',
        timeoutSeconds: 2,
        watchdogGraceMs: 1000,
        backoff: { initialMs: 100, maxMs: 500 },
      },
    );
    lw.start();
    try {
      await eventually('the first list', 10_000, () => lw.synced);
      await sleep(200); // let the watch open
      proxy.setMode('blackhole');
      await client.create(Resources.secrets, secret(namespace, 'during-stall', { 'custos.test/stall': 'yes' }));
      await sleep(500);
      assert.equal(events.length, 0, 'nothing gets through a black hole');
      await eventually('the watchdog', 15_000, () => lw.stats.watchdogAborts >= 1);
      proxy.setMode('forward');
      await eventually('the event after recovery', 15_000, () => events.includes('during-stall'));
      assert.ok(errors.includes('WatchdogError'));
    } finally {
      await lw.stop();
      proxied.close();
      await proxy.close();
    }
  });

  it('reconnects with backoff while the API server is unreachable and catches up afterwards', async () => {
    const { kc } = await integration.cluster();
    const proxy = await startFaultProxy(kc);
    const proxied = new KubeClient(proxy.kc);
    const events: string[] = [];
    const label = { 'custos.test/outage': 'yes' };
    await client.create(Resources.secrets, secret(namespace, 'outage-doomed', label));
    const informer = new Informer<Secret>(proxied, Resources.secrets, {
      namespace,
      labelSelector: 'custos.test/outage=yes',
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    informer.addEventHandler({
      onAdd: (s) => events.push(`add ${s.metadata?.name}`),
      onDelete: (s) => events.push(`delete ${s.metadata?.name}`),
    });
    informer.start();
    try {
      await informer.waitForSync(AbortSignal.timeout(30_000));
      proxy.setMode('refuse');
      await client.create(Resources.secrets, secret(namespace, 'outage-born', label));
      await client.delete(Resources.secrets, 'outage-doomed', { namespace });
      await eventually('a few failed reconnects', 15_000, () => informer.stats.errors >= 3);
      const connectionsDuringOutage = proxy.connections();
      proxy.setMode('forward');
      await eventually(
        'catching up',
        20_000,
        () => events.includes('add outage-born') && events.includes('delete outage-doomed'),
      );
      assert.ok(proxy.connections() > connectionsDuringOutage);
      assert.ok(informer.stats.errors < 40, `backoff keeps retries sparse (${informer.stats.errors} errors)`);
    } finally {
      await informer.stop();
      proxied.close();
      await proxy.close();
    }
  });
});
