// Pure pieces of the client CLI: profile location and permissions, table rendering, role rule parsing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultDevDataDir } from '../../../src/cli/dev.js';
import { renderTable } from '../../../src/cli/output.js';
import { configDir, loadProfile, removeProfile, saveProfile } from '../../../src/cli/profile.js';
import { parseRule } from '../../../src/cli/role.js';

describe('profiles', () => {
  it('live under XDG_CONFIG_HOME, else ~/.config', () => {
    assert.equal(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/custos');
    assert.equal(configDir({ HOME: '/h' }), '/h/.config/custos');
    assert.equal(defaultDevDataDir({ HOME: '/h' }), '/h/.local/share/custos/dev');
    assert.equal(defaultDevDataDir({ XDG_DATA_HOME: '/d', HOME: '/h' }), '/d/custos/dev');
  });

  it('are saved 0600, the last login is current, and a missing one says how to log in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-profile-'));
    const env = { XDG_CONFIG_HOME: dir };
    try {
      assert.throws(() => loadProfile(undefined, env), /not logged in: run `custos login --dev`/);
      const base = { gateway: 'https://g:1', token: 't-1', expiresAt: '2100-01-01T00:00:00Z', accessId: 'p-1' };
      const path = saveProfile('default', base, env);
      saveProfile('other', { ...base, token: 't-2' }, env);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(loadProfile(undefined, env).token, 't-2');
      assert.equal(loadProfile('default', env).token, 't-1');
      assert.equal(loadProfile(undefined, { ...env, CUSTOS_PROFILE: 'default' }).token, 't-1');
      assert.throws(() => loadProfile('nope', env), /not logged in \(profile "nope"\)/);
      assert.equal(removeProfile('other', env), 'other');
      assert.ok(!readFileSync(path, 'utf8').includes('t-2'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('renderTable', () => {
  it('aligns columns and escapes control characters from server text', () => {
    assert.equal(
      renderTable(
        ['A', 'LONG'],
        [
          ['xyz', 'q\u001b[31m'],
          ['', 'z'],
        ],
      ),
      'A    LONG\nxyz  q\\x1b[31m\n     z\n',
    );
  });
});

describe('parseRule', () => {
  it('splits PATH=CAPS at the last "="', () => {
    assert.deepEqual(parseRule('/mdapi/{{namespace}}/*=read, list'), {
      path: '/mdapi/{{namespace}}/*',
      capabilities: ['read', 'list'],
    });
    assert.deepEqual(parseRule('/a=b/*=deny'), { path: '/a=b/*', capabilities: ['deny'] });
  });

  it('says what a rule looks like when one is malformed', () => {
    assert.throws(() => parseRule('/a/*'), /--rule takes PATH=CAPABILITIES/);
    assert.throws(() => parseRule('/a/*='), /--rule takes PATH=CAPABILITIES/);
  });
});
