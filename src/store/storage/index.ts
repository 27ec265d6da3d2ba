export { openPostgresStorage } from './postgres.js';
export type { SqlStorage } from './repository.js';
export { openSqliteStorage, sqliteFileName } from './sqlite.js';
export type * from './types.js';
