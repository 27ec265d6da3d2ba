// Differential test of the HTTP providers: the real ESO v0.16.2 (tools/eso-oracle links ESO's own webhook,
// onepassword and akeyless providers) and Custos read the same remote endpoint (an HTTPS JSON service for
// `webhook`, the 1Password Connect and Akeyless API stand-ins of test/helpers for the other two) through the same
// store spec, each in its own namespace, and must write the same Secrets and report the same status and events
// (eso-differential-harness.ts). ESO's own SDK clients reading the stand-ins also check the stand-ins. The last
// block reads a Secret that is missing (or removed after the first sync) through the kubernetes provider under
// deletionPolicy Delete and Merge: both must fail the sync and keep the target Secret.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { AkeylessApiDouble } from '../../helpers/akeyless-api-double.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoProcess, esoVersion } from '../../helpers/eso-oracle.js';
import { ConnectDouble } from '../../helpers/onepassword-connect-double.js';
import {
  comparableSecret,
  comparableStatus,
  compareCase,
  compareEvents,
  compareProviderApiCalls,
  createKubernetesStore,
  type DiffCase,
  skip,
  startBoth,
  stopBoth,
} from './eso-differential-harness.js';
import {
  createExternalSecret,
  createNamespace,
  createStore,
  decode,
  getExternalSecret,
  getSecret,
  grantSecretAccess,
  type Harness,
  harness,
  readyOf,
  sleep,
  waitFor,
} from './harness.js';

describe(`differential: the webhook provider, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  const token = 'wh-diff-credential-6c1e';
  const remote: Record<string, unknown> = {
    'db password': { value: 'pw-ÄÖ-1' },
    'db-config': { data: { host: 'db.internal', port: 5432, tls: true, pool: { max: 10 }, tags: ['a', 'b'] } },
    ratio: { value: 42.6 },
    flag: { value: true },
  };
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  let esoMetrics = '';
  let server: Server;
  const certDir = mkdtempSync(join(tmpdir(), 'custos-webhook-diff-'));

  const cases: DiffCase[] = [
    {
      name: 'wh-values',
      spec: {
        secretStoreRef: { name: 'values' },
        data: [
          { secretKey: 'password', remoteRef: { key: 'db password' } },
          { secretKey: 'ratio', remoteRef: { key: 'ratio' } },
          { secretKey: 'flag', remoteRef: { key: 'flag' } },
        ],
      },
    },
    {
      name: 'wh-extract',
      spec: { secretStoreRef: { name: 'objects' }, dataFrom: [{ extract: { key: 'db-config' } }] },
    },
    {
      name: 'wh-whole-object',
      spec: { secretStoreRef: { name: 'objects' }, data: [{ secretKey: 'config', remoteRef: { key: 'db-config' } }] },
    },
    {
      name: 'wh-templated-jsonpath',
      spec: {
        secretStoreRef: { name: 'by-property' },
        data: [
          { secretKey: 'host', remoteRef: { key: 'db-config', property: 'host' } },
          { secretKey: 'port', remoteRef: { key: 'db-config', property: 'port' } },
        ],
      },
    },
    {
      name: 'wh-missing',
      fails: true,
      failureMessages: { eso: /^could not get secret data from provider$/, custos: /does not exist/ },
      spec: { secretStoreRef: { name: 'values' }, data: [{ secretKey: 'x', remoteRef: { key: 'nope' } }] },
    },
  ];

  before(async () => {
    h = await harness();
    nsEso = await createNamespace(h, 'diff-wh-eso');
    nsCustos = await createNamespace(h, 'diff-wh-custos');
    const tls = await loadOrCreateServingCertificate(certDir, ['127.0.0.1']);
    assert.ok(tls.caPem);
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: 'bad token' });
      const key = url.searchParams.get('key') ?? '';
      if (!Object.hasOwn(remote, key)) return reply(404, { error: 'unknown' });
      return reply(200, remote[key]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const namespace of [nsEso, nsCustos]) {
      await h.client.create(Resources.secrets, {
        metadata: { name: 'webhook-auth', namespace, labels: { 'external-secrets.io/type': 'webhook' } },
        stringData: { token },
      });
      const store = (name: string, webhook: Record<string, unknown>) =>
        createStore(h, namespace, name, {
          webhook: {
            url: `${base}/secrets?key={{ .remoteRef.key }}`,
            headers: { Authorization: 'Bearer {{ .auth.token }}' },
            secrets: [{ name: 'auth', secretRef: { name: 'webhook-auth', key: 'token' } }],
            caBundle: Buffer.from(tls.caPem as string).toString('base64'),
            ...webhook,
          },
        });
      await store('values', { result: { jsonPath: '$.value' } });
      await store('objects', { result: { jsonPath: '$.data' } });
      await store('by-property', { result: { jsonPath: '$.data.{{ .remoteRef.property }}' } });
    }
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op, esoMetrics } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(async () => {
    await stopBoth(eso, op);
    await new Promise((resolve) => server?.close(resolve));
    rmSync(certDir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
  }

  // Every request ESO's webhook provider sends is one `HTTPRequest`, whatever the answer's status.
  it('counts the same kinds of provider API calls', async () => {
    await compareProviderApiCalls(esoMetrics, op, 'Webhook', 'HTTPRequest success');
  });
});

describe(`differential: the onepassword provider (Connect), Custos and the real ESO ${esoVersion}`, { skip }, () => {
  const connectToken = 'op-diff-connect-token-77a2';
  const connect = new ConnectDouble(connectToken);
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;

  const store = { name: 'onepassword' };
  const cases: DiffCase[] = [
    {
      name: 'op-fields',
      spec: {
        secretStoreRef: store,
        data: ['username', 'password', 'database'].map((p) => ({
          secretKey: p,
          remoteRef: { key: 'postgres-database', property: p },
        })),
      },
    },
    {
      name: 'op-default-field-and-vault-order',
      spec: { secretStoreRef: store, data: [{ secretKey: 'login', remoteRef: { key: 'shared-login' } }] },
    },
    {
      name: 'op-file',
      spec: {
        secretStoreRef: store,
        data: [{ secretKey: 'ca.crt', remoteRef: { key: 'internal-ca-certificate', property: 'ca.crt' } }],
      },
    },
    { name: 'op-extract', spec: { secretStoreRef: store, dataFrom: [{ extract: { key: 'postgres-database' } }] } },
    {
      name: 'op-find-by-field-name',
      spec: { secretStoreRef: store, dataFrom: [{ find: { name: { regexp: '^api-' } } }] },
    },
    {
      name: 'op-missing-item',
      fails: true,
      failureMessages: { eso: /^could not get secret data from provider$/, custos: /no-such-item/ },
      spec: { secretStoreRef: store, data: [{ secretKey: 'x', remoteRef: { key: 'no-such-item' } }] },
    },
    {
      name: 'op-missing-field',
      fails: true,
      failureMessages: { eso: /^could not get secret data from provider$/, custos: /'port'/ },
      spec: {
        secretStoreRef: store,
        data: [{ secretKey: 'x', remoteRef: { key: 'postgres-database', property: 'port' } }],
      },
    },
  ];

  before(async () => {
    h = await harness();
    nsEso = await createNamespace(h, 'diff-op-eso');
    nsCustos = await createNamespace(h, 'diff-op-custos');
    const infrastructure = connect.addVault('infrastructure');
    const applications = connect.addVault('applications');
    connect.addItem(applications, {
      title: 'postgres-database',
      category: 'DATABASE',
      fields: [
        { label: 'username', value: 'app-user' },
        { label: 'password', value: 'pg-pass-1', type: 'CONCEALED', purpose: 'PASSWORD' },
        { label: 'database', value: 'app' },
      ],
    });
    connect.addItem(infrastructure, {
      title: 'shared-login',
      category: 'LOGIN',
      fields: [{ label: 'password', value: 'infra-pass', purpose: 'PASSWORD' }],
    });
    connect.addItem(applications, {
      title: 'shared-login',
      category: 'LOGIN',
      fields: [{ label: 'password', value: 'applications-copy', purpose: 'PASSWORD' }],
    });
    connect.addItem(applications, {
      title: 'cloudflare-credentials',
      category: 'API_CREDENTIAL',
      fields: [{ label: 'api-token', value: 'cf-token-1' }],
    });
    connect.addItem(applications, {
      title: 'internal-ca-certificate',
      category: 'DOCUMENT',
      files: [{ id: 'f'.repeat(26), name: 'ca.crt', content: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n') }],
    });
    await connect.start();
    for (const namespace of [nsEso, nsCustos]) {
      await h.client.create(Resources.secrets, {
        metadata: { name: 'onepassword-token', namespace },
        stringData: { token: connectToken },
      });
      await createStore(h, namespace, store.name, {
        onepassword: {
          connectHost: connect.url,
          vaults: { infrastructure: 1, applications: 2 },
          auth: { secretRef: { connectTokenSecretRef: { name: 'onepassword-token', key: 'token' } } },
        },
      });
    }
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(async () => {
    await stopBoth(eso, op);
    await connect.stop();
  });

  for (const c of cases) {
    it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
  }
});

describe(`differential: the akeyless provider, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  const accessKey = 'akl-diff-access-key-5d0c';
  let api: AkeylessApiDouble;
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  let esoMetrics = '';
  const certDir = mkdtempSync(join(tmpdir(), 'custos-akeyless-diff-'));

  const store = { name: 'akeyless' };
  const cases: DiffCase[] = [
    {
      name: 'akl-static-values',
      spec: {
        secretStoreRef: store,
        data: [
          { secretKey: 'api-key', remoteRef: { key: '/path/to/the/secret/api-key' } },
          { secretKey: 'db-password', remoteRef: { key: '/path/to/the/secret/db-password' } },
        ],
      },
    },
    {
      name: 'akl-json-property',
      spec: {
        secretStoreRef: store,
        data: [{ secretKey: 'user', remoteRef: { key: '/path/to/the/json-secret', property: 'username' } }],
      },
    },
    // String values only: ESO v0.16.2 refuses to extract JSON with numbers or objects (it decodes into a
    // map[string]string); v2.9, which Custos follows, keeps their JSON text (reference/providers.md 1.4).
    {
      name: 'akl-extract',
      spec: { secretStoreRef: store, dataFrom: [{ extract: { key: '/path/to/the/json-strings' } }] },
    },
    {
      name: 'akl-old-version',
      spec: {
        secretStoreRef: store,
        data: [{ secretKey: 'v1', remoteRef: { key: '/path/to/the/secret/rotated', version: '1' } }],
      },
    },
    {
      name: 'akl-denied',
      fails: true,
      failureMessages: { eso: /^could not get secret data from provider$/, custos: /access denied/ },
      spec: { secretStoreRef: store, data: [{ secretKey: 'x', remoteRef: { key: '/devops/static_secret_1' } }] },
    },
  ];

  before(async () => {
    h = await harness();
    nsEso = await createNamespace(h, 'diff-akl-eso');
    nsCustos = await createNamespace(h, 'diff-akl-custos');
    const tls = await loadOrCreateServingCertificate(certDir, ['127.0.0.1']);
    api = await AkeylessApiDouble.start({ tls: { key: tls.keyPem, cert: tls.certPem }, prefix: '/v2' });
    api.methods.set('p-diff', { accessKey, allow: ['/path/to/'] });
    api.setStatic('/path/to/the/secret/api-key', 'api-key-value');
    api.setStatic('/path/to/the/secret/db-password', 'db-password-value');
    api.setStatic('/path/to/the/secret/rotated', 'first', 'second');
    api.setStatic('/path/to/the/json-secret', JSON.stringify({ username: 'demo', password: 's3cr3t', port: 5432 }));
    api.setStatic('/path/to/the/json-strings', JSON.stringify({ username: 'demo', password: 's3cr3t' }));
    api.setStatic('/devops/static_secret_1', 'not-for-this-identity');
    for (const namespace of [nsEso, nsCustos]) {
      await h.client.create(Resources.secrets, {
        metadata: { name: 'akeyless-creds', namespace },
        stringData: { accessId: 'p-diff', accessType: 'api_key', accessTypeParam: accessKey },
      });
      const ref = (key: string) => ({ name: 'akeyless-creds', key });
      await createStore(h, namespace, store.name, {
        akeyless: {
          akeylessGWApiURL: api.url,
          caBundle: Buffer.from(tls.caPem ?? '').toString('base64'),
          authSecretRef: {
            secretRef: {
              accessID: ref('accessId'),
              accessType: ref('accessType'),
              accessTypeParam: ref('accessTypeParam'),
            },
          },
        },
      });
    }
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op, esoMetrics } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(async () => {
    await stopBoth(eso, op);
    await api?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
  }

  // Named as ESO names the Akeyless commands (and labelled with ESO's spelling of the provider).
  it('counts the same kinds of provider API calls', async () => {
    // Custos's store validation also checks the token with validate-token, a command ESO never sends.
    await compareProviderApiCalls(esoMetrics, op, 'AKEYLESSLESS/SecretsManager', 'GetSecretValue success', (k) =>
      k.startsWith('ValidateToken '),
    );
  });
});

// ESO v0.16.2's kubernetes provider returns the API's NotFound for a data[] reference (only GetSecretMap, i.e.
// dataFrom[].extract, turns it into NoSecretErr), so a missing remote Secret fails the sync: Ready=False
// SecretSyncedError, and deletionPolicy Delete or Merge never deletes the target Secret or strips its keys.
describe(
  `differential: a missing remote Secret (kubernetes provider), Custos and the real ESO ${esoVersion}`,
  { skip },
  () => {
    const values = { one: 'k8s-gone-value-1', two: 'k8s-gone-value-2', kept: 'k8s-kept-value-3' };
    let h: Harness;
    let remoteNs: string;
    let nsEso: string;
    let nsCustos: string;
    let eso: EsoProcess | undefined;
    let op: OperatorHandle | undefined;
    const k8s = { name: 'k8s' };

    const remoteSecret = (name: string, stringData: Record<string, string>) =>
      h.client.create(Resources.secrets, { metadata: { name, namespace: remoteNs }, stringData });

    /** Ready=False with the same reason on both sides, ESO's fixed text, and Custos's cause naming the Secret. */
    async function assertFailedAlike(
      name: string,
      missing: string,
      index: number,
      secretKey: string,
      remoteKey: string,
    ) {
      const failed = async (namespace: string) => {
        eso?.assertRunning();
        const es = await getExternalSecret(h, namespace, name);
        return readyOf(es)?.status === 'False' ? es : undefined;
      };
      const esOfEso = await waitFor(`ESO's ${name} to fail`, () => failed(nsEso), 30_000);
      const esOfCustos = await waitFor(`Custos's ${name} to fail`, () => failed(nsCustos), 30_000);
      assert.deepEqual(comparableStatus(esOfCustos, true), comparableStatus(esOfEso, true), 'ExternalSecret status');
      assert.equal(readyOf(esOfCustos)?.reason, 'SecretSyncedError');
      // ESO's Ready message is fixed; its UpdateFailed event carries the cause, deterministic here:
      // `error processing spec.data[i] (key: <remoteRef.key>), err: secrets "<name>" not found`. Custos's status
      // message and event are ESO's fixed text, then that cause, extended with the namespace and what to do. (Custos
      // names the entry's secretKey after `key:`, ESO v0.16.2 its remoteRef.key: fetch.ts, either is accepted here.)
      const prefix = `error processing spec.data[${index}] (key: `;
      const esoCause = `${prefix}${remoteKey}), err: secrets "${missing}" not found`;
      const custosCause =
        `secrets "${missing}" not found in namespace "${remoteNs}" (the store's remoteNamespace): ` +
        'create the Secret there or fix remoteRef.key';
      const custosSays = (message: string) =>
        [secretKey, remoteKey].some(
          (k) => message === `could not get secret data from provider: ${prefix}${k}), err: ${custosCause}`,
        );
      assert.equal(readyOf(esOfEso)?.message, 'could not get secret data from provider');
      const custosMessage = readyOf(esOfCustos)?.message ?? '';
      assert.ok(custosSays(custosMessage), `Custos's Ready message: ${custosMessage}`);
      await compareEvents(h, { name, spec: {}, fails: true }, nsEso, nsCustos);
      const warnings = async (namespace: string) => {
        const list = await h.client.list<KubeObject & { reason?: string; message?: string }>(Resources.events, {
          namespace,
          fieldSelector: `involvedObject.kind=ExternalSecret,involvedObject.name=${name}`,
        });
        const messages = list.items.filter((e) => e.reason === 'UpdateFailed').map((e) => e.message ?? '');
        // Left out as in compareEvents: ESO's transient failure before its store's first validation.
        return [...new Set(messages.filter((m) => !/Store "[^"]*" is not ready$/.test(m)))];
      };
      const esoWarnings = await warnings(nsEso);
      assert.deepEqual(esoWarnings, [esoCause], "ESO's UpdateFailed event");
      const custosWarnings = await warnings(nsCustos);
      assert.ok(
        custosWarnings.length > 0 && custosWarnings.every(custosSays),
        `Custos's UpdateFailed event: ${custosWarnings}`,
      );
      const said = [readyOf(esOfCustos)?.message ?? '', ...custosWarnings];
      for (const value of Object.values(values)) {
        assert.ok(!said.some((m) => m.includes(value)), 'no secret value in the status or events');
      }
    }

    /** Both sides' target Secrets still hold `data`, and are alike. */
    async function assertSecretKept(name: string, data: Record<string, string>) {
      const ofEso = await getSecret(h, nsEso, name);
      const ofCustos = await getSecret(h, nsCustos, name);
      assert.ok(ofEso, 'ESO kept the Secret');
      assert.ok(ofCustos, 'Custos kept the Secret');
      assert.deepEqual(decode(ofEso.data), data, "ESO's Secret data");
      assert.deepEqual(decode(ofCustos.data), data, "Custos's Secret data");
      assert.deepEqual(comparableSecret(ofCustos, nsCustos, name), comparableSecret(ofEso, nsEso, name), 'the Secret');
    }

    /** Creates the ExternalSecret on both sides and waits for the first successful sync of each. */
    async function firstSync(name: string, spec: DiffCase['spec']) {
      for (const namespace of [nsEso, nsCustos]) await createExternalSecret(h, namespace, name, spec);
      for (const namespace of [nsEso, nsCustos]) {
        await waitFor(
          `first sync of ${name} in ${namespace}`,
          async () => {
            const es = await getExternalSecret(h, namespace, name);
            return readyOf(es)?.status === 'True' && (await getSecret(h, namespace, name));
          },
          30_000,
        );
      }
    }

    before(async () => {
      h = await harness();
      remoteNs = await createNamespace(h, 'diff-k8sgone-remote');
      nsEso = await createNamespace(h, 'diff-k8sgone-eso');
      nsCustos = await createNamespace(h, 'diff-k8sgone-custos');
      await remoteSecret('gone-delete', { one: values.one, two: values.two });
      await remoteSecret('gone-merge', { one: values.one });
      await remoteSecret('kept', { kept: values.kept });
      for (const namespace of [nsEso, nsCustos]) {
        await grantSecretAccess(h, {
          serviceAccount: 'reader',
          namespace,
          remoteNamespace: remoteNs,
          verbs: ['get', 'list'],
        });
        await createKubernetesStore(h, namespace, 'reader', remoteNs);
      }
      const { kubeconfigPath } = await integration.cluster();
      ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
    });

    after(() => stopBoth(eso, op));

    it('k8s-never-existed-delete-policy', () =>
      compareCase(
        h,
        {
          name: 'k8s-never-existed-delete-policy',
          fails: true,
          failureMessages: {
            eso: /^could not get secret data from provider$/,
            custos: new RegExp(
              `^could not get secret data from provider: error processing spec\\.data\\[0\\] \\(key: (x|never-existed)\\), err: ` +
                `secrets "never-existed" not found in namespace "${remoteNs}" .*fix remoteRef\\.key$`,
            ),
          },
          spec: {
            secretStoreRef: k8s,
            target: { deletionPolicy: 'Delete' },
            data: [{ secretKey: 'x', remoteRef: { key: 'never-existed' } }],
          },
        },
        nsEso,
        nsCustos,
        eso,
      ));

    it('k8s-gone-after-sync-delete-policy: the target Secret is kept', async () => {
      const name = 'k8s-gone-after-sync-delete-policy';
      await firstSync(name, {
        secretStoreRef: k8s,
        refreshInterval: '1s',
        target: { deletionPolicy: 'Delete' },
        data: [
          { secretKey: 'one', remoteRef: { key: 'gone-delete', property: 'one' } },
          { secretKey: 'two', remoteRef: { key: 'gone-delete', property: 'two' } },
        ],
      });
      await h.client.delete(Resources.secrets, 'gone-delete', { namespace: remoteNs });
      await assertFailedAlike(name, 'gone-delete', 0, 'one', 'gone-delete');
      // Several failed refreshes later, still there.
      await sleep(3_000);
      await assertSecretKept(name, { one: values.one, two: values.two });
      assert.equal(readyOf(await getExternalSecret(h, nsCustos, name))?.status, 'False');
    });

    it('k8s-gone-after-sync-merge-policy: no key is removed', async () => {
      const name = 'k8s-gone-after-sync-merge-policy';
      await firstSync(name, {
        secretStoreRef: k8s,
        refreshInterval: '1s',
        target: { deletionPolicy: 'Merge' },
        data: [
          { secretKey: 'kept', remoteRef: { key: 'kept', property: 'kept' } },
          { secretKey: 'one', remoteRef: { key: 'gone-merge', property: 'one' } },
        ],
      });
      await h.client.delete(Resources.secrets, 'gone-merge', { namespace: remoteNs });
      await assertFailedAlike(name, 'gone-merge', 1, 'one', 'gone-merge');
      await sleep(3_000);
      await assertSecretKept(name, { kept: values.kept, one: values.one });
    });
  },
);
