// VaultDynamicSecret generator on the real control plane against a real Vault (tools/vault-dev): an AppRole
// secret ID made by a write (Data), a token made by auth/token/create (Auth), a read of a KV secret (Data, numbers as
// Vault wrote them) and all of an answer (Raw); an empty answer with and without allowEmptyResponse; a login that
// fails and a path the policy forbids, each saying what to fix; and an ExternalSecret getting a fresh credential
// through the operator with no generated value in its log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorError, GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { startVault, type VaultServer, vaultBuildOrSkip } from '../../helpers/vault-server.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  getSecret,
  type Harness,
  harness,
  startTestOperator,
  waitFor,
} from './harness.js';

const vaultBuild = integration.skipReason ? {} : vaultBuildOrSkip();
const skip = integration.skipReason ?? vaultBuild.skip;
const apiVersion = 'generators.external-secrets.io/v1alpha1';
const text = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));

describe('VaultDynamicSecret generator', { skip }, () => {
  let h: Harness;
  let vault: VaultServer;
  let ns: string;
  let op: OperatorHandle | undefined;

  const provider = () => ({
    server: vault.address,
    auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
  });
  const createGenerator = (name: string, spec: Record<string, unknown>) =>
    h.client.create(GeneratorResources.VaultDynamicSecret, {
      apiVersion,
      kind: 'VaultDynamicSecret',
      metadata: { name, namespace: ns },
      spec: { provider: provider(), ...spec },
    });
  const generate = (name: string) => resolveGenerator(h.client, ns, { apiVersion, kind: 'VaultDynamicSecret', name });

  async function bao(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await vault.request(method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: HTTP ${res.status}`);
    return (res.body ?? {}) as Record<string, unknown>;
  }

  before(async () => {
    [h, vault] = await Promise.all([harness(), startVault({ binary: vaultBuild.binary })]);
    ns = await createNamespace(h, 'vault-gen');
    await h.client.create(Resources.secrets, {
      metadata: { name: 'vault-token', namespace: ns },
      stringData: { token: vault.rootToken, wrong: 'hvs.not-a-token' },
    });
    await bao('POST', 'sys/auth/approle', { type: 'approle' });
    await bao('POST', 'auth/approle/role/app', { secret_id_ttl: '1h', token_policies: ['default'] });
    await bao('POST', 'secret/data/config', { data: { ratio: 2.5, port: 5432, nested: { a: '<b>' } } });
  });

  after(async () => {
    await op?.stop();
    await vault?.stop();
  });

  it('a write makes a new credential each time (Data: the answer`s data)', async () => {
    await createGenerator('secret-id', { method: 'POST', path: 'auth/approle/role/app/secret-id', parameters: {} });
    const first = text(await generate('secret-id'));
    const second = text(await generate('secret-id'));
    assert.deepEqual(Object.keys(first).sort(), [
      'secret_id',
      'secret_id_accessor',
      'secret_id_num_uses',
      'secret_id_ttl',
    ]);
    assert.equal(first.secret_id_ttl, '3600');
    assert.notEqual(first.secret_id, second.secret_id);
    // Vault knows the credential: it can be looked up by its accessor.
    await bao('POST', 'auth/approle/role/app/secret-id-accessor/lookup', {
      secret_id_accessor: first.secret_id_accessor,
    });
  });

  it('auth/token/create with resultType Auth gives the token and its settings', async () => {
    await createGenerator('token', {
      method: 'POST',
      path: 'auth/token/create',
      parameters: { policies: ['default'], ttl: '10m', meta: { app: 'custos' } },
      resultType: 'Auth',
    });
    const out = text(await generate('token'));
    assert.deepEqual(Object.keys(out).sort(), [
      'accessor',
      'client_token',
      'entity_id',
      'identity_policies',
      'lease_duration',
      'metadata',
      'mfa_requirement',
      'orphan',
      'policies',
      'renewable',
      'token_policies',
    ]);
    assert.equal(out.lease_duration, '600');
    assert.equal(out.metadata, '{"app":"custos"}');
    assert.equal(out.identity_policies, '');
    const looked = (await bao('POST', 'auth/token/lookup', { token: out.client_token })).data as { ttl: number };
    assert.ok(looked.ttl > 0 && looked.ttl <= 600);
  });

  it('a read with Data keeps the answer`s fields; Raw gives all of the answer', async () => {
    await createGenerator('read', { path: 'secret/data/config' });
    const data = text(await generate('read'));
    assert.deepEqual(Object.keys(data).sort(), ['data', 'metadata']);
    assert.equal(data.data, '{"nested":{"a":"\\u003cb\\u003e"},"port":5432,"ratio":2.5}');
    await createGenerator('raw', { path: '/secret/data/config', resultType: 'Raw' });
    const raw = text(await generate('raw'));
    assert.deepEqual(Object.keys(raw).sort(), [
      'data',
      'lease_duration',
      'lease_id',
      'mount_type',
      'renewable',
      'request_id',
      'warnings',
    ]);
    assert.equal(raw.mount_type, 'kv');
    assert.match(
      raw.data ?? '',
      /^\{"data":\{"nested":\{"a":"\\u003cb\\u003e"\},"port":5432,"ratio":2.5\},"metadata":\{/,
    );
  });

  it('an empty answer is an error unless allowEmptyResponse', async () => {
    await createGenerator('missing', { path: 'secret/data/nope' });
    await assert.rejects(generate('missing'), (error: Error) => {
      assert.ok(error instanceof GeneratorError && error.code === 'Unavailable', error.message);
      assert.match(error.message, /empty response from Vault for secret\/data\/nope/);
      return true;
    });
    await createGenerator('missing-ok', { path: 'secret/data/nope', allowEmptyResponse: true });
    assert.deepEqual(text(await generate('missing-ok')), {});
  });

  it('says what to fix: a refused token, a forbidden path, a missing provider', async () => {
    await createGenerator('bad-token', {
      path: 'secret/data/config',
      provider: { server: vault.address, auth: { tokenSecretRef: { name: 'vault-token', key: 'wrong' } } },
    });
    await assert.rejects(generate('bad-token'), (error: Error) => {
      assert.ok(error instanceof GeneratorError && error.code === 'Invalid', error.message);
      assert.match(
        error.message,
        /answered GET secret\/data\/config with .*(permission denied|invalid token).*HTTP 403/,
      );
      assert.ok(!error.message.includes('hvs.not-a-token'));
      return true;
    });
    await createGenerator('no-login', {
      path: 'secret/data/config',
      provider: {
        server: vault.address,
        auth: { userPass: { path: 'userpass', username: 'x', secretRef: { name: 'vault-token', key: 'wrong' } } },
      },
    });
    await assert.rejects(generate('no-login'), /VaultDynamicSecret generator: login to Vault at .* with userPass auth/);
  });

  it('an ExternalSecret gets a fresh credential through the operator; no log line carries it', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createGenerator('for-es', { method: 'POST', path: 'auth/approle/role/app/secret-id' });
    await createExternalSecret(h, ns, 'app-login', {
      refreshInterval: '1h',
      target: { name: 'app-login' },
      dataFrom: [
        {
          sourceRef: { generatorRef: { kind: 'VaultDynamicSecret', name: 'for-es' } },
          rewrite: [{ regexp: { source: '^secret_id$', target: 'password' } }],
        },
      ],
    });
    const secret = await waitFor('app-login', () => getSecret(h, ns, 'app-login'));
    const data = decode(secret.data);
    assert.match(data.password ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(!h.logs.join('\n').includes(data.password ?? 'x'), 'the generated secret ID reached the operator log');
  });
});
