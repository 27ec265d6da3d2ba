// The audit hash chain detects every kind of tampering and names the first bad entry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditHash, genesisHash, verifyAuditChain } from '../../../src/store/audit/chain.js';
import type { AuditEntry } from '../../../src/store/storage/types.js';

function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = genesisHash;
  for (let seq = 1; seq <= n; seq++) {
    const body = {
      seq,
      at: `2026-01-01T00:00:0${seq % 10}Z`,
      actor: 'p-1',
      action: 'item.read',
      path: `/a/${seq}`,
      outcome: 'ok',
      detail: { status: 200, ip: '127.0.0.1' },
    };
    const hash = auditHash(prevHash, body);
    entries.push({ ...body, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

describe('audit chain', () => {
  it('verifies an intact chain and reports its head', () => {
    const entries = chain(5);
    assert.deepEqual(verifyAuditChain(entries), { ok: true, entries: 5, headHash: entries[4]!.hash });
  });

  it('hashes detail independently of key order', () => {
    const a = { seq: 1, at: 't', actor: 'a', action: 'x', path: '/p', outcome: 'ok', detail: { a: 1, b: 'x' } };
    assert.equal(auditHash(genesisHash, a), auditHash(genesisHash, { ...a, detail: { b: 'x', a: 1 } }));
  });

  const tamperings: [string, (entries: AuditEntry[]) => AuditEntry[], number, RegExp][] = [
    ['an altered field', (e) => e.map((x) => (x.seq === 3 ? { ...x, outcome: 'forbidden' } : x)), 3, /altered/],
    [
      'an altered detail',
      (e) => e.map((x) => (x.seq === 2 ? { ...x, detail: { status: 403, ip: '127.0.0.1' } } : x)),
      2,
      /altered/,
    ],
    ['a removed entry', (e) => e.filter((x) => x.seq !== 4), 4, /missing/],
    ['swapped entries', (e) => [e[0]!, e[2]!, e[1]!, e[3]!, e[4]!], 2, /missing/],
    [
      'a re-hashed entry with a broken link',
      (e) =>
        e.map((x) => (x.seq === 3 ? { ...x, outcome: 'x', hash: auditHash(x.prevHash, { ...x, outcome: 'x' }) } : x)),
      4,
      /link/,
    ],
  ];
  for (const [name, tamper, firstBad, reason] of tamperings) {
    it(`pinpoints ${name}`, () => {
      const verdict = verifyAuditChain(tamper(chain(5)));
      assert.equal(verdict.ok, false);
      if (!verdict.ok) {
        assert.equal(verdict.firstBadSeq, firstBad);
        assert.match(verdict.reason, reason);
      }
    });
  }
});
