// Seed 001 end to end (../shared/seeds/001): the store, the gateway and the operator as separate `custos`
// processes on the real control plane. A ClusterSecretStore `cm-akeyless` (akeyless provider on the gateway's
// Akeyless v2 API) and ExternalSecrets reading `/mdapi/<namespace>/<secret>/<key>`:
// - namespace scoping: an ExternalSecret in `bootstrap` cannot read `/mdapi/joplin/...`, and its status reads the
//   same whether or not the item exists;
// - rotate: a new value reaches the Secret within 2 s through the custos provider's change feed, and within the
//   refresh interval through the akeyless provider;
// - revoke: deleting the ExternalSecret removes the Secret;
// - gateway down: ExternalSecrets turn Ready=False with a clear reason, the last good Secrets stay, and they
//   recover by themselves when the gateway is back;
// - no process ever logs a secret value.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installCrds } from '../../src/api/install.js';
import { isNotFound, KubeClient, type KubeObject, Resources } from '../../src/kube/index.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { integration, uniqueName } from '../helpers/cluster.js';
import { type CustosProcess, callJson, freePort, ProcessGroup } from '../helpers/e2e-processes.js';
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

const AUDIENCE = 'custos-e2e';
const externalSecretsV1beta1 = { ...OperatorResources.externalSecrets, version: 'v1beta1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}
type Condition = { type: string; status: string; reason?: string; message?: string };

describe('seed 001: store, gateway and operator as separate processes', { skip: integration.skipReason }, () => {
  const root = mkdtempSync(join(tmpdir(), 'custos-e2e-001-'));
  const dirs = stackDirs(root);
  const group = new ProcessGroup();
  /** Every plaintext this file stores; none may appear in any process log or object status. */
  const { values, secretValue } = valueRecorder();
  const { measured, measure } = measurements();

  let client: KubeClient;
  let kubeconfigPath: string;
  let storeUrl: string;
  let gatewayUrl: string;
  let gatewayPort: number;
  let gatewayCa: string;
  let gateway: CustosProcess;
  let adminToken: string;
  let k8sAccessId: string;
  let joplin: string;
  let bootstrapNs: string;
  const cssNames = { akeyless: 'cm-akeyless', custos: uniqueName('cm-custos') };

  const restartableGateway = () => startGateway(group, dirs, storeUrl, gatewayPort);

  async function put(path: string, value: string): Promise<void> {
    const r = await callJson(`${gatewayUrl}/v1/secrets`, {
      method: 'POST',
      body: { path, value },
      token: adminToken,
      ca: gatewayCa,
    });
    assert.ok(r.status === 200 || r.status === 201, `write ${path}: ${r.status} ${r.text}`);
  }

  async function getSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const s = await client.get<SecretObject>(Resources.secrets, name, { namespace });
      return Object.fromEntries(
        Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function readyOf(namespace: string, name: string): Promise<Condition | undefined> {
    const es = await client.get<KubeObject & { status?: { conditions?: Condition[] } }>(
      OperatorResources.externalSecrets,
      name,
      { namespace },
    );
    return es.status?.conditions?.find((c) => c.type === 'Ready');
  }

  async function externalSecret(
    namespace: string,
    name: string,
    store: string,
    refreshInterval: string,
    data: Array<{ secretKey: string; key: string }>,
  ): Promise<void> {
    // The seed's manifest shape, as written there (external-secrets.io/v1beta1).
    await client.create(externalSecretsV1beta1, {
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'ExternalSecret',
      metadata: { name, namespace },
      spec: {
        refreshInterval,
        secretStoreRef: { name: store, kind: 'ClusterSecretStore' },
        target: { name },
        data: data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.key } })),
      },
    });
  }

  async function adminCall(method: string, path: string, body: unknown) {
    const r = await callJson(`${storeUrl}${path}`, { method, body, token: adminToken });
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  }

  before(async () => {
    const cluster = await integration.cluster();
    kubeconfigPath = cluster.kubeconfigPath;
    client = new KubeClient(cluster.kc, { qps: 0 });
    await installCrds(cluster.kc);

    joplin = uniqueName('joplin');
    bootstrapNs = uniqueName('bootstrap');
    for (const name of [joplin, bootstrapNs]) {
      await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      await client.create(Resources.serviceAccounts, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'eso-reader', namespace: name },
      });
    }
    // One operator per namespace: other test files share this control plane and run their own operators.
    // Started first: they need only the cluster, and starting processes is the slow part on a loaded machine.
    for (const namespace of [joplin, bootstrapNs]) startNamespaceOperator(group, kubeconfigPath, namespace);

    // Bootstrap the store and create the customer fragment (independent, so in parallel), then serve.
    const admin = await bootstrapStack(group, dirs);
    values.push(admin.accessKey);
    storeUrl = await startStore(group, dirs).url;
    gatewayPort = await freePort();
    gateway = restartableGateway();

    // The admin logs in at the store and sets up Kubernetes auth and the path-scoped role of the seed.
    const login = await callJson(`${storeUrl}/v1/auth/login`, {
      method: 'POST',
      body: { type: 'api_key', accessId: admin.accessId, accessKey: admin.accessKey },
    });
    assert.equal(login.status, 200, login.text);
    adminToken = login.body.token;
    const method = await adminCall('POST', '/v1/admin/auth-methods', {
      name: 'cluster',
      type: 'kubernetes',
      config: { kubeconfigPath, audiences: [AUDIENCE] },
    });
    k8sAccessId = method.accessId;
    await adminCall('PUT', '/v1/admin/roles', {
      name: 'mdapi-namespace',
      rules: [{ path: '/mdapi/{{namespace}}/*', capabilities: ['read', 'list'] }],
    });
    await adminCall('POST', '/v1/admin/roles/bind', { role: 'mdapi-namespace', accessId: k8sAccessId });

    gatewayUrl = await gateway.url;
    gatewayCa = gatewayCaPem(dirs);
    const caBundle = Buffer.from(gatewayCa).toString('base64');
    const serviceAccountRef = { name: 'eso-reader', audiences: [AUDIENCE] };
    // The seed's store name is cluster-wide: a run that was killed before its clean-up may have left one behind.
    await client.delete(OperatorResources.clusterSecretStores, cssNames.akeyless).catch(() => undefined);
    await waitFor(
      'no leftover cm-akeyless',
      async () =>
        client
          .get(OperatorResources.clusterSecretStores, cssNames.akeyless)
          .then(() => false)
          .catch((error) => isNotFound(error)),
      15_000,
    );
    await client.create(OperatorResources.clusterSecretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: cssNames.akeyless },
      spec: {
        provider: {
          akeyless: {
            akeylessGWApiURL: `${gatewayUrl}/v2`,
            authSecretRef: { kubernetesAuth: { accessID: k8sAccessId, k8sConfName: 'cluster', serviceAccountRef } },
            caBundle,
          },
        },
      },
    });
    await client.create(OperatorResources.clusterSecretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: cssNames.custos },
      spec: {
        provider: {
          custos: {
            gatewayURL: gatewayUrl,
            caBundle,
            auth: {
              kubernetes: { accessId: k8sAccessId, serviceAccountRef: { name: 'eso-reader' }, audiences: [AUDIENCE] },
            },
          },
        },
      },
    });
  });

  after(async () => {
    await group.stopAll();
    for (const name of Object.values(cssNames)) {
      await client?.delete(OperatorResources.clusterSecretStores, name).catch(() => undefined);
    }
    for (const name of [joplin, bootstrapNs]) {
      if (name) await client?.delete(Resources.namespaces, name).catch(() => undefined);
    }
    client?.close();
    rmSync(root, { recursive: true, force: true });
    console.log(`# seed-001 measured (ms): ${JSON.stringify(measured)}`);
  });

  const tsigPath = () => `/mdapi/${joplin}/tsig-secret/tsig-secret-key`;
  const o2Path = () => `/mdapi/${joplin}/openobserve/root-password`;
  const registryPath = () => `/mdapi/${bootstrapNs}/mdapi-registry/config`;
  let tsig = '';
  let o2 = '';

  it('syncs /mdapi/<ns>/... paths through cm-akeyless and the custos provider', async () => {
    tsig = secretValue('tsig');
    o2 = secretValue('o2');
    const registry = secretValue('registry');
    await Promise.all([put(tsigPath(), tsig), put(o2Path(), o2), put(registryPath(), registry)]);
    const started = Date.now();
    await externalSecret(joplin, 'tsig-secret', cssNames.custos, '1h', [
      { secretKey: 'tsig-secret-key', key: tsigPath() },
    ]);
    await externalSecret(joplin, 'o2', cssNames.akeyless, '5s', [{ secretKey: 'ROOT_PASSWORD', key: o2Path() }]);
    await externalSecret(joplin, 'tsig-akeyless', cssNames.akeyless, '5s', [
      { secretKey: 'tsig-secret-key', key: tsigPath() },
    ]);
    await externalSecret(joplin, 'o2-custos', cssNames.custos, '5s', [{ secretKey: 'ROOT_PASSWORD', key: o2Path() }]);
    await externalSecret(bootstrapNs, 'mdapi-registry', cssNames.akeyless, '1m', [
      { secretKey: 'config', key: registryPath() },
    ]);
    await waitFor(
      'tsig-secret',
      async () => (await getSecret(joplin, 'tsig-secret'))?.['tsig-secret-key'] === tsig,
      60_000,
    );
    await waitFor('o2', async () => (await getSecret(joplin, 'o2'))?.ROOT_PASSWORD === o2, 30_000);
    await waitFor('o2-custos', async () => (await getSecret(joplin, 'o2-custos'))?.ROOT_PASSWORD === o2, 30_000);
    await waitFor(
      'tsig-akeyless',
      async () => (await getSecret(joplin, 'tsig-akeyless'))?.['tsig-secret-key'] === tsig,
      30_000,
    );
    await waitFor(
      'registry',
      async () => (await getSecret(bootstrapNs, 'mdapi-registry'))?.config === registry,
      30_000,
    );
    measure('first sync of 5 ExternalSecrets', Date.now() - started);
    // The status is written just after the Secret: wait for it rather than read it once.
    await waitFor('o2 Ready=True', async () => (await readyOf(joplin, 'o2'))?.status === 'True', 15_000);
  });

  it('an ExternalSecret in bootstrap cannot read /mdapi/joplin/..., and its status does not say whether it exists', async () => {
    const missing = `/mdapi/${joplin}/no-such-secret/key`;
    for (const [store, suffix] of [
      [cssNames.akeyless, 'ak'],
      [cssNames.custos, 'cu'],
    ] as const) {
      await externalSecret(bootstrapNs, `steal-${suffix}`, store, '1m', [{ secretKey: 'k', key: tsigPath() }]);
      await externalSecret(bootstrapNs, `steal-missing-${suffix}`, store, '1m', [{ secretKey: 'k', key: missing }]);
      const existing = await waitFor(
        'denied',
        async () => {
          const c = await readyOf(bootstrapNs, `steal-${suffix}`);
          return c?.status === 'False' ? c : undefined;
        },
        30_000,
      );
      const absent = await waitFor(
        'denied (missing item)',
        async () => {
          const c = await readyOf(bootstrapNs, `steal-missing-${suffix}`);
          return c?.status === 'False' ? c : undefined;
        },
        30_000,
      );
      console.log(`# ${store}, bootstrap reading joplin: ${existing.message}`);
      assert.equal(existing.reason, 'SecretSyncedError');
      assert.match(existing.message ?? '', /denied|not allowed|forbidden/i, existing.message);
      // Same words for an existing and a missing item (only the path differs).
      assert.equal(existing.message?.replaceAll(tsigPath(), '<path>'), absent.message?.replaceAll(missing, '<path>'));
      assert.equal(await getSecret(bootstrapNs, `steal-${suffix}`), undefined);
      assert.ok(!(existing.message ?? '').includes(tsig));
    }
  });

  it('rotate: the custos change feed brings a new value within 2 s, akeyless polling within its refreshInterval', async () => {
    // The change feed needs a moment to connect after the ExternalSecret is first seen.
    await sleep(1000);
    for (let round = 0; round < 3; round++) {
      tsig = secretValue(`tsig${round}`);
      const started = Date.now();
      await put(tsigPath(), tsig);
      await waitFor(
        'rotated tsig',
        async () => (await getSecret(joplin, 'tsig-secret'))?.['tsig-secret-key'] === tsig,
        5000,
      );
      measure('rotate via custos change feed (refreshInterval 1h)', Date.now() - started);
    }
    for (const ms of measured['rotate via custos change feed (refreshInterval 1h)'] ?? []) {
      assert.ok(ms < 2000, `the change feed took ${ms} ms`);
    }
    o2 = secretValue('o2-rotated');
    const started = Date.now();
    await put(o2Path(), o2);
    // Within the refresh interval: 5 s plus up to 10 % jitter, plus slack for a loaded CI machine (an ExternalSecret
    // never reuses its own previous read, docs/operator.md).
    await waitFor('rotated o2', async () => (await getSecret(joplin, 'o2'))?.ROOT_PASSWORD === o2, 8_000);
    measure('rotate via akeyless polling (refreshInterval 5s)', Date.now() - started);
  });

  it('revoke: deleting the ExternalSecret removes the Secret', async () => {
    const started = Date.now();
    await client.delete(OperatorResources.externalSecrets, 'tsig-akeyless', { namespace: joplin });
    // The garbage collector deletes the owned Secret; on a control plane whose CRDs were just installed it may first
    // wait for its discovery resync (30 s) to learn the ExternalSecret kind, hence the generous bound.
    await waitFor('Secret deleted', async () => (await getSecret(joplin, 'tsig-akeyless')) === undefined, 75_000);
    measure('revoke (ExternalSecret deleted -> Secret gone)', Date.now() - started);
  });

  it('gateway down: Ready=False with a clear reason, Secrets kept; recovers by itself when the gateway is back', async () => {
    await gateway.kill();
    const down = Date.now();
    for (const name of ['o2', 'o2-custos']) {
      const failed = await waitFor(
        `${name} Ready=False`,
        async () => {
          const c = await readyOf(joplin, name);
          return c?.status === 'False' ? c : undefined;
        },
        20_000,
      );
      measure(`gateway down -> ${name} Ready=False (refreshInterval 5s)`, Date.now() - down);
      console.log(`# gateway down, ${name}: ${failed.reason}: ${failed.message}`);
      assert.equal(failed.reason, 'SecretSyncedError');
      assert.match(failed.message ?? '', /could not get secret data from provider/);
      assert.match(failed.message ?? '', /ECONNREFUSED|unreachable|connect/i, failed.message);
      // The last good value stays.
      assert.equal((await getSecret(joplin, name))?.ROOT_PASSWORD, o2);
    }
    assert.equal((await getSecret(joplin, 'tsig-secret'))?.['tsig-secret-key'], tsig);

    gateway = restartableGateway();
    await gateway.url;
    const up = Date.now();
    for (const name of ['o2', 'o2-custos']) {
      await waitFor(`${name} Ready=True again`, async () => (await readyOf(joplin, name))?.status === 'True', 30_000);
      measure(`gateway back -> ${name} Ready=True (refreshInterval 5s)`, Date.now() - up);
    }
    // And the change feed is back too: a rotation arrives without waiting for the 1h interval.
    tsig = secretValue('tsig-after-outage');
    const started = Date.now();
    await put(tsigPath(), tsig);
    await waitFor(
      'rotated after outage',
      async () => (await getSecret(joplin, 'tsig-secret'))?.['tsig-secret-key'] === tsig,
      40_000,
    );
    measure('rotate via change feed after the gateway restart', Date.now() - started);
  });

  it('no process logs a secret value', async () => {
    // `store bootstrap` prints the admin key once by design; every long-running process is checked.
    const logs = group.allOutput((name) => name !== 'store-bootstrap');
    assert.ok(logs.length > 0);
    for (const v of values) assert.ok(!logs.includes(v), 'a secret value reached a process log');
    // Nor any Kubernetes object status.
    for (const namespace of [joplin, bootstrapNs]) {
      const list = await client.list(OperatorResources.externalSecrets, { namespace });
      const statuses = JSON.stringify(list.items.map((i) => (i as { status?: unknown }).status));
      for (const v of values) assert.ok(!statuses.includes(v), 'a secret value reached a status');
    }
  });
});
