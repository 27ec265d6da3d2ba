// Group commit for audit appends. Every request appends one entry under the chain head's lock; one transaction per
// entry makes all requests of all clients queue on that lock. Here concurrent appends wait in memory and a single
// writer appends them as one batch (still chained entry by entry, in queue order) in one transaction. A waiting
// request is answered only once its batch is committed; when the batch fails, every request in it fails.
import type { AuditDraft, AuditEntry } from '../storage/types.js';

/** Appends `drafts` in order in one transaction and returns their entries in the same order, or throws. */
export type AuditBatchWriter = (drafts: AuditDraft[]) => Promise<AuditEntry[]>;

export const defaultAuditBatchSize = 256;

interface Waiting {
  draft: AuditDraft;
  resolve(entry: AuditEntry): void;
  reject(error: unknown): void;
}

export class AuditGroupCommit {
  private queue: Waiting[] = [];
  private writing: Promise<void> | undefined;
  private batchCount = 0;

  constructor(
    private readonly writeBatch: AuditBatchWriter,
    private readonly maxBatchSize = defaultAuditBatchSize,
  ) {
    if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new Error(`the audit batch size must be a positive integer, not ${maxBatchSize}`);
    }
  }

  /** Resolves with the entry once it is durable; rejects when its batch could not be written. */
  append(draft: AuditDraft): Promise<AuditEntry> {
    return new Promise<AuditEntry>((resolve, reject) => {
      this.queue.push({ draft, resolve, reject });
      // Started on a later tick, so appends made in the same tick share the first batch.
      this.writing ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Batches written (committed or failed) so far. */
  get batches(): number {
    return this.batchCount;
  }

  /** Resolves once everything queued so far has been written or has failed. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatchSize);
        this.batchCount += 1;
        await this.writeOne(batch);
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async writeOne(batch: Waiting[]): Promise<void> {
    let entries: AuditEntry[];
    try {
      entries = await this.writeBatch(batch.map((w) => w.draft));
      if (entries.length !== batch.length) {
        throw new Error(`the audit batch writer returned ${entries.length} entries for ${batch.length} drafts`);
      }
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    for (const [i, waiting] of batch.entries()) waiting.resolve(entries[i]!);
  }
}
