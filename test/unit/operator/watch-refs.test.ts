// The bookkeeping behind instant refresh: which refs each ExternalSecret reads per store client, which watches
// must be reopened when ExternalSecrets come and go, and which ExternalSecrets a reported change affects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExternalSecret } from '../../../src/api/generated/types.js';
import {
  normalizeRemotePath,
  readRefsOf,
  WatchBook,
  wantsRemoteChanges,
} from '../../../src/operator/externalsecret/watch-refs.js';

const es = (spec: ExternalSecret['spec']): Pick<ExternalSecret, 'spec'> => ({ spec });

describe('readRefsOf', () => {
  it('lists data keys, extract keys and find paths with the store each entry reads from', () => {
    const refs = readRefsOf(
      es({
        secretStoreRef: { name: 'main', kind: 'ClusterSecretStore' },
        data: [
          { secretKey: 'a', remoteRef: { key: 'mdapi/joplin/tsig/key' } },
          { secretKey: 'b', remoteRef: { key: '/other/x' }, sourceRef: { storeRef: { name: 'side' } } },
        ],
        dataFrom: [
          { extract: { key: '/mdapi/joplin/db/' } },
          { find: { path: 'mdapi/joplin', name: { regexp: '.*' } } },
          { find: { tags: { env: 'prod' } } },
          {
            sourceRef: {
              generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'p' },
            },
          },
        ],
      }),
    );
    assert.deepEqual(refs, [
      { storeRef: { name: 'main', kind: 'ClusterSecretStore' }, ref: { key: '/mdapi/joplin/db' } },
      { storeRef: { name: 'main', kind: 'ClusterSecretStore' }, ref: { path: '/mdapi/joplin' } },
      { storeRef: { name: 'main', kind: 'ClusterSecretStore' }, ref: { path: '/' } },
      { storeRef: { name: 'main', kind: 'ClusterSecretStore' }, ref: { key: '/mdapi/joplin/tsig/key' } },
      { storeRef: { name: 'side' }, ref: { key: '/other/x' } },
    ]);
  });

  it('normalises paths the way the stores read them', () => {
    assert.equal(normalizeRemotePath('a//b/'), '/a/b');
    assert.equal(normalizeRemotePath(''), '/');
    assert.equal(normalizeRemotePath('/'), '/');
  });
});

describe('wantsRemoteChanges', () => {
  const base = { secretStoreRef: { name: 's' } };
  it('is true only for Periodic ExternalSecrets with an interval', () => {
    assert.equal(wantsRemoteChanges(es({ ...base, refreshInterval: '1m' })), true);
    assert.equal(wantsRemoteChanges(es({ ...base })), true, 'the default interval is 1h');
    assert.equal(wantsRemoteChanges(es({ ...base, refreshInterval: '0' })), false);
    assert.equal(wantsRemoteChanges(es({ ...base, refreshInterval: '1m', refreshPolicy: 'OnChange' })), false);
    assert.equal(wantsRemoteChanges(es({ ...base, refreshInterval: '1m', refreshPolicy: 'CreatedOnce' })), false);
    assert.equal(wantsRemoteChanges(es({ ...base, refreshInterval: 'soon' })), false);
  });
});

describe('WatchBook', () => {
  it('reports the clients whose refs changed as ExternalSecrets come, change and go', () => {
    const book = new WatchBook();
    assert.deepEqual(book.set('ns/a', [{ clientKey: 'c1', ref: { key: '/x' } }]), ['c1']);
    // A second reader of the same ref does not change the watch.
    assert.deepEqual(book.set('ns/b', [{ clientKey: 'c1', ref: { key: '/x' } }]), []);
    // Setting the same refs again changes nothing.
    assert.deepEqual(book.set('ns/a', [{ clientKey: 'c1', ref: { key: '/x' } }]), []);
    assert.deepEqual(
      book.set('ns/b', [
        { clientKey: 'c1', ref: { key: '/x' } },
        { clientKey: 'c2', ref: { path: '/p' } },
      ]),
      ['c2'],
    );
    assert.deepEqual(book.refsOf('c1'), [{ key: '/x' }]);
    assert.deepEqual(book.clients(), ['c1', 'c2']);
    // ns/a leaves: /x is still read by ns/b, so c1's watch stays as it is.
    assert.deepEqual(book.delete('ns/a'), []);
    assert.deepEqual(book.refsOf('c1'), [{ key: '/x' }]);
    assert.deepEqual(book.delete('ns/b'), ['c1', 'c2']);
    assert.deepEqual(book.refsOf('c1'), []);
    assert.deepEqual(book.clients(), []);
    assert.deepEqual(book.delete('ns/unknown'), []);
  });

  it('keeps key and path refs of the same string apart', () => {
    const book = new WatchBook();
    book.set('ns/a', [
      { clientKey: 'c', ref: { path: '/x' } },
      { clientKey: 'c', ref: { key: '/x' } },
    ]);
    assert.deepEqual(book.refsOf('c'), [{ key: '/x' }, { path: '/x' }]);
  });

  it('maps a change back to the ExternalSecrets reading it through that client only', () => {
    const book = new WatchBook();
    book.set('joplin/tsig', [{ clientKey: 'css|joplin', ref: { key: '/mdapi/joplin/tsig-secret/key' } }]);
    book.set('joplin/all', [{ clientKey: 'css|joplin', ref: { path: '/mdapi/joplin' } }]);
    book.set('joplin/everything', [{ clientKey: 'css|joplin', ref: { path: '/' } }]);
    book.set('bootstrap/tsig', [{ clientKey: 'css|bootstrap', ref: { key: '/mdapi/joplin/tsig-secret/key' } }]);
    assert.deepEqual(book.affected('css|joplin', '/mdapi/joplin/tsig-secret/key'), [
      'joplin/all',
      'joplin/everything',
      'joplin/tsig',
    ]);
    assert.deepEqual(book.affected('css|joplin', 'mdapi/joplin/other'), ['joplin/all', 'joplin/everything']);
    // A sibling folder whose name starts the same is not below the path.
    assert.deepEqual(book.affected('css|joplin', '/mdapi/joplinx/a'), ['joplin/everything']);
    assert.deepEqual(book.affected('css|unknown', '/mdapi/joplin/tsig-secret/key'), []);
  });
});
