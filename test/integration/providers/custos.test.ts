// The custos provider against the real store (SQLite in a temp dir) and the real gateway, on the real control
// plane: API-key and Kubernetes auth (ServiceAccount token from the API server -> gateway login -> store
// TokenReview), reads, finds, push and delete, namespace scoping with `/mdapi/{{namespace}}/*`, and the change feed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { CustosProvider } from '../../../src/api/generated/types.js';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { createGatewayServer, type GatewayServer } from '../../../src/gateway/server.js';
import type { RemoteChange, SecretsClient, StoreKind } from '../../../src/providers/contract.js';
import { CustosSecretsProvider, MANAGED_TAG } from '../../../src/providers/custos/index.js';
import { NoSecretError, ProviderConfigError } from '../../../src/providers/errors.js';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { storeClient } from '../store/client.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const textMap = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));
const AUDIENCE = 'custos-gateway.test';
/** Every plaintext this file stores; none may ever show up in an error message. */
const plaintexts: string[] = [];
const secretValue = (label: string) => {
  const v = `${label}-${randomBytes(10).toString('hex')}`;
  plaintexts.push(v);
  return v;
};
const errors: string[] = [];
/** A TCP relay in front of the gateway that can drop every connection and refuse new ones (a gateway outage). */
class Outage {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: number) {}
  async up(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.target, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    errors.push((error as Error).message);
    return error as Error;
  }
  assert.fail('expected a rejection');
}

describe('custos provider against the real store and gateway', { skip: integration.skipReason }, () => {
  const root = mkdtempSync(join(tmpdir(), 'custos-provider-'));
  const configDir = join(root, 'gateway');
  const keyFile = join(root, 'unseal.key');
  let kc: KubeConfig;
  let core: CoreV1Api;
  let store: StoreServer;
  let gateway: GatewayServer;
  /** A second gateway on the same fragment file (plain HTTP) that the test itself writes through. */
  let writer: GatewayServer;
  let adminApi: ReturnType<typeof storeClient>;
  let admin: string;
  let apiKey: { accessId: string; accessKey: string };
  let k8sAccessId: string;
  let ns: string;
  let otherNs: string;
  const provider = new CustosSecretsProvider({
    feedTiming: { initialBackoffMs: 50, maxBackoffMs: 500, idleTimeoutMs: 45_000 },
  });
  const clients: SecretsClient[] = [];

  async function client(
    spec: Partial<CustosProvider>,
    kind: StoreKind = 'SecretStore',
    url = gateway.url,
  ): Promise<SecretsClient> {
    const c = await provider.newClient({
      store: {
        kind,
        name: 'custos',
        namespace: kind === 'SecretStore' ? ns : undefined,
        spec: { provider: { custos: { gatewayURL: url, ...spec } as CustosProvider } },
      },
      namespace: ns,
      kube: { kubeConfig: kc },
    });
    clients.push(c);
    return c;
  }
  const caBundle = () => Buffer.from(gateway.caPem ?? '').toString('base64');
  const apiKeyAuth: CustosProvider['auth'] = {
    apiKeyRef: { accessId: { name: 'custos-creds', key: 'accessId' }, accessKey: { name: 'custos-creds', key: 'key' } },
  };
  const kubernetesAuth = (): CustosProvider['auth'] =>
    ({
      kubernetes: { accessId: k8sAccessId, serviceAccountRef: { name: 'eso-reader' }, audiences: [AUDIENCE] },
    }) as CustosProvider['auth'];

  async function put(path: string, value: string, tags?: string[]): Promise<number> {
    const r = await adminApi.call('POST', '/v1/secrets', { token: admin, body: { path, value, tags } });
    assert.ok(r.status === 200 || r.status === 201, r.text);
    return r.body.version as number;
  }
  async function describeItem(path: string) {
    return adminApi.call('GET', `/v1/secrets/describe?path=${encodeURIComponent(path)}`, { token: admin });
  }

  before(async () => {
    const cluster = await integration.cluster();
    kc = cluster.kc;
    core = kc.makeApiClient(CoreV1Api);
    store = await createStoreServer({
      location: { dataDir: join(root, 'store'), env: {} },
      logger: false,
      feedPollMs: 100,
    });
    const creds = await bootstrap(store.context.storage, store.context.auth);
    await initFragments(configDir, { type: 'key-file', keyFile });
    gateway = await createGatewayServer({ storeUrl: store.url, configDir, unsealKeyFile: keyFile, logger: false });
    writer = await createGatewayServer({
      storeUrl: store.url,
      configDir,
      unsealKeyFile: keyFile,
      insecureHttp: true,
      logger: false,
    });
    adminApi = storeClient(writer.url);
    admin = await adminApi.login(creds.admin.accessId, creds.admin.accessKey);
    const storeApi = storeClient(store.url);
    const made = await storeApi.call('POST', '/v1/admin/auth-methods', {
      token: admin,
      body: { name: 'apps', type: 'api_key' },
    });
    assert.equal(made.status, 201, made.text);
    apiKey = { accessId: made.body.accessId, accessKey: made.body.accessKey };
    const k8s = await storeApi.call('POST', '/v1/admin/auth-methods', {
      token: admin,
      body: {
        name: 'cluster',
        type: 'kubernetes',
        config: { kubeconfigPath: cluster.kubeconfigPath, audiences: [AUDIENCE] },
      },
    });
    assert.equal(k8s.status, 201, k8s.text);
    k8sAccessId = k8s.body.accessId;
    const all = ['read', 'list', 'create', 'update', 'delete'];
    for (const [name, path, accessId] of [
      ['apps', '/apps/*', apiKey.accessId],
      ['mdapi', '/mdapi/{{namespace}}/*', k8sAccessId],
    ] as const) {
      const role = await storeApi.call('PUT', '/v1/admin/roles', {
        token: admin,
        body: { name, rules: [{ path, capabilities: all }] },
      });
      assert.equal(role.status, 200, role.text);
      const bound = await storeApi.call('POST', '/v1/admin/roles/bind', {
        token: admin,
        body: { role: name, accessId },
      });
      assert.equal(bound.status, 200, bound.text);
    }

    ns = uniqueName('custos-prov');
    otherNs = uniqueName('custos-other');
    for (const name of [ns, otherNs]) await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'custos-creds' }, stringData: { accessId: apiKey.accessId, key: apiKey.accessKey } },
    });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'eso-reader' } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'gateway-ca' }, data: { 'ca.crt': gateway.caPem ?? '' } },
    });
  });

  after(async () => {
    for (const c of clients) await c.close();
    await writer?.close();
    await gateway?.close();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
    for (const name of [ns, otherNs]) if (name) await core?.deleteNamespace({ name }).catch(() => {});
  });

  it('api key auth with caBundle: get, versions, property (literal dot first), extract of JSON, not found', async () => {
    const v1 = secretValue('db-pw-one');
    const v2 = secretValue('db-pw-two');
    await put('/apps/db', JSON.stringify({ user: 'admin', password: v1, 'tls.crt': 'CERT', tls: { crt: 'nested' } }));
    await put('/apps/db', JSON.stringify({ user: 'admin', password: v2 }));
    const c = await client({ caBundle: caBundle(), auth: apiKeyAuth });
    assert.deepEqual(await c.validate(), { result: 'Ready' });
    assert.equal(text(await c.getSecret({ key: '/apps/db', property: 'password' })), v2);
    assert.equal(text(await c.getSecret({ key: 'apps/db', property: 'password', version: '1' })), v1);
    assert.equal(text(await c.getSecret({ key: '/apps/db', property: 'tls.crt', version: '1' })), 'CERT');
    assert.deepEqual(textMap(await c.getSecretMap({ key: '/apps/db' })), { user: 'admin', password: v2 });
    assert.ok((await rejection(c.getSecret({ key: '/apps/nope' }))) instanceof NoSecretError);
    assert.ok((await rejection(c.getSecret({ key: '/apps/db', version: '9' }))) instanceof NoSecretError);
    assert.ok((await rejection(c.getSecret({ key: '/apps/db', property: 'missing' }))) instanceof NoSecretError);
    const badVersion = await rejection(c.getSecret({ key: '/apps/db', version: 'v2' }));
    assert.ok(badVersion instanceof ProviderConfigError);
  });

  it('finds by path prefix, by name regexp and by tags, keyed by the path below find.path', async () => {
    const a = secretValue('find-a');
    const b = secretValue('find-b');
    await put('/apps/find/alpha', a, ['env=prod', 'team=x']);
    await put('/apps/find/nested/beta', b, ['env=dev']);
    const c = await client({ caBundle: caBundle(), auth: apiKeyAuth });
    assert.deepEqual(textMap(await c.getAllSecrets({ path: '/apps/find' })), { alpha: a, nested_beta: b });
    assert.deepEqual(textMap(await c.getAllSecrets({ path: '/apps/find', name: { regexp: 'beta$' } })), {
      nested_beta: b,
    });
    assert.deepEqual(textMap(await c.getAllSecrets({ path: '/apps/find', tags: { env: 'prod', team: 'x' } })), {
      alpha: a,
    });
    assert.deepEqual(textMap(await c.getAllSecrets({ path: '/apps/find', tags: { env: 'prod', team: 'y' } })), {});
  });

  it('pushes (no new version when unchanged), refuses foreign items, deletes only what it created', async () => {
    const c = await client({ caBundle: caBundle(), auth: apiKeyAuth });
    const pw = secretValue('pushed');
    const source = { data: { password: Buffer.from(pw), user: Buffer.from('app') } };
    await c.pushSecret(source, { secretKey: 'password', remoteRef: { remoteKey: '/apps/pushed/pw' } });
    await c.pushSecret(source, { secretKey: 'password', remoteRef: { remoteKey: '/apps/pushed/pw' } });
    let described = await describeItem('/apps/pushed/pw');
    assert.equal(described.body.version, 1, 'an unchanged push writes no new version');
    assert.deepEqual(described.body.tags, [MANAGED_TAG]);
    assert.equal(text(await c.getSecret({ key: '/apps/pushed/pw' })), pw);

    await c.pushSecret(source, { secretKey: 'user', remoteRef: { remoteKey: '/apps/pushed/obj', property: 'u' } });
    await c.pushSecret(source, { secretKey: 'password', remoteRef: { remoteKey: '/apps/pushed/obj', property: 'p' } });
    assert.deepEqual(textMap(await c.getSecretMap({ key: '/apps/pushed/obj' })), { p: pw, u: 'app' });
    await c.pushSecret(source, { remoteRef: { remoteKey: '/apps/pushed/whole' } });
    assert.deepEqual(textMap(await c.getSecretMap({ key: '/apps/pushed/whole' })), { password: pw, user: 'app' });
    assert.equal(await c.secretExists({ remoteKey: '/apps/pushed/obj', property: 'p' }), true);
    assert.equal(await c.secretExists({ remoteKey: '/apps/pushed/obj', property: 'zz' }), false);
    assert.equal(await c.secretExists({ remoteKey: '/apps/pushed/none' }), false);

    const foreign = secretValue('foreign');
    await put('/apps/pushed/foreign', foreign);
    const refused = await rejection(
      c.pushSecret(source, { secretKey: 'password', remoteRef: { remoteKey: '/apps/pushed/foreign' } }),
    );
    assert.match(refused.message, /was not created by Custos/);
    await c.deleteSecret({ remoteKey: '/apps/pushed/foreign' });
    assert.equal(text(await c.getSecret({ key: '/apps/pushed/foreign' })), foreign, 'a foreign item is left alone');

    await c.deleteSecret({ remoteKey: '/apps/pushed/obj', property: 'u' });
    assert.deepEqual(textMap(await c.getSecretMap({ key: '/apps/pushed/obj' })), { p: pw });
    await c.deleteSecret({ remoteKey: '/apps/pushed/pw' });
    await c.deleteSecret({ remoteKey: '/apps/pushed/pw' }); // already gone: fine
    assert.equal((await describeItem('/apps/pushed/pw')).status, 404);
    described = await describeItem('/apps/pushed/obj');
    assert.equal(described.status, 200);
  });

  it('kubernetes auth: a requested ServiceAccount token logs in; the role scopes it to its own namespace', async () => {
    const own = secretValue('own-ns');
    await put(`/mdapi/${ns}/app/key`, own);
    await put(`/mdapi/${otherNs}/admin/token`, secretValue('other-ns'));
    const c = await client({
      caProvider: { type: 'ConfigMap', name: 'gateway-ca', key: 'ca.crt' },
      auth: kubernetesAuth(),
    });
    assert.deepEqual(await c.validate(), { result: 'Ready' });
    assert.equal(text(await c.getSecret({ key: `/mdapi/${ns}/app/key` })), own);

    const existing = await rejection(c.getSecret({ key: `/mdapi/${otherNs}/admin/token` }));
    const missing = await rejection(c.getSecret({ key: `/mdapi/${otherNs}/admin/nope` }));
    for (const error of [existing, missing]) {
      assert.ok(error instanceof ProviderConfigError, error.message);
      assert.match(error.message, /^access denied to \/mdapi\//);
    }
    assert.equal(
      existing.message.replace('/admin/token', '<path>'),
      missing.message.replace('/admin/nope', '<path>'),
      'the answer does not tell whether the item exists',
    );
    assert.deepEqual(textMap(await c.getAllSecrets({ path: `/mdapi/${otherNs}` })), {});
    await c.pushSecret(
      { data: { k: Buffer.from('v') } },
      { secretKey: 'k', remoteRef: { remoteKey: `/mdapi/${ns}/pushed` } },
    );
    const pushDenied = await rejection(
      c.pushSecret(
        { data: { k: Buffer.from('v') } },
        { secretKey: 'k', remoteRef: { remoteKey: `/mdapi/${otherNs}/x` } },
      ),
    );
    assert.match(pushDenied.message, /^access denied to/);
  });

  it('a ClusterSecretStore reads its API key where the refs say; a referent one validates as Unknown', async () => {
    const ref = (key: string, namespace?: string) => ({
      name: 'custos-creds',
      key,
      ...(namespace ? { namespace } : {}),
    });
    const spec = (namespace?: string) => ({
      caBundle: caBundle(),
      auth: { apiKeyRef: { accessId: ref('accessId', namespace), accessKey: ref('key', namespace) } },
    });
    const cluster = await client(spec(ns), 'ClusterSecretStore');
    assert.deepEqual(await cluster.validate(), { result: 'Ready' });
    const referent = await provider.newClient({
      store: {
        kind: 'ClusterSecretStore',
        name: 'css',
        spec: { provider: { custos: { gatewayURL: gateway.url, ...spec() } } },
      },
      namespace: '',
      kube: { kubeConfig: kc },
    });
    assert.equal((await referent.validate()).result, 'Unknown');
    await assert.rejects(referent.getSecret({ key: '/apps/db' }), /use it from an ExternalSecret/);
  });

  it('wrong credentials make validate() report an error that names the access id, not the key', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'wrong-creds' }, stringData: { accessId: apiKey.accessId, key: 'not-the-key' } },
    });
    const c = await client({
      caBundle: caBundle(),
      auth: {
        apiKeyRef: {
          accessId: { name: 'wrong-creds', key: 'accessId' },
          accessKey: { name: 'wrong-creds', key: 'key' },
        },
      },
    });
    const result = await c.validate();
    assert.equal(result.result, 'Error');
    assert.match(result.message ?? '', new RegExp(apiKey.accessId));
    assert.doesNotMatch(result.message ?? '', /not-the-key/);
  });

  it('watch delivers a changed value within 2 s, and resumes with since after the gateway was down', async () => {
    const path = `/mdapi/${ns}/rotating/db`;
    await put(path, secretValue('rotate-0'));
    const relay = new Outage(Number(new URL(gateway.url).port));
    await relay.up();
    const c = await client(
      { caBundle: caBundle(), auth: kubernetesAuth() },
      'SecretStore',
      `https://127.0.0.1:${relay.port}`,
    );
    const seen: { change: RemoteChange; at: number }[] = [];
    const feedErrors: string[] = [];
    const waiters: (() => void)[] = [];
    const watch = c.watch?.(
      [{ key: path }, { path: `/mdapi/${ns}/other-folder` }],
      (change) => {
        seen.push({ change, at: performance.now() });
        for (const wake of waiters.splice(0)) wake();
      },
      { onError: (error) => feedErrors.push(error.message) },
    );
    assert.ok(watch, 'the custos client implements watch');
    const next = (count: number, ms: number) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (seen.length >= count) resolve(true);
          else waiters.push(check);
        };
        setTimeout(() => resolve(seen.length >= count), ms);
        check();
      });
    // The stream opens asynchronously (login, token request and review first; slow on a loaded machine), and a
    // change made before it is open is not replayed: write warm-up changes until one arrives, so the stream is
    // proven live before anything is measured.
    let live = false;
    for (let attempt = 0; attempt < 30 && !live; attempt++) {
      await put(path, secretValue(`rotate-warmup-${attempt}`));
      live = await next(1, 500);
    }
    assert.ok(live, `the watch saw a warm-up change (feed errors: ${feedErrors.join('; ')})`);
    await new Promise((r) => setTimeout(r, 300)); // late duplicates of warm-up writes must not count below
    seen.splice(1);

    await put(`/mdapi/${ns}/unrelated`, secretValue('unrelated'));
    const started = performance.now();
    const version = await put(path, secretValue('rotate-1'));
    const written = performance.now();
    assert.ok(await next(2, 2000), 'the change was delivered within 2 s');
    const delivered = seen[1] as { change: RemoteChange; at: number };
    assert.deepEqual(delivered.change, { key: path, op: 'update', version });
    console.log(
      `# custos watch latency: ${(delivered.at - written).toFixed(1)} ms after the write's answer ` +
        `(${(delivered.at - started).toFixed(1)} ms after it was sent)`,
    );

    // The gateway becomes unreachable; a change made meanwhile (through the other gateway) arrives once it is back.
    await relay.down();
    const whileDown = await put(path, secretValue('rotate-2'));
    await new Promise((r) => setTimeout(r, 300)); // let at least one reconnect attempt fail
    await relay.up();
    assert.ok(await next(3, 10_000), `the missed change arrived after reconnecting (errors: ${feedErrors.join('; ')})`);
    assert.deepEqual(seen[2]?.change, { key: path, op: 'update', version: whileDown });
    assert.equal(seen.length, 3, 'the unrelated path was not reported');
    assert.ok(feedErrors.length > 0, 'the outage was reported through onError');
    await watch.close();
    await relay.down();
  });

  it('no error message carries a secret value', () => {
    assert.ok(errors.length > 5);
    for (const message of errors) for (const value of plaintexts) assert.ok(!message.includes(value), message);
  });
});
