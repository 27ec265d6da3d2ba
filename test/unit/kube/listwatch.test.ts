// The list-watch against a scripted in-process endpoint, for server behaviour that a real API server shows only
// rarely or not on demand: replayed events after a reconnect, a 410 ERROR event mid-stream, "too large resource
// version", a malformed line. The real-server behaviour is covered in test/integration/kube/informer.test.ts.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeObject } from '../../../src/kube/client.js';
import { ListWatch } from '../../../src/kube/listwatch.js';
import { Resources } from '../../../src/kube/resources.js';

type Step = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

const obj = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  ...extra,
});
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
const list = (rv: string, items: KubeObject[]) =>
  JSON.stringify({ kind: 'SecretList', metadata: { resourceVersion: rv }, items });

describe('ListWatch (scripted endpoint)', () => {
  let server: Server;
  let steps: Step[] = [];
  const requests: string[] = [];
  let client: KubeClient;

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push(
        `${url.searchParams.get('watch') ? 'watch' : 'list'} rv=${url.searchParams.get('resourceVersion') ?? ''}`,
      );
      const step = steps.shift();
      if (step) step(req, res, url);
      // Out of script: hold the watch open until the test ends.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    client = new KubeClient(kc, { qps: 0 });
  });

  after(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('suppresses replayed events, relists on a 410 ERROR event and on "too large resource version"', async () => {
    const events: string[] = [];
    const errors: string[] = [];
    let waiter: { until: string; resolve: () => void } | undefined;
    const seen = (until: string) =>
      new Promise<void>((resolve) => {
        if (events.includes(until)) resolve();
        else waiter = { until, resolve };
      });
    const record = (e: string) => {
      events.push(e);
      if (waiter && e === waiter.until) waiter.resolve();
    };
    steps = [
      (_q, res) => res.end(list('10', [obj('a', '5'), obj('b', '6')])),
      (_q, res) => {
        res.write(line('MODIFIED', obj('a', '11', { data: { k: 'djI=' } })));
        res.write('{"this is not json\n');
      },
      (_q, res) => {
        // After the bad line: resumed from rv 11, the server replays what we already have.
        res.write(line('MODIFIED', obj('a', '11', { data: { k: 'djI=' } })));
        res.write(line('ADDED', obj('b', '6')));
        res.write(line('BOOKMARK', { metadata: { resourceVersion: '20' } }));
        res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
      },
      (_q, res) => res.end(list('30', [obj('a', '11', { data: { k: 'djI=' } }), obj('c', '25')])),
      (_q, res) => {
        res.statusCode = 504;
        res.end(
          JSON.stringify({
            kind: 'Status',
            code: 504,
            reason: 'Timeout',
            message: 'Too large resource version: 30, current: 29',
            details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
          }),
        );
      },
      (_q, res) => res.end(list('31', [obj('a', '11', { data: { k: 'djI=' } }), obj('c', '26')])),
      (_q, res) => res.write(line('DELETED', obj('c', '32'))),
    ];
    const lw = new ListWatch(
      client,
      Resources.secrets,
      {
        onAdd: (o) => record(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
        onUpdate: (o, n) =>
          record(`update ${n.metadata?.name} ${o.metadata?.resourceVersion}->${n.metadata?.resourceVersion}`),
        onDelete: (o) => record(`delete ${o.metadata?.name}`),
        onError: (e) => errors.push((e as Error).name),
      },
      { namespace: 'ns', timeoutSeconds: 60, backoff: { initialMs: 1, maxMs: 5 } },
    );
    lw.start();
    try {
      await seen('delete c');
      assert.deepEqual(events, [
        'add a@5',
        'add b@6',
        'update a 5->11',
        // the replay of a@11 and b@6 produced nothing
        'delete b', // gone in the relist after 410
        'add c@25',
        'update c 25->26', // the relist after "too large resource version"
        'delete c',
      ]);
      assert.deepEqual(requests, [
        'list rv=',
        'watch rv=10',
        'watch rv=11',
        'list rv=',
        'watch rv=30',
        'list rv=',
        'watch rv=31',
      ]);
      assert.equal(lw.stats.relistsOnGone, 1);
      assert.deepEqual(errors, ['SyntaxError', 'KubeApiError']);
      assert.deepEqual(lw.keys(), ['ns/a']);
    } finally {
      await lw.stop();
    }
  });
});
