export { openPostgresStorage } from './postgres.js';
export type { SqlStorage, StorageOptions } from './repository.js';
export { openSqliteStorage, sqliteFileName } from './sqlite.js';
export type * from './types.js';
