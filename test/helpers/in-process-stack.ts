// The real store (SQLite in a temp dir) and gateway in the test process, with an API-key identity for an operator:
// for integration tests that need the custos provider without starting processes. `gateway` serves TLS with its
// generated CA (what a SecretStore points at); `writer` is a second, plain-HTTP gateway on the same store for the
// test's own writes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initFragments } from '../../src/gateway/crypto/admin.js';
import { createGatewayServer, type GatewayServer } from '../../src/gateway/server.js';
import { type KubeClient, Resources } from '../../src/kube/index.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { bootstrap } from '../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../src/store/api/server.js';
import { storeClient } from '../integration/store/client.js';

export interface PathRule {
  path: string;
  capabilities: string[];
}

export interface InProcessStack {
  store: StoreServer;
  gateway: GatewayServer;
  writer: GatewayServer;
  /** The operator's identity: an api_key auth method bound to a role with the given rules. */
  identity: { accessId: string; accessKey: string };
  /** Writes a value as the admin (through `writer`). */
  put(path: string, value: string, tags?: string[]): Promise<void>;
  /** Reads a value as the admin; undefined when it does not exist. */
  read(path: string): Promise<{ value: string; version: number } | undefined>;
  /** A Secret with the identity and a SecretStore (custos provider, the gateway's CA) in a namespace. */
  createSecretStore(client: KubeClient, namespace: string, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startInProcessStack(rules: PathRule[]): Promise<InProcessStack> {
  const root = mkdtempSync(join(tmpdir(), 'custos-stack-'));
  const configDir = join(root, 'gateway');
  const keyFile = join(root, 'unseal.key');
  const store = await createStoreServer({ location: { dataDir: join(root, 'store'), env: {} }, logger: false });
  const creds = await bootstrap(store.context.storage, store.context.auth);
  await initFragments(configDir, { type: 'key-file', keyFile });
  const common = { storeUrl: store.url, configDir, unsealKeyFile: keyFile, logger: false as const };
  const gateway = await createGatewayServer(common);
  const writer = await createGatewayServer({ ...common, insecureHttp: true });
  const adminApi = storeClient(writer.url);
  const admin = await adminApi.login(creds.admin.accessId, creds.admin.accessKey);

  const method = await adminApi.call('POST', '/v1/admin/auth-methods', {
    token: admin,
    body: { name: 'operator', type: 'api_key' },
  });
  assert.equal(method.status, 201, method.text);
  const role = await adminApi.call('PUT', '/v1/admin/roles', { token: admin, body: { name: 'operator', rules } });
  assert.equal(role.status, 200, role.text);
  const bound = await adminApi.call('POST', '/v1/admin/roles/bind', {
    token: admin,
    body: { role: 'operator', accessId: method.body.accessId },
  });
  assert.equal(bound.status, 200, bound.text);
  const identity = { accessId: method.body.accessId as string, accessKey: method.body.accessKey as string };

  return {
    store,
    gateway,
    writer,
    identity,
    async put(path, value, tags = []) {
      const r = await adminApi.call('POST', '/v1/secrets', { token: admin, body: { path, value, tags } });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    },
    async read(path) {
      const r = await adminApi.call('GET', `/v1/secrets?path=${encodeURIComponent(path)}`, { token: admin });
      return r.status === 200 ? { value: r.body.value as string, version: r.body.version as number } : undefined;
    },
    async createSecretStore(client, namespace, name) {
      await client.create(Resources.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${name}-creds`, namespace },
        stringData: { accessId: identity.accessId, accessKey: identity.accessKey },
      });
      await client.create(OperatorResources.secretStores, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name, namespace },
        spec: {
          provider: {
            custos: {
              gatewayURL: gateway.url,
              caBundle: Buffer.from(gateway.caPem ?? '').toString('base64'),
              auth: {
                apiKeyRef: {
                  accessId: { name: `${name}-creds`, key: 'accessId' },
                  accessKey: { name: `${name}-creds`, key: 'accessKey' },
                },
              },
            },
          },
        },
      });
    },
    async close() {
      await writer.close();
      await gateway.close();
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
