// The CLI's login state: one JSON file of named profiles (gateway URL, its CA, a short-lived token) in
// $XDG_CONFIG_HOME/custos or ~/.config/custos, written 0600. Access keys are never saved here, only tokens.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  const file = readFile(env);
  file.profiles[name] = profile;
  file.current = name;
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = profilesPath(env);
  // Written to a 0600 temp file first and renamed, so the token is never readable by others, even briefly.
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
  return path;
}

export function removeProfile(name?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = readFile(env);
  const chosen = name || env.CUSTOS_PROFILE || file.current;
  if (!file.profiles[chosen]) return undefined;
  delete file.profiles[chosen];
  const path = profilesPath(env);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return chosen;
}
