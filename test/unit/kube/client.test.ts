// The client against a scripted in-process HTTP endpoint: only for faults a real API server will not produce on
// demand (429 with Retry-After, a hanging response). Everything else is tested against the real server.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../src/kube/client.js';
import { isConflict, isGone, isNotFound, KubeApiError } from '../../../src/kube/errors.js';
import { Resources, resourcePath } from '../../../src/kube/resources.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

describe('KubeClient (scripted endpoint)', () => {
  let server: Server;
  let handler: Handler = (_req, res) => res.end();
  let kc: KubeConfig;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => handler(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'test-token' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports every request it sends, with method, response code and host (rest_client_requests_total)', async () => {
    handler = (req, res) => {
      res.statusCode = req.url?.includes('missing') ? 404 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(res.statusCode === 404 ? '{"kind":"Status","reason":"NotFound","code":404}' : '{}');
    };
    const seen: string[] = [];
    const client = new KubeClient(kc, {
      onRequestDone: (method, code, host) => seen.push(`${method} ${code} ${host}`),
    });
    await client.get(Resources.secrets, 'present', { namespace: 'ns' });
    await client.get(Resources.secrets, 'missing', { namespace: 'ns' }).catch(() => undefined);
    await client.patch(Resources.secrets, 'present', {}, { namespace: 'ns' });
    client.close();
    const host = new URL(kc.getCurrentCluster()?.server ?? '').host;
    assert.deepEqual(seen, [`GET 200 ${host}`, `GET 404 ${host}`, `PATCH 200 ${host}`]);
  });

  it('sends the bearer token and the patch content type for each patch kind', async () => {
    const seen: string[] = [];
    handler = (req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.headers.authorization}`);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    };
    const client = new KubeClient(kc);
    await client.patch(Resources.secrets, 's', {}, { namespace: 'ns' });
    await client.patch(Resources.secrets, 's', {}, { namespace: 'ns', patchType: 'strategic' });
    await client.patch(Resources.secrets, 's', [], { namespace: 'ns', patchType: 'json' });
    await client.apply(
      Resources.secrets,
      { metadata: { name: 's', namespace: 'ns' } },
      { fieldManager: 'custos', force: true },
    );
    await client.patchStatus(Resources.leases, 'l', {}, { namespace: 'ns' });
    client.close();
    assert.deepEqual(seen, [
      'PATCH /api/v1/namespaces/ns/secrets/s application/merge-patch+json Bearer test-token',
      'PATCH /api/v1/namespaces/ns/secrets/s application/strategic-merge-patch+json Bearer test-token',
      'PATCH /api/v1/namespaces/ns/secrets/s application/json-patch+json Bearer test-token',
      'PATCH /api/v1/namespaces/ns/secrets/s?fieldManager=custos&force=true application/apply-patch+yaml Bearer test-token',
      'PATCH /apis/coordination.k8s.io/v1/namespaces/ns/leases/l/status application/merge-patch+json Bearer test-token',
    ]);
  });

  it('fills apiVersion and kind for server-side apply and refuses it without a field manager', async () => {
    let body = '';
    handler = (_req, res, b) => {
      body = b;
      res.end('{}');
    };
    const client = new KubeClient(kc);
    await client.apply(Resources.leases, { metadata: { name: 'l', namespace: 'ns' } }, { fieldManager: 'm' });
    assert.deepEqual(JSON.parse(body), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns' },
    });
    assert.throws(
      () => client.apply(Resources.leases, { metadata: { name: 'l', namespace: 'ns' } }, { fieldManager: '' }),
      /needs a fieldManager/,
    );
    client.close();
  });

  it('retries 429 after the Retry-After the server asked for', async () => {
    const times: number[] = [];
    handler = (_req, res) => {
      times.push(Date.now());
      if (times.length < 2) {
        res.statusCode = 429;
        res.setHeader('retry-after', '1');
        res.end(JSON.stringify({ kind: 'Status', reason: 'TooManyRequests', message: 'slow down', code: 429 }));
        return;
      }
      res.end('{"kind":"Secret"}');
    };
    const client = new KubeClient(kc);
    const result = await client.get(Resources.secrets, 's', { namespace: 'ns' });
    client.close();
    assert.equal(result.kind, 'Secret');
    assert.equal(times.length, 2);
    assert.ok((times[1] ?? 0) - (times[0] ?? 0) >= 950, 'waited about 1 s before the retry');
  });

  it('gives up on 429 after maxRetries with the server message', async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      res.statusCode = 429;
      res.setHeader('retry-after', '0');
      res.end(JSON.stringify({ kind: 'Status', reason: 'TooManyRequests', message: 'slow down', code: 429 }));
    };
    const client = new KubeClient(kc, { maxRetries: 2 });
    const error = await client.get(Resources.secrets, 's', { namespace: 'ns' }).catch((e) => e);
    client.close();
    assert.equal(calls, 3);
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.status, 429);
    assert.match(error.message, /GET \/api\/v1\/namespaces\/ns\/secrets\/s: 429 TooManyRequests: slow down/);
  });

  it('derives a reason from the HTTP status when the body is not a Status', async () => {
    handler = (_req, res) => {
      res.statusCode = 410;
      res.end('gone');
    };
    const client = new KubeClient(kc);
    const error = await client.list(Resources.secrets).catch((e) => e);
    client.close();
    assert.ok(isGone(error));
    assert.ok(!isNotFound(error) && !isConflict(error));
    assert.equal(error.reason, 'Gone');
  });

  it('aborts a request that gets no complete response within its timeout', async () => {
    handler = (_req, res) => {
      res.write('{"partial":');
    };
    const client = new KubeClient(kc, { timeoutMs: 300 });
    const error = await client.get(Resources.secrets, 's', { namespace: 'ns' }).catch((e) => e);
    client.close();
    assert.ok(error instanceof KubeApiError, String(error));
    assert.equal(error.status, 0);
    assert.match(error.message, /no complete response within 300 ms/);
  });
});

describe('resourcePath', () => {
  const crd = {
    group: 'external-secrets.io',
    version: 'v1',
    plural: 'externalsecrets',
    namespaced: true,
    kind: 'ExternalSecret',
  };

  it('builds core and grouped, namespaced and cluster-wide paths', () => {
    assert.equal(resourcePath(Resources.secrets), '/api/v1/secrets');
    assert.equal(resourcePath(Resources.secrets, { namespace: 'a', name: 'b' }), '/api/v1/namespaces/a/secrets/b');
    assert.equal(
      resourcePath(Resources.namespaces, { name: 'a', subresource: 'status' }),
      '/api/v1/namespaces/a/status',
    );
    assert.equal(
      resourcePath(crd, { namespace: 'ns', name: 'es', subresource: 'status' }),
      '/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/es/status',
    );
  });

  it('encodes names so they cannot change the shape of the path', () => {
    assert.equal(
      resourcePath(Resources.secrets, { namespace: 'a', name: '../b?x' }),
      '/api/v1/namespaces/a/secrets/..%2Fb%3Fx',
    );
  });

  it('refuses a namespace for a cluster-scoped resource and a subresource without a name', () => {
    assert.throws(() => resourcePath(Resources.namespaces, { namespace: 'x' }), /cluster-scoped/);
    assert.throws(() => resourcePath(Resources.secrets, { subresource: 'status' }), /needs an object name/);
  });
});
