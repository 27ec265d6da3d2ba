// Group commit of audit appends, against an in-memory chain: batching, order, and failing a whole batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditHash, genesisHash, verifyAuditChain } from '../../../src/store/audit/chain.js';
import { AuditGroupCommit } from '../../../src/store/audit/group-commit.js';
import type { AuditDraft, AuditEntry } from '../../../src/store/storage/types.js';

const draft = (path: string): AuditDraft => ({
  at: '2026-12-06T00:00:00.000Z',
  actor: 'p-1',
  action: 'item.read',
  path,
  outcome: 'ok',
  detail: { status: 200 },
});

/** A chain in memory whose batch write fails for the batch numbers in `failing` (1-based). */
function memoryChain(failing: Set<number> = new Set()) {
  const entries: AuditEntry[] = [];
  const batchSizes: number[] = [];
  const write = async (drafts: AuditDraft[]): Promise<AuditEntry[]> => {
    batchSizes.push(drafts.length);
    await new Promise((resolve) => setImmediate(resolve));
    if (failing.has(batchSizes.length)) throw new Error('disk full');
    const written: AuditEntry[] = [];
    let prevHash = entries.at(-1)?.hash ?? genesisHash;
    for (const d of drafts) {
      const seq = entries.length + written.length + 1;
      const hash = auditHash(prevHash, { ...d, seq });
      written.push({ ...d, seq, prevHash, hash });
      prevHash = hash;
    }
    entries.push(...written);
    return written;
  };
  return { entries, batchSizes, write };
}

describe('audit group commit', () => {
  it('writes concurrent appends in batches, in queue order, each resolved with its own entry', async () => {
    const chain = memoryChain();
    const commit = new AuditGroupCommit(chain.write, 8);
    const resolvedOrder: number[] = [];
    const appends = Array.from({ length: 50 }, (_, i) =>
      commit.append(draft(`/p/${i}`)).then((entry) => {
        resolvedOrder.push(entry.seq);
        return entry;
      }),
    );
    const results = await Promise.all(appends);
    results.forEach((entry, i) => {
      assert.equal(entry.path, `/p/${i}`);
      assert.equal(entry.seq, i + 1);
    });
    assert.deepEqual(
      resolvedOrder,
      [...resolvedOrder].sort((a, b) => a - b),
    );
    assert.deepEqual(chain.batchSizes, [8, 8, 8, 8, 8, 8, 2]);
    assert.equal(commit.batches, 7);
    assert.equal(verifyAuditChain(chain.entries).ok, true);
  });

  it('fails every append of a failed batch and none of the others; the chain stays valid', async () => {
    const chain = memoryChain(new Set([2]));
    const commit = new AuditGroupCommit(chain.write, 4);
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => commit.append(draft(`/p/${i}`))));
    const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    assert.deepEqual(rejected, [4, 5, 6, 7]);
    for (const i of rejected) {
      assert.match(String((outcomes[i] as PromiseRejectedResult).reason), /disk full/);
    }
    assert.deepEqual(
      chain.entries.map((e) => e.path),
      [0, 1, 2, 3, 8, 9, 10, 11].map((i) => `/p/${i}`),
    );
    assert.equal(verifyAuditChain(chain.entries).ok, true);
  });

  it('keeps accepting appends after a failed batch', async () => {
    const chain = memoryChain(new Set([1]));
    const commit = new AuditGroupCommit(chain.write);
    await assert.rejects(commit.append(draft('/lost')), /disk full/);
    const entry = await commit.append(draft('/kept'));
    assert.equal(entry.seq, 1);
    await commit.idle();
    assert.deepEqual(
      chain.entries.map((e) => e.path),
      ['/kept'],
    );
  });

  it('refuses a writer that returns the wrong number of entries, failing the batch', async () => {
    const commit = new AuditGroupCommit(async () => []);
    await assert.rejects(commit.append(draft('/x')), /returned 0 entries for 1 drafts/);
  });

  it('refuses a batch size that is not a positive integer', () => {
    assert.throws(() => new AuditGroupCommit(async () => [], 0), /positive integer/);
  });
});
