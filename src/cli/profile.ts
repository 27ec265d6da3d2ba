// The CLI's login state: one JSON file of named profiles (gateway URL, its CA, a short-lived token) in
// $XDG_CONFIG_HOME/custos or ~/.config/custos, written 0600. Access keys are never saved here, only tokens.
// Changes are read-modify-write under a lock file, so two logins at once (two profiles, two terminals or a
// script) both keep their profile instead of the last write dropping the other.
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Profile {
  gateway: string;
  /** PEM of the CA the gateway's certificate chains to (omitted for a publicly trusted certificate) */
  caPem?: string;
  token: string;
  expiresAt: string;
  accessId: string;
}

interface ProfileFile {
  current: string;
  profiles: Record<string, Profile>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'custos');
}

export function profilesPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'profiles.json');
}

function readFile(env: NodeJS.ProcessEnv): ProfileFile {
  const path = profilesPath(env);
  if (!existsSync(path)) return { current: 'default', profiles: {} };
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ProfileFile;
  } catch {
    throw new Error(`${path} is not valid JSON: remove it and run \`custos login\` again`);
  }
}

/** The profile to use: --profile / CUSTOS_PROFILE, else the last one logged in to. */
export function loadProfile(name?: string, env: NodeJS.ProcessEnv = process.env): Profile & { name: string } {
  const file = readFile(env);
  const chosen = name || env.CUSTOS_PROFILE || file.current;
  const profile = file.profiles[chosen];
  if (!profile) {
    throw new Error(
      `not logged in${chosen === 'default' ? '' : ` (profile "${chosen}")`}: run \`custos login --dev\` for a ` +
        'local `custos dev`, or `custos login --gateway URL --ca CA_FILE --access-id ID --access-key KEY`',
    );
  }
  return { ...profile, name: chosen };
}

export function saveProfile(name: string, profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  return changeFile(env, (file) => {
    file.profiles[name] = profile;
    file.current = name;
    return true;
  });
}

export function removeProfile(name?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let removed: string | undefined;
  changeFile(env, (file) => {
    const chosen = name || env.CUSTOS_PROFILE || file.current;
    if (!file.profiles[chosen]) return false;
    delete file.profiles[chosen];
    removed = chosen;
    return true;
  });
  return removed;
}

/** Reads the file, lets `change` edit it (false: nothing to write) and writes it back, all under the lock. */
function changeFile(env: NodeJS.ProcessEnv, change: (file: ProfileFile) => boolean): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = profilesPath(env);
  return withLock(`${path}.lock`, () => {
    const file = readFile(env);
    if (!change(file)) return path;
    // Written to a 0600 temp file first and renamed, so the token is never readable by others, even briefly.
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
    return path;
  });
}

/** A lock older than this belongs to a process that died holding it (a change takes milliseconds). */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

function withLock<T>(lockPath: string, fn: () => T): T {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = lockAgeMs(lockPath);
    if (age !== undefined && age > STALE_LOCK_MS) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${lockPath} is held by another custos command; if none is running, remove the file`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // the CLI is synchronous here: sleep 10 ms
  }
  try {
    return fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function lockAgeMs(lockPath: string): number | undefined {
  try {
    return Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return undefined; // released meanwhile
  }
}
