// `custos refresh` pieces that need no cluster: when a refresh has a result, store selection, the force-sync
// value, ExternalSecrets the operator would not refresh, and flag errors (exit 2 before any API call).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  forceSyncValue,
  notRefreshable,
  type RefreshIo,
  readsFromStore,
  runRefresh,
  syncOutcome,
} from '../../../src/cli/refresh.js';
import type { ExternalSecretObject } from '../../../src/cli/status.js';
import { resourceVersionOf } from '../../../src/operator/externalsecret/hash.js';

const T0 = '2026-01-01T12:00:00Z';
const T1 = '2026-01-01T12:00:05Z';
const meta = {
  name: 'db',
  namespace: 'team-a',
  generation: 2,
  labels: { app: 'api' },
  annotations: { 'force-sync': '2' },
};
const synced = resourceVersionOf(meta);

function es(status?: ExternalSecretObject['status'], spec: ExternalSecretObject['spec'] = {}): ExternalSecretObject {
  return { metadata: { ...meta }, spec, status };
}
const ready = (status: 'True' | 'False', message = 'm', lastTransitionTime = T0) => ({
  type: 'Ready',
  status,
  reason: status === 'True' ? 'SecretSynced' : 'SecretSyncedError',
  message,
  lastTransitionTime,
});

describe('syncOutcome', () => {
  it('is synced only once Ready=True carries the resourceVersion of the patched metadata', () => {
    const before = ready('True');
    assert.equal(syncOutcome(before, es({ syncedResourceVersion: 'old', conditions: [before] }), 100, 5000), undefined);
    assert.equal(syncOutcome(before, es({ syncedResourceVersion: synced, conditions: [before] }), 100, 5000), 'synced');
    // Pending (no condition yet) waits, whatever the time.
    assert.equal(syncOutcome(undefined, es(), 60_000, 5000), undefined);
  });

  it('is failed as soon as a Ready=False condition differs from the one before the patch', () => {
    const current = (c: ReturnType<typeof ready>) => es({ syncedResourceVersion: 'old', conditions: [c] });
    assert.equal(syncOutcome(ready('True'), current(ready('False', 'm', T1)), 10, 5000), 'failed');
    assert.equal(syncOutcome(undefined, current(ready('False')), 10, 5000), 'failed');
    assert.equal(syncOutcome(ready('False', 'old cause'), current(ready('False', 'new cause')), 10, 5000), 'failed');
  });

  it('takes an unchanged failure as the answer only after the grace period', () => {
    const before = ready('False', 'key missing');
    const current = es({ syncedResourceVersion: 'old', conditions: [ready('False', 'key missing')] });
    assert.equal(syncOutcome(before, current, 4999, 5000), undefined);
    assert.equal(syncOutcome(before, current, 5000, 5000), 'still-failing');
  });

  it('ignores Ready=Unknown', () => {
    const unknown = { type: 'Ready', status: 'Unknown', reason: 'x', message: '', lastTransitionTime: T1 };
    assert.equal(syncOutcome(undefined, es({ conditions: [unknown] }), 60_000, 5000), undefined);
  });
});

describe('selection pieces', () => {
  it('matches --store on secretStoreRef and on per-entry storeRefs', () => {
    assert.ok(readsFromStore(es(undefined, { secretStoreRef: { name: 'vault' } }), 'vault'));
    assert.ok(!readsFromStore(es(undefined, { secretStoreRef: { name: 'vault' } }), 'other'));
    const perEntry = es(undefined, {
      data: [{ secretKey: 'a', remoteRef: { key: 'k' }, sourceRef: { storeRef: { name: 'data-store' } } }],
      dataFrom: [
        { extract: { key: 'k' }, sourceRef: { storeRef: { name: 'from-store', kind: 'ClusterSecretStore' } } },
      ],
    } as ExternalSecretObject['spec']);
    assert.ok(readsFromStore(perEntry, 'data-store'));
    assert.ok(readsFromStore(perEntry, 'from-store'));
    assert.ok(!readsFromStore(perEntry, 'vault'));
  });

  it('picks a force-sync value unlike the current one', () => {
    assert.equal(forceSyncValue(undefined, 1000), '1000');
    assert.equal(forceSyncValue('1000', 1000), '1001');
    assert.equal(forceSyncValue('abc', 1000.7), '1000');
  });

  it('knows which synced ExternalSecrets the operator never refreshes', () => {
    const now = Date.parse(T1);
    const done = { syncedResourceVersion: synced, refreshTime: T0 };
    assert.match(notRefreshable(es(done, { refreshPolicy: 'CreatedOnce' }), now) ?? '', /CreatedOnce/);
    assert.match(notRefreshable(es(done, { refreshInterval: '0s' }), now) ?? '', /refreshInterval 0/);
    assert.equal(notRefreshable(es(done, { refreshPolicy: 'OnChange' }), now), undefined);
    assert.equal(notRefreshable(es(done, { refreshInterval: '1h' }), now), undefined);
    // Not synced yet: the operator syncs it.
    assert.equal(notRefreshable(es(undefined, { refreshPolicy: 'CreatedOnce' }), now), undefined);
    assert.equal(notRefreshable(es(undefined, { refreshInterval: '0' }), now), undefined);
  });
});

describe('flag errors', () => {
  const run = async (names: string[], options: Parameters<typeof runRefresh>[1]) => {
    let err = '';
    const io: RefreshIo = {
      stdout: () => assert.fail('nothing on stdout'),
      stderr: (t) => {
        err += t;
      },
      setExitCode: () => {},
      now: () => 0,
      sleep: async () => {},
    };
    const code = await runRefresh(names, { kubeconfig: '/nonexistent/kubeconfig', ...options }, io);
    return { code, err };
  };

  it('exits 2 with a message before touching the cluster', async () => {
    assert.deepEqual(await run([], { namespace: 'a', allNamespaces: true }), {
      code: 2,
      err: 'custos refresh: use either --namespace or --all-namespaces, not both\n',
    });
    assert.match((await run(['db'], { allNamespaces: true })).err, /drop --all-namespaces/);
    assert.match((await run(['db'], { selector: 'a=b' })).err, /not both/);
    assert.match((await run(['db'], { store: 'vault' })).err, /not both/);
    assert.match((await run(['db'], { wait: true, timeout: '60' })).err, /--timeout: invalid duration "60"/);
    assert.match((await run(['db'], { wait: true, timeout: '0s' })).err, /--timeout must be more than 0/);
    const badKubeconfig = await run(['db'], {});
    assert.equal(badKubeconfig.code, 2);
    assert.match(badKubeconfig.err, /^custos refresh: /);
  });
});
