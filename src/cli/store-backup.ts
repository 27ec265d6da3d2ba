// `custos store backup create|restore`: the store half of a standalone deployment, backed up on the store's host.
// The archive holds a consistent SQLite snapshot and the store's root key file; nothing in it can decrypt a value,
// since every item key also needs the customer fragment, which only the gateway holds. When the root key comes from
// CUSTOS_STORE_ROOT_KEY it is not in the archive and must be kept with that secret. PostgreSQL is refused: its own
// tools (pg_dump / pg_restore) back it up consistently.
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { rootKeyEnv, rootKeyFileName } from '../store/index.js';
import { sqliteFileName } from '../store/storage/sqlite.js';
import { CliError } from './api-client.js';
import {
  assertNewArchive,
  assertRestoreTarget,
  collectFiles,
  loadOrCreateBackupKey,
  openHalf,
  readArchive,
  readBackupKey,
  sealHalf,
  sqliteSnapshot,
  writeArchive,
  writeRestoredFiles,
} from './backup-archive.js';

const format = 'custos-store-backup/v1';

export interface StoreBackupResult {
  /** false when the root key came from CUSTOS_STORE_ROOT_KEY and is not in the archive */
  rootKeyIncluded: boolean;
}

export function postgresRefusal(): CliError {
  return new CliError(
    'store backup covers the SQLite data dir only. For PostgreSQL back up the database with `pg_dump -Fc` (restore ' +
      `with \`pg_restore\`) and back up the root key separately (${rootKeyFileName} in the data dir, or ` +
      `${rootKeyEnv}); see docs/store.md "Backups"`,
  );
}

export async function createStoreBackup(options: {
  dataDir: string;
  out: string;
  keyFile: string;
  env?: NodeJS.ProcessEnv;
  note?: (text: string) => void;
}): Promise<StoreBackupResult> {
  const { dataDir, out } = options;
  const dbPath = join(dataDir, sqliteFileName);
  if (!existsSync(dbPath)) throw new CliError(`${dataDir} is not a store data dir (no ${sqliteFileName})`);
  // The store prefers the environment variable over the file, so back up what it actually uses.
  const rootKeyFromEnv = Boolean((options.env ?? process.env)[rootKeyEnv]);
  if (!rootKeyFromEnv && !existsSync(join(dataDir, rootKeyFileName))) {
    throw new CliError(`${dataDir} has no ${rootKeyFileName} and ${rootKeyEnv} is not set: where is the root key?`);
  }
  assertNewArchive(out);
  const backupKey = loadOrCreateBackupKey(options.keyFile, options.note ?? ((text) => process.stderr.write(text)));
  try {
    const files = rootKeyFromEnv ? {} : collectFiles(dataDir, [rootKeyFileName]);
    files[sqliteFileName] = (await sqliteSnapshot(dbPath)).toString('base64');
    writeArchive(out, {
      format,
      createdAt: new Date().toISOString(),
      store: sealHalf(backupKey, format, 'store', files),
    });
    return { rootKeyIncluded: !rootKeyFromEnv };
  } finally {
    backupKey.fill(0);
  }
}

export function restoreStoreBackup(options: {
  input: string;
  keyFile: string;
  dataDir: string;
  force: boolean;
}): StoreBackupResult {
  const { dataDir } = options;
  const archive = readArchive(options.input, format);
  assertRestoreTarget(
    dataDir,
    options.force,
    'Stop `custos store serve` on it and pass --force, or choose an empty dir',
  );
  const backupKey = readBackupKey(options.keyFile);
  try {
    const files = openHalf(backupKey, format, 'store', archive.store);
    if (!files[sqliteFileName]) throw new CliError(`${options.input} holds no ${sqliteFileName}`);
    if (options.force) {
      // A WAL or shared-memory file left from the old database would be replayed into the restored one.
      for (const name of [sqliteFileName, `${sqliteFileName}-wal`, `${sqliteFileName}-shm`, rootKeyFileName]) {
        rmSync(join(dataDir, name), { force: true });
      }
    }
    writeRestoredFiles(dataDir, files);
    return { rootKeyIncluded: rootKeyFileName in files };
  } finally {
    backupKey.fill(0);
  }
}

function rootKeyNote(result: StoreBackupResult, restoring: boolean): string {
  if (result.rootKeyIncluded) return '';
  return restoring
    ? `the root key is not in this archive: set ${rootKeyEnv} to the original value before starting the store\n`
    : `the root key is NOT in the archive (it comes from ${rootKeyEnv}); keep it with that secret, apart from ` +
        'the archive, or the backup cannot be opened by a store\n';
}

/** Adds `backup create|restore` under `custos store`. */
export function registerStoreBackupCommands(store: Command): void {
  const backup = store.command('backup').description('encrypted backups of the store half (SQLite data dir)');
  backup
    .command('create')
    .description('write an encrypted archive of store.db (online snapshot) and root.key; works while serving')
    .option('--data-dir <dir>', 'the store data dir (required)')
    .option('--out <file>', 'the archive to write (required; must not exist)')
    .option('--key-file <file>', 'the backup key (required); created (0600) when it does not exist')
    .option('--postgres <url>', 'refused: back up PostgreSQL with pg_dump (see docs/store.md)')
    .action(async (o: { dataDir?: string; out?: string; keyFile?: string; postgres?: string }) => {
      // Checked here rather than by commander so a PostgreSQL user first learns to use pg_dump.
      if (o.postgres) throw postgresRefusal();
      if (!o.dataDir || !o.out || !o.keyFile) throw new CliError('give --data-dir, --out and --key-file');
      const dataDir = resolve(o.dataDir);
      const started = performance.now();
      const result = await createStoreBackup({ dataDir, out: resolve(o.out), keyFile: resolve(o.keyFile) });
      process.stdout.write(
        `store backup of ${dataDir} written to ${o.out} in ${Math.round(performance.now() - started)} ms\n`,
      );
      process.stderr.write(rootKeyNote(result, false));
    });
  backup
    .command('restore')
    .description('restore a store archive into a data dir (refuses a non-empty one without --force)')
    .requiredOption('--in <file>', 'the archive')
    .requiredOption('--key-file <file>', 'the backup key it was created with')
    .requiredOption('--data-dir <dir>', 'where to restore')
    .option('--force', 'overwrite store.db and root.key in an existing dir (stop the store first)', false)
    .action((o: { in: string; keyFile: string; dataDir: string; force: boolean }) => {
      const dataDir = resolve(o.dataDir);
      const started = performance.now();
      const result = restoreStoreBackup({ input: resolve(o.in), keyFile: resolve(o.keyFile), dataDir, force: o.force });
      process.stdout.write(
        `restored ${o.in} into ${dataDir} in ${Math.round(performance.now() - started)} ms; start it with ` +
          `\`custos store serve --data-dir ${dataDir}\`\n`,
      );
      process.stderr.write(rootKeyNote(result, true));
    });
}
