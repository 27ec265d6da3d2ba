// ProviderWatches with a recording provider: one watch per store client on the union of its readers' refs,
// reopened as ExternalSecrets come and go, closed with the last one; providers without watch get none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import type { Informer, KubeObject } from '../../../src/kube/index.js';
import { ProviderWatches } from '../../../src/operator/externalsecret/provider-watches.js';
import type { ExternalSecretObject } from '../../../src/operator/externalsecret/reconciler.js';
import { StoreResolver, type StoreResource } from '../../../src/operator/externalsecret/stores.js';
import {
  type Provider,
  ProviderRegistry,
  type RemoteChange,
  type SecretsClient,
  type WatchRef,
} from '../../../src/providers/index.js';

function cache<T extends KubeObject>(objects: T[]): Informer<T> {
  return {
    getByName: (namespace: string | undefined, name: string) =>
      objects.find((o) => o.metadata?.name === name && (o.metadata?.namespace ?? undefined) === namespace),
  } as unknown as Informer<T>;
}

interface Recorded {
  clients: number;
  closedClients: number;
  watches: Array<{ refs: WatchRef[]; onChange: (c: RemoteChange) => void; closed: boolean }>;
}

function recordingProvider(key: string, canWatch: boolean): { provider: Provider; rec: Recorded } {
  const rec: Recorded = { clients: 0, closedClients: 0, watches: [] };
  const provider = {
    key,
    capabilities: 'ReadOnly',
    maintained: true,
    hasChangeFeed: canWatch,
    validateStore: () => ({ errors: [], warnings: [] }),
    async newClient() {
      rec.clients++;
      const client: Partial<SecretsClient> = {
        close: async () => {
          rec.closedClients++;
        },
      };
      if (canWatch) {
        client.watch = (refs, onChange) => {
          const w = { refs, onChange, closed: false };
          rec.watches.push(w);
          return {
            close: async () => {
              w.closed = true;
            },
          };
        };
      }
      return client as SecretsClient;
    },
  } as unknown as Provider;
  return { provider, rec };
}

const ready = { conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'store validated' }] };

function setup(canWatch = true) {
  const { provider, rec } = recordingProvider('fake', canWatch);
  return { ...setupWith(provider), rec };
}

function setupWith(provider: Provider) {
  const stores = new StoreResolver({
    secretStores: cache<StoreResource>([
      {
        metadata: { name: 's', namespace: 'ns', uid: 'u', generation: 1 },
        spec: { provider: { fake: { data: [] } } },
        status: ready,
      },
    ]),
    clusterSecretStores: cache<StoreResource>([
      { metadata: { name: 'c', uid: 'cu', generation: 1 }, spec: { provider: { fake: { data: [] } } }, status: ready },
    ]),
    namespaces: cache<KubeObject>([{ metadata: { name: 'ns' } }, { metadata: { name: 'other' } }]),
    controllerClass: 'default',
    floodGate: true,
  });
  const changes: string[][] = [];
  const watches = new ProviderWatches({
    registry: new ProviderRegistry([provider]),
    kube: { kubeConfig: new KubeConfig() },
    stores,
    logger: pino({ level: 'silent' }),
    onRemoteChange: (keys) => changes.push(keys),
    reopenDelayMs: 0,
  });
  return { watches, changes };
}

const es = (name: string, keys: string[], refreshInterval = '1h'): ExternalSecretObject =>
  ({
    metadata: { name, namespace: 'ns' },
    spec: {
      refreshInterval,
      secretStoreRef: { name: 's', kind: 'SecretStore' },
      data: keys.map((key, i) => ({ secretKey: `k${i}`, remoteRef: { key } })),
    },
  }) as ExternalSecretObject;

/** Waits until the background (timer + promise) work has produced what the test expects. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never happened: ${what}`);
}

describe('ProviderWatches', () => {
  it('keeps one watch per store client on the union of the refs, reopening it as readers change', async () => {
    const { watches, rec, changes } = setup();
    watches.track('ns/a', es('a', ['/x', '/y']));
    watches.track('ns/b', es('b', ['/y']));
    await until('a watch on /x and /y', () => rec.watches.some((w) => !w.closed && w.refs.length === 2));
    assert.equal(rec.clients, 1);
    assert.equal(watches.openWatches(), 1);
    const open = rec.watches.find((w) => !w.closed);
    assert.deepEqual(open?.refs, [{ key: '/x' }, { key: '/y' }]);

    open?.onChange({ key: '/y', op: 'update', version: 2 });
    open?.onChange({ key: '/x', op: 'update', version: 2 });
    assert.deepEqual(changes, [['ns/a', 'ns/b'], ['ns/a']]);

    watches.untrack('ns/a');
    await until('the watch reopened on /y only', () =>
      rec.watches.some((w) => !w.closed && w.refs.length === 1 && w.refs[0]?.key === '/y'),
    );
    assert.equal(rec.watches.filter((w) => !w.closed).length, 1, 'the previous watch is closed');
    watches.untrack('ns/b');
    await until('everything closed', () => rec.watches.every((w) => w.closed) && rec.closedClients === 1);
    assert.equal(watches.openWatches(), 0);
    await watches.close();
  });

  it('keeps one watch for a ClusterSecretStore shared by all namespaces, naming the readers of each', async () => {
    const { watches, rec, changes } = setup();
    const reader = (namespace: string): ExternalSecretObject => {
      const object = es('r', ['/shared']);
      return {
        ...object,
        metadata: { name: 'r', namespace },
        spec: { ...object.spec, secretStoreRef: { name: 'c', kind: 'ClusterSecretStore' } },
      } as ExternalSecretObject;
    };
    watches.track('ns/r', reader('ns'));
    watches.track('other/r', reader('other'));
    await until('a watch on /shared', () => rec.watches.some((w) => !w.closed));
    assert.equal(rec.clients, 1, 'one change-feed client for both namespaces');
    assert.equal(watches.openWatches(), 1);
    rec.watches.find((w) => !w.closed)?.onChange({ key: '/shared', op: 'update', version: 2 });
    assert.deepEqual(changes, [['ns/r', 'other/r']]);
    await watches.close();
  });

  it('does not watch for ExternalSecrets that must not refresh by themselves', async () => {
    const { watches, rec } = setup();
    watches.track('ns/once', {
      ...es('once', ['/x']),
      spec: { ...es('once', ['/x']).spec, refreshPolicy: 'CreatedOnce' },
    });
    watches.track('ns/zero', es('zero', ['/x'], '0'));
    watches.track('ns/periodic', es('periodic', ['/z']));
    await until('a watch on /z', () => rec.watches.length === 1);
    assert.deepEqual(rec.watches[0]?.refs, [{ key: '/z' }]);
    await watches.close();
    assert.ok(rec.watches.every((w) => w.closed));
  });

  it('opens no watch and builds no client when the provider has no change feed', async () => {
    const { watches, rec } = setup(false);
    watches.track('ns/a', es('a', ['/x']));
    watches.track('ns/b', es('b', ['/y']));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rec.clients, 0);
    assert.equal(watches.openWatches(), 0);
    await watches.close();
  });

  it('a provider that claims a change feed but builds clients without watch is tried once', async () => {
    const { provider, rec } = recordingProvider('fake', false);
    const claiming = { ...provider, hasChangeFeed: true, newClient: provider.newClient } as Provider;
    const { watches } = setupWith(claiming);
    watches.track('ns/a', es('a', ['/x']));
    await until('the client was tried and closed', () => rec.closedClients === 1);
    watches.track('ns/b', es('b', ['/y']));
    watches.track('ns/a', es('a', ['/x']));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rec.clients, 1);
    assert.equal(watches.openWatches(), 0);
    await watches.close();
  });
});
