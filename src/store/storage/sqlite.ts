// SQLite backend (the default): one file in the data dir, WAL journal, one connection. better-sqlite3 is
// synchronous, so a promise queue keeps each transaction's statements together and apart from everyone else's.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { migrate } from './migrations.js';
import { SqlStorage, type StorageOptions } from './repository.js';

export const sqliteFileName = 'store.db';

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.cache.size > 500) this.cache.clear();
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  private direct: SqlExecutor = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: unknown[] = []) => {
      const stmt = this.statement(sql);
      if (!stmt.reader) {
        stmt.run(...params);
        return [] as T[];
      }
      return stmt.all(...params) as T[];
    },
    run: async (sql: string, params: unknown[] = []) => {
      const stmt = this.statement(sql);
      if (stmt.reader) return { changes: stmt.all(...params).length };
      return { changes: stmt.run(...params).changes };
    },
  };

  /** Runs `fn` after everything queued before it, and makes later work wait for it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }

  run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => this.db.close());
  }
}

/** Opens (creating if needed) the store database in `dataDir` and applies pending migrations. */
export async function openSqliteStorage(dataDir: string, options: StorageOptions = {}): Promise<SqlStorage> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, sqliteFileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Prefix listing uses LIKE; paths are case-sensitive.
  db.pragma('case_sensitive_like = ON');
  const driver = new SqliteDriver(db);
  await migrate(driver);
  return new SqlStorage(driver, options);
}
