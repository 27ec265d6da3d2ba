// PostgreSQL backend: a pg pool; each transaction holds one client. BIGINT columns come back as numbers (all our
// counters stay far below 2^53).
import pg from 'pg';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { migrate } from './migrations.js';
import { SqlStorage, type StorageOptions } from './repository.js';

const int8Oid = 20;

/** "?" placeholders to "$1", "$2", ...; our SQL never has "?" inside string literals. */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: unknown[] = []) =>
      (await client.query(numberPlaceholders(sql), params)).rows as T[],
    run: async (sql: string, params: unknown[] = []) => ({
      changes: (await client.query(numberPlaceholders(sql), params)).rowCount ?? 0,
    }),
  };
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly direct: SqlExecutor;

  constructor(private readonly pool: pg.Pool) {
    this.direct = executor(pool);
  }

  all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Connects to `url` (postgres://...) and applies pending migrations. */
export async function openPostgresStorage(
  url: string,
  options: { maxConnections?: number } & StorageOptions = {},
): Promise<SqlStorage> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === int8Oid ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  // An idle client losing its connection must not crash the process; the next query reports the failure.
  pool.on('error', () => undefined);
  const driver = new PostgresDriver(pool);
  try {
    await migrate(driver);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new SqlStorage(driver, options);
}
