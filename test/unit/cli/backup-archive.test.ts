// The shared archive crypto of the backup commands: halves round-trip, are bound to their kind and name, refuse a
// wrong key; dev archives written before the shared module still open; restore refuses the wrong kind by name and
// file names that leave the target dir.
import assert from 'node:assert/strict';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type ArchiveFormat,
  loadOrCreateBackupKey,
  openHalf,
  readArchive,
  sealHalf,
  writeRestoredFiles,
} from '../../../src/cli/backup-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'custos-backup-archive-'));
const files = { 'store.db': Buffer.from('db bytes').toString('base64'), 'root.key': 'cm9vdA==' };

describe('backup archive crypto', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a half of every kind and hides its content', () => {
    const key = randomBytes(32);
    for (const format of ['custos-dev-backup/v1', 'custos-store-backup/v1', 'custos-gateway-backup/v1'] as const) {
      const sealed = sealHalf(key, format, 'store', files);
      assert.equal(JSON.stringify(sealed).includes(files['store.db']), false);
      assert.deepEqual(openHalf(key, format, 'store', sealed), files);
    }
  });

  it('refuses a wrong key, another half name, another kind and a missing half', () => {
    const key = randomBytes(32);
    const sealed = sealHalf(key, 'custos-store-backup/v1', 'store', files);
    const refusal = /the (store|gateway) half does not open with this backup key/;
    assert.throws(() => openHalf(randomBytes(32), 'custos-store-backup/v1', 'store', sealed), refusal);
    assert.throws(() => openHalf(key, 'custos-store-backup/v1', 'gateway', sealed), refusal);
    for (const other of ['custos-dev-backup/v1', 'custos-gateway-backup/v1'] as ArchiveFormat[]) {
      assert.throws(() => openHalf(key, other, 'store', sealed), refusal);
    }
    assert.throws(() => openHalf(key, 'custos-store-backup/v1', 'gateway', undefined), /has no gateway half/);
  });

  it('opens a dev half sealed with the v1 derivation used before the shared module', () => {
    const key = randomBytes(32);
    const halfKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'custos/backup/v1/gateway', 32));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', halfKey, iv);
    cipher.setAAD(Buffer.from('custos/backup/v1|gateway'));
    const ct = Buffer.concat([cipher.update(JSON.stringify(files)), cipher.final(), cipher.getAuthTag()]);
    const sealed = { iv: iv.toString('base64'), ct: ct.toString('base64') };
    assert.deepEqual(openHalf(key, 'custos-dev-backup/v1', 'gateway', sealed), files);
  });

  it('names the kind of an archive restored with the wrong command', () => {
    const path = join(dir, 'store.backup');
    writeFileSync(path, JSON.stringify({ format: 'custos-store-backup/v1', createdAt: '' }));
    assert.equal(readArchive(path, 'custos-store-backup/v1').format, 'custos-store-backup/v1');
    assert.throws(
      () => readArchive(path, 'custos-gateway-backup/v1'),
      /is a store backup \(custos-store-backup\/v1\), not a gateway backup; restore it with `custos store backup restore`/,
    );
    writeFileSync(path, JSON.stringify({ format: 'something/v9' }));
    assert.throws(() => readArchive(path, 'custos-dev-backup/v1'), /is not a custos backup archive \(format something/);
    writeFileSync(path, 'not json');
    assert.throws(() => readArchive(path, 'custos-dev-backup/v1'), /is not a custos backup archive$/);
  });

  it('refuses file names outside the target dir before writing any file', () => {
    const target = join(dir, 'target');
    for (const bad of ['../escape', '/etc/passwd', 'tls/../../escape']) {
      assert.throws(() => writeRestoredFiles(target, { 'ok.txt': 'b2s=', [bad]: 'eA==' }), /outside the target dir/);
    }
    assert.equal(existsSync(target), false);
    writeRestoredFiles(target, { 'tls/ca.crt': 'Y2E=', 'root.key': 'aw==' });
    assert.equal(statSync(join(target, 'tls/ca.crt')).mode & 0o777, 0o644);
    assert.equal(statSync(join(target, 'root.key')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(target).sort(), ['root.key', 'tls']);
  });

  it('creates a 0600 backup key once and reads the same key back', () => {
    const path = join(dir, 'backup.key');
    const notes: string[] = [];
    const created = loadOrCreateBackupKey(path, (text) => notes.push(text));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(notes.join(''), /new backup key written to/);
    assert.deepEqual(
      loadOrCreateBackupKey(path, (text) => notes.push(text)),
      created,
    );
    assert.equal(notes.length, 1);
    writeFileSync(join(dir, 'short.key'), 'c2hvcnQ=\n');
    assert.throws(() => loadOrCreateBackupKey(join(dir, 'short.key'), () => {}), /is not a backup key/);
  });
});
