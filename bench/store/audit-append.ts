// Audit appends alone, per-request transaction versus group commit, on SQLite and a throwaway PostgreSQL: the
// chain head's lock without HTTP, authorisation or item reads around it (docs/benchmarks.md, Store and gateway).
//
//   npx tsx bench/store/audit-append.ts [--concurrency 16] [--seconds 5] [--rounds 3]
//
// "per request" is what every audited request did before group commit: its own transaction that bumps the head,
// inserts one entry and stores the new head hash. "group commit" is `storage.appendAudit`, as the store uses it now.
// The two alternate round by round in one process, so both see the same machine load.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyStoredAudit } from '../../src/store/audit/log.js';
import { openPostgresStorage, openSqliteStorage } from '../../src/store/storage/index.js';
import type { AuditDraft, StoreStorage } from '../../src/store/storage/types.js';
import { startPostgres } from './postgres.js';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
  },
});
const concurrency = Number(args.concurrency);
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
for (const [name, n] of Object.entries({ concurrency, seconds, rounds })) {
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
}

const draft = (n: number): AuditDraft => ({
  at: new Date().toISOString(),
  actor: 'p-bench',
  action: 'item.read',
  path: `/bench/item-${n}`,
  outcome: 'ok',
  detail: { status: 200, method: 'GET', ip: '127.0.0.1', roles: 'bench' },
});

type Mode = 'per request' | 'group commit';

async function measure(storage: StoreStorage, mode: Mode): Promise<{ perSecond: number; batches: number }> {
  const append =
    mode === 'per request'
      ? (n: number) => storage.transaction((tx) => tx.appendAudit(draft(n)))
      : (n: number) => storage.appendAudit(draft(n));
  const batchesBefore = storage.auditBatches;
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await append(done);
        done += 1;
      }
    }),
  );
  return { perSecond: done / seconds, batches: storage.auditBatches - batchesBefore };
}

async function runBackend(name: 'sqlite' | 'postgres'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-audit-'));
  const pg = name === 'postgres' ? await startPostgres() : undefined;
  const storage = pg ? await openPostgresStorage(pg.url) : await openSqliteStorage(dir);
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const mode of ['per request', 'group commit'] as Mode[]) {
        const { perSecond, batches } = await measure(storage, mode);
        const perBatch = mode === 'group commit' ? `, ${((perSecond * seconds) / batches).toFixed(1)} per batch` : '';
        process.stdout.write(
          `${name} round ${round} ${mode}: ${Math.round(perSecond)} appends/s${perBatch} (load ${loadavg()[0]!.toFixed(2)})\n`,
        );
      }
    }
    const verdict = await verifyStoredAudit(storage);
    if (!verdict.ok) throw new Error(`the chain does not verify: ${verdict.reason}`);
    process.stdout.write(`${name}: chain of ${verdict.entries} entries verifies\n`);
  } finally {
    await storage.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const backend of ['sqlite', 'postgres'] as const) await runBackend(backend);
