// The gateway's read batcher over a fake transport whose requests the test answers by hand: when reads go alone,
// when they travel together, and that every caller gets exactly its own answer or error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ItemRead, ReadBatcher, type ReadOutcome, type ReadTransport } from '../../../src/gateway/read-batcher.js';
import { StoreError } from '../../../src/gateway/store-client.js';

interface Sent {
  kind: 'single' | 'batch';
  token: string;
  reads: ItemRead[];
  answer(value: unknown): void;
  fail(error: unknown): void;
}

/** Every request stays pending until the test answers it. */
class FakeTransport implements ReadTransport {
  readonly sent: Sent[] = [];

  single(token: string, read: ItemRead): Promise<unknown> {
    return new Promise((answer, fail) => this.sent.push({ kind: 'single', token, reads: [read], answer, fail }));
  }

  batch(token: string, reads: ItemRead[]): Promise<ReadOutcome[] | 'unsupported'> {
    return new Promise((answer, fail) =>
      this.sent.push({ kind: 'batch', token, reads, answer: answer as (v: unknown) => void, fail }),
    );
  }

  /** Answers a single read with its path, so a caller can tell whose answer it got. */
  echo(sent: Sent): void {
    sent.answer({ path: sent.reads[0]!.path });
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe('ReadBatcher', () => {
  it('sends a read at once, alone, when nothing else is in flight', async () => {
    const transport = new FakeTransport();
    const batcher = new ReadBatcher(transport, { maxInFlight: 2 });
    const reply = batcher.read('t1', { path: '/a' });
    assert.equal(transport.sent.length, 1);
    assert.equal(transport.sent[0]!.kind, 'single');
    transport.echo(transport.sent[0]!);
    assert.deepEqual(await reply, { path: '/a' });
    // and again later: still alone
    const again = batcher.read('t1', { path: '/b', version: 3 });
    assert.equal(transport.sent.length, 2);
    assert.deepEqual(transport.sent[1]!.reads, [{ path: '/b', version: 3 }]);
    transport.echo(transport.sent[1]!);
    assert.deepEqual(await again, { path: '/b' });
  });

  it('batches reads beyond maxInFlight and gives each caller its own result', async () => {
    const transport = new FakeTransport();
    const batcher = new ReadBatcher(transport, { maxInFlight: 2, maxBatch: 3 });
    const replies = ['/1', '/2', '/3', '/4', '/5', '/6'].map((path) => settle(batcher.read('t', { path })));
    assert.deepEqual(
      transport.sent.map((s) => s.kind),
      ['single', 'single'],
      'two in flight, four waiting',
    );
    transport.echo(transport.sent[0]!);
    await tick();
    assert.equal(transport.sent.length, 3);
    const batch = transport.sent[2]!;
    assert.equal(batch.kind, 'batch');
    assert.deepEqual(
      batch.reads.map((r) => r.path),
      ['/3', '/4', '/5'],
      'a batch takes at most maxBatch waiting reads, oldest first',
    );
    batch.answer([
      { ok: true, value: { path: '/3' } },
      { ok: false, error: new StoreError('forbidden', 403, 'not allowed to read /4') },
      { ok: false, error: new StoreError('not_found', 404, 'item /5 does not exist') },
    ]);
    await tick();
    // the batch freed a slot: the last waiting read goes alone
    assert.equal(transport.sent.length, 4);
    assert.equal(transport.sent[3]!.kind, 'single');
    transport.echo(transport.sent[1]!);
    transport.echo(transport.sent[3]!);
    const settled = await Promise.all(replies);
    assert.deepEqual(settled[0], { value: { path: '/1' } });
    assert.deepEqual(settled[1], { value: { path: '/2' } });
    assert.deepEqual(settled[2], { value: { path: '/3' } });
    const e4 = (settled[3] as { error: StoreError }).error;
    assert.ok(e4 instanceof StoreError);
    assert.deepEqual([e4.code, e4.status, e4.message], ['forbidden', 403, 'not allowed to read /4']);
    const e5 = (settled[4] as { error: StoreError }).error;
    assert.deepEqual([e5.code, e5.status, e5.message], ['not_found', 404, 'item /5 does not exist']);
    assert.deepEqual(settled[5], { value: { path: '/6' } });
  });

  it('keeps tokens apart: one token being busy does not delay or batch another', async () => {
    const transport = new FakeTransport();
    const batcher = new ReadBatcher(transport, { maxInFlight: 1 });
    void batcher.read('busy', { path: '/x' });
    void batcher.read('busy', { path: '/y' });
    void batcher.read('busy', { path: '/z' });
    const other = batcher.read('idle', { path: '/o' });
    assert.deepEqual(
      transport.sent.map((s) => [s.kind, s.token]),
      [
        ['single', 'busy'],
        ['single', 'idle'],
      ],
    );
    transport.echo(transport.sent[1]!);
    assert.deepEqual(await other, { path: '/o' });
    transport.echo(transport.sent[0]!);
    await tick();
    assert.deepEqual(transport.sent.map((s) => [s.kind, s.token]).slice(2), [['batch', 'busy']]);
    assert.deepEqual(
      transport.sent[2]!.reads.map((r) => r.path),
      ['/y', '/z'],
    );
    transport.sent[2]!.answer([
      { ok: true, value: 1 },
      { ok: true, value: 2 },
    ]);
  });

  it('fails every caller of a batch with the error of the batch request', async () => {
    const transport = new FakeTransport();
    const batcher = new ReadBatcher(transport, { maxInFlight: 1 });
    const first = settle(batcher.read('t', { path: '/a' }));
    const waiting = [settle(batcher.read('t', { path: '/b' })), settle(batcher.read('t', { path: '/c' }))];
    transport.echo(transport.sent[0]!);
    await tick();
    const unreachable = new StoreError(
      'unavailable',
      503,
      'the store at http://127.0.0.1:1 is unreachable (ECONNREFUSED)',
    );
    transport.sent[1]!.fail(unreachable);
    assert.deepEqual(await first, { value: { path: '/a' } });
    for (const reply of await Promise.all(waiting)) assert.equal((reply as { error: unknown }).error, unreachable);
    // nothing left behind: the next read goes alone at once
    void batcher.read('t', { path: '/d' });
    assert.equal(transport.sent.at(-1)!.kind, 'single');
  });

  it('falls back to single reads for good when the store has no batch endpoint', async () => {
    const transport = new FakeTransport();
    const batcher = new ReadBatcher(transport, { maxInFlight: 1 });
    const replies = ['/a', '/b', '/c'].map((path) => settle(batcher.read('t', { path })));
    transport.echo(transport.sent[0]!);
    await tick();
    assert.equal(transport.sent[1]!.kind, 'batch');
    transport.sent[1]!.answer('unsupported');
    await tick();
    assert.equal(batcher.batching, false);
    const resent = transport.sent.slice(2);
    assert.deepEqual(
      resent.map((s) => [s.kind, s.reads[0]!.path]),
      [
        ['single', '/b'],
        ['single', '/c'],
      ],
    );
    for (const s of resent) transport.echo(s);
    assert.deepEqual(
      (await Promise.all(replies)).map((r) => (r as { value: { path: string } }).value.path),
      ['/a', '/b', '/c'],
    );
    // from now on no batching, however many reads are in flight
    const before = transport.sent.length;
    for (const path of ['/d', '/e', '/f']) void batcher.read('t', { path });
    assert.deepEqual(
      transport.sent.slice(before).map((s) => s.kind),
      ['single', 'single', 'single'],
    );
  });

  it('refuses nonsense limits with a message naming the option', () => {
    assert.throws(() => new ReadBatcher(new FakeTransport(), { maxInFlight: 0 }), /maxInFlight must be a whole number/);
    assert.throws(() => new ReadBatcher(new FakeTransport(), { maxBatch: 1.5 }), /maxBatch must be a whole number/);
  });
});
