import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloneObject } from '../../../src/kube/index.js';

describe('cloneObject', () => {
  const secretMeta = () => ({
    name: 'db',
    namespace: 'apps',
    labels: { 'reconcile.external-secrets.io/managed': 'true' } as Record<string, string>,
    ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'db', controller: true }],
    finalizers: [] as string[],
    deletionGracePeriodSeconds: 0,
    managedFields: [{ manager: 'external-secrets', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } }],
    generateName: null,
  });

  it('gives an equal object that shares nothing with the original', () => {
    const original = secretMeta();
    const copy = cloneObject(original);
    assert.deepEqual(copy, original);
    copy.labels['custom'] = 'x';
    (copy.ownerReferences[0] as { name: string }).name = 'other';
    copy.finalizers.push('f');
    (copy.managedFields[0] as { fieldsV1: Record<string, unknown> }).fieldsV1['f:type'] = {};
    assert.deepEqual(original, secretMeta(), 'the original is untouched');
  });

  it('keeps arrays as arrays and scalars as they are', () => {
    assert.deepEqual(cloneObject([1, 'a', null, true, [2]]), [1, 'a', null, true, [2]]);
    assert.ok(Array.isArray(cloneObject({ list: [] }).list));
    assert.equal(cloneObject('text'), 'text');
    assert.equal(cloneObject(null), null);
  });
});
