// The `webhook` store on the real control plane against a real HTTPS endpoint: ESO-style manifests with templated
// URL (remoteRef query-escaped), headers from a labelled Secret, result.jsonPath (itself a template), data[] and
// dataFrom.extract, a 404 reported as a missing secret, PushSecret with the default body, store validation, and
// an unlabelled Secret refused. No status, event or log line may contain the credential or a value.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec, PushSecretSpec } from '../../../src/api/generated/types.js';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import {
  PushSecretResources,
  pushSecretController,
  pushSecretStoreFinalizerController,
} from '../../../src/operator/pushsecret/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
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

const apiKey = 'wh-provider-credential-31f9';
const remote: Record<string, unknown> = {
  'db password': { value: 'pw-ÄÖ-1', meta: { owner: 'team-a' } },
  'db-config': { data: { host: 'db.internal', port: 5432, tls: true, pool: { max: 10 } } },
  ratio: { value: 42.6 },
  login: { data: { user: 'app', password: 'pw-login-7', host: 'db.internal' } },
};
/** Requests for the key 'login', with the property the URL carried (if any). */
const loginReads: string[] = [];
const pushed: Array<{ method: string; path: string; body: string }> = [];
/** The endpoint answers 503 for the key 'flaky' while this is set. */
const outage = { active: false };
/** Reads of the keys 'r-0', 'r-1', ... (the restart case). */
const restartReads: string[] = [];
/** When each key 'q-0', 'q-1', ... was read (the store budget case). */
const budgetReads: number[] = [];

describe('webhook provider', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let server: Server;
  let base: string;
  let caPem: string;
  let op: OperatorHandle | undefined;
  const certDir = mkdtempSync(join(tmpdir(), 'custos-webhook-store-'));

  const store = (name: string, webhook: Record<string, unknown>) =>
    h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name, namespace: ns },
      spec: {
        provider: {
          webhook: {
            headers: { Authorization: 'Bearer {{ .auth.token }}' },
            secrets: [{ name: 'auth', secretRef: { name: 'webhook-auth', key: 'token' } }],
            caBundle: Buffer.from(caPem).toString('base64'),
            ...webhook,
          },
        },
      },
    });
  const waitReady = (name: string, status: 'True' | 'False' = 'True') =>
    waitFor(`${name} Ready=${status}`, async () => {
      const es = await getExternalSecret(h, ns, name);
      return readyOf(es)?.status === status ? es : undefined;
    });
  const es = (name: string, spec: ExternalSecretSpec) =>
    createExternalSecret(h, ns, name, { refreshInterval: '1h', target: { name }, ...spec });

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'webhook-store');
    const tls = await loadOrCreateServingCertificate(certDir, ['127.0.0.1']);
    assert.ok(tls.caPem);
    caPem = tls.caPem;
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://x');
        const reply = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        if (req.headers.authorization !== `Bearer ${apiKey}`) return reply(401, { error: `bad token, echo ${apiKey}` });
        if (url.pathname.startsWith('/push/')) {
          pushed.push({
            method: req.method ?? '',
            path: url.pathname,
            body: Buffer.concat(chunks).toString('utf8'),
          });
          return reply(201, {});
        }
        const key = url.searchParams.get('key') ?? '';
        if (key.startsWith('q-')) {
          budgetReads.push(Date.now());
          return reply(200, { value: key });
        }
        if (key.startsWith('r-')) {
          restartReads.push(key);
          return reply(200, { value: key });
        }
        if (key === 'login') loginReads.push(url.searchParams.get('field') ?? '');
        if (key === 'flaky') return outage.active ? reply(503, { error: 'maintenance' }) : reply(200, { value: 'v1' });
        if (!Object.hasOwn(remote, key)) return reply(404, { error: 'unknown' });
        return reply(200, remote[key]);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await h.client.create(Resources.secrets, {
      metadata: { name: 'webhook-auth', namespace: ns, labels: { 'external-secrets.io/type': 'webhook' } },
      stringData: { token: apiKey },
    });
    await h.client.create(Resources.secrets, {
      metadata: { name: 'plain', namespace: ns },
      stringData: { token: apiKey },
    });
    await store('values', { url: `${base}/secrets?key={{ .remoteRef.key }}`, result: { jsonPath: '$.value' } });
    await store('objects', { url: `${base}/secrets?key={{ .remoteRef.key }}`, result: { jsonPath: '$.data' } });
    const byProperty = { jsonPath: '$.data.{{ .remoteRef.property }}' };
    await store('by-key', { url: `${base}/secrets?key={{ .remoteRef.key }}`, result: byProperty });
    await store('by-field', {
      url: `${base}/secrets?key={{ .remoteRef.key }}&field={{ .remoteRef.property }}`,
      result: byProperty,
    });
    await store('pusher', { url: `${base}/push/{{ .remoteRef.remoteKey }}`, result: {} });
    await store('unlabelled', {
      url: `${base}/secrets?key={{ .remoteRef.key }}`,
      result: { jsonPath: '$.value' },
      secrets: [{ name: 'auth', secretRef: { name: 'plain', key: 'token' } }],
    });
    op = await startTestOperator(h, {
      namespace: ns,
      controllers: [pushSecretController(), pushSecretStoreFinalizerController],
    });
  });

  after(async () => {
    await op?.stop();
    await new Promise((resolve) => server?.close(resolve));
    await h?.client.delete(Resources.namespaces, ns).catch(() => undefined);
    rmSync(certDir, { recursive: true, force: true });
  });

  it('the stores validate (their endpoint accepts connections)', async () => {
    for (const name of ['values', 'objects', 'by-key', 'by-field', 'pusher']) {
      await waitFor(`store ${name} Ready`, async () => {
        const s = await h.client.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
          OperatorResources.secretStores,
          name,
          { namespace: ns },
        );
        return s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') || undefined;
      });
    }
  });

  it('data[] reads the value at result.jsonPath; the key is query-escaped in the URL; numbers as ESO writes them', async () => {
    await es('single', {
      secretStoreRef: { name: 'values' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'db password' } },
        { secretKey: 'ratio', remoteRef: { key: 'ratio' } },
      ],
    });
    const secret = await waitFor('single', () => getSecret(h, ns, 'single'));
    // ESO's extractSecretData writes numbers with strconv.FormatFloat(f, 'f', 0, 64): rounded.
    assert.deepEqual(decode(secret.data), { password: 'pw-ÄÖ-1', ratio: '43' });
  });

  it('dataFrom.extract turns the object at result.jsonPath into keys', async () => {
    await es('extracted', { secretStoreRef: { name: 'objects' }, dataFrom: [{ extract: { key: 'db-config' } }] });
    const secret = await waitFor('extracted', () => getSecret(h, ns, 'extracted'));
    assert.deepEqual(decode(secret.data), { host: 'db.internal', port: '5432', tls: 'true', pool: '{"max":10}' });
  });

  it('properties of one key picked by result.jsonPath share one request, unless the request uses the property', async () => {
    const fields = ['user', 'password', 'host'];
    const data = fields.map((p) => ({ secretKey: p, remoteRef: { key: 'login', property: p } }));
    await es('login-shared', { secretStoreRef: { name: 'by-key' }, data });
    const shared = await waitFor('login-shared', () => getSecret(h, ns, 'login-shared'));
    assert.deepEqual(decode(shared.data), { user: 'app', password: 'pw-login-7', host: 'db.internal' });
    assert.deepEqual(loginReads, [''], 'one request for three properties (ESO sends one per property)');

    await es('login-per-field', { secretStoreRef: { name: 'by-field' }, data });
    const perField = await waitFor('login-per-field', () => getSecret(h, ns, 'login-per-field'));
    assert.deepEqual(decode(perField.data), decode(shared.data));
    assert.deepEqual(loginReads.slice(1).sort(), ['host', 'password', 'user'], 'the URL names the property');
  });

  it('a 404 is a missing secret; an unlabelled Secret is refused with what to fix', async () => {
    await es('absent', { secretStoreRef: { name: 'values' }, data: [{ secretKey: 'x', remoteRef: { key: 'nope' } }] });
    const absent = await waitReady('absent', 'False');
    assert.match(readyOf(absent)?.message ?? '', /Secret does not exist/);
    await es('refused', {
      secretStoreRef: { name: 'unlabelled' },
      data: [{ secretKey: 'x', remoteRef: { key: 'db password' } }],
    });
    const refused = await waitReady('refused', 'False');
    assert.match(readyOf(refused)?.message ?? '', /needs the label external-secrets\.io\/type: webhook/);
  });

  it('a periodic refresh that fails is retried with backoff: recovery does not wait for the next interval', async () => {
    const interval = 10_000;
    await es('recovers', {
      refreshInterval: `${interval / 1000}s`,
      secretStoreRef: { name: 'values' },
      data: [{ secretKey: 'v', remoteRef: { key: 'flaky' } }],
    });
    await waitReady('recovers');
    outage.active = true;
    const failed = await waitFor('the periodic refresh fails', async () => {
      const current = await getExternalSecret(h, ns, 'recovers');
      return readyOf(current)?.status === 'False' ? current : undefined;
    });
    outage.active = false;
    const fixedAt = Date.now();
    assert.match(readyOf(failed)?.message ?? '', /503/);
    await waitReady('recovers');
    const waited = Date.now() - fixedAt;
    // The first retries come 1 s and 2 s after the failure; the next periodic refresh only after the interval.
    assert.ok(waited < interval / 2, `Ready again ${waited} ms after the endpoint recovered (interval ${interval} ms)`);
    assert.deepEqual(decode((await getSecret(h, ns, 'recovers'))?.data), { v: 'v1' }, 'the Secret was kept throughout');
  });

  it('a store budget (custos.dev/provider-qps) spaces the provider calls of many ExternalSecrets', async () => {
    await h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: {
        name: 'budget',
        namespace: ns,
        annotations: { 'custos.dev/provider-qps': '2', 'custos.dev/provider-burst': '1' },
      },
      spec: {
        provider: {
          webhook: {
            url: `${base}/secrets?key={{ .remoteRef.key }}`,
            result: { jsonPath: '$.value' },
            headers: { Authorization: 'Bearer {{ .auth.token }}' },
            secrets: [{ name: 'auth', secretRef: { name: 'webhook-auth', key: 'token' } }],
            caBundle: Buffer.from(caPem).toString('base64'),
          },
        },
      },
    });
    const names = Array.from({ length: 6 }, (_, i) => `budget-${i}`);
    await Promise.all(
      names.map((name, i) =>
        es(name, { secretStoreRef: { name: 'budget' }, data: [{ secretKey: 'v', remoteRef: { key: `q-${i}` } }] }),
      ),
    );
    for (const name of names) await waitReady(name);
    assert.equal(budgetReads.length, 6);
    // Two calls a second, one at once: the six reads span at least 2.5 s, however fast the machine is.
    const span = budgetReads[5]! - budgetReads[0]!;
    assert.ok(span >= 2400, `6 reads within ${span} ms at 2 per second`);
    const metrics = await (await fetch(`http://${op?.httpAddress}/metrics`)).text();
    assert.match(metrics, /custos_provider_throttled_total\{provider="webhook"\} [1-9]/);
  });

  it('PushSecret POSTs the value with the default body to the templated URL', async () => {
    await h.client.create(Resources.secrets, {
      metadata: { name: 'to-push', namespace: ns },
      stringData: { token: 'pushed-value-1', other: 'x' },
    });
    const spec: PushSecretSpec = {
      refreshInterval: '1h',
      secretStoreRefs: [{ name: 'pusher' }],
      selector: { secret: { name: 'to-push' } },
      data: [{ match: { secretKey: 'token', remoteRef: { remoteKey: 'app-token' } } }],
    };
    await h.client.create(PushSecretResources.pushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'push', namespace: ns },
      spec,
    });
    const request = await waitFor('push request', async () => pushed.find((p) => p.path === '/push/app-token'));
    assert.deepEqual(request, { method: 'POST', path: '/push/app-token', body: 'pushed-value-1' });
  });

  it('no status, event or log line carries the credential or a value', async () => {
    const statuses = JSON.stringify(
      await Promise.all(['single', 'extracted', 'absent', 'refused'].map((n) => getExternalSecret(h, ns, n))),
    );
    const events = JSON.stringify(await eventsOf(h, ns));
    const logs = h.logs.join('\n');
    for (const secret of [apiKey, 'pw-ÄÖ-1', 'db.internal', 'pushed-value-1']) {
      for (const [where, text] of Object.entries({ statuses, events, logs })) {
        assert.ok(!text.includes(secret), `${where} contain a secret value`);
      }
    }
  });

  it('after a restart, overdue ExternalSecrets that changed nothing are read spread out, not all at once', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `restart-${i}`);
    for (const [i, name] of names.entries()) {
      await es(name, { secretStoreRef: { name: 'values' }, data: [{ secretKey: 'v', remoteRef: { key: `r-${i}` } }] });
    }
    for (const name of names) await waitReady(name);
    await op?.stop();
    op = undefined;
    // Their last refresh was two hours ago (1 h interval): all are overdue when the operator comes back. Custos
    // does not rewrite refreshTime when nothing changed, so this is what any restart after an hour looks like.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const name of names) {
      await h.client.patchStatus(
        OperatorResources.externalSecrets,
        name,
        { status: { refreshTime: twoHoursAgo } },
        {
          namespace: ns,
        },
      );
    }
    restartReads.length = 0;
    op = await startTestOperator(h, { namespace: ns });
    await new Promise((resolve) => setTimeout(resolve, 5000));
    // Each gets a stable slot in the first 5 minutes (10 % of 1 h, at most 5 min): about 12 x 5 s / 300 s = 0.2
    // reads are expected in these 5 s; without the slots all 12 are read at once.
    assert.ok(restartReads.length <= 4, `${restartReads.length} of 12 overdue ExternalSecrets read in the first 5 s`);
    for (const name of names) assert.equal(readyOf(await getExternalSecret(h, ns, name))?.status, 'True');
  });
});
