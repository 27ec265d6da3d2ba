// Logins at the same moment (two profiles from one script, two terminals) must all keep their profile: the
// profiles file is changed under a lock (src/cli/profile.ts). Real processes, as the race is between processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProfile, profilesPath, saveProfile } from '../../../src/cli/profile.js';

const profileModule = join(import.meta.dirname, '../../../src/cli/profile.ts');

/** A process that saves `rounds` profiles named `<prefix>-<n>`. */
function saver(dir: string, prefix: string, rounds: number): Promise<void> {
  const code =
    `const { saveProfile } = await import(${JSON.stringify(profileModule)});` +
    `for (let n = 0; n < ${rounds}; n++) saveProfile('${prefix}-' + n, ` +
    `{ gateway: 'https://g:1', token: 't', expiresAt: '2100-01-01T00:00:00Z', accessId: 'p' }, ` +
    `{ XDG_CONFIG_HOME: ${JSON.stringify(dir)} });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (status) => (status === 0 ? resolve() : reject(new Error(`saver ${prefix}: ${stderr}`))));
  });
}

describe('custos login profiles', () => {
  it('six processes saving profiles at once lose none of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-profiles-'));
    try {
      const prefixes = ['a', 'b', 'c', 'd', 'e', 'f'];
      await Promise.all(prefixes.map((prefix) => saver(dir, prefix, 20)));
      const saved = Object.keys(JSON.parse(readFileSync(profilesPath({ XDG_CONFIG_HOME: dir }), 'utf8')).profiles);
      assert.equal(saved.length, prefixes.length * 20, `profiles kept: ${saved.length}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lock left behind by a process that died does not block the next login', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-profiles-'));
    const env = { XDG_CONFIG_HOME: dir };
    try {
      saveProfile(
        'first',
        { gateway: 'https://g:1', token: 't', expiresAt: '2100-01-01T00:00:00Z', accessId: 'p' },
        env,
      );
      const lock = `${profilesPath(env)}.lock`;
      writeFileSync(lock, '');
      const longAgo = new Date(Date.now() - 120_000);
      utimesSync(lock, longAgo, longAgo);
      saveProfile(
        'second',
        { gateway: 'https://g:2', token: 't', expiresAt: '2100-01-01T00:00:00Z', accessId: 'p' },
        env,
      );
      assert.equal(loadProfile(undefined, env).gateway, 'https://g:2');
      assert.equal(loadProfile('first', env).gateway, 'https://g:1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
