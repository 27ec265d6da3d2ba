// `custos backup create|restore` on a `custos dev` data dir: made while running, encrypted in both halves,
// restored into an empty dir it serves the same values; overwriting needs --force; a wrong key is refused.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliSandbox, type DevProcess } from './dev-harness.js';

const { home, dataDir, custos, ok, startDev } = cliSandbox('custos-dev-backup-');
const value = 'backup-VALUE-4b4b9e0d';
const archive = join(home, 'dev.backup');
const keyFile = join(home, 'backup.key');
const restored = join(home, 'restored');

describe('custos backup', () => {
  let dev: DevProcess | undefined;

  after(async () => {
    if (dev && dev.child.exitCode === null) await dev.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('creates an encrypted archive while custos dev runs', async () => {
    dev = await startDev();
    await ok(['login', '--dev', '--data-dir', dataDir]);
    await ok(['secret', 'put', '/app/db', '--value', value]);
    assert.match(
      await ok(['backup', 'create', '--data-dir', dataDir, '--out', archive, '--key-file', keyFile]),
      /backup of .* written to .* in \d+ ms/,
    );
    assert.equal(await dev.stop(), 0);
    const text = readFileSync(archive, 'utf8');
    const rootKey = readFileSync(join(dataDir, 'store', 'root.key'), 'utf8').trim();
    const unsealKey = readFileSync(join(dataDir, 'unseal.key'), 'utf8').trim();
    for (const secret of [value, rootKey, unsealKey, 'SQLite format']) assert.ok(!text.includes(secret), secret);
  });

  it('refuses a wrong key and a non-empty target without --force', async () => {
    const wrongKey = join(home, 'wrong.key');
    writeFileSync(wrongKey, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
    const wrong = await custos(['backup', 'restore', '--in', archive, '--key-file', wrongKey, '--data-dir', restored]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /does not open with this backup key/);
    const busy = await custos(['backup', 'restore', '--in', archive, '--key-file', keyFile, '--data-dir', dataDir]);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /is not empty; .* --force/);
  });

  it('restores into an empty dir that then serves the same value', async () => {
    mkdirSync(restored, { recursive: true });
    assert.match(
      await ok(['backup', 'restore', '--in', archive, '--key-file', keyFile, '--data-dir', restored]),
      /restored .* in \d+ ms/,
    );
    dev = await startDev(restored);
    await ok(['login', '--dev', '--data-dir', restored]);
    assert.equal(await ok(['secret', 'get', '/app/db']), value);
    assert.equal(await dev.stop(), 0);
  });

  it('overwrites an existing dir with --force', async () => {
    await ok(['backup', 'restore', '--in', archive, '--key-file', keyFile, '--data-dir', dataDir, '--force']);
    dev = await startDev();
    await ok(['login', '--dev', '--data-dir', dataDir]);
    assert.equal(await ok(['secret', 'get', '/app/db']), value);
    assert.equal(await dev.stop(), 0);
  });
});
