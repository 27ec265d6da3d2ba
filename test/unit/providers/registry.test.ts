import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultProviderRegistry,
  FakeSecretsProvider,
  NoSecretError,
  ProviderConfigError,
  ProviderRegistry,
  ProviderUnavailableError,
  UnsupportedProviderError,
} from '../../../src/providers/index.js';
import { convertKeys } from '../../../src/providers/keys.js';

describe('provider registry', () => {
  it('finds a provider by the spec.provider key', () => {
    const registry = defaultProviderRegistry();
    assert.equal(registry.forStore({ provider: { fake: { data: [] } } }).key, 'fake');
  });

  it('names the unsupported key and the supported ones', () => {
    const registry = new ProviderRegistry([new FakeSecretsProvider()]);
    assert.throws(
      () => registry.forStore({ provider: { aws: { service: 'SecretsManager' } } as never }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedProviderError);
        assert.ok(e instanceof ProviderConfigError, 'a store problem, not a transient one');
        assert.equal(e.providerKey, 'aws');
        assert.match(e.message, /unsupported provider "aws"/);
        assert.match(e.message, /"fake"/);
        return true;
      },
    );
  });

  it('says what to fix when spec.provider has no key or several', () => {
    const registry = defaultProviderRegistry();
    assert.throws(() => registry.forStore({ provider: {} }), /set exactly one key under spec\.provider/);
    assert.throws(
      () => registry.forStore({ provider: { fake: { data: [] }, vault: { server: 'x' } } }),
      /names 2 providers \(fake, vault\)/,
    );
  });
});

describe('provider errors', () => {
  it("uses ESO's text for a missing secret", () => {
    assert.equal(new NoSecretError().message, 'Secret does not exist');
    assert.equal(new NoSecretError().name, 'NoSecretError');
  });

  it('keeps transient and configuration errors apart', () => {
    assert.ok(!(new ProviderUnavailableError('x') instanceof ProviderConfigError));
    assert.ok(!(new NoSecretError() instanceof ProviderConfigError));
  });
});

describe('key conversion (ESO ConvertKeys)', () => {
  it('replaces characters that are not valid in Secret keys', () => {
    const out = convertKeys(undefined, { 'a/b c': 1, 'é-ok_1.2': 2 });
    assert.deepEqual({ ...out }, { a_b_c: 1, 'é-ok_1.2': 2 });
    assert.deepEqual({ ...convertKeys('Unicode', { 'a/b': 1, 'x😀': 2 }) }, { a_U002f_b: 1, x_U1f600_: 2 });
  });

  it('fails on collisions', () => {
    assert.throws(() => convertKeys('Default', { 'a/b': 1, 'a b': 2 }), /secret name collision during conversion: a_b/);
  });

  it('keeps a "__proto__" key as data', () => {
    const out = convertKeys('Default', JSON.parse('{"__proto__":1}') as Record<string, number>);
    assert.deepEqual(Object.keys(out), ['__proto__']);
  });
});
