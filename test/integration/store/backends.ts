// The two storage backends as test fixtures: every store suite runs once per backend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStorage, openSqliteStorage, sqliteFileName } from '../../../src/store/storage/index.js';
import type { StorageOptions } from '../../../src/store/storage/repository.js';
import type { StoreStorage } from '../../../src/store/storage/types.js';
import { postgres } from '../../helpers/postgres.js';

export interface BackendFixture {
  name: 'sqlite' | 'postgres';
  skip: string | undefined;
  /** a fresh, empty storage plus where its files live (sqlite only) */
  open(options?: StorageOptions): Promise<OpenedBackend>;
}

export interface OpenedBackend {
  storage: StoreStorage;
  dataDir: string;
  /**
   * Another storage on the same database, as a second store process opens it (closed by cleanup). PostgreSQL only:
   * several store processes may share a PostgreSQL database, while a SQLite store is one process.
   */
  openSecond?(options?: StorageOptions): Promise<StoreStorage>;
  /** runs SQL behind the store's back (tampering, fault injection), on its own connection */
  raw(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** a trigger that makes every audit append fail, and its removal */
  breakAudit(): Promise<void>;
  repairAudit(): Promise<void>;
  cleanup(): Promise<void>;
}

let dbCounter = 0;

export const backends: BackendFixture[] = [
  {
    name: 'sqlite',
    skip: undefined,
    async open(options) {
      const dataDir = mkdtempSync(join(tmpdir(), 'custos-store-'));
      const storage = await openSqliteStorage(dataDir, options);
      const raw = async (sql: string, params: unknown[] = []) => {
        const db = new Database(join(dataDir, sqliteFileName));
        try {
          const stmt = db.prepare(sql);
          if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
          stmt.run(...params);
          return [];
        } finally {
          db.close();
        }
      };
      return {
        storage,
        dataDir,
        raw,
        breakAudit: async () => {
          await raw(
            "CREATE TRIGGER audit_broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END",
          );
        },
        repairAudit: async () => {
          await raw('DROP TRIGGER audit_broken');
        },
        async cleanup() {
          await storage.close().catch(() => undefined); // a test may have closed it already
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: postgres.skipReason,
    async open(options) {
      const server = await postgres.server();
      const url = await server.createDatabase(`store_${process.pid}_${++dbCounter}`);
      const dataDir = mkdtempSync(join(tmpdir(), 'custos-store-pg-'));
      const storage = await openPostgresStorage(url, { maxConnections: 8, ...options });
      const seconds: StoreStorage[] = [];
      const raw = async (sql: string, params: unknown[] = []) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          let n = 0;
          return (
            await client.query(
              sql.replace(/\?/g, () => `$${++n}`),
              params,
            )
          ).rows;
        } finally {
          await client.end();
        }
      };
      return {
        storage,
        dataDir,
        openSecond: async (secondOptions) => {
          const second = await openPostgresStorage(url, { maxConnections: 8, ...secondOptions });
          seconds.push(second);
          return second;
        },
        raw,
        breakAudit: async () => {
          await raw(
            "CREATE FUNCTION audit_broken() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
          );
          await raw(
            'CREATE TRIGGER audit_broken BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_broken()',
          );
        },
        repairAudit: async () => {
          await raw('DROP TRIGGER audit_broken ON audit_log');
          await raw('DROP FUNCTION audit_broken()');
        },
        async cleanup() {
          for (const second of seconds) await second.close().catch(() => undefined);
          await storage.close().catch(() => undefined); // a test may have closed it already
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];
