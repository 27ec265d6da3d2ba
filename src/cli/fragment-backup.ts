// `custos fragment backup create|restore`: the gateway half of a standalone deployment, backed up on the gateway's
// host. The archive holds the sealed fragments.json and the generated TLS files. The unseal key (or its Shamir
// shares) is deliberately left out: the operators hold it, and an archive with the key next to the fragments it
// seals would be one secret away from everything. An operator who wants it in anyway names it with --unseal-key-file.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { fragmentFilePath } from '../gateway/crypto/admin.js';
import { fragmentFileName, openKeyring, readFragmentFile } from '../gateway/crypto/sealed-file.js';
import { readUnsealKeyFile } from '../gateway/crypto/unseal-key.js';
import { CliError } from './api-client.js';
import {
  assertNewArchive,
  assertRestoreTarget,
  type BackupFiles,
  collectFiles,
  loadOrCreateBackupKey,
  openHalf,
  readArchive,
  readBackupKey,
  sealHalf,
  writeArchive,
  writeRestoredFiles,
} from './backup-archive.js';

const format = 'custos-gateway-backup/v1';
const tlsFiles = ['tls/ca.crt', 'tls/gateway.crt', 'tls/gateway.key'];
/** Name of an explicitly included unseal key inside the archive; never written into the config dir. */
const unsealKeyEntry = '@unseal.key';

export interface FragmentBackupResult {
  seal: string;
  unsealKeyIncluded: boolean;
  tlsIncluded: boolean;
  /** restore only: where an included unseal key was written */
  unsealKeyFile?: string;
}

function describeSeal(file: ReturnType<typeof readFragmentFile>): string {
  return file.seal.type === 'shamir'
    ? `Shamir shares (${file.seal.threshold} of ${file.seal.shares})`
    : 'an unseal key file';
}

export function createFragmentBackup(options: {
  configDir: string;
  out: string;
  keyFile: string;
  unsealKeyFile?: string;
  note?: (text: string) => void;
}): FragmentBackupResult {
  const { configDir } = options;
  const fragmentPath = fragmentFilePath(configDir);
  if (!existsSync(fragmentPath)) {
    throw new CliError(
      `${configDir} is not a gateway config dir (no ${fragmentFileName}; see \`custos fragment init\`)`,
    );
  }
  const sealed = readFragmentFile(fragmentPath);
  let unsealKey: Buffer | undefined;
  if (options.unsealKeyFile) {
    unsealKey = readUnsealKeyFile(options.unsealKeyFile);
    try {
      openKeyring(sealed, unsealKey);
    } catch {
      unsealKey.fill(0);
      throw new CliError(`${options.unsealKeyFile} does not unseal ${fragmentPath}; give this gateway's unseal key`);
    }
  }
  assertNewArchive(options.out);
  const backupKey = loadOrCreateBackupKey(options.keyFile, options.note ?? ((text) => process.stderr.write(text)));
  try {
    const files: BackupFiles = collectFiles(configDir, [fragmentFileName, ...tlsFiles]);
    if (unsealKey) files[unsealKeyEntry] = unsealKey.toString('base64');
    writeArchive(options.out, {
      format,
      createdAt: new Date().toISOString(),
      gateway: sealHalf(backupKey, format, 'gateway', files),
    });
    return {
      seal: describeSeal(sealed),
      unsealKeyIncluded: Boolean(unsealKey),
      tlsIncluded: tlsFiles.every((name) => name in files),
    };
  } finally {
    backupKey.fill(0);
    unsealKey?.fill(0);
  }
}

export function restoreFragmentBackup(options: {
  input: string;
  keyFile: string;
  configDir: string;
  force: boolean;
  /** where to write an unseal key the archive holds (otherwise it is not restored) */
  unsealKeyFile?: string;
}): FragmentBackupResult {
  const { configDir } = options;
  const archive = readArchive(options.input, format);
  assertRestoreTarget(configDir, options.force, 'Stop the gateway using it and pass --force, or choose an empty dir');
  if (options.unsealKeyFile && existsSync(options.unsealKeyFile) && !options.force) {
    throw new CliError(`${options.unsealKeyFile} exists already; choose a new --unseal-key-file or pass --force`);
  }
  const backupKey = readBackupKey(options.keyFile);
  try {
    const files = openHalf(backupKey, format, 'gateway', archive.gateway);
    const fragments = files[fragmentFileName];
    if (!fragments) throw new CliError(`${options.input} holds no ${fragmentFileName}`);
    const unsealKey = files[unsealKeyEntry];
    delete files[unsealKeyEntry];
    if (options.force) {
      rmSync(join(configDir, fragmentFileName), { force: true });
      // Generated TLS files are replaced as a set; a dir without them (given --tls-cert) keeps whatever it has.
      if (tlsFiles.some((name) => name in files)) rmSync(join(configDir, 'tls'), { recursive: true, force: true });
    }
    writeRestoredFiles(configDir, files);
    let unsealKeyFile: string | undefined;
    if (unsealKey && options.unsealKeyFile) {
      rmSync(options.unsealKeyFile, { force: true }); // only reached with --force when it exists
      writeFileSync(options.unsealKeyFile, `${unsealKey}\n`, { mode: 0o600, flag: 'wx' });
      unsealKeyFile = options.unsealKeyFile;
    }
    return {
      seal: describeSeal(JSON.parse(Buffer.from(fragments, 'base64').toString('utf8'))),
      unsealKeyIncluded: Boolean(unsealKey),
      tlsIncluded: tlsFiles.every((name) => name in files),
      unsealKeyFile,
    };
  } finally {
    backupKey.fill(0);
  }
}

interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

function createNotes(result: FragmentBackupResult, configDir: string): string {
  let text = result.unsealKeyIncluded
    ? 'the unseal key IS in the archive (--unseal-key-file): the backup key now opens the fragments too\n'
    : `the fragments are sealed by ${result.seal}, which are NOT in the archive: the operators hold them; ` +
      'keep them apart from this archive, a restored gateway needs them to unseal\n';
  if (!result.tlsIncluded) {
    text += `no generated TLS files in ${join(configDir, 'tls')}: back up a certificate given with --tls-cert yourself\n`;
  }
  return text;
}

function restoreNotes(result: FragmentBackupResult): string {
  if (result.unsealKeyFile) return `unseal key restored to ${result.unsealKeyFile} (0600)\n`;
  if (result.unsealKeyIncluded) {
    return 'the archive also holds an unseal key; it was NOT restored (pass --unseal-key-file FILE to write it)\n';
  }
  return `unseal the restored gateway with ${result.seal}, as before\n`;
}

/** Adds `backup create|restore` under `custos fragment`. */
export function registerFragmentBackupCommands(fragment: Command, io: Output): void {
  const backup = fragment
    .command('backup')
    .description('encrypted backups of the gateway half (sealed fragments, TLS files; not the unseal key)');
  backup
    .command('create')
    .description('write an encrypted archive of fragments.json and <config-dir>/tls')
    .requiredOption('--config-dir <dir>', 'the gateway config directory')
    .requiredOption('--out <file>', 'the archive to write (must not exist)')
    .requiredOption('--key-file <file>', 'the backup key; created (0600) when it does not exist')
    .option('--unseal-key-file <file>', 'also include this unseal key (left out by default: operators hold it)')
    .action((o: { configDir: string; out: string; keyFile: string; unsealKeyFile?: string }) => {
      const configDir = resolve(o.configDir);
      const started = performance.now();
      const result = createFragmentBackup({
        configDir,
        out: resolve(o.out),
        keyFile: resolve(o.keyFile),
        unsealKeyFile: o.unsealKeyFile && resolve(o.unsealKeyFile),
        note: (text) => io.stderr(text),
      });
      io.stdout(
        `gateway backup of ${configDir} written to ${o.out} in ${Math.round(performance.now() - started)} ms\n`,
      );
      io.stderr(createNotes(result, configDir));
    });
  backup
    .command('restore')
    .description('restore a gateway archive into a config dir (refuses a non-empty one without --force)')
    .requiredOption('--in <file>', 'the archive')
    .requiredOption('--key-file <file>', 'the backup key it was created with')
    .requiredOption('--config-dir <dir>', 'where to restore')
    .option('--unseal-key-file <file>', 'where to write the unseal key, if the archive holds one')
    .option('--force', 'overwrite fragments.json and tls/ in an existing dir (stop the gateway first)', false)
    .action((o: { in: string; keyFile: string; configDir: string; unsealKeyFile?: string; force: boolean }) => {
      const configDir = resolve(o.configDir);
      const started = performance.now();
      const result = restoreFragmentBackup({
        input: resolve(o.in),
        keyFile: resolve(o.keyFile),
        configDir,
        force: o.force,
        unsealKeyFile: o.unsealKeyFile && resolve(o.unsealKeyFile),
      });
      io.stdout(
        `restored ${o.in} into ${configDir} in ${Math.round(performance.now() - started)} ms; start it with ` +
          `\`custos gateway serve --config-dir ${configDir} --store URL\`\n`,
      );
      io.stderr(restoreNotes(result));
    });
}
