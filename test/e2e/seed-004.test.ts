// Seed 004 end to end (../shared/seeds/004): the manifests of test/fixtures/seeds/004-*.yaml with their provider
// block translated from `onepassword` to `custos` (everything else as the seed writes it), against the store, the
// gateway and the operator as separate `custos` processes on the real control plane:
// - database credentials, API keys and TLS certificates read with `property` from JSON items: exact Secrets;
// - the seed's TLS `target.type` (not an ESO field) is dropped by the API server; `target.template.type` works;
// - the rotation manifest has no secretStoreRef: a clear error; with one it syncs;
// - refreshInterval 1h: a new value still arrives at once through the change feed;
// - the force-sync annotation re-reads the provider (seen in the store's audit log) with nothing else changed;
// - deletionPolicy Retain keeps the Secret when its remote item is deleted, Delete removes it;
// - no secret value in any process output or status.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { installCrds } from '../../src/api/install.js';
import { isNotFound, KubeClient, type KubeObject, type ObjectMeta, Resources } from '../../src/kube/index.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { integration, uniqueName } from '../helpers/cluster.js';
import { callJson, freePort, ProcessGroup } from '../helpers/e2e-processes.js';
import {
  bootstrapStack,
  gatewayCaPem,
  measurements,
  stackDirs,
  startGateway,
  startNamespaceOperator,
  startStore,
  valueRecorder,
  waitFor,
} from '../helpers/e2e-stack.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'seeds');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SecretObject extends KubeObject {
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
}
type Condition = { type: string; status: string; reason?: string; message?: string };
interface EsObject extends KubeObject {
  metadata: ObjectMeta;
  spec?: Record<string, unknown> & { target?: Record<string, unknown> };
  status?: { conditions?: Condition[]; refreshTime?: string; syncedResourceVersion?: string };
}

/** A seed manifest, parsed (the fixture files are the seed's YAML, re-indented). */
function manifest(file: string): KubeObject & { metadata: ObjectMeta; spec: Record<string, unknown> } {
  return parse(readFileSync(join(fixtures, file), 'utf8'));
}

describe('seed 004: 1Password patterns through the custos provider', { skip: integration.skipReason }, () => {
  const root = mkdtempSync(join(tmpdir(), 'custos-e2e-004-'));
  const dirs = stackDirs(root);
  const cliHome = join(root, 'cli');
  const group = new ProcessGroup();
  /** Every plaintext this file stores; none may appear in any process output or object status. */
  const { values, secretValue } = valueRecorder();
  const { measured, measure } = measurements();

  let client: KubeClient;
  let storeUrl: string;
  let gatewayUrl: string;
  let gatewayCa: string;
  let adminToken: string;
  let esoAccessId: string;
  /** The seed's namespaces, made unique on the shared control plane. */
  const ns = {
    externalSecrets: uniqueName('external-secrets'),
    database: uniqueName('database'),
    monitoring: uniqueName('monitoring'),
    network: uniqueName('network'),
  };
  const clusterStore = 'onepassword-cluster-store';
  // The item contents (JSON objects: `property` picks a field).
  const postgres = { username: secretValue('pg-user'), password: secretValue('pg-pass'), database: secretValue('db') };
  const apiKeys = {
    cloudflare: secretValue('cf-token'),
    github: secretValue('ghp'),
    docker: secretValue('registry'),
  };
  const pem = (kind: string) =>
    `-----BEGIN ${kind}-----\n${secretValue(kind.replace(/ /g, '-').toLowerCase())}\n-----END ${kind}-----\n`;
  const tls = { certificate: pem('CERTIFICATE'), privateKey: pem('PRIVATE KEY') };
  const currentKey = secretValue('current-key');

  /** `custos <args>` with its own profile dir; fails with the output when the exit code is not 0. */
  async function cli(name: string, args: string[]): Promise<string> {
    const proc = group.start(name, args, { XDG_CONFIG_HOME: cliHome });
    const code = await proc.exited;
    if (code !== 0) throw new Error(`custos ${args.join(' ')} exited with ${code}:\n${proc.output().slice(-3000)}`);
    return proc.output();
  }

  /** `custos secret put` with the value in a file, so it is in no command line. */
  async function putItem(path: string, value: unknown): Promise<void> {
    const file = join(root, `value-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, JSON.stringify(value), { mode: 0o600 });
    await cli(`put ${path}`, ['secret', 'put', path, '--from-file', file]);
    rmSync(file);
  }

  async function getSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    try {
      return await client.get<SecretObject>(Resources.secrets, name, { namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  const decoded = (s: SecretObject | undefined) =>
    s &&
    Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

  const getEs = (namespace: string, name: string) =>
    client.get<EsObject>(OperatorResources.externalSecrets, name, { namespace });

  async function readyOf(namespace: string, name: string): Promise<Condition | undefined> {
    return (await getEs(namespace, name)).status?.conditions?.find((c) => c.type === 'Ready');
  }

  const waitReady = (namespace: string, name: string, status: 'True' | 'False', timeoutMs = 30_000) =>
    waitFor(
      `${namespace}/${name} Ready=${status}`,
      async () => {
        const c = await readyOf(namespace, name);
        return c?.status === status ? c : undefined;
      },
      timeoutMs,
    );

  async function storeReady(kind: 'ClusterSecretStore' | 'SecretStore', name: string, namespace?: string) {
    const type = kind === 'ClusterSecretStore' ? OperatorResources.clusterSecretStores : OperatorResources.secretStores;
    return waitFor(
      `${kind} ${name} Ready`,
      async () => {
        const s = await client.get<EsObject>(type, name, { namespace });
        return s.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
      },
      30_000,
    );
  }

  /** The custos provider block that replaces the seed's `onepassword` block (the only change to its stores). */
  function custosProvider(secretNamespace?: string) {
    const ref = (key: string) => ({
      name: 'onepassword-token',
      key,
      ...(secretNamespace ? { namespace: secretNamespace } : {}),
    });
    return {
      custos: {
        gatewayURL: gatewayUrl,
        caBundle: Buffer.from(gatewayCa).toString('base64'),
        auth: { apiKeyRef: { accessId: ref('accessId'), accessKey: ref('accessKey') } },
      },
    };
  }

  /** A seed ExternalSecret, created as written in the given namespace. */
  async function createEs(file: string, namespace: string, change?: (es: EsObject) => void): Promise<EsObject> {
    const es = manifest(file) as EsObject;
    es.metadata.namespace = namespace;
    change?.(es);
    return client.create<EsObject>(OperatorResources.externalSecrets, es);
  }

  /** The store's audit entries after `afterSeq` (the admin holds the audit capability). */
  async function auditSince(afterSeq: number) {
    const r = await callJson(`${storeUrl}/v1/audit?from=${afterSeq + 1}&limit=5000`, { token: adminToken });
    assert.equal(r.status, 200, r.text);
    return r.body.entries as Array<{ seq: number; actor: string; action: string; path: string; outcome: string }>;
  }

  before(async () => {
    const cluster = await integration.cluster();
    client = new KubeClient(cluster.kc, { qps: 0 });
    await installCrds(cluster.kc);
    for (const name of Object.values(ns)) {
      await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    // One operator per namespace (other test files share the control plane and run their own operators).
    const operators = Object.values(ns).map((namespace) =>
      startNamespaceOperator(group, cluster.kubeconfigPath, namespace),
    );

    const creds = { admin: await bootstrapStack(group, dirs) };
    values.push(creds.admin.accessKey);
    storeUrl = await startStore(group, dirs).url;
    const gateway = startGateway(group, dirs, storeUrl, await freePort());
    const login = await callJson(`${storeUrl}/v1/auth/login`, {
      method: 'POST',
      body: { type: 'api_key', accessId: creds.admin.accessId, accessKey: creds.admin.accessKey },
    });
    assert.equal(login.status, 200, login.text);
    adminToken = login.body.token;

    // The operator's identity: an api_key auth method with a role that reads the seed's items.
    const call = async (method: string, path: string, body: unknown) => {
      const r = await callJson(`${storeUrl}${path}`, { method, body, token: adminToken });
      assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
      return r.body;
    };
    const method = await call('POST', '/v1/admin/auth-methods', { name: 'eso', type: 'api_key', config: {} });
    esoAccessId = method.accessId;
    values.push(method.accessKey);
    await call('PUT', '/v1/admin/roles', {
      name: 'eso-reader',
      rules: [{ path: '/*', capabilities: ['read', 'list'] }],
    });
    await call('POST', '/v1/admin/roles/bind', { role: 'eso-reader', accessId: esoAccessId });
    // Seed 004's `onepassword-token` Secret, holding the custos credentials instead of a Connect token.
    await client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'onepassword-token', namespace: ns.externalSecrets },
      type: 'Opaque',
      stringData: { accessId: esoAccessId, accessKey: method.accessKey },
    });

    gatewayUrl = await gateway.url;
    // A first start on a busy machine can take a minute (TypeScript compiled on the fly): wait for the operators
    // here, so that the checks below time only what they check.
    await Promise.all(
      operators.map((op) =>
        waitFor(`${op.name} caches synced`, async () => op.output().includes('caches synced'), 180_000),
      ),
    );
    gatewayCa = gatewayCaPem(dirs);

    // The admin logs in with the CLI and seeds the items, as a user would.
    const adminKeyFile = join(root, 'admin.key');
    writeFileSync(adminKeyFile, creds.admin.accessKey, { mode: 0o600 });
    await cli('login', [
      'login',
      '--gateway',
      gatewayUrl,
      '--ca',
      join(dirs.configDir, 'tls', 'ca.crt'),
      '--access-id',
      creds.admin.accessId,
      '--access-key-file',
      adminKeyFile,
    ]);
    await Promise.all([
      putItem('/postgres-database', postgres),
      putItem('/cloudflare-credentials', { 'api-token': apiKeys.cloudflare }),
      putItem('/github-credentials', { 'personal-access-token': apiKeys.github }),
      putItem('/docker-credentials', { 'registry-token': apiKeys.docker }),
      putItem('/internal-ca-certificate', { certificate: tls.certificate, 'private-key': tls.privateKey }),
      putItem('/service-api-credentials', { 'current-key': currentKey }),
    ]);

    // The seed's stores, with the provider block translated to custos.
    const css = manifest('004-2-clustersecretstore.yaml');
    css.spec.provider = custosProvider(ns.externalSecrets);
    // The seed's store name is cluster-wide: a run killed before its clean-up may have left one behind.
    await client.delete(OperatorResources.clusterSecretStores, clusterStore).catch(() => undefined);
    await waitFor(
      'no leftover ClusterSecretStore',
      async () =>
        client
          .get(OperatorResources.clusterSecretStores, clusterStore)
          .then(() => false)
          .catch((error) => isNotFound(error)),
      15_000,
    );
    await client.create(OperatorResources.clusterSecretStores, css);
    const ss = manifest('004-1-secretstore.yaml');
    ss.metadata.namespace = ns.externalSecrets;
    ss.spec.provider = custosProvider();
    await client.create(OperatorResources.secretStores, ss);
  });

  after(async () => {
    await group.stopAll();
    await client?.delete(OperatorResources.clusterSecretStores, clusterStore).catch(() => undefined);
    for (const name of Object.values(ns)) await client?.delete(Resources.namespaces, name).catch(() => undefined);
    client?.close();
    rmSync(root, { recursive: true, force: true });
    console.log(`# seed-004 measured (ms): ${JSON.stringify(measured)}`);
  });

  it('both seed stores turn Ready with the custos provider (api key login)', async () => {
    await storeReady('ClusterSecretStore', clusterStore);
    await storeReady('SecretStore', 'onepassword-secret-store', ns.externalSecrets);
  });

  it('database credentials, API keys and TLS certificates sync to exact Secrets', async () => {
    const started = Date.now();
    await createEs('004-3-externalsecret.yaml', ns.database);
    await createEs('004-4-externalsecret.yaml', ns.monitoring);
    const tlsEs = await createEs('004-5-externalsecret.yaml', ns.network);
    // The seed sets the Secret type with `target.type`, which ESO does not have: the API server drops it.
    assert.equal(tlsEs.spec?.target?.type, undefined);
    // Where ESO takes the type: target.template.type.
    await createEs('004-5-externalsecret.yaml', ns.network, (es) => {
      es.metadata.name = 'custom-tls-certificates-typed';
      es.spec = { ...es.spec, target: { name: 'custom-tls-secret-typed', template: { type: 'kubernetes.io/tls' } } };
    });

    const postgresSecret = await waitFor(
      'postgres-secret',
      async () => {
        const s = await getSecret(ns.database, 'postgres-secret');
        return s && Object.keys(s.data ?? {}).length > 0 ? s : undefined;
      },
      60_000,
    );
    assert.equal(postgresSecret.type, 'Opaque');
    assert.deepEqual(decoded(postgresSecret), postgres);
    // creationPolicy Owner: the ExternalSecret controls its Secret.
    const owner = postgresSecret.metadata.ownerReferences?.[0];
    assert.equal(owner?.kind, 'ExternalSecret');
    assert.equal(owner?.name, 'postgres-credentials');
    assert.equal(owner?.controller, true);

    const monitoring = await waitFor(
      'monitoring-secrets',
      () => getSecret(ns.monitoring, 'monitoring-secrets'),
      30_000,
    );
    assert.equal(monitoring.type, 'Opaque');
    assert.deepEqual(decoded(monitoring), {
      'cloudflare-api-token': apiKeys.cloudflare,
      'github-token': apiKeys.github,
      'docker-registry-token': apiKeys.docker,
    });

    const tlsAsWritten = await waitFor('custom-tls-secret', () => getSecret(ns.network, 'custom-tls-secret'), 30_000);
    assert.equal(tlsAsWritten.type, 'Opaque');
    assert.deepEqual(decoded(tlsAsWritten), { 'tls.crt': tls.certificate, 'tls.key': tls.privateKey });
    const typed = await waitFor(
      'custom-tls-secret-typed',
      () => getSecret(ns.network, 'custom-tls-secret-typed'),
      30_000,
    );
    assert.equal(typed.type, 'kubernetes.io/tls');
    assert.deepEqual(decoded(typed), { 'tls.crt': tls.certificate, 'tls.key': tls.privateKey });
    measure('first sync of 4 ExternalSecrets', Date.now() - started);
    for (const [namespace, name] of [
      [ns.database, 'postgres-credentials'],
      [ns.monitoring, 'monitoring-api-keys'],
      [ns.network, 'custom-tls-certificates'],
    ] as const) {
      // The status is written just after the Secret: wait for it rather than read it once.
      const ready = await waitFor(
        `${name} Ready=True`,
        async () => {
          const condition = await readyOf(namespace, name);
          return condition?.status === 'True' ? condition : undefined;
        },
        15_000,
      );
      assert.equal(ready.reason, 'SecretSynced');
    }
  });

  it('the rotation manifest, which names no store, fails with a clear message; with a store it syncs', async () => {
    await createEs('004-6-externalsecret.yaml', ns.database);
    const failed = await waitReady(ns.database, 'rotating-api-key', 'False');
    assert.equal(failed.reason, 'SecretSyncedError');
    assert.match(failed.message ?? '', /no store referenced: set spec\.secretStoreRef\.name/);
    await client.patch(
      OperatorResources.externalSecrets,
      'rotating-api-key',
      { spec: { secretStoreRef: { name: clusterStore, kind: 'ClusterSecretStore' } } },
      { namespace: ns.database },
    );
    const secret = await waitFor('api-key-secret', () => getSecret(ns.database, 'api-key-secret'), 30_000);
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(decoded(secret), { 'api-key': currentKey });
  });

  it('refreshInterval 1h: a rotated value still arrives at once through the change feed', async () => {
    // The change feed needs a moment to connect after the ExternalSecret is first seen.
    await sleep(1000);
    for (let round = 0; round < 3; round++) {
      postgres.password = secretValue(`pg-pass${round}`);
      const started = Date.now();
      const r = await callJson(`${gatewayUrl}/v1/secrets`, {
        method: 'POST',
        body: { path: '/postgres-database', value: JSON.stringify(postgres) },
        token: adminToken,
        ca: gatewayCa,
      });
      assert.ok(r.status === 200 || r.status === 201, r.text);
      await waitFor(
        'rotated password',
        async () => decoded(await getSecret(ns.database, 'postgres-secret'))?.password === postgres.password,
        5000,
      );
      measure('rotate via change feed (refreshInterval 1h)', Date.now() - started);
    }
    for (const ms of measured['rotate via change feed (refreshInterval 1h)'] ?? []) {
      assert.ok(ms < 2000, `the change feed took ${ms} ms`);
    }
    assert.deepEqual(decoded(await getSecret(ns.database, 'postgres-secret')), postgres);
  });

  it('force-sync: changing the annotation re-reads the provider, with no remote change', async () => {
    const before = await getEs(ns.database, 'postgres-credentials');
    const readsOfItem = async (afterSeq: number) =>
      (await auditSince(afterSeq)).filter((e) => e.path === '/postgres-database' && e.actor.includes(esoAccessId));
    // Control: left alone, nothing reads the item (refreshInterval 1h, no remote change).
    const quietFrom = (await auditSince(0)).at(-1)?.seq ?? 0;
    await sleep(1500);
    assert.deepEqual(await readsOfItem(quietFrom), [], 'the item was read with nothing changed');
    const lastSeq = (await auditSince(0)).at(-1)?.seq ?? 0;
    const started = Date.now();
    // The seed's `kubectl annotate externalsecret postgres-credentials force-sync="$(date +%s)" --overwrite`.
    await client.patch(
      OperatorResources.externalSecrets,
      'postgres-credentials',
      { metadata: { annotations: { 'force-sync': String(Math.floor(Date.now() / 1000)) } } },
      { namespace: ns.database },
    );
    const reads = await waitFor(
      'a read of /postgres-database after the annotation',
      async () => {
        const found = await readsOfItem(lastSeq);
        return found.length > 0 ? found : undefined;
      },
      15_000,
    );
    measure('force-sync annotation -> provider read', Date.now() - started);
    console.log(`# force-sync: ${reads.map((e) => `${e.action} ${e.path} ${e.outcome}`).join('; ')}`);
    assert.ok(
      reads.every((e) => e.outcome === 'ok'),
      JSON.stringify(reads),
    );
    // The status records the new metadata (ESO's syncedResourceVersion: generation + hash of labels/annotations).
    const after = await waitFor(
      'syncedResourceVersion updated',
      async () => {
        const es = await getEs(ns.database, 'postgres-credentials');
        return es.status?.syncedResourceVersion !== before.status?.syncedResourceVersion ? es : undefined;
      },
      10_000,
    );
    assert.equal(after.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(decoded(await getSecret(ns.database, 'postgres-secret')), postgres);
  });

  it('deletionPolicy Retain: the remote item deleted, the Secret is kept and the ExternalSecret says why', async () => {
    const started = Date.now();
    await cli('delete /postgres-database', ['secret', 'delete', '/postgres-database']);
    const failed = await waitReady(ns.database, 'postgres-credentials', 'False', 15_000);
    measure('Retain: remote delete -> Ready=False', Date.now() - started);
    console.log(`# Retain, item deleted: ${failed.reason}: ${failed.message}`);
    assert.equal(failed.reason, 'SecretSyncedError');
    assert.match(failed.message ?? '', /could not get secret data from provider/);
    assert.match(failed.message ?? '', /postgres-database/);
    assert.deepEqual(decoded(await getSecret(ns.database, 'postgres-secret')), postgres);
  });

  it('deletionPolicy Delete: the remote item deleted, the Secret is deleted', async () => {
    const started = Date.now();
    await cli('delete /service-api-credentials', ['secret', 'delete', '/service-api-credentials']);
    await waitFor(
      'api-key-secret deleted',
      async () => (await getSecret(ns.database, 'api-key-secret')) === undefined,
      15_000,
    );
    measure('Delete: remote delete -> Secret gone', Date.now() - started);
    const ready = await waitFor(
      'SecretDeleted',
      async () => {
        const c = await readyOf(ns.database, 'rotating-api-key');
        return c?.reason === 'SecretDeleted' ? c : undefined;
      },
      10_000,
    );
    assert.equal(ready.status, 'True');
    assert.equal(ready.message, 'secret deleted due to DeletionPolicy=Delete');
  });

  it('no process output and no status holds a secret value', async () => {
    // `store bootstrap` prints the admin key once by design; every other process, the CLI included, is checked.
    const logs = group.allOutput((name) => name !== 'store-bootstrap');
    assert.ok(logs.length > 0);
    for (const v of values) assert.ok(!logs.includes(v), 'a secret value reached a process output');
    for (const namespace of Object.values(ns)) {
      const list = await client.list(OperatorResources.externalSecrets, { namespace });
      const statuses = JSON.stringify(list.items.map((i) => (i as { status?: unknown }).status));
      for (const v of values) assert.ok(!statuses.includes(v), 'a secret value reached a status');
    }
  });
});
