// Webhook generator on the real control plane against a real HTTPS endpoint (node:https with a generated CA):
// templated URL, headers and body from labelled Secrets, result.jsonPath, caBundle and caProvider, the errors a
// user sees for an unlabelled Secret, an untrusted certificate, 404 and 500, and an ExternalSecret that turns the
// answer into a Secret through the operator. No error message may contain a credential or an answer body.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorError, GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
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

const apiVersion = 'generators.external-secrets.io/v1alpha1';
const apiKey = 'k-7f3a-webhook-credential';
const text = (out: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

describe('Webhook generator', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let server: Server;
  let base: string;
  let caPem: string;
  let op: OperatorHandle | undefined;
  const seen: Seen[] = [];
  const certDir = mkdtempSync(join(tmpdir(), 'custos-webhook-'));

  const createWebhook = (name: string, spec: Record<string, unknown>) =>
    h.client.create(GeneratorResources.Webhook, {
      apiVersion,
      kind: 'Webhook',
      metadata: { name, namespace: ns },
      spec,
    });
  const caBundle = () => Buffer.from(caPem).toString('base64');

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'webhook-gen');
    const tls = await loadOrCreateServingCertificate(certDir, ['127.0.0.1']);
    assert.ok(tls.caPem, 'the generated serving certificate comes with its CA');
    caPem = tls.caPem;
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
        const path = new URL(req.url ?? '/', 'https://x').pathname;
        const reply = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        };
        if (req.headers.authorization !== `Bearer ${apiKey}`) return reply(401, { error: 'no' });
        if (path === '/token') return reply(200, { data: { token: 'tok-1', ttl: 3600, scopes: ['read', 'write'] } });
        if (path === '/issue') {
          const request = JSON.parse(body) as { user: string };
          return reply(200, { result: { credentials: JSON.stringify({ user: request.user, password: 'pw-1' }) } });
        }
        if (path === '/missing') return reply(404, { error: 'nothing here' });
        return reply(500, { error: `internal failure, echoing ${apiKey}` });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await h.client.create(Resources.secrets, {
      metadata: { name: 'api', namespace: ns, labels: { 'external-secrets.io/type': 'webhook' } },
      stringData: { key: apiKey, user: 'svc-reporting' },
    });
    await h.client.create(Resources.secrets, {
      metadata: { name: 'unlabelled', namespace: ns },
      stringData: { key: apiKey },
    });
    await h.client.create(Resources.configMaps, {
      metadata: { name: 'webhook-ca', namespace: ns },
      data: { 'ca.crt': caPem },
    });
  });

  after(async () => {
    await op?.stop();
    await new Promise((resolve) => server?.close(resolve));
    await h?.client.delete(Resources.namespaces, ns).catch(() => undefined);
    rmSync(certDir, { recursive: true, force: true });
  });

  it('GET with a templated header: the object at result.jsonPath becomes the keys', async () => {
    await createWebhook('token', {
      url: `${base}/token?who={{ .creds.user }}`,
      headers: { Authorization: 'Bearer {{ .creds.key }}' },
      result: { jsonPath: '$.data' },
      secrets: [{ name: 'creds', secretRef: { name: 'api', key: 'key' } }],
      caBundle: caBundle(),
    });
    const out = await resolveGenerator(h.client, ns, { kind: 'Webhook', name: 'token' });
    assert.deepEqual(text(out), { token: 'tok-1', ttl: '3600', scopes: '["read","write"]' });
    const request = seen.at(-1);
    assert.equal(request?.method, 'GET');
    assert.equal(request?.url, '/token?who=svc-reporting');
  });

  it('POST with a templated body; a JSON string at result.jsonPath is parsed; the CA comes from a ConfigMap', async () => {
    await createWebhook('issue', {
      method: 'POST',
      url: `${base}/issue`,
      headers: { Authorization: 'Bearer {{ .creds.key }}', 'Content-Type': 'application/json' },
      body: '{"user": "{{ .creds.user }}"}',
      result: { jsonPath: '$.result.credentials' },
      secrets: [{ name: 'creds', secretRef: { name: 'api', key: 'key' } }],
      caProvider: { type: 'ConfigMap', name: 'webhook-ca', key: 'ca.crt' },
    });
    const out = await resolveGenerator(h.client, ns, { kind: 'Webhook', name: 'issue' });
    assert.deepEqual(text(out), { user: 'svc-reporting', password: 'pw-1' });
    assert.equal(seen.at(-1)?.body, '{"user": "svc-reporting"}');
  });

  it('says what to fix, and never repeats a credential or the answer body', async () => {
    const base404 = { headers: { Authorization: 'Bearer {{ .creds.key }}' }, result: {} };
    const creds = [{ name: 'creds', secretRef: { name: 'api', key: 'key' } }];
    await createWebhook('unlabelled', {
      ...base404,
      url: `${base}/token`,
      secrets: [{ name: 'creds', secretRef: { name: 'unlabelled', key: 'key' } }],
      caBundle: caBundle(),
    });
    await createWebhook('untrusted', { ...base404, url: `${base}/token`, secrets: creds });
    await createWebhook('missing', { ...base404, url: `${base}/missing`, secrets: creds, caBundle: caBundle() });
    await createWebhook('failing', { ...base404, url: `${base}/boom`, secrets: creds, caBundle: caBundle() });
    await createWebhook('bad-template', { ...base404, url: `${base}/{{ .creds.key | nosuchfn }}`, secrets: creds });
    const expectError = async (name: string, code: string, pattern: RegExp) =>
      assert.rejects(resolveGenerator(h.client, ns, { kind: 'Webhook', name }), (e: unknown) => {
        assert.ok(e instanceof GeneratorError, String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes(apiKey), `the credential leaked into: ${e.message}`);
        assert.ok(!e.message.includes('echoing'), `the answer body leaked into: ${e.message}`);
        return true;
      });
    await expectError(
      'unlabelled',
      'Invalid',
      /Secret "unlabelled" .* needs the label external-secrets\.io\/type: webhook/,
    );
    await expectError(
      'untrusted',
      'Invalid',
      /server certificate is not trusted .*set spec\.caBundle or spec\.caProvider/,
    );
    await expectError('missing', 'NotFound', /Secret does not exist \(404\)/);
    await expectError('failing', 'Unavailable', /GET https:\/\/127\.0\.0\.1:\d+: endpoint gave error 500$/);
    await expectError('bad-template', 'Invalid', /spec\.url: .*nosuchfn/);
  });

  it('an ExternalSecret turns the answer into a Secret through the operator', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createWebhook('for-es', {
      url: `${base}/token`,
      headers: { Authorization: 'Bearer {{ .creds.key }}' },
      result: { jsonPath: '$.data' },
      secrets: [{ name: 'creds', secretRef: { name: 'api', key: 'key' } }],
      caBundle: caBundle(),
    });
    await createExternalSecret(h, ns, 'from-webhook', {
      refreshInterval: '1h',
      target: { name: 'from-webhook' },
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'Webhook', name: 'for-es' } } }],
    });
    const secret = await waitFor('generated Secret', () => getSecret(h, ns, 'from-webhook'));
    assert.deepEqual(decode(secret.data), { token: 'tok-1', ttl: '3600', scopes: '["read","write"]' });
    assert.ok(!h.logs.join('\n').includes(apiKey), 'the credential reached the operator log');
  });
});
