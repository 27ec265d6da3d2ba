// The store's root key: 32 random bytes that seal the store fragments at rest (AES-256-GCM). It comes from
// CUSTOS_STORE_ROOT_KEY (base64) or from `root.key` in the data dir, created 0600 on first start.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const rootKeyFileName = 'root.key';
export const rootKeyEnv = 'CUSTOS_STORE_ROOT_KEY';

function decodeKey(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new Error(`${source} must hold 32 bytes as base64 (44 characters); it decodes to ${key.length} bytes`);
  }
  return key;
}

export interface RootKeySource {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** create the key file when neither the env var nor the file exists (default true) */
  create?: boolean;
}

export function loadRootKey(source: RootKeySource): Buffer {
  const env = source.env ?? process.env;
  const fromEnv = env[rootKeyEnv];
  if (fromEnv) return decodeKey(fromEnv, rootKeyEnv);
  if (!source.dataDir) throw new Error(`no root key: set ${rootKeyEnv} or give a data dir holding ${rootKeyFileName}`);
  const file = join(source.dataDir, rootKeyFileName);
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      throw new Error(`${file} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
    }
    return decodeKey(readFileSync(file, 'utf8'), file);
  }
  if (source.create === false) throw new Error(`no root key: ${file} does not exist and ${rootKeyEnv} is not set`);
  mkdirSync(source.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
