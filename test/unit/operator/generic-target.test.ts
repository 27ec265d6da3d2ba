// Generic targets without a cluster: template paths, rendering into paths, the desired object per policy, and the
// content hash used for drift.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExternalSecret } from '../../../src/api/generated/types.js';
import {
  contentHash,
  desiredGenericObject,
  isGenericObjectValid,
} from '../../../src/operator/externalsecret/generic-object.js';
import { mergeAtPath, parseTargetPath, setAtPath } from '../../../src/operator/externalsecret/generic-paths.js';
import { isGenericTarget } from '../../../src/operator/externalsecret/generic-target.js';
import { renderGenericTemplate } from '../../../src/operator/externalsecret/generic-template.js';
import { TargetConflictError } from '../../../src/operator/externalsecret/target.js';

const enc = (s: string) => new TextEncoder().encode(s);
const noSources = { configMaps: {}, secrets: {} };

function es(target: NonNullable<ExternalSecret['spec']>['target'], labels?: Record<string, string>): ExternalSecret {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'es', namespace: 'ns', uid: 'uid-1', labels },
    spec: { target },
  } as ExternalSecret;
}

describe('generic target paths', () => {
  it('parses dotted paths with indexes', () => {
    assert.deepEqual(parseTargetPath('spec'), ['spec']);
    assert.deepEqual(parseTargetPath('spec.items[2].name'), ['spec', 'items', 2, 'name']);
    assert.deepEqual(parseTargetPath('spec.m[0][1]'), ['spec', 'm', 0, 1]);
  });

  it('refuses bad paths and operator-owned roots, saying why', () => {
    assert.throws(() => parseTargetPath('spec..x'), /needs a field name/);
    assert.throws(() => parseTargetPath('spec.a[x]'), /must be a name optionally followed by \[index\]/);
    assert.throws(() => parseTargetPath('spec.a[10001]'), /larger than 10000/);
    assert.throws(() => parseTargetPath('metadata.labels'), /"metadata" is managed by the operator/);
    assert.throws(() => parseTargetPath('spec.__proto__'), /not a field name/);
  });

  it('creates maps and lists on the way, merges maps and replaces the rest', () => {
    const root: Record<string, unknown> = { spec: { keep: 1, db: { host: 'a', port: 1 } } };
    mergeAtPath(root, ['spec', 'db'], { host: 'b' }, 'spec.db');
    setAtPath(root, ['spec', 'list', 1, 'name'], 'x', 'spec.list[1].name');
    assert.deepEqual(JSON.parse(JSON.stringify(root)), {
      spec: { keep: 1, db: { host: 'b', port: 1 }, list: [null, { name: 'x' }] },
    });
    assert.throws(
      () => setAtPath(root, ['spec', 'keep', 'x'], 1, 'spec.keep.x'),
      /spec\.keep holds a number, not a map/,
    );
  });
});

describe('generic target templates', () => {
  it('without a template, provider data goes to the data map', async () => {
    const r = await renderGenericTemplate(undefined, { a: enc('1') }, noSources);
    assert.deepEqual(Object.keys(r.data), ['a']);
    assert.equal(r.labels, undefined);
    assert.deepEqual(r.paths, []);
  });

  it('renders literal and Values entries into paths as YAML, and only path entries leave the data map empty', async () => {
    const r = await renderGenericTemplate(
      {
        engineVersion: 'v2',
        templateFrom: [
          { literal: 'host: {{ .host }}\nport: 5432\n', target: 'spec.database' },
          { configMap: { name: 'tpl', items: [{ key: 'level', templateAs: 'Values' }] }, target: 'spec.logging' },
        ],
      },
      { host: enc('db') },
      { configMaps: { tpl: { level: '{{ "info" }}' } }, secrets: {} },
    );
    assert.deepEqual(r.data, {});
    assert.deepEqual(
      r.paths.map((p) => [p.path, p.value]),
      [
        ['spec.database', { host: 'db', port: 5432 }],
        ['spec.logging.level', 'info'],
      ],
    );
  });

  it('names the real templateFrom entry in errors, without values', async () => {
    await assert.rejects(
      renderGenericTemplate(
        { templateFrom: [{ literal: 'a: "1"' }, { literal: 'x: {{ .missing }}', target: 'spec' }] },
        { secret: enc('hunter2-value') },
        noSources,
      ),
      (error: Error) => {
        assert.match(error.message, /^templateFrom\[1\]/);
        assert.ok(!error.message.includes('hunter2-value'));
        return true;
      },
    );
    await assert.rejects(
      renderGenericTemplate({ templateFrom: [{ literal: '{{ .s }}: [', target: 'spec' }] }, { s: enc('k') }, noSources),
      /templateFrom\[0\] \(target spec\): the rendered template is not valid YAML/,
    );
  });
});

describe('desired generic object', () => {
  it('ConfigMap: data as strings, binary values in binaryData, owner reference and ESO labels', () => {
    const object = desiredGenericObject({
      es: es({ name: 'cm', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } }, { team: 'blue' }),
      targetName: 'cm',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      existing: undefined,
      rendered: { data: { a: enc('text'), bin: new Uint8Array([0xff, 0x00]) }, paths: [] },
    });
    assert.deepEqual(object.data, { a: 'text' });
    assert.deepEqual(object.binaryData, { bin: '/wA=' });
    assert.equal(object.metadata?.labels?.team, 'blue');
    assert.equal(object.metadata?.labels?.['reconcile.external-secrets.io/managed'], 'true');
    assert.ok(object.metadata?.labels?.['reconcile.external-secrets.io/created-by']);
    assert.equal(object.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
    assert.ok(isGenericObjectValid(object));
  });

  it('Owner replaces the data map, CreateOrMerge keeps other keys; Orphan drops its own owner reference', () => {
    const existing = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cm',
        namespace: 'ns',
        ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'es', uid: 'uid-1' }],
      },
      data: { old: 'x' },
    };
    const input = (creationPolicy: 'Owner' | 'CreateOrMerge' | 'Orphan') => ({
      es: es({ creationPolicy, manifest: { apiVersion: 'v1', kind: 'ConfigMap' } }),
      targetName: 'cm',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      existing,
      rendered: { data: { a: enc('1') }, paths: [] },
    });
    assert.deepEqual(desiredGenericObject(input('Owner')).data, { a: '1' });
    assert.deepEqual(desiredGenericObject(input('CreateOrMerge')).data, { old: 'x', a: '1' });
    assert.equal(desiredGenericObject(input('Orphan')).metadata?.ownerReferences, undefined);
  });

  it('custom resources get spec.data and template paths; binary data there is an error naming the key', () => {
    const base = {
      es: es({ manifest: { apiVersion: 'x.io/v1', kind: 'App' } }),
      targetName: 'app',
      apiVersion: 'x.io/v1',
      kind: 'App',
      existing: {
        apiVersion: 'x.io/v1',
        kind: 'App',
        metadata: { name: 'app', namespace: 'ns' },
        spec: { other: true },
      },
    };
    const object = desiredGenericObject({
      ...base,
      rendered: { data: { a: enc('1') }, paths: [{ path: 'spec.db', steps: ['spec', 'db'], value: { port: 1 } }] },
    });
    assert.deepEqual(JSON.parse(JSON.stringify(object.spec)), { other: true, data: { a: '1' }, db: { port: 1 } });
    const noData = desiredGenericObject({ ...base, rendered: { data: {}, paths: [] } });
    assert.deepEqual(noData.spec, { other: true }, 'no spec.data is invented when there is no data');
    assert.throws(
      () => desiredGenericObject({ ...base, rendered: { data: { raw: new Uint8Array([0xff]) }, paths: [] } }),
      /key "raw" is not valid UTF-8/,
    );
  });

  it('refuses to take over a target controlled by something else', () => {
    assert.throws(
      () =>
        desiredGenericObject({
          es: es({ manifest: { apiVersion: 'v1', kind: 'ConfigMap' } }),
          targetName: 'cm',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          existing: {
            metadata: {
              name: 'cm',
              ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u2', controller: true }],
            },
          },
          rendered: { data: {}, paths: [] },
        }),
      (error: Error) => error instanceof TargetConflictError && /controlled by Deployment d/.test(error.message),
    );
  });

  it('hashes content only, stable across key order, nulls and empty maps; an edit changes it', () => {
    const a = { metadata: { name: 'x' }, data: { b: '2', a: '1' }, spec: { empty: {}, gone: null } };
    const b = { kind: 'ConfigMap', data: { a: '1', b: '2' } };
    assert.equal(contentHash(a), contentHash(b));
    assert.notEqual(contentHash(a), contentHash({ data: { a: '1', b: '3' } }));
  });

  it('treats only non-Secret manifests as generic', () => {
    assert.equal(isGenericTarget(es({ manifest: { apiVersion: 'v1', kind: 'ConfigMap' } })), true);
    assert.equal(isGenericTarget(es({ manifest: { apiVersion: 'v1', kind: 'Secret' } })), false);
    assert.equal(isGenericTarget(es({})), false);
  });
});
