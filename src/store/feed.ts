// The change feed: committed changes are read back from the database in seq order and fanned out to
// subscribers. A local write nudges it at once; a poll picks up writes of other store processes (PostgreSQL).
import { EventEmitter } from 'node:events';
import type { ChangeRecord, StoreOps } from './storage/types.js';

export class ChangeFeed {
  private readonly emitter = new EventEmitter();
  private lastSeq = 0;
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly storage: StoreOps,
    private readonly pollMs = 1000,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.lastSeq = await this.storage.lastChangeSeq();
    this.timer = setInterval(() => this.nudge(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.emitter.removeAllListeners();
  }

  get position(): number {
    return this.lastSeq;
  }

  /** Reads and publishes whatever was committed since the last read. */
  nudge(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again) {
        this.again = false;
        this.nudge();
      }
    });
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const changes = await this.storage.listChanges(this.lastSeq, 500);
        for (const change of changes) {
          this.lastSeq = change.seq;
          this.emitter.emit('change', change);
        }
        if (changes.length < 500) return;
      }
    } catch {
      // The database is unreachable; the next poll retries. Subscribers keep their place by seq.
    }
  }

  subscribe(listener: (change: ChangeRecord) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  /** Changes after `since` already committed, for a subscriber catching up. */
  backlog(since: number, limit: number): Promise<ChangeRecord[]> {
    return this.storage.listChanges(since, limit);
  }
}
