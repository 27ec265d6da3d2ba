import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addFragmentGeneration, fragmentFilePath, initFragments } from '../../../src/gateway/crypto/admin.js';
import { DecryptionError, SealedError, UnknownGenerationError } from '../../../src/gateway/crypto/errors.js';
import { openKeyring, readFragmentFile } from '../../../src/gateway/crypto/sealed-file.js';
import { readUnsealKeyFile } from '../../../src/gateway/crypto/unseal-key.js';
import { FragmentVault } from '../../../src/gateway/crypto/vault.js';

const root = mkdtempSync(join(tmpdir(), 'custos-fragments-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => join(root, `c${counter++}`);

describe('customer fragments', () => {
  it('key-file seal: init, unseal, and the file holds no fragment in the clear', async () => {
    const dir = freshDir();
    const keyFile = join(root, `k${counter}.key`);
    const result = await initFragments(dir, { type: 'key-file', keyFile });
    assert.equal(result.shares, undefined);
    assert.deepEqual(readdirSync(dir), ['fragments.json']);
    const key = readUnsealKeyFile(keyFile);
    const keyring = openKeyring(readFragmentFile(result.fragmentFile), key);
    assert.deepEqual(keyring.generations(), [1]);
    const fileText = readFileSync(result.fragmentFile, 'utf8');
    assert.ok(!fileText.includes(keyring.fragment(1).toString('base64')));
    assert.ok(!fileText.includes(keyring.fragment(1).toString('hex')));
  });

  it('refuses to overwrite an existing fragment file', async () => {
    const dir = freshDir();
    await initFragments(dir, { type: 'shamir', shares: 3, threshold: 2 });
    await assert.rejects(initFragments(dir, { type: 'shamir', shares: 3, threshold: 2 }), /already exists/);
  });

  it('rejects impossible Shamir parameters with the rule to follow', async () => {
    await assert.rejects(initFragments(freshDir(), { type: 'shamir', shares: 2, threshold: 3 }), /threshold <= shares/);
    await assert.rejects(initFragments(freshDir(), { type: 'shamir', shares: 3, threshold: 1 }), /2 <= threshold/);
  });

  it('shamir seal: unseals with any threshold of shares, not fewer', async () => {
    const dir = freshDir();
    const { shares, fragmentFile } = await initFragments(dir, { type: 'shamir', shares: 5, threshold: 3 });
    assert.equal(shares?.length, 5);
    const vault = new FragmentVault(fragmentFile);
    assert.throws(() => vault.keyring(), SealedError);
    assert.equal((await vault.submitShare(shares![4]!)).sealed, true);
    assert.equal((await vault.submitShare(shares![4]!)).progress, 1, 'a repeated share does not count twice');
    assert.equal((await vault.submitShare(shares![1]!)).progress, 2);
    assert.throws(() => vault.keyring(), SealedError);
    const status = await vault.submitShare(shares![2]!);
    assert.equal(status.sealed, false);
    assert.deepEqual(vault.keyring().generations(), [1]);
    vault.seal();
    assert.throws(() => vault.keyring(), SealedError);
  });

  it('shares of another gateway reset progress with a clear error', async () => {
    const a = await initFragments(freshDir(), { type: 'shamir', shares: 3, threshold: 2 });
    const b = await initFragments(freshDir(), { type: 'shamir', shares: 3, threshold: 2 });
    const vault = new FragmentVault(a.fragmentFile);
    await vault.submitShare(b.shares![0]!);
    await assert.rejects(vault.submitShare(b.shares![1]!), DecryptionError);
    assert.equal(vault.status().progress, 0);
    assert.equal(vault.status().sealed, true);
    await vault.submitShare(a.shares![0]!);
    assert.equal((await vault.submitShare(a.shares![2]!)).sealed, false);
  });

  it('a tampered fragment file does not open', async () => {
    const keyFile = join(root, 'tamper.key');
    const { fragmentFile } = await initFragments(freshDir(), { type: 'key-file', keyFile });
    const original = JSON.parse(readFileSync(fragmentFile, 'utf8'));
    const key = readUnsealKeyFile(keyFile);
    writeFileSync(fragmentFile, JSON.stringify({ ...original, generations: [1, 2] }));
    assert.throws(() => openKeyring(readFragmentFile(fragmentFile), key), DecryptionError);
    const ct = Buffer.from(original.ct, 'base64');
    ct[0] = (ct[0] ?? 0) ^ 1;
    writeFileSync(fragmentFile, JSON.stringify({ ...original, ct: ct.toString('base64') }));
    assert.throws(() => openKeyring(readFragmentFile(fragmentFile), key), DecryptionError);
  });

  it('rotation adds a generation, keeps the old ones, and a running vault picks it up', async () => {
    const dir = freshDir();
    const keyFile = join(root, 'rotate.key');
    await initFragments(dir, { type: 'key-file', keyFile });
    const key = readUnsealKeyFile(keyFile);
    const vault = new FragmentVault(fragmentFilePath(dir));
    vault.unsealWithKey(key);
    const first = Buffer.from(vault.keyring().fragment(1));
    assert.throws(() => vault.keyring().fragment(2), UnknownGenerationError);
    assert.deepEqual(addFragmentGeneration(dir, key, 2), [1, 2]);
    // mtime resolution can hide a change made in the same millisecond; make the change visible to stat.
    const later = new Date(Date.now() + 5000);
    const { utimesSync } = await import('node:fs');
    utimesSync(fragmentFilePath(dir), later, later);
    assert.equal(vault.keyring().latest().generation, 2);
    assert.deepEqual(vault.keyring().fragment(1), first);
    assert.notDeepEqual(vault.keyring().fragment(2), first);
    assert.throws(() => addFragmentGeneration(dir, key, 2), /already exists/);
    assert.throws(() => addFragmentGeneration(dir, key, 1), /already exists/);
  });
});
