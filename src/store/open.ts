// Opens the store's storage and root key from configuration: SQLite in the data dir by default, PostgreSQL by URL.
import { loadRootKey } from './crypto/rootkey.js';
import { openPostgresStorage } from './storage/postgres.js';
import { openSqliteStorage } from './storage/sqlite.js';
import type { StoreStorage } from './storage/types.js';

export interface StoreLocation {
  /** holds store.db (SQLite) and root.key (unless CUSTOS_STORE_ROOT_KEY is set) */
  dataDir: string;
  /** postgres://... to keep items in PostgreSQL instead of SQLite */
  postgresUrl?: string;
  env?: NodeJS.ProcessEnv;
}

export async function openStore(location: StoreLocation): Promise<{ storage: StoreStorage; rootKey: Buffer }> {
  const rootKey = loadRootKey({ dataDir: location.dataDir, env: location.env });
  const storage = location.postgresUrl
    ? await openPostgresStorage(location.postgresUrl)
    : await openSqliteStorage(location.dataDir);
  return { storage, rootKey };
}
