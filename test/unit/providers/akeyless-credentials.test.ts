// How the akeyless provider turns authSecretRef into an /auth body, with Secrets served by a minimal in-process
// stand-in for the Kubernetes API (the real API server is covered by the integration test).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AkeylessProvider } from '../../../src/api/generated/types.js';
import { type CredentialContext, resolveCredentials } from '../../../src/providers/akeyless/credentials.js';
import { ProviderConfigError } from '../../../src/providers/errors.js';
import type { KubeTransport } from '../../../src/providers/kubernetes/http.js';

const secrets: Record<string, Record<string, string>> = {};
let server: Server;
let operator: KubeTransport;
let dir: string;

before(async () => {
  server = createServer((req, res) => {
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(req.url ?? '');
    const data = match ? secrets[`${match[1]}/${match[2]}`] : undefined;
    res.writeHead(data ? 200 : 404, { 'content-type': 'application/json' });
    const encoded = Object.fromEntries(
      Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    res.end(JSON.stringify(data ? { data: encoded } : { message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  operator = {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    describe: 'the operator',
    prepare: async () => {},
  };
  dir = mkdtempSync(join(tmpdir(), 'akl-creds-'));
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const ref = (key: string) => ({ name: 'creds', key });
const fromSecret: AkeylessProvider['authSecretRef'] = {
  secretRef: { accessID: ref('id'), accessType: ref('type'), accessTypeParam: ref('param') },
};
const ctx = (
  authSecretRef: AkeylessProvider['authSecretRef'],
  extra: Partial<CredentialContext> = {},
): CredentialContext => ({
  spec: { akeylessGWApiURL: 'https://gw', authSecretRef },
  storeKind: 'SecretStore',
  namespace: 'ns',
  operator,
  ...extra,
});

describe('akeyless credentials', () => {
  it('api_key and access_key both send access_type access_key with the key; the cache key hides the key', async () => {
    for (const type of ['api_key', 'access_key']) {
      secrets['ns/creds'] = { id: 'p-1', type, param: 'the-access-key' };
      const creds = await resolveCredentials(ctx(fromSecret), 'https://gw');
      assert.deepEqual(await creds.authBody(), {
        'access-id': 'p-1',
        'access-type': 'access_key',
        'access-key': 'the-access-key',
      });
      assert.equal(creds.accessId, 'p-1');
      assert.ok(!creds.cacheKey.includes('the-access-key'));
    }
  });

  it('a changed access key gives a different cache key (no stale token reuse)', async () => {
    secrets['ns/creds'] = { id: 'p-1', type: 'api_key', param: 'k1' };
    const a = await resolveCredentials(ctx(fromSecret), 'https://gw');
    secrets['ns/creds'] = { id: 'p-1', type: 'api_key', param: 'k2' };
    const b = await resolveCredentials(ctx(fromSecret), 'https://gw');
    assert.notEqual(a.cacheKey, b.cacheKey);
  });

  it('accessType k8s in secretRef sends the mounted token, base64, with accessTypeParam as the config name', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'eyJhbGciOi.mounted.jwt\n');
    secrets['ns/creds'] = { id: 'p-k', type: 'k8s', param: 'conf-a' };
    const creds = await resolveCredentials(ctx(fromSecret, { mountedTokenFile: file }), 'https://gw');
    assert.deepEqual(await creds.authBody(), {
      'access-id': 'p-k',
      'access-type': 'k8s',
      'k8s-auth-config-name': 'conf-a',
      'k8s-service-account-token': Buffer.from('eyJhbGciOi.mounted.jwt').toString('base64'),
    });
  });

  it('says what to do when there is no mounted token (operator outside a pod)', async () => {
    const creds = await resolveCredentials(
      ctx({ kubernetesAuth: { accessID: 'p-k', k8sConfName: 'c' } }, { mountedTokenFile: join(dir, 'absent') }),
      'https://gw',
    );
    await assert.rejects(creds.authBody(), (e) => {
      assert.ok(e instanceof ProviderConfigError);
      assert.match(
        (e as Error).message,
        /set spec\.provider\.akeyless\.authSecretRef\.kubernetesAuth\.serviceAccountRef/,
      );
      return true;
    });
  });

  it('refuses cloud identities and unknown types without echoing the value', async () => {
    secrets['ns/creds'] = { id: 'p-1', type: 'aws_iam', param: '' };
    await assert.rejects(
      resolveCredentials(ctx(fromSecret), 'https://gw'),
      /accessType aws_iam \(cloud identity\) is not supported/,
    );
    secrets['ns/creds'] = { id: 'p-1', type: 'pasted-access-key-by-mistake', param: 'x' };
    await assert.rejects(resolveCredentials(ctx(fromSecret), 'https://gw'), (e) => {
      assert.ok(e instanceof ProviderConfigError);
      assert.ok(!(e as Error).message.includes('pasted-access-key-by-mistake'));
      return true;
    });
  });

  it('requires the access key for api_key and names missing Secrets and keys', async () => {
    secrets['ns/creds'] = { id: 'p-1', type: 'api_key', param: '' };
    await assert.rejects(resolveCredentials(ctx(fromSecret), 'https://gw'), /accessTypeParam must hold the access key/);
    secrets['ns/creds'] = { id: 'p-1', type: 'api_key' };
    await assert.rejects(resolveCredentials(ctx(fromSecret), 'https://gw'), /Secret "ns\/creds" has no key "param"/);
    await assert.rejects(
      resolveCredentials(
        ctx({ secretRef: { accessID: { name: 'other', key: 'id' }, accessType: ref('type') } }),
        'https://gw',
      ),
      /Secret "ns\/other" does not exist/,
    );
  });

  it('a ClusterSecretStore reads refs in their own namespace; a SecretStore ignores it', async () => {
    secrets['team/creds'] = { id: 'p-team', type: 'api_key', param: 'k' };
    secrets['ns/creds'] = { id: 'p-ns', type: 'api_key', param: 'k' };
    const scoped: AkeylessProvider['authSecretRef'] = {
      secretRef: {
        accessID: { ...ref('id'), namespace: 'team' },
        accessType: { ...ref('type'), namespace: 'team' },
        accessTypeParam: { ...ref('param'), namespace: 'team' },
      },
    };
    assert.equal(
      (await resolveCredentials(ctx(scoped, { storeKind: 'ClusterSecretStore' }), 'https://gw')).accessId,
      'p-team',
    );
    assert.equal((await resolveCredentials(ctx(scoped), 'https://gw')).accessId, 'p-ns');
  });
});
