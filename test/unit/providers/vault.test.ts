// vault provider, the parts without a server: where keys live in a KV engine (ESO's buildPath examples), how a
// secret's data becomes values (numbers as written, exact keys before gjson paths), and the store checks.
// The provider against a real Vault is test/integration/providers/vault.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUtf8 } from '../../../src/providers/bytes.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../../../src/providers/errors.js';
import { parseJson } from '../../../src/providers/json-spans.js';
import { dataPath, metadataPath } from '../../../src/providers/vault/paths.js';
import { VaultSecretsProvider } from '../../../src/providers/vault/provider.js';
import { type ObjectNode, pickValue, valueToMap } from '../../../src/providers/vault/values.js';

const data = (text: string) => ({ text, node: parseJson(text) as ObjectNode });
const text = (bytes: Uint8Array) => fromUtf8(bytes);

describe('vault: paths', () => {
  it('follows ESO buildPath for KV v2 and v1, with and without a mount', () => {
    const cases: [string | undefined, 'v1' | 'v2', string, string][] = [
      ['secret/path', 'v2', 'foo', 'secret/path/data/foo'],
      ['secret/path', 'v1', 'foo', 'secret/path/foo'],
      ['secret/path', 'v2', 'secret/path/foo', 'secret/path/data/foo'],
      ['secret/path', 'v2', 'secret/path/data/foo', 'secret/path/data/foo'],
      ['secret/path', 'v1', 'secret/path/foo', 'secret/path/foo'],
      [undefined, 'v2', 'secret/path/foo', 'secret/data/path/foo'],
      [undefined, 'v2', 'secret/path/data/foo', 'secret/path/data/foo'],
      [undefined, 'v1', 'secret/path/foo', 'secret/path/foo'],
    ];
    for (const [mount, version, key, want] of cases) {
      assert.equal(dataPath({ mount, version }, key), want, `${mount} ${version} ${key}`);
    }
  });

  it('puts metadata next to the data of the same key, even when the key repeats the mount', () => {
    assert.equal(metadataPath({ mount: 'secret', version: 'v2' }, 'app/db'), 'secret/metadata/app/db');
    assert.equal(metadataPath({ mount: 'secret', version: 'v2' }, 'secret/app/db'), 'secret/metadata/app/db');
    assert.equal(metadataPath({ version: 'v2' }, 'secret/data/app/db'), 'secret/metadata/app/db');
    assert.equal(metadataPath({ mount: 'kv', version: 'v1' }, 'app'), 'kv/app');
  });

  it('says what to set when a path cannot be a KV path', () => {
    assert.throws(() => metadataPath({ version: 'v2' }, 'secret/app'), /not a KV v2 path.*spec\.provider\.vault\.path/);
    assert.throws(() => metadataPath({ version: 'v1' }, 'app'), ProviderConfigError);
  });
});

describe('vault: values', () => {
  const answer = data(
    '{"user":"admin","n":1.50,"big":12345678901234567890,"tag":"<a&b>","a.b":"dotted","a":{"b":"nested","z":1e3}}',
  );

  it('the whole secret is its JSON as Go writes it back: keys sorted, numbers as written, HTML escaped', () => {
    assert.equal(
      text(pickValue(answer, undefined)),
      '{"a":{"b":"nested","z":1e3},"a.b":"dotted","big":12345678901234567890,"n":1.50,"tag":"\\u003ca\\u0026b\\u003e","user":"admin"}',
    );
  });

  it('a property is an exact key first, then a gjson path', () => {
    assert.equal(text(pickValue(answer, 'user')), 'admin');
    assert.equal(text(pickValue(answer, 'n')), '1.50');
    assert.equal(text(pickValue(answer, 'a.b')), 'dotted');
    assert.equal(text(pickValue(answer, 'a')), '{"b":"nested","z":1e3}');
    assert.equal(text(pickValue(data('{"a":{"b":"nested"}}'), 'a.b')), 'nested');
  });

  it('a missing property is an error naming it, not "does not exist"', () => {
    assert.throws(
      () => pickValue(answer, 'password'),
      (error: Error) =>
        error instanceof ProviderError &&
        !(error instanceof NoSecretError) &&
        error.message === 'cannot find secret data for key: "password"',
    );
  });

  it('an extract splits an object; numbers as Go floats, nested objects as JSON', () => {
    const map = valueToMap(pickValue(answer, undefined), 'the secret');
    assert.equal(text(map.n as Uint8Array), '1.5');
    assert.equal(text(map.big as Uint8Array), '12345678901234567000');
    assert.equal(text(map.a as Uint8Array), '{"b":"nested","z":1000}');
    assert.equal(text(map.tag as Uint8Array), '<a&b>');
    assert.throws(
      () => valueToMap(pickValue(answer, 'user'), 'property "user"'),
      /property "user" is not a JSON object/,
    );
  });
});

describe('vault: store checks', () => {
  const provider = new VaultSecretsProvider();
  const check = (vault: Record<string, unknown>, kind: 'SecretStore' | 'ClusterSecretStore' = 'SecretStore') =>
    provider.validateStore({ kind, namespace: 'team', spec: { provider: { vault } } as never });

  it('accepts a usual store', () => {
    const result = check({
      server: 'https://vault.example:8200',
      path: 'secret',
      auth: { kubernetes: { mountPath: 'kubernetes', role: 'eso', serviceAccountRef: { name: 'eso' } } },
    });
    assert.deepEqual(result, { errors: [], warnings: [] });
  });

  it('names what is wrong', () => {
    const result = check({
      server: 'vault.example',
      auth: {
        appRole: { path: 'approle', secretRef: { name: 's', key: 'k', namespace: 'other' } },
        jwt: { path: 'jwt' },
      },
      tls: { certSecretRef: { name: 'c' } },
    });
    assert.deepEqual(result.errors, [
      'spec.provider.vault.server "vault.example" is not a URL; use e.g. https://vault.example:8200',
      'invalid auth.appRole.secretRef: namespace should either be empty or match the namespace of the SecretStore',
      'invalid auth.appRole: neither roleId nor roleRef was supplied',
      'auth.jwt needs secretRef or kubernetesServiceAccountToken as the source of the JWT',
      'tls needs both certSecretRef and keySecretRef (or neither)',
    ]);
  });

  it('lets a ClusterSecretStore name any namespace, and warns about auth methods Custos lacks', () => {
    const result = check(
      { server: 'https://v:8200', auth: { tokenSecretRef: { name: 't', key: 'token', namespace: 'x' }, iam: {} } },
      'ClusterSecretStore',
    );
    assert.deepEqual(result, { errors: [], warnings: ['auth.iam is not supported by Custos'] });
  });
});
