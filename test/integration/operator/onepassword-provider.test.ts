// The `onepassword` provider through the operator on the real control plane, with seed 004's store and
// ExternalSecret shapes unchanged (ESO's `spec.provider.onepassword`), against a stand-in Connect server
// (test/helpers/onepassword-connect-double.ts; 1Password Connect is closed software). Covers vault order, item
// titles, field labels, DOCUMENT files, extract, find by label regexp, PushSecret create / update / field delete
// with Connect's eventual consistency, a wrong token and a missing item. No token or value may reach status,
// events or logs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec, PushSecretSpec } from '../../../src/api/generated/types.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import {
  PushSecretResources,
  pushSecretController,
  pushSecretStoreFinalizerController,
} from '../../../src/operator/pushsecret/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import { ConnectDouble, type DoubleVault } from '../../helpers/onepassword-connect-double.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  eventsOf,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  startTestOperator,
  waitFor,
} from './harness.js';

const connectToken = 'eyJhbGciOiJFUzI1NiJ9.connect-token-for-tests.sig';
const values = {
  pgPassword: 'pg-PASSWORD-7e1f',
  pgUser: 'postgres-admin',
  infraPassword: 'infra-SHADOWED-0000',
  apiToken: 'cf-TOKEN-91b2',
  certPem: '-----BEGIN CERTIFICATE-----\nMIIB-test\n-----END CERTIFICATE-----\n',
  pushed: 'pushed-VALUE-3c3c',
  redisPassword: 'redis-PASSWORD-5d5d',
};

describe('onepassword provider (1Password Connect)', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let op: OperatorHandle | undefined;
  const connect = new ConnectDouble(connectToken);
  let infrastructure: DoubleVault;
  let applications: DoubleVault;

  const store = (name: string, tokenKey = 'token') =>
    h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name, namespace: ns },
      spec: {
        provider: {
          onepassword: {
            connectHost: connect.url,
            vaults: { infrastructure: 1, applications: 2 },
            auth: { secretRef: { connectToken: { name: 'onepassword-token', key: tokenKey } } },
          },
        },
      },
    });
  const es = (name: string, spec: ExternalSecretSpec) =>
    createExternalSecret(h, ns, name, {
      refreshInterval: '1h',
      secretStoreRef: { name: 'onepassword-secret-store' },
      target: { name },
      ...spec,
    });
  const waitReady = (name: string, status: 'True' | 'False' = 'True') =>
    waitFor(`${name} Ready=${status}`, async () => {
      const e = await getExternalSecret(h, ns, name);
      return readyOf(e)?.status === status ? e : undefined;
    });

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'op-connect');
    infrastructure = connect.addVault('infrastructure');
    applications = connect.addVault('applications');
    connect.addItem(applications, {
      title: 'postgres-database',
      category: 'DATABASE',
      fields: [
        { label: 'username', value: values.pgUser },
        { label: 'password', value: values.pgPassword, type: 'CONCEALED', purpose: 'PASSWORD' },
        { label: 'database', value: 'app' },
      ],
    });
    // Same title in the vault searched first: it wins (vaults are searched in ascending order).
    connect.addItem(infrastructure, {
      title: 'shared-login',
      category: 'LOGIN',
      fields: [{ label: 'password', value: values.infraPassword }],
    });
    connect.addItem(applications, {
      title: 'shared-login',
      category: 'LOGIN',
      fields: [{ label: 'password', value: 'applications-copy' }],
    });
    connect.addItem(applications, {
      title: 'cloudflare-credentials',
      category: 'API_CREDENTIAL',
      tags: ['dns'],
      fields: [{ label: 'api-token', value: values.apiToken }],
    });
    connect.addItem(applications, {
      title: 'internal-ca-certificate',
      category: 'DOCUMENT',
      files: [{ id: 'f'.repeat(26), name: 'ca.crt', content: Buffer.from(values.certPem) }],
    });
    connect.addItem(applications, {
      title: 'redis-credentials',
      category: 'DATABASE',
      fields: [
        { label: 'username', value: 'redis-app' },
        { label: 'password', value: values.redisPassword, type: 'CONCEALED', purpose: 'PASSWORD' },
      ],
    });
    connect.listDelayMs = 300; // new items appear in lists a little later, as with Connect
    await connect.start();
    await h.client.create(Resources.secrets, {
      metadata: { name: 'onepassword-token', namespace: ns },
      stringData: { token: connectToken, wrong: 'not-the-token' },
    });
    await store('onepassword-secret-store');
    await store('wrong-token-store', 'wrong');
    op = await startTestOperator(h, {
      namespace: ns,
      controllers: [pushSecretController(), pushSecretStoreFinalizerController],
    });
  });

  after(async () => {
    await op?.stop();
    await connect.stop();
    await h?.client.delete(Resources.namespaces, ns).catch(() => undefined);
  });

  it("seed 004's database credentials: one item, three field labels, found and read once", async () => {
    const before = connect.requests.length;
    await es('postgres-secret', {
      data: ['username', 'password', 'database'].map((p) => ({
        secretKey: p,
        remoteRef: { key: 'postgres-database', property: p },
      })),
    });
    const secret = await waitFor('postgres-secret', () => getSecret(h, ns, 'postgres-secret'));
    assert.deepEqual(decode(secret.data), { username: values.pgUser, password: values.pgPassword, database: 'app' });
    // ESO looks the item up once per data[] entry (a title search per vault + the item: 3 x 3 requests here).
    const itemRequests = connect.requests
      .slice(before)
      .filter((r) => r.path.includes('/items') && (r.query.includes('postgres-database') || !r.query));
    assert.equal(itemRequests.length, 3, JSON.stringify(itemRequests));
  });

  it('searches vaults in ascending order, defaults to the password field, reads DOCUMENT files', async () => {
    await es('mixed', {
      data: [
        { secretKey: 'login', remoteRef: { key: 'shared-login' } },
        { secretKey: 'ca.crt', remoteRef: { key: 'internal-ca-certificate', property: 'ca.crt' } },
      ],
    });
    const secret = await waitFor('mixed', () => getSecret(h, ns, 'mixed'));
    assert.deepEqual(decode(secret.data), { login: values.infraPassword, 'ca.crt': values.certPem });
  });

  it('dataFrom: extract gives every field; find matches field labels', async () => {
    await es('extracted', { dataFrom: [{ extract: { key: 'postgres-database' } }] });
    await es('found', { dataFrom: [{ find: { name: { regexp: '^api-' } } }] });
    const extracted = await waitFor('extracted', () => getSecret(h, ns, 'extracted'));
    assert.deepEqual(decode(extracted.data), {
      username: values.pgUser,
      password: values.pgPassword,
      database: 'app',
    });
    const found = await waitFor('found', () => getSecret(h, ns, 'found'));
    assert.deepEqual(decode(found.data), { 'api-token': values.apiToken });
  });

  it('an extract and a data[] entry of the same item cost one lookup (ESO: one each)', async () => {
    const before = connect.requests.length;
    await es('redis', {
      dataFrom: [{ extract: { key: 'redis-credentials' } }],
      data: [{ secretKey: 'REDIS_PASSWORD', remoteRef: { key: 'redis-credentials', property: 'password' } }],
    });
    const secret = await waitFor('redis', () => getSecret(h, ns, 'redis'));
    assert.deepEqual(decode(secret.data), {
      username: 'redis-app',
      password: values.redisPassword,
      REDIS_PASSWORD: values.redisPassword,
    });
    // One lookup: a title search in each of the two vaults, then the item itself.
    const lookups = connect.requests
      .slice(before)
      .filter((r) => r.path.includes('/items') && (r.query.includes('redis-credentials') || !r.query));
    assert.equal(lookups.length, 3, JSON.stringify(lookups));
  });

  it('a missing item or field, and a wrong token, say what is wrong', async () => {
    await es('absent', { data: [{ secretKey: 'x', remoteRef: { key: 'no-such-item' } }] });
    await es('no-field', { data: [{ secretKey: 'x', remoteRef: { key: 'postgres-database', property: 'port' } }] });
    assert.match(
      readyOf(await waitReady('absent', 'False'))?.message ?? '',
      /Secret does not exist: no 1Password item "no-such-item"/,
    );
    assert.match(
      readyOf(await waitReady('no-field', 'False'))?.message ?? '',
      /expected one 1Password ItemField matching 'port' in 'postgres-database', got 0/,
    );
    const wrong = await waitFor('wrong-token-store Ready=False', async () => {
      const s = await h.client.get<{
        status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
      }>(OperatorResources.secretStores, 'wrong-token-store', { namespace: ns });
      return s.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False');
    });
    assert.match(wrong.message ?? '', /status 401: Invalid token signature.*check the Connect token/);
  });

  it('PushSecret creates a SERVER item, updates its field in place, and never duplicates it', async () => {
    await h.client.create(Resources.secrets, {
      metadata: { name: 'app-creds', namespace: ns },
      stringData: { token: values.pushed },
    });
    const spec: PushSecretSpec = {
      refreshInterval: '1h',
      secretStoreRefs: [{ name: 'onepassword-secret-store' }],
      selector: { secret: { name: 'app-creds' } },
      data: [
        {
          match: { secretKey: 'token', remoteRef: { remoteKey: 'app-token', property: 'token' } },
          metadata: {
            apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
            kind: 'PushSecretMetadata',
            spec: { vault: 'applications', tags: ['k8s'] },
          },
        },
      ],
    };
    await h.client.create(PushSecretResources.pushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'push-app-token', namespace: ns },
      spec,
    });
    const created = await waitFor('pushed item', async () => connect.find(applications, 'app-token'));
    assert.equal(created.category, 'SERVER');
    assert.deepEqual(created.tags, ['k8s']);
    assert.deepEqual(
      created.fields?.map((f) => [f.label, f.value, f.type]),
      [['token', values.pushed, 'CONCEALED']],
    );
    // A change of the source is written into the same item.
    await h.client.patch(
      Resources.secrets,
      'app-creds',
      { stringData: { token: `${values.pushed}-2` } },
      { namespace: ns },
    );
    await waitFor('updated field', async () =>
      connect.find(applications, 'app-token')?.fields?.[0]?.value === `${values.pushed}-2` ? true : undefined,
    );
    assert.equal([...applications.items.values()].filter((i) => i.title === 'app-token').length, 1);
    assert.equal(connect.find(infrastructure, 'app-token'), undefined);
  });

  it('no status, event or log line carries the token or a value', async () => {
    const statuses = JSON.stringify(
      await Promise.all(
        ['postgres-secret', 'mixed', 'extracted', 'found', 'absent', 'no-field'].map((n) =>
          getExternalSecret(h, ns, n),
        ),
      ),
    );
    const events = JSON.stringify(await eventsOf(h, ns));
    const logs = h.logs.join('\n');
    for (const secret of [connectToken, ...Object.values(values)]) {
      for (const [where, text] of Object.entries({ statuses, events, logs })) {
        assert.ok(!text.includes(secret), `${where} contain a secret value`);
      }
    }
  });
});
