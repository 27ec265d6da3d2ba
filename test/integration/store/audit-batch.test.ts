// Group-committed audit appends on SQLite and on a real PostgreSQL: concurrent appends land in batches that still
// form one valid chain, a failed batch fails every request in it and nothing else, and two stores sharing one
// database never fork the chain.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendAudit, verifyStoredAudit } from '../../../src/store/audit/log.js';
import type { StoreError } from '../../../src/store/errors.js';
import type { AuditDraft, AuditEntry, StoreStorage } from '../../../src/store/storage/types.js';
import { type BackendFixture, backends, type OpenedBackend } from './backends.js';

const draft = (path: string, actor = 'p-1'): AuditDraft => ({
  at: new Date().toISOString(),
  actor,
  action: 'item.read',
  path,
  outcome: 'ok',
  detail: { status: 200, method: 'GET', ip: '127.0.0.1' },
});

async function allEntries(storage: StoreStorage): Promise<AuditEntry[]> {
  return storage.listAudit(1, 100_000);
}

/** Makes the audit insert fail for one path only, so exactly the batch holding that entry fails. */
async function poison(backend: BackendFixture, opened: OpenedBackend, path: string): Promise<void> {
  if (backend.name === 'sqlite') {
    await opened.raw(
      `CREATE TRIGGER audit_poison BEFORE INSERT ON audit_log WHEN NEW.path = '${path}'
       BEGIN SELECT RAISE(ABORT, 'poisoned entry'); END`,
    );
  } else {
    await opened.raw(
      `CREATE FUNCTION audit_poison() RETURNS trigger AS $$ BEGIN
         IF NEW.path = '${path}' THEN RAISE EXCEPTION 'poisoned entry'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await opened.raw(
      'CREATE TRIGGER audit_poison BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_poison()',
    );
  }
}

for (const backend of backends) {
  describe(`group-committed audit appends on ${backend.name}`, { skip: backend.skip }, () => {
    it('writes many concurrent appends once each, in order, in fewer transactions, as a valid chain', async () => {
      const opened = await backend.open();
      try {
        const { storage } = opened;
        const resolved: number[] = [];
        const count = 300;
        const appends = Array.from({ length: count }, (_, i) =>
          storage.appendAudit(draft(`/group/${i}`)).then((entry) => {
            resolved.push(entry.seq);
            return entry;
          }),
        );
        // Writes commit their entry in their own transaction; they interleave with the batches on the same head.
        const writes = Array.from({ length: 10 }, (_, i) =>
          storage.transaction((tx) => tx.appendAudit(draft(`/write/${i}`))),
        );
        const returned = await Promise.all(appends);
        await Promise.all(writes);

        const stored = await allEntries(storage);
        assert.equal(stored.length, count + 10);
        const paths = stored.map((e) => e.path);
        assert.equal(new Set(paths).size, paths.length, 'an entry was written twice');
        // Group commit keeps queue order: the batched appends appear in the order they were made.
        const groupSeqs = stored.filter((e) => e.path.startsWith('/group/')).map((e) => e.path);
        assert.deepEqual(
          groupSeqs,
          Array.from({ length: count }, (_, i) => `/group/${i}`),
        );
        // Each request got the entry that is stored under its seq, and was answered in the order of durability.
        for (const entry of returned) assert.deepEqual(stored[entry.seq - 1], entry);
        assert.deepEqual(
          resolved,
          [...resolved].sort((a, b) => a - b),
        );
        assert.ok(storage.auditBatches < count, `${storage.auditBatches} transactions for ${count} appends`);

        const verdict = await verifyStoredAudit(storage, 64); // small pages: the verifier crosses batch bounds
        assert.deepEqual(verdict, { ok: true, entries: count + 10, headHash: stored.at(-1)!.hash });
      } finally {
        await opened.cleanup();
      }
    });

    it('fails every request of a failed batch with unavailable, writes none of them, and keeps the chain valid', async () => {
      const opened = await backend.open({ auditBatchSize: 10 });
      try {
        const { storage } = opened;
        await appendAudit(storage, draft('/before'));
        await poison(backend, opened, '/batch/23');
        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => appendAudit(storage, draft(`/batch/${i}`))),
        );
        const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
        // Batches of 10 in queue order: entries 20..29 shared a transaction with the poisoned one.
        assert.deepEqual(
          rejected,
          Array.from({ length: 10 }, (_, i) => 20 + i),
        );
        for (const i of rejected) {
          const error = (outcomes[i] as PromiseRejectedResult).reason as StoreError;
          assert.equal(error.code, 'unavailable');
          assert.equal(error.status, 503);
        }
        const stored = await allEntries(storage);
        const paths = stored.map((e) => e.path);
        for (const i of rejected) assert.ok(!paths.includes(`/batch/${i}`), `entry ${i} of the failed batch was kept`);
        assert.equal(paths.length, 1 + 40);
        assert.equal((await storage.appendAudit(draft('/after'))).seq, 42);
        assert.equal((await verifyStoredAudit(storage)).ok, true);
      } finally {
        await opened.cleanup();
      }
    });

    it('fails all waiting requests while the audit log cannot be written, then recovers', async () => {
      const opened = await backend.open();
      try {
        const { storage } = opened;
        await appendAudit(storage, draft('/before'));
        await opened.breakAudit();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 30 }, (_, i) => appendAudit(storage, draft(`/broken/${i}`))),
        );
        assert.ok(outcomes.every((o) => o.status === 'rejected' && (o.reason as StoreError).code === 'unavailable'));
        await opened.repairAudit();
        await Promise.all(Array.from({ length: 30 }, (_, i) => appendAudit(storage, draft(`/repaired/${i}`))));
        const stored = await allEntries(storage);
        assert.equal(stored.length, 31);
        assert.ok(stored.every((e) => !e.path.startsWith('/broken/')));
        assert.equal((await verifyStoredAudit(storage)).ok, true);
      } finally {
        await opened.cleanup();
      }
    });

    const shared = backend.name === 'postgres' ? undefined : 'only PostgreSQL is shared by several store processes';
    it(
      'lets two stores sharing one database append concurrently without forking the chain',
      { skip: shared },
      async () => {
        const opened = await backend.open();
        try {
          const first = opened.storage;
          const second = await opened.openSecond!();
          await Promise.all([
            ...Array.from({ length: 100 }, (_, i) => first.appendAudit(draft(`/one/${i}`, 'p-one'))),
            ...Array.from({ length: 100 }, (_, i) => second.appendAudit(draft(`/two/${i}`, 'p-two'))),
            ...Array.from({ length: 5 }, (_, i) => second.transaction((tx) => tx.appendAudit(draft(`/tx/${i}`)))),
          ]);
          const stored = await allEntries(first);
          assert.equal(stored.length, 205);
          assert.equal(new Set(stored.map((e) => e.path)).size, 205);
          assert.deepEqual(
            stored.map((e) => e.seq),
            Array.from({ length: 205 }, (_, i) => i + 1),
          );
          assert.equal((await verifyStoredAudit(first)).ok, true);
        } finally {
          await opened.cleanup();
        }
      },
    );
  });
}
