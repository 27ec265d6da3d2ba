// The change feed delivers every committed change exactly once and in order, also when writers race.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChangeFeed } from '../../../src/store/feed.js';
import type { ChangeRecord } from '../../../src/store/storage/types.js';
import { backends, type OpenedBackend } from './backends.js';

for (const backend of backends) {
  describe(`change feed on ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedBackend;
    let feed: ChangeFeed;
    before(async () => {
      opened = await backend.open();
      feed = new ChangeFeed(opened.storage, 50);
      await feed.start();
    });
    after(async () => {
      feed?.stop();
      await opened?.cleanup();
    });

    it('publishes racing transactional writes once each, in sequence order', async () => {
      const seen: ChangeRecord[] = [];
      const unsubscribe = feed.subscribe((change) => seen.push(change));
      const at = new Date().toISOString();
      const writers = Array.from({ length: 40 }, (_, i) =>
        opened.storage.transaction(async (tx) => {
          const seq = await tx.appendChange(`/race/${i}`, 1, 'create', at);
          // Hold the transaction open a little, so commits interleave with the feed's reads.
          await new Promise((resolve) => setImmediate(resolve));
          feed.nudge();
          return seq;
        }),
      );
      const seqs = await Promise.all(writers);
      feed.nudge();
      const deadline = Date.now() + 10_000;
      while (seen.length < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      unsubscribe();
      assert.deepEqual(
        seen.map((c) => c.seq),
        [...seqs].sort((a, b) => a - b),
      );
    });
  });
}
