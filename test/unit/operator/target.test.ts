// The target Secret for each creationPolicy (ESO 2.4, 2.7, 2.9), computed without a cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExternalSecret } from '../../../src/api/generated/types.js';
import { dataHash } from '../../../src/operator/externalsecret/hash.js';
import type { SecretState } from '../../../src/operator/externalsecret/secret-object.js';
import { desiredSecret, TargetConflictError } from '../../../src/operator/externalsecret/target.js';

const b = (s: string) => new TextEncoder().encode(s);
const FM = 'externalsecrets.external-secrets.io/es';

function es(target: Record<string, unknown> = {}, labels?: Record<string, string>): ExternalSecret {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'es', namespace: 'ns', uid: 'uid-1', labels },
    spec: { target },
  };
}

function existing(extra: Partial<SecretState> = {}, meta: Record<string, unknown> = {}): SecretState {
  return {
    metadata: { name: 't', namespace: 'ns', resourceVersion: '5', labels: { app: 'x' }, ...meta },
    data: { foreign: b('keep?') },
    ...extra,
  };
}

const keys = (m: Record<string, Uint8Array>) => Object.keys(m).sort();

describe('desiredSecret', () => {
  it('Owner: sets the controller ownerRef, created-by, managed label and data-hash; resets foreign keys', () => {
    const { secret } = desiredSecret({
      es: es({ creationPolicy: 'Owner' }),
      targetName: 't',
      existing: existing(),
      providerData: { a: b('1') },
      fieldManager: FM,
    });
    assert.deepEqual(keys(secret.data), ['a']);
    assert.equal(secret.metadata.ownerReferences?.[0]?.uid, 'uid-1');
    assert.equal(secret.metadata.ownerReferences?.[0]?.controller, true);
    assert.equal(secret.metadata.labels?.['reconcile.external-secrets.io/managed'], 'true');
    assert.match(secret.metadata.labels?.['reconcile.external-secrets.io/created-by'] ?? '', /^[0-9a-f]{56}$/);
    assert.equal(secret.metadata.annotations?.['reconcile.external-secrets.io/data-hash'], dataHash({ a: b('1') }));
    assert.equal(secret.metadata.labels?.app, 'x');
  });
  it('Owner: keeps created-by and managed keys on a Secret it wrote before (regression: removed as "owned")', () => {
    const managedFields = [
      {
        manager: FM,
        operation: 'Update',
        fieldsV1: {
          'f:metadata': {
            'f:labels': {
              'f:reconcile.external-secrets.io/created-by': {},
              'f:reconcile.external-secrets.io/managed': {},
            },
            'f:annotations': { 'f:reconcile.external-secrets.io/data-hash': {} },
          },
        },
      },
    ];
    const { secret } = desiredSecret({
      es: es(),
      targetName: 't',
      existing: existing({}, { managedFields }),
      providerData: { a: b('1') },
      fieldManager: FM,
    });
    assert.match(secret.metadata.labels?.['reconcile.external-secrets.io/created-by'] ?? '', /^[0-9a-f]{56}$/);
    assert.equal(secret.metadata.labels?.['reconcile.external-secrets.io/managed'], 'true');
    assert.ok(secret.metadata.annotations?.['reconcile.external-secrets.io/data-hash']);
  });
  it('Owner: refuses a Secret controlled by another ExternalSecret or another controller', () => {
    const owned = (kind: string) =>
      existing({}, { ownerReferences: [{ apiVersion: 'v1', kind, name: 'other', uid: 'x', controller: true }] });
    assert.throws(
      () =>
        desiredSecret({
          es: es(),
          targetName: 't',
          existing: owned('ExternalSecret'),
          providerData: {},
          fieldManager: FM,
        }),
      (e: unknown) =>
        e instanceof TargetConflictError && e.statusMessage === 'target is owned by another ExternalSecret',
    );
    assert.throws(
      () =>
        desiredSecret({ es: es(), targetName: 't', existing: owned('Deployment'), providerData: {}, fieldManager: FM }),
      (e: unknown) =>
        e instanceof TargetConflictError && e.statusMessage === 'failed to take ownership of target secret',
    );
  });
  it('Orphan: no ownerRef, removes its own one, no created-by label', () => {
    const ours = existing(
      {},
      { ownerReferences: [{ apiVersion: 'x', kind: 'ExternalSecret', name: 'es', uid: 'uid-1' }] },
    );
    const { secret } = desiredSecret({
      es: es({ creationPolicy: 'Orphan' }),
      targetName: 't',
      existing: ours,
      providerData: { a: b('1') },
      fieldManager: FM,
    });
    assert.equal(secret.metadata.ownerReferences, undefined);
    assert.equal(secret.metadata.labels?.['reconcile.external-secrets.io/created-by'], undefined);
    assert.deepEqual(keys(secret.data), ['a']);
  });
  for (const policy of ['Merge', 'CreateOrMerge']) {
    it(`${policy}: keeps foreign keys, drops keys this ExternalSecret wrote before`, () => {
      const managedFields = [
        {
          manager: FM,
          operation: 'Update',
          fieldsV1: { 'f:data': { 'f:old': {} }, 'f:metadata': { 'f:labels': { 'f:gone': {} } } },
        },
      ];
      const prior = existing(
        { data: { foreign: b('f'), old: b('o') } },
        { managedFields, labels: { gone: 'x', app: 'x' } },
      );
      const { secret } = desiredSecret({
        es: es({ creationPolicy: policy }),
        targetName: 't',
        existing: prior,
        providerData: { a: b('1') },
        fieldManager: FM,
      });
      assert.deepEqual(keys(secret.data), ['a', 'foreign']);
      assert.equal(secret.metadata.labels?.gone, undefined);
      assert.equal(secret.metadata.ownerReferences, undefined);
      assert.equal(secret.metadata.managedFields, undefined);
    });
  }
  it('without a template copies the ExternalSecret labels and annotations', () => {
    const { secret } = desiredSecret({
      es: es({}, { team: 'a' }),
      targetName: 't',
      existing: undefined,
      providerData: { a: b('1') },
      fieldManager: FM,
    });
    assert.equal(secret.metadata.labels?.team, 'a');
    assert.equal(secret.metadata.name, 't');
  });
  it('with a template uses the rendered data, labels and type instead', () => {
    const { secret } = desiredSecret({
      es: es({}, { team: 'a' }),
      targetName: 't',
      existing: undefined,
      providerData: { a: b('1') },
      template: { data: { out: b('x') }, labels: { l: 'v' }, annotations: {}, type: 'kubernetes.io/tls' },
      fieldManager: FM,
    });
    assert.deepEqual(keys(secret.data), ['out']);
    assert.equal(secret.metadata.labels?.team, undefined);
    assert.equal(secret.metadata.labels?.l, 'v');
    assert.equal(secret.type, 'kubernetes.io/tls');
  });
  it('immutable: a new Secret is created immutable', () => {
    const { secret } = desiredSecret({
      es: es({ immutable: true }),
      targetName: 't',
      existing: undefined,
      providerData: { a: b('1') },
      fieldManager: FM,
    });
    assert.equal(secret.immutable, true);
  });
  it('immutable: an existing immutable Secret keeps its data; a change is flagged', () => {
    const frozen = existing({ immutable: true, data: { a: b('1') } });
    const same = desiredSecret({
      es: es({ immutable: true }),
      targetName: 't',
      existing: frozen,
      providerData: { a: b('1') },
      fieldManager: FM,
    });
    assert.equal(same.immutableConflict, false);
    const changed = desiredSecret({
      es: es({ immutable: true }),
      targetName: 't',
      existing: frozen,
      providerData: { a: b('2') },
      fieldManager: FM,
    });
    assert.equal(changed.immutableConflict, true);
    assert.equal(new TextDecoder().decode(changed.secret.data.a), '1');
  });
});
