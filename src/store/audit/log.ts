// Appending to and verifying the stored audit log. Appends fail closed: any failure becomes "unavailable", and
// the caller must not answer the request it was auditing.
import { unavailable } from '../errors.js';
import type { AuditDraft, AuditEntry, StoreOps } from '../storage/types.js';
import { type AuditVerdict, genesisHash, verifyAuditChain } from './chain.js';

export async function appendAudit(storage: StoreOps, draft: AuditDraft): Promise<AuditEntry> {
  try {
    return await storage.appendAudit(draft);
  } catch (error) {
    throw unavailable('the audit log cannot be written, so the request was refused; check the store database', error);
  }
}

/** Verifies the whole stored chain page by page; pinpoints the first altered, missing or reordered entry. */
export async function verifyStoredAudit(storage: StoreOps, pageSize = 5000): Promise<AuditVerdict> {
  let position = { seq: 0, prevHash: genesisHash };
  let total = 0;
  for (;;) {
    const page = await storage.listAudit(position.seq + 1, pageSize);
    if (page.length === 0) return { ok: true, entries: total, headHash: position.prevHash };
    const verdict = verifyAuditChain(page, position);
    if (!verdict.ok) return { ...verdict, entries: total + verdict.entries };
    total += verdict.entries;
    const last = page.at(-1)!;
    position = { seq: last.seq, prevHash: last.hash };
  }
}
