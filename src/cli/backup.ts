// `custos backup create|restore` for a `custos dev` data dir. The archive has two halves, each encrypted under its
// own key derived from one backup key kept in a separate 0600 file (see backup-archive.ts): the store half (a
// consistent SQLite snapshot, the root key, the dev credentials) and the gateway half (the sealed customer
// fragments, the unseal key, the TLS files). Without the backup key the archive reveals nothing.
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { embeddedFiles } from '../gateway/embedded.js';
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
import { defaultDevDataDir } from './dev.js';

const format = 'custos-dev-backup/v1';
const storeFiles = [`${embeddedFiles.storeDir}/root.key`, embeddedFiles.credentials];
const gatewayFiles = [
  `${embeddedFiles.gatewayDir}/fragments.json`,
  embeddedFiles.unsealKey,
  `${embeddedFiles.gatewayDir}/tls/ca.crt`,
  `${embeddedFiles.gatewayDir}/tls/gateway.crt`,
  `${embeddedFiles.gatewayDir}/tls/gateway.key`,
];

export async function createBackup(dataDir: string, out: string, keyFile: string): Promise<void> {
  if (!existsSync(join(dataDir, embeddedFiles.credentials))) {
    throw new CliError(`${dataDir} is not a custos dev data dir (no ${embeddedFiles.credentials})`);
  }
  assertNewArchive(out);
  const backupKey = loadOrCreateBackupKey(keyFile, (text) => process.stderr.write(text));
  try {
    const store = collectFiles(dataDir, storeFiles);
    const snapshot = await sqliteSnapshot(join(dataDir, embeddedFiles.storeDir, 'store.db'));
    store[`${embeddedFiles.storeDir}/store.db`] = snapshot.toString('base64');
    writeArchive(out, {
      format,
      createdAt: new Date().toISOString(),
      store: sealHalf(backupKey, format, 'store', store),
      gateway: sealHalf(backupKey, format, 'gateway', collectFiles(dataDir, gatewayFiles)),
    });
  } finally {
    backupKey.fill(0);
  }
}

export function restoreBackup(input: string, dataDir: string, keyFile: string, force: boolean): void {
  const archive = readArchive(input, format);
  assertRestoreTarget(dataDir, force, 'Stop custos dev and pass --force');
  const backupKey = readBackupKey(keyFile);
  try {
    const files = {
      ...openHalf(backupKey, format, 'store', archive.store),
      ...openHalf(backupKey, format, 'gateway', archive.gateway),
    };
    if (force) {
      for (const name of [embeddedFiles.storeDir, embeddedFiles.gatewayDir, embeddedFiles.endpoint]) {
        rmSync(join(dataDir, name), { recursive: true, force: true });
      }
    }
    writeRestoredFiles(dataDir, files);
  } finally {
    backupKey.fill(0);
  }
}

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('encrypted backups of a custos dev data dir (both halves)');
  backup
    .command('create')
    .description('write an encrypted archive of the store and gateway halves (works while custos dev runs)')
    .requiredOption('--out <file>', 'the archive to write (must not exist)')
    .requiredOption('--key-file <file>', 'the backup key; created (0600) when it does not exist')
    .option('--data-dir <dir>', 'the custos dev data dir (default: ~/.local/share/custos/dev)')
    .action(async (o: { out: string; keyFile: string; dataDir?: string }) => {
      const dataDir = resolve(o.dataDir ?? defaultDevDataDir());
      const started = performance.now();
      await createBackup(dataDir, resolve(o.out), resolve(o.keyFile));
      process.stdout.write(
        `backup of ${dataDir} written to ${o.out} in ${Math.round(performance.now() - started)} ms\n`,
      );
    });
  backup
    .command('restore')
    .description('restore an archive into a data dir (refuses a non-empty one without --force)')
    .requiredOption('--in <file>', 'the archive')
    .requiredOption('--key-file <file>', 'the backup key it was created with')
    .option('--data-dir <dir>', 'where to restore (default: ~/.local/share/custos/dev)')
    .option('--force', 'overwrite an existing data dir (stop custos dev first)', false)
    .action((o: { in: string; keyFile: string; dataDir?: string; force: boolean }) => {
      const dataDir = resolve(o.dataDir ?? defaultDevDataDir());
      const started = performance.now();
      restoreBackup(resolve(o.in), dataDir, resolve(o.keyFile), o.force);
      process.stdout.write(
        `restored ${o.in} into ${dataDir} in ${Math.round(performance.now() - started)} ms; start it with ` +
          `\`custos dev --data-dir ${dataDir}\`\n`,
      );
    });
}
