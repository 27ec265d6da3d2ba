// onepassword provider: the static store checks (what ESO's webhook refuses) and the vault search order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OnePasswordSecretsProvider, vaultOrder } from '../../../src/providers/onepassword/index.js';

const provider = new OnePasswordSecretsProvider();
const spec = (onepassword: Record<string, unknown>) => ({ provider: { onepassword } }) as never;
const good = {
  connectHost: 'http://onepassword-connect:8080',
  vaults: { infrastructure: 1, applications: 2 },
  auth: { secretRef: { connectTokenSecretRef: { name: 'op', key: 'token' } } },
};

describe('onepassword store checks', () => {
  it('accepts ESO manifests, with either spelling of the token reference', () => {
    assert.deepEqual(provider.validateStore({ kind: 'SecretStore', namespace: 'ns', spec: spec(good) }).errors, []);
    const alias = { ...good, auth: { secretRef: { connectToken: { name: 'op', key: 'token' } } } };
    assert.deepEqual(provider.validateStore({ kind: 'SecretStore', namespace: 'ns', spec: spec(alias) }).errors, []);
  });

  it('names each problem', () => {
    const errors = (kind: 'SecretStore' | 'ClusterSecretStore', value: Record<string, unknown>) =>
      provider.validateStore({ kind, namespace: kind === 'SecretStore' ? 'ns' : undefined, spec: spec(value) }).errors;
    assert.deepEqual(errors('SecretStore', { ...good, connectHost: 'onepassword:8080' }), [
      'spec.provider.onepassword.connectHost must be an http(s) URL, e.g. http://onepassword-connect:8080',
    ]);
    assert.deepEqual(errors('SecretStore', { ...good, vaults: {} }), [
      'spec.provider.onepassword.vaults must name at least one vault',
    ]);
    assert.deepEqual(errors('SecretStore', { ...good, vaults: { a: 1, b: 1 } }), [
      'spec.provider.onepassword.vaults: each vault needs its own order number',
    ]);
    assert.deepEqual(errors('ClusterSecretStore', good), [
      'spec.provider.onepassword.auth.secretRef.connectTokenSecretRef.namespace is required for a ClusterSecretStore',
    ]);
    assert.deepEqual(errors('SecretStore', { ...good, auth: { secretRef: {} } }), [
      'spec.provider.onepassword.auth.secretRef.connectTokenSecretRef needs name and key',
    ]);
  });

  it('searches vaults in ascending order of their numbers', () => {
    assert.deepEqual(vaultOrder({ later: 3, first: 1, middle: 2 }), ['first', 'middle', 'later']);
  });
});
