// The audit hash chain: each entry's hash covers its own fields and the previous entry's hash, so changing,
// removing or reordering any entry breaks every hash after it. Pure functions; storage appends, verify reads.
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../storage/types.js';

export const genesisHash = '0'.repeat(64);

function sortedDetail(detail: AuditEntry['detail']): [string, string | number | boolean][] {
  return Object.keys(detail)
    .sort()
    .map((key) => [key, detail[key] as string | number | boolean]);
}

/** The hash of an entry given the previous entry's hash. Field order is fixed; detail keys are sorted. */
export function auditHash(prevHash: string, entry: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  const canonical = JSON.stringify([
    entry.seq,
    entry.at,
    entry.actor,
    entry.action,
    entry.path,
    entry.outcome,
    sortedDetail(entry.detail),
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

export type AuditVerdict =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; firstBadSeq: number; reason: string };

/**
 * Checks a run of entries in seq order, starting after `startPrevHash` (the genesis hash for a full log).
 * Reports the first entry whose sequence, link or hash does not hold.
 */
export function verifyAuditChain(
  entries: Iterable<AuditEntry>,
  start: { seq: number; prevHash: string } = { seq: 0, prevHash: genesisHash },
): AuditVerdict {
  let expectedSeq = start.seq + 1;
  let prevHash = start.prevHash;
  let count = 0;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq) {
      return {
        ok: false,
        entries: count,
        firstBadSeq: expectedSeq,
        reason: `entry ${expectedSeq} is missing (next entry found is ${entry.seq})`,
      };
    }
    if (entry.prevHash !== prevHash) {
      return {
        ok: false,
        entries: count,
        firstBadSeq: entry.seq,
        reason: `entry ${entry.seq} does not link to its predecessor`,
      };
    }
    if (auditHash(prevHash, entry) !== entry.hash) {
      return {
        ok: false,
        entries: count,
        firstBadSeq: entry.seq,
        reason: `entry ${entry.seq} was altered (hash mismatch)`,
      };
    }
    prevHash = entry.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, entries: count, headHash: prevHash };
}
