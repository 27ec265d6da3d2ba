import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeClient } from '../../../src/kube/index.js';
import { EventRecorder } from '../../../src/operator/events.js';

function recorder(now: { t: number }) {
  const calls: Array<{ verb: string; body: Record<string, unknown> }> = [];
  const client = {
    create: async (_type: unknown, body: Record<string, unknown>) => {
      calls.push({ verb: 'create', body });
      return body;
    },
    patch: async (_type: unknown, _name: string, body: Record<string, unknown>) => {
      calls.push({ verb: 'patch', body });
      return body;
    },
  } as unknown as KubeClient;
  return { calls, events: new EventRecorder(client, 'external-secrets', () => {}, { now: () => now.t }) };
}

/** A client that answers every create at once and records the involved objects' names in order. */
function namingClient() {
  const sent: string[] = [];
  const client = {
    create: async (_type: unknown, body: { involvedObject: { name: string } }) => {
      sent.push(body.involvedObject.name);
      return body;
    },
  } as unknown as KubeClient;
  return { sent, client };
}

const target = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'es', namespace: 'ns', uid: 'u1' },
};

describe('EventRecorder', () => {
  it('creates an event with ESO component and the involved object', async () => {
    const { calls, events } = recorder({ t: 0 });
    await events.record(target, 'Normal', 'Created', 'secret created');
    assert.equal(calls.length, 1);
    const body = calls[0]?.body as Record<string, unknown>;
    assert.equal(body.reason, 'Created');
    assert.deepEqual(body.source, { component: 'external-secrets' });
    assert.equal((body.involvedObject as { uid: string }).uid, 'u1');
  });
  it('counts repeats and writes them at most once per interval', async () => {
    const now = { t: 0 };
    const { calls, events } = recorder(now);
    for (let i = 0; i < 5; i++) await events.record(target, 'Warning', 'UpdateFailed', 'could not get secret data');
    assert.deepEqual(
      calls.map((c) => c.verb),
      ['create'],
    );
    now.t = 300_000;
    await events.record(target, 'Warning', 'UpdateFailed', 'could not get secret data');
    assert.deepEqual(
      calls.map((c) => c.verb),
      ['create', 'patch'],
    );
    assert.equal(calls[1]?.body.count, 6);
  });
  it('a different event is written at once', async () => {
    const { calls, events } = recorder({ t: 0 });
    await events.record(target, 'Warning', 'UpdateFailed', 'x');
    await events.record(target, 'Normal', 'Updated', 'secret updated');
    assert.deepEqual(
      calls.map((c) => c.verb),
      ['create', 'create'],
    );
  });
  it('sends one event at a time, in order, however many reconciles record at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const sent: string[] = [];
    const client = {
      create: async (_type: unknown, body: { involvedObject: { name: string } }) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        sent.push(body.involvedObject.name);
        inFlight--;
        return body;
      },
    } as unknown as KubeClient;
    const events = new EventRecorder(client, 'external-secrets');
    const names = Array.from({ length: 20 }, (_, i) => `es-${i}`);
    await Promise.all(
      names.map((name, i) =>
        events.record({ ...target, metadata: { name, namespace: 'ns', uid: `u${i}` } }, 'Normal', 'Updated', 'x'),
      ),
    );
    assert.equal(maxInFlight, 1);
    assert.deepEqual(sent, names);
  });
  it('drops events beyond the queue bound and says so, without values', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: string[] = [];
    const client = {
      create: async (_type: unknown, body: { involvedObject: { name: string } }) => {
        await gate;
        sent.push(body.involvedObject.name);
        return body;
      },
    } as unknown as KubeClient;
    const errors: string[] = [];
    const droppedReasons: string[] = [];
    const events = new EventRecorder(client, 'external-secrets', (e) => errors.push((e as Error).message), {
      maxQueued: 3,
      onDropped: (reason) => droppedReasons.push(reason),
    });
    const pending = [0, 1, 2, 3, 4, 5].map((i) =>
      events.record(
        { ...target, metadata: { name: `es-${i}`, namespace: 'ns', uid: `u${i}` } },
        'Normal',
        'Updated',
        'x',
      ),
    );
    // es-0 is being sent, es-1..es-3 wait in the queue, es-4 and es-5 do not fit.
    await Promise.all([pending[4], pending[5]]);
    assert.equal(events.dropped, 2);
    assert.deepEqual(
      droppedReasons,
      ['Updated', 'Updated'],
      'each drop is reported (the operator counts it in a metric)',
    );
    assert.deepEqual(errors, [], 'a drop is not a send failure (the operator warns of each separately)');
    release();
    await Promise.all(pending);
    assert.deepEqual(sent, ['es-0', 'es-1', 'es-2', 'es-3']);
  });
  it('reports a drop as an error when no drop listener is given, and a refused write as an error', async () => {
    const client = {
      create: async () => {
        throw new Error('POST /api/v1/namespaces/default/events: 403 Forbidden');
      },
    } as unknown as KubeClient;
    const errors: string[] = [];
    const events = new EventRecorder(client, 'external-secrets', (e) => errors.push((e as Error).message), {
      maxQueued: 1,
    });
    const first = events.record(
      { ...target, metadata: { name: 'a', namespace: 'ns', uid: 'd1' } },
      'Normal',
      'Created',
      'x',
    );
    const second = events.record(
      { ...target, metadata: { name: 'b', namespace: 'ns', uid: 'd2' } },
      'Normal',
      'Created',
      'x',
    );
    const third = events.record(
      { ...target, metadata: { name: 'c', namespace: 'ns', uid: 'd3' } },
      'Normal',
      'Created',
      'x',
    );
    await Promise.all([first, second, third]);
    assert.equal(events.dropped, 1);
    assert.ok(errors.some((e) => /event queue full \(1\): dropped a Created event/.test(e)));
    assert.ok(errors.some((e) => /403 Forbidden/.test(e)));
  });

  it('keeps a burst of thousands (an install) and sends every event once, in order', async () => {
    const sent: string[] = [];
    const client = {
      create: async (_type: unknown, body: { involvedObject: { name: string } }) => {
        await new Promise((resolve) => setImmediate(resolve));
        sent.push(body.involvedObject.name);
        return body;
      },
    } as unknown as KubeClient;
    const events = new EventRecorder(client, 'external-secrets');
    const names = Array.from({ length: 3000 }, (_, i) => `es-${i}`);
    await Promise.all(
      names.map((name, i) =>
        events.record(
          { ...target, metadata: { name, namespace: 'ns', uid: `burst-${i}` } },
          'Normal',
          'Created',
          'secret created',
        ),
      ),
    );
    assert.equal(events.dropped, 0);
    assert.deepEqual(sent, names);
  });

  it('waits while a burst of first syncs is queued, then sends in order', async () => {
    const { sent, client } = namingClient();
    let burst = true;
    const events = new EventRecorder(client, 'external-secrets', () => {}, { deferWhile: () => burst });
    const delivered = Promise.all(
      ['es-0', 'es-1'].map((name, i) =>
        events.record({ ...target, metadata: { name, namespace: 'ns', uid: `d-${i}` } }, 'Normal', 'Created', 'x'),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(sent, [], 'nothing is sent while the burst lasts');
    burst = false;
    await delivered;
    assert.deepEqual(sent, ['es-0', 'es-1']);
  });

  it('never holds an event longer than maxDeferMs, however long the burst', async () => {
    const { sent, client } = namingClient();
    const events = new EventRecorder(client, 'external-secrets', () => {}, {
      deferWhile: () => true,
      maxDeferMs: 150,
    });
    const started = Date.now();
    await events.record(target, 'Normal', 'Created', 'secret created');
    const waited = Date.now() - started;
    assert.deepEqual(sent, ['es']);
    assert.ok(waited >= 140, `held for the bound (${waited} ms)`);
  });

  it('stops waiting once the queue is half full, so waiting never drops an event', async () => {
    const { sent, client } = namingClient();
    let burst = true;
    const events = new EventRecorder(client, 'external-secrets', () => {}, {
      deferWhile: () => burst,
      maxQueued: 4,
      maxDeferMs: 60_000,
    });
    const record = (i: number) =>
      events.record(
        { ...target, metadata: { name: `es-${i}`, namespace: 'ns', uid: `h-${i}` } },
        'Normal',
        'Created',
        'x',
      );
    const first = record(0);
    const rest = [record(1), record(2)];
    const outcome = await Promise.race([
      first.then(() => 'sent'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2000)),
    ]);
    assert.equal(outcome, 'sent');
    assert.deepEqual(sent, ['es-0']);
    burst = false;
    await Promise.all(rest);
    assert.deepEqual(sent, ['es-0', 'es-1', 'es-2']);
    assert.equal(events.dropped, 0);
  });
});
