// `custos backup create|restore` for a `custos dev` data dir. The archive has two halves, each encrypted with
// AES-256-GCM under its own key derived (HKDF) from one backup key kept in a separate 0600 file: the store half
// (a consistent SQLite snapshot, the root key, the dev credentials) and the gateway half (the sealed customer
// fragments, the unseal key, the TLS files). Without the backup key the archive reveals nothing.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { embeddedFiles } from '../gateway/embedded.js';
import { CliError } from './api-client.js';
import { defaultDevDataDir } from './dev.js';

type Files = Record<string, string>; // relative path -> base64 content

interface Archive {
  format: 'custos-dev-backup/v1';
  createdAt: string;
  store: { iv: string; ct: string };
  gateway: { iv: string; ct: string };
}

const storeFiles = [`${embeddedFiles.storeDir}/root.key`, embeddedFiles.credentials];
const gatewayFiles = [
  `${embeddedFiles.gatewayDir}/fragments.json`,
  embeddedFiles.unsealKey,
  `${embeddedFiles.gatewayDir}/tls/ca.crt`,
  `${embeddedFiles.gatewayDir}/tls/gateway.crt`,
  `${embeddedFiles.gatewayDir}/tls/gateway.key`,
];

function halfKey(backupKey: Buffer, half: 'store' | 'gateway'): Buffer {
  return Buffer.from(hkdfSync('sha256', backupKey, Buffer.alloc(0), `custos/backup/v1/${half}`, 32));
}

function sealHalf(key: Buffer, half: string, files: Files): { iv: string; ct: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`custos/backup/v1|${half}`));
  const ct = Buffer.concat([cipher.update(JSON.stringify(files)), cipher.final(), cipher.getAuthTag()]);
  return { iv: iv.toString('base64'), ct: ct.toString('base64') };
}

function openHalf(key: Buffer, half: string, sealed: { iv: string; ct: string }): Files {
  const data = Buffer.from(sealed.ct, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(`custos/backup/v1|${half}`));
  decipher.setAuthTag(data.subarray(data.length - 16));
  try {
    return JSON.parse(
      Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(),
    );
  } catch {
    throw new CliError(`the ${half} half does not open with this backup key (wrong --key-file, or altered archive)`);
  }
}

function readBackupKey(path: string): Buffer {
  let key: Buffer;
  try {
    key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  } catch (error) {
    throw new CliError(`cannot read --key-file ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  if (key.length !== 32) throw new CliError(`${path} is not a backup key: expected 32 bytes as base64`);
  return key;
}

function collect(dataDir: string, names: string[]): Files {
  const files: Files = {};
  for (const name of names) {
    const path = join(dataDir, name);
    if (existsSync(path)) files[name] = readFileSync(path).toString('base64');
  }
  return files;
}

export async function createBackup(dataDir: string, out: string, keyFile: string): Promise<void> {
  if (!existsSync(join(dataDir, embeddedFiles.credentials))) {
    throw new CliError(`${dataDir} is not a custos dev data dir (no ${embeddedFiles.credentials})`);
  }
  if (existsSync(out)) throw new CliError(`${out} exists already; choose a new --out file`);
  let backupKey: Buffer;
  if (existsSync(keyFile)) {
    backupKey = readBackupKey(keyFile);
  } else {
    backupKey = randomBytes(32);
    writeFileSync(keyFile, `${backupKey.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    process.stderr.write(`new backup key written to ${keyFile} (0600); keep it apart from the archive\n`);
  }
  // A consistent snapshot even while `custos dev` writes: SQLite's online backup, not a file copy.
  const temp = mkdtempSync(join(tmpdir(), 'custos-backup-'));
  try {
    const db = new Database(join(dataDir, embeddedFiles.storeDir, 'store.db'), { readonly: true, fileMustExist: true });
    try {
      await db.backup(join(temp, 'store.db'));
    } finally {
      db.close();
    }
    const store = collect(dataDir, storeFiles);
    store[`${embeddedFiles.storeDir}/store.db`] = readFileSync(join(temp, 'store.db')).toString('base64');
    const archive: Archive = {
      format: 'custos-dev-backup/v1',
      createdAt: new Date().toISOString(),
      store: sealHalf(halfKey(backupKey, 'store'), 'store', store),
      gateway: sealHalf(halfKey(backupKey, 'gateway'), 'gateway', collect(dataDir, gatewayFiles)),
    };
    writeFileSync(out, JSON.stringify(archive), { mode: 0o600, flag: 'wx' });
  } finally {
    rmSync(temp, { recursive: true, force: true });
    backupKey.fill(0);
  }
}

export function restoreBackup(input: string, dataDir: string, keyFile: string, force: boolean): void {
  let archive: Archive;
  try {
    archive = JSON.parse(readFileSync(input, 'utf8')) as Archive;
  } catch {
    throw new CliError(`${input} is not a custos backup archive`);
  }
  if (archive.format !== 'custos-dev-backup/v1') throw new CliError(`${input} is not a custos dev backup (v1)`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !force) {
    throw new CliError(`${dataDir} is not empty; restoring would overwrite it. Stop custos dev and pass --force`);
  }
  const backupKey = readBackupKey(keyFile);
  try {
    const files = {
      ...openHalf(halfKey(backupKey, 'store'), 'store', archive.store),
      ...openHalf(halfKey(backupKey, 'gateway'), 'gateway', archive.gateway),
    };
    if (force) {
      for (const name of [embeddedFiles.storeDir, embeddedFiles.gatewayDir, embeddedFiles.endpoint]) {
        rmSync(join(dataDir, name), { recursive: true, force: true });
      }
    }
    for (const [name, content] of Object.entries(files)) {
      const path = join(dataDir, name);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const mode = name.endsWith('.crt') ? 0o644 : 0o600;
      writeFileSync(path, Buffer.from(content, 'base64'), { mode });
    }
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
