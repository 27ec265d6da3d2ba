// The ExternalSecret operator's view of Secrets is label-filtered and metadata-only: it never lists or watches
// Secrets without the reconcile.external-secrets.io/managed=true selector, its Secret watches carry metadata only,
// and a Secret it does not manage (no label, no ExternalSecret pointing at it) never reaches it at all. What a
// user notices: the operator's memory and traffic do not grow with the cluster's other Secrets, and their values
// never pass through it.
//
// How it is observed: the operator talks to the real kube-apiserver through a recording reverse proxy in this
// process (plain HTTP in, the admin's TLS credentials out), so every request line, its Accept header and every
// response byte the operator received are on record. The apiserver's audit log was the other candidate, but it
// records neither the Accept header (metadata-only or not) nor what a watch streamed, which are the two things to
// prove; /metrics only counts requests per verb and resource, without the label selector.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type KubeConfigSource, Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  type SecretObject,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

interface Exchange {
  method: string;
  url: URL;
  accept: string;
  status?: number;
  /** Everything the server sent back (for watches: the stream so far). */
  body: string;
}

interface RecordingProxy {
  kubeConfig: KubeConfigSource;
  exchanges: Exchange[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te']);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** A plain-HTTP reverse proxy to `h`'s API server that records every exchange, and a kubeconfig pointing at it. */
async function recordingProxy(h: Harness): Promise<RecordingProxy> {
  const upstream = new URL(h.kc.getCurrentCluster()?.server ?? '');
  const tls: RequestOptions = {};
  await h.kc.applyToHTTPSOptions(tls);
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const exchange: Exchange = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://proxy'),
      accept: String(req.headers.accept ?? ''),
      body: '',
    };
    exchanges.push(exchange);
    const up = httpsRequest(
      {
        ...tls,
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...forwardable(req.headers), ...(tls.headers ?? {}), host: upstream.host },
        agent: false,
      },
      (upRes) => {
        exchange.status = upRes.statusCode;
        res.writeHead(upRes.statusCode ?? 502, forwardable(upRes.headers));
        upRes.setEncoding('utf8');
        upRes.on('data', (chunk: string) => {
          exchange.body += chunk;
          res.write(chunk);
        });
        upRes.on('end', () => res.end());
        upRes.on('error', () => res.destroy());
      },
    );
    up.on('error', () => res.destroy());
    // The operator closing a watch (or stopping) closes the upstream request too.
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig: KubeConfigSource = {
    getCurrentContext: () => 'recording-proxy',
    getContextObject: () => ({}),
    getCurrentCluster: () => ({ server: `http://127.0.0.1:${port}` }),
    applyToHTTPSOptions: async () => {},
  };
  return {
    kubeConfig,
    exchanges,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const MANAGED_SELECTOR = 'reconcile.external-secrets.io/managed=true';
const isSecretsCollection = (url: URL) => /^\/api\/v1\/(namespaces\/[^/]+\/)?secrets$/.test(url.pathname);
const isWatch = (e: Exchange) => e.url.searchParams.get('watch') === 'true' || e.url.pathname.includes('/watch/');

// Every value carries this marker, so one search finds any that reached the operator.
const MARK = `MV${randomBytes(6).toString('hex')}`;

describe('the managed-Secret view: label-filtered and metadata-only', { skip: integration.skipReason }, () => {
  let h: Harness;
  let proxy: RecordingProxy;
  let op: OperatorHandle;
  let ns: string;
  const managedValue = `${MARK}-managed`;
  const bystanderValue = `${MARK}-bystander`;
  const laterValue = `${MARK}-later`;

  const bystander = (name: string, value: string): SecretObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: { app: 'unrelated' } },
    data: { password: Buffer.from(value).toString('base64') },
  });

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'managed-view');
    proxy = await recordingProxy(h);
    // A Secret the operator has no business with, there before it starts...
    await h.client.create(Resources.secrets, bystander('bystander-before', bystanderValue));
    await createFakeStore(h, ns, 'store', [{ key: 'k', value: managedValue }]);
    await createExternalSecret(h, ns, 'app', {
      secretStoreRef: { name: 'store' },
      refreshInterval: '1h',
      data: [{ secretKey: 'v', remoteRef: { key: 'k' } }],
    });
    op = await startTestOperator(h, { namespace: ns, kubeConfig: proxy.kubeConfig });
    await waitFor('app synced', async () => decode((await getSecret(h, ns, 'app'))?.data).v === managedValue);
    // ...one created and edited while it runs...
    await h.client.create(Resources.secrets, bystander('bystander-after', laterValue));
    await h.client.patch(
      Resources.secrets,
      'bystander-before',
      { data: { other: Buffer.from(laterValue).toString('base64') } },
      { namespace: ns },
    );
    // ...while its own Secret's data is edited behind its back: a watch event it must notice and repair.
    await h.client.patch(
      Resources.secrets,
      'app',
      { data: { v: Buffer.from('tampered').toString('base64') } },
      { namespace: ns },
    );
    await waitFor('app repaired', async () => decode((await getSecret(h, ns, 'app'))?.data).v === managedValue);
    await waitFor('app ready', async () => readyOf(await getExternalSecret(h, ns, 'app'))?.status === 'True');
    // Let the watches deliver the last events before the record is read.
    await sleep(1000);
  });

  after(async () => {
    await op?.stop();
    await proxy?.close();
  });

  it('the record is real: the operator went through the proxy and watched Secrets', () => {
    const secretWatches = proxy.exchanges.filter((e) => isSecretsCollection(e.url) && isWatch(e));
    assert.ok(secretWatches.length >= 1, 'the operator watched Secrets');
    assert.ok(
      secretWatches.some((e) => e.body.includes('"name":"app"')),
      'the watch delivered the managed Secret (its metadata)',
    );
    assert.ok(
      proxy.exchanges.some((e) => e.method === 'POST' && isSecretsCollection(e.url)),
      'it created the Secret',
    );
  });

  it('never lists or watches Secrets without the managed label selector', () => {
    const reads = proxy.exchanges.filter((e) => e.method === 'GET' && isSecretsCollection(e.url));
    assert.ok(reads.length >= 2, 'at least one list and one watch of Secrets');
    for (const e of reads) {
      assert.equal(
        e.url.searchParams.get('labelSelector'),
        MANAGED_SELECTOR,
        `${isWatch(e) ? 'watch' : 'list'} of Secrets without the managed selector: ${e.url.pathname}${e.url.search}`,
      );
    }
  });

  it('watches Secrets as PartialObjectMetadata: no Secret data ever arrives through a watch', () => {
    const watches = proxy.exchanges.filter((e) => isSecretsCollection(e.url) && isWatch(e));
    for (const e of watches) {
      assert.match(e.accept, /as=PartialObjectMetadata;/, `a Secret watch asked for full objects: ${e.accept}`);
      for (const line of e.body.split('\n')) {
        if (!line.trim()) continue;
        let event: { type?: string; object?: { kind?: string; data?: unknown } };
        try {
          event = JSON.parse(line);
        } catch {
          continue; // the last line of a stream cut off by the operator's stop
        }
        if (event.type === 'ERROR') continue;
        assert.equal(event.object?.kind, 'PartialObjectMetadata', `a ${event.type} event carried a full object`);
        assert.equal(event.object?.data, undefined, 'a watch event carried Secret data');
      }
      for (const value of [managedValue, bystanderValue, laterValue]) {
        assert.ok(!e.body.includes(value), 'a Secret value came through a watch');
      }
    }
    // The informer's own list is metadata-only too (only the one-off warm-up list reads data, label-filtered).
    const metadataLists = proxy.exchanges.filter(
      (e) => isSecretsCollection(e.url) && !isWatch(e) && e.accept.includes('PartialObjectMetadataList'),
    );
    assert.ok(metadataLists.length >= 1, 'the managed-Secret informer listed metadata only');
  });

  it('a Secret without the managed label never reaches the operator: neither its name nor its value', () => {
    for (const e of proxy.exchanges) {
      const where = `${e.method} ${e.url.pathname}${e.url.search}`;
      assert.ok(!e.url.pathname.includes('bystander'), `the operator addressed an unmanaged Secret: ${where}`);
      assert.ok(!e.body.includes('bystander'), `an unmanaged Secret came back in: ${where}`);
      assert.ok(!e.body.includes(bystanderValue) && !e.body.includes(laterValue), `an unmanaged value in: ${where}`);
    }
  });
});
