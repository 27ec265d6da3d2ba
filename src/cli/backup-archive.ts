// The crypto and file handling shared by every `custos ... backup` command. An archive is a JSON file with a clear
// `format` (so restore can refuse the wrong kind by name) and one or two encrypted halves. Each half is AES-256-GCM
// under its own key derived (HKDF-SHA256) from one backup key kept in a separate 0600 file; the half's name and the
// archive kind are bound as associated data, so a half cannot be moved into another kind of archive.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import Database from 'better-sqlite3';
import { CliError } from './api-client.js';

/** relative path -> base64 content */
export type BackupFiles = Record<string, string>;
export type HalfName = 'store' | 'gateway';

export interface SealedHalf {
  iv: string;
  ct: string;
}

/** The kinds of archive, by their `format` string, with the command that restores each. */
export const archiveKinds = {
  'custos-dev-backup/v1': { name: 'custos dev backup', restore: 'custos backup restore' },
  'custos-store-backup/v1': { name: 'store backup', restore: 'custos store backup restore' },
  'custos-gateway-backup/v1': { name: 'gateway backup', restore: 'custos fragment backup restore' },
} as const;
export type ArchiveFormat = keyof typeof archiveKinds;

export interface ArchiveEnvelope {
  format: ArchiveFormat;
  createdAt: string;
  store?: SealedHalf;
  gateway?: SealedHalf;
}

// Dev archives predate the other kinds; their derivation context stays as it was so old archives still open.
const contextOf = (format: ArchiveFormat) => (format === 'custos-dev-backup/v1' ? 'custos/backup/v1' : format);

function halfKey(backupKey: Buffer, format: ArchiveFormat, half: HalfName): Buffer {
  return Buffer.from(hkdfSync('sha256', backupKey, Buffer.alloc(0), `${contextOf(format)}/${half}`, 32));
}

export function sealHalf(backupKey: Buffer, format: ArchiveFormat, half: HalfName, files: BackupFiles): SealedHalf {
  const iv = randomBytes(12);
  const key = halfKey(backupKey, format, half);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${contextOf(format)}|${half}`));
    const ct = Buffer.concat([cipher.update(JSON.stringify(files)), cipher.final(), cipher.getAuthTag()]);
    return { iv: iv.toString('base64'), ct: ct.toString('base64') };
  } finally {
    key.fill(0);
  }
}

export function openHalf(
  backupKey: Buffer,
  format: ArchiveFormat,
  half: HalfName,
  sealed: SealedHalf | undefined,
): BackupFiles {
  if (!sealed?.iv || !sealed.ct) throw new CliError(`the archive has no ${half} half (altered or truncated archive)`);
  const data = Buffer.from(sealed.ct, 'base64');
  const key = halfKey(backupKey, format, half);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${contextOf(format)}|${half}`));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return JSON.parse(
      Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(),
    );
  } catch {
    throw new CliError(`the ${half} half does not open with this backup key (wrong --key-file, or altered archive)`);
  } finally {
    key.fill(0);
  }
}

export function readBackupKey(path: string): Buffer {
  let key: Buffer;
  try {
    key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  } catch (error) {
    throw new CliError(`cannot read --key-file ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  if (key.length !== 32) throw new CliError(`${path} is not a backup key: expected 32 bytes as base64`);
  return key;
}

/** Reads the backup key, or creates it (0600, 32 random bytes) when the file does not exist yet. */
export function loadOrCreateBackupKey(path: string, note: (text: string) => void): Buffer {
  if (existsSync(path)) return readBackupKey(path);
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  note(`new backup key written to ${path} (0600); keep it apart from the archive\n`);
  return key;
}

export function assertNewArchive(out: string): void {
  if (existsSync(out)) throw new CliError(`${out} exists already; choose a new --out file`);
}

export function writeArchive(out: string, archive: ArchiveEnvelope): void {
  writeFileSync(out, JSON.stringify(archive), { mode: 0o600, flag: 'wx' });
}

/** Reads an archive and checks it is of the expected kind; a different kind is named with its restore command. */
export function readArchive(input: string, expected: ArchiveFormat): ArchiveEnvelope {
  let archive: ArchiveEnvelope;
  try {
    archive = JSON.parse(readFileSync(input, 'utf8')) as ArchiveEnvelope;
  } catch {
    throw new CliError(`${input} is not a custos backup archive`);
  }
  if (archive.format === expected) return archive;
  const kind = archiveKinds[archive.format as ArchiveFormat];
  if (!kind) throw new CliError(`${input} is not a custos backup archive (format ${String(archive.format)})`);
  throw new CliError(
    `${input} is a ${kind.name} (${archive.format}), not a ${archiveKinds[expected].name}; ` +
      `restore it with \`${kind.restore}\``,
  );
}

/** The listed files of `dir` that exist, keyed by their relative name. */
export function collectFiles(dir: string, names: readonly string[]): BackupFiles {
  const files: BackupFiles = {};
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path)) files[name] = readFileSync(path).toString('base64');
  }
  return files;
}

/** A consistent copy of a SQLite database even while a server writes to it: SQLite's online backup, not a copy. */
export async function sqliteSnapshot(dbPath: string): Promise<Buffer> {
  const temp = mkdtempSync(join(tmpdir(), 'custos-backup-'));
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      await db.backup(join(temp, 'snapshot.db'));
    } finally {
      db.close();
    }
    return readFileSync(join(temp, 'snapshot.db'));
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Refuses to restore over a non-empty dir unless forced; `hint` says what to stop or do first. */
export function assertRestoreTarget(dir: string, force: boolean, hint: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !force) {
    throw new CliError(`${dir} is not empty; restoring would overwrite it. ${hint}`);
  }
}

/** Writes restored files below `dir`: certificates 0644, everything else 0600, directories 0700. */
export function writeRestoredFiles(dir: string, files: BackupFiles): void {
  for (const name of Object.keys(files)) {
    const clean = normalize(name);
    if (isAbsolute(clean) || clean.startsWith(`..${sep}`) || clean === '..') {
      throw new CliError(`the archive names a file outside the target dir (${name}); refusing to restore it`);
    }
  }
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const mode = name.endsWith('.crt') ? 0o644 : 0o600;
    writeFileSync(path, Buffer.from(content, 'base64'), { mode });
  }
}
