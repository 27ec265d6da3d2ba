// Schema migrations, applied in order and recorded in schema_migrations. One text per migration for both dialects;
// the few type differences are placeholders. Never edit a released migration: add the next one.
import type { Dialect, SqlDriver } from './driver.js';

const dialectTypes: Record<Dialect, Record<string, string>> = {
  sqlite: { SERIAL_PK: 'INTEGER PRIMARY KEY AUTOINCREMENT', BIGINT: 'INTEGER' },
  postgres: { SERIAL_PK: 'BIGSERIAL PRIMARY KEY', BIGINT: 'BIGINT' },
};

const migrations: { version: number; statements: string[] }[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE items (
        path TEXT PRIMARY KEY, type TEXT NOT NULL, description TEXT NOT NULL, metadata TEXT NOT NULL,
        latest_version {{BIGINT}} NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE TABLE item_versions (
        path TEXT NOT NULL, version {{BIGINT}} NOT NULL, ciphertext TEXT NOT NULL, key_id TEXT NOT NULL,
        generation {{BIGINT}} NOT NULL, sealed_version {{BIGINT}} NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (path, version))`,
      'CREATE INDEX item_versions_generation ON item_versions (generation)',
      'CREATE INDEX item_versions_key_id ON item_versions (key_id)',
      'CREATE TABLE item_tags (path TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (path, tag))',
      'CREATE INDEX item_tags_tag ON item_tags (tag)',
      `CREATE TABLE changes (seq {{SERIAL_PK}}, path TEXT NOT NULL, version {{BIGINT}} NOT NULL, op TEXT NOT NULL,
        at TEXT NOT NULL)`,
      `CREATE TABLE auth_methods (access_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
        config TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE TABLE roles (name TEXT PRIMARY KEY, rules TEXT NOT NULL, system TEXT NOT NULL, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)`,
      `CREATE TABLE role_bindings (role TEXT NOT NULL, access_id TEXT NOT NULL, bound_claims TEXT NOT NULL,
        PRIMARY KEY (role, access_id))`,
      'CREATE INDEX role_bindings_access_id ON role_bindings (access_id)',
      `CREATE TABLE tokens (token_hash TEXT PRIMARY KEY, access_id TEXT NOT NULL, claims TEXT NOT NULL,
        expires_at TEXT NOT NULL, revoked {{BIGINT}} NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE TABLE audit_log (seq {{BIGINT}} PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        path TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
      'CREATE TABLE audit_head (id {{BIGINT}} PRIMARY KEY, seq {{BIGINT}} NOT NULL, hash TEXT NOT NULL)',
      `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}')`,
      `CREATE TABLE fragment_generations (generation {{BIGINT}} PRIMARY KEY, sealed TEXT NOT NULL,
        created_at TEXT NOT NULL)`,
    ],
  },
];

export const genesisHash = '0'.repeat(64);

export async function migrate(driver: SqlDriver): Promise<number> {
  await driver.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
  );
  const types = dialectTypes[driver.dialect];
  let applied = 0;
  for (const migration of migrations) {
    await driver.transaction(async (tx) => {
      // Re-checked inside the transaction so two processes starting at once do not both apply it.
      if (driver.dialect === 'postgres') await tx.run('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const done = await tx.all('SELECT version FROM schema_migrations WHERE version = ?', [migration.version]);
      if (done.length > 0) return;
      for (const statement of migration.statements) {
        await tx.run(statement.replace(/\{\{(\w+)\}\}/g, (_, name: string) => types[name] ?? name));
      }
      await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
        migration.version,
        new Date().toISOString(),
      ]);
      applied += 1;
    });
  }
  return applied;
}
