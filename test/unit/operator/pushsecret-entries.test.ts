import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PushSecretSpec } from '../../../src/api/generated/types.js';
import {
  desiredEntries,
  entryDigest,
  PushSpecError,
  reverseUnicodeKey,
  type SourceSecret,
  selectedNamespaces,
  selectsSecret,
  statusKeyOf,
  storeRefMatches,
} from '../../../src/operator/pushsecret/index.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const source = (data: Record<string, string>, extra: Partial<SourceSecret> = {}): SourceSecret => ({
  name: 'src',
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, bytes(v)])),
  labels: {},
  annotations: {},
  ...extra,
});
const store = { kind: 'SecretStore' as const, name: 'vault', labels: { team: 'a' } };
const spec = (s: Partial<PushSecretSpec>): PushSecretSpec => ({
  secretStoreRefs: [{ name: 'vault' }],
  selector: { secret: { name: 'src' } },
  ...s,
});

describe('PushSecret desired entries', () => {
  it('maps data[].match to remote key and property, keyed in status as ESO does', () => {
    const entries = desiredEntries(
      spec({
        data: [
          { match: { secretKey: 'user', remoteRef: { remoteKey: 'db', property: 'username' } } },
          { match: { secretKey: 'pass', remoteRef: { remoteKey: 'db-pass' } } },
        ],
      }),
      store,
      source({ user: 'alice', pass: 'pw' }),
    );
    assert.deepEqual(
      entries.map((e) => [e.statusKey, e.data.secretKey, e.data.remoteRef]),
      [
        ['db/username', 'user', { remoteKey: 'db', property: 'username' }],
        ['db-pass', 'pass', { remoteKey: 'db-pass', property: undefined }],
      ],
    );
    assert.equal(statusKeyOf('a', undefined), 'a');
  });

  it('empty secretKey pushes the whole Secret', () => {
    const [entry] = desiredEntries(
      spec({ data: [{ match: { remoteRef: { remoteKey: 'all' } } }] }),
      store,
      source({ a: '1', b: '2' }),
    );
    assert.equal(entry?.data.secretKey, undefined);
    assert.deepEqual(Object.keys(entry?.source.data ?? {}).sort(), ['a', 'b']);
  });

  it('names a missing secretKey without any value', () => {
    assert.throws(
      () =>
        desiredEntries(
          spec({ data: [{ match: { secretKey: 'nope', remoteRef: { remoteKey: 'x' } } }] }),
          store,
          source({ a: 'hidden-value' }),
        ),
      (e: Error) =>
        e instanceof PushSpecError &&
        /secret key nope does not exist/.test(e.message) &&
        !e.message.includes('hidden-value'),
    );
  });

  it('dataTo expands matched keys, rewrites them, and applies only to the selected store', () => {
    const s = spec({
      dataTo: [
        {
          storeRef: { name: 'vault' },
          match: { regexp: '^db_' },
          rewrite: [{ regexp: { source: '^db_', target: 'app/' } }],
        },
        { storeRef: { name: 'other' } },
      ],
    });
    const entries = desiredEntries(s, store, source({ db_user: 'u', db_pass: 'p', unrelated: 'x' }));
    assert.deepEqual(
      entries.map((e) => [e.statusKey, e.data.secretKey]),
      [
        ['app/pass', 'db_pass'],
        ['app/user', 'db_user'],
      ],
    );
  });

  it('dataTo with remoteKey pushes the matched keys as one Secret', () => {
    const [entry, ...rest] = desiredEntries(
      spec({
        dataTo: [
          { storeRef: { labelSelector: { matchLabels: { team: 'a' } } }, remoteKey: 'bundle', match: { regexp: 'k' } },
        ],
      }),
      store,
      source({ k1: '1', k2: '2', z: '3' }),
    );
    assert.equal(rest.length, 0);
    assert.equal(entry?.statusKey, 'bundle');
    assert.deepEqual(Object.keys(entry?.source.data ?? {}), ['k1', 'k2']);
  });

  it('rejects dataTo with both remoteKey and rewrite, without storeRef, and duplicate targets', () => {
    assert.throws(
      () =>
        desiredEntries(
          spec({
            dataTo: [
              { storeRef: { name: 'vault' }, remoteKey: 'r', rewrite: [{ regexp: { source: 'a', target: 'b' } }] },
            ],
          }),
          store,
          source({ a: '1' }),
        ),
      /remoteKey and rewrite cannot be used together/,
    );
    assert.throws(
      () => desiredEntries(spec({ dataTo: [{}] }), store, source({ a: '1' })),
      /storeRef must set name or labelSelector/,
    );
    assert.throws(
      () =>
        desiredEntries(
          spec({
            data: [{ match: { secretKey: 'a', remoteRef: { remoteKey: 'a' } } }],
            dataTo: [{ storeRef: { name: 'vault' } }],
          }),
          store,
          source({ a: '1' }),
        ),
      /more than one entry pushes to "a"/,
    );
  });

  it('ReverseUnicode turns _Uxxxx_ back into the character before matching', () => {
    assert.equal(reverseUnicodeKey('a_U0040_b'), 'a@b');
    const [entry] = desiredEntries(
      spec({
        data: [{ match: { secretKey: 'a@b', remoteRef: { remoteKey: 'r' } }, conversionStrategy: 'ReverseUnicode' }],
      }),
      store,
      source({ a_U0040_b: 'v' }),
    );
    assert.equal(Buffer.from(entry?.source.data['a@b'] ?? []).toString(), 'v');
  });
});

describe('PushSecret selection', () => {
  it('store refs match by kind and name or by labels', () => {
    assert.equal(storeRefMatches({ name: 'vault' }, store), true);
    assert.equal(storeRefMatches({ name: 'vault', kind: 'ClusterSecretStore' }, store), false);
    assert.equal(storeRefMatches({ labelSelector: { matchLabels: { team: 'a' } } }, store), true);
    assert.equal(storeRefMatches({ labelSelector: { matchLabels: { team: 'b' } } }, store), false);
  });

  it('secret selector: name wins over label selector', () => {
    const selector = { secret: { name: 'one', selector: { matchLabels: { app: 'x' } } } };
    assert.equal(selectsSecret(selector, 'one', {}), true);
    assert.equal(selectsSecret(selector, 'two', { app: 'x' }), false);
    assert.equal(selectsSecret({ secret: { selector: { matchLabels: { app: 'x' } } } }, 'two', { app: 'x' }), true);
    assert.equal(selectsSecret({ generatorRef: { kind: 'Password', name: 'p' } }, 'two', {}), false);
  });
});

describe('PushSecret content digest', () => {
  const [base] = desiredEntries(
    spec({ data: [{ match: { secretKey: 'a', remoteRef: { remoteKey: 'r' } } }] }),
    store,
    source({ a: '1', b: '2' }),
  );
  it('changes only when what the push depends on changes', () => {
    assert.ok(base);
    const [sameA] = desiredEntries(
      spec({ data: [{ match: { secretKey: 'a', remoteRef: { remoteKey: 'r' } } }] }),
      store,
      source({ a: '1', b: 'other' }),
    );
    const [newA] = desiredEntries(
      spec({ data: [{ match: { secretKey: 'a', remoteRef: { remoteKey: 'r' } } }] }),
      store,
      source({ a: '2', b: '2' }),
    );
    assert.equal(entryDigest('s', base), entryDigest('s', sameA!));
    assert.notEqual(entryDigest('s', base), entryDigest('s', newA!));
    assert.notEqual(entryDigest('s', base), entryDigest('other-store', base));
  });
});

describe('ClusterPushSecret namespace selection', () => {
  const ns = (name: string, labels: Record<string, string> = {}, terminating = false) => ({
    metadata: { name, labels, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  });
  it('picks namespaces matching any selector, sorted, skipping terminating ones; none without selectors', () => {
    const all = [ns('b', { team: 'x' }), ns('a', { team: 'y' }), ns('c', { team: 'x' }, true), ns('d')];
    assert.deepEqual(
      selectedNamespaces(
        {
          pushSecretSpec: spec({}),
          namespaceSelectors: [{ matchLabels: { team: 'x' } }, { matchLabels: { team: 'y' } }],
        },
        all,
      ),
      ['a', 'b'],
    );
    assert.deepEqual(selectedNamespaces({ pushSecretSpec: spec({}) }, all), []);
    assert.deepEqual(selectedNamespaces({ pushSecretSpec: spec({}), namespaceSelectors: [{}] }, all), ['a', 'b', 'd']);
  });
});
