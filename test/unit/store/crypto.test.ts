// Root key handling, sealing at rest and the store share.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FragmentKeeper } from '../../../src/store/crypto/fragments.js';
import { loadRootKey, rootKeyEnv, rootKeyFileName } from '../../../src/store/crypto/rootkey.js';
import { seal, unseal } from '../../../src/store/crypto/seal.js';
import type { FragmentGeneration, StoreOps } from '../../../src/store/storage/types.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-rootkey-'));
  dirs.push(dir);
  return dir;
};

/** Just the generation table, in memory: enough for the fragment keeper. */
function generationTable(): StoreOps {
  const rows: FragmentGeneration[] = [];
  return {
    async listGenerations() {
      return [...rows];
    },
    async putGeneration(g: FragmentGeneration) {
      if (rows.some((r) => r.generation === g.generation)) throw new Error('duplicate');
      rows.push(g);
    },
  } as unknown as StoreOps;
}

describe('root key', () => {
  it('creates a 0600 key file once and reads the same key back', () => {
    const dir = tempDir();
    const key = loadRootKey({ dataDir: dir, env: {} });
    assert.equal(key.length, 32);
    assert.equal(statSync(join(dir, rootKeyFileName)).mode & 0o777, 0o600);
    assert.deepEqual(loadRootKey({ dataDir: dir, env: {} }), key);
  });

  it('prefers the environment variable and checks its length', () => {
    const key = randomBytes(32);
    assert.deepEqual(loadRootKey({ env: { [rootKeyEnv]: key.toString('base64') } }), key);
    assert.throws(() => loadRootKey({ env: { [rootKeyEnv]: 'c2hvcnQ=' } }), /32 bytes/);
  });

  it('refuses a key file others can read, naming the fix', () => {
    const dir = tempDir();
    loadRootKey({ dataDir: dir, env: {} });
    chmodSync(join(dir, rootKeyFileName), 0o644);
    assert.throws(() => loadRootKey({ dataDir: dir, env: {} }), /chmod 600/);
  });
});

describe('sealing at rest', () => {
  it('round-trips and refuses another key or another associated data', () => {
    const key = randomBytes(32);
    const sealed = seal(key, Buffer.from('fragment'), 'aad-1');
    assert.equal(unseal(key, sealed, 'aad-1').toString(), 'fragment');
    assert.throws(() => unseal(randomBytes(32), sealed, 'aad-1'), /wrong root key/);
    assert.throws(() => unseal(key, sealed, 'aad-2'), /wrong root key/);
  });
});

describe('fragment keeper', () => {
  it('creates generation 1, seals it, and computes HMAC shares', async () => {
    const rootKey = randomBytes(32);
    const table = generationTable();
    const keeper = new FragmentKeeper(rootKey);
    await keeper.load(table);
    assert.equal(keeper.activeGeneration, 1);
    const [stored] = await table.listGenerations();
    const fragment = unseal(rootKey, stored!.sealed, 'custos/store-fragment/v1|1');
    assert.equal(fragment.length, 32);
    const keyId = randomBytes(16);
    assert.deepEqual(keeper.share(1, keyId), createHmac('sha256', fragment).update(keyId).digest());
    // A second process with the same root key derives the same shares.
    const other = new FragmentKeeper(rootKey);
    await other.load(table);
    assert.deepEqual(other.share(1, keyId), keeper.share(1, keyId));
  });

  it('rotates to a new generation only once committed and keeps old shares', async () => {
    const table = generationTable();
    const keeper = new FragmentKeeper(randomBytes(32));
    await keeper.load(table);
    const keyId = randomBytes(16);
    const before = keeper.share(1, keyId);
    assert.equal(await keeper.rotate(table), 2);
    assert.equal(keeper.activeGeneration, 1, 'not adopted before refresh');
    await keeper.refresh(table);
    assert.equal(keeper.activeGeneration, 2);
    assert.deepEqual(keeper.share(1, keyId), before);
    assert.notDeepEqual(keeper.share(2, keyId), before);
    assert.throws(() => keeper.share(3, keyId), /generation 3 is not available/);
  });

  it('cannot load fragments sealed under another root key', async () => {
    const table = generationTable();
    await new FragmentKeeper(randomBytes(32)).load(table);
    await assert.rejects(new FragmentKeeper(randomBytes(32)).load(table), /wrong root key/);
  });

  it('never writes the fragment itself', async () => {
    const dir = tempDir();
    const rootKey = loadRootKey({ dataDir: dir, env: {} });
    const table = generationTable();
    await new FragmentKeeper(rootKey).load(table);
    const [stored] = await table.listGenerations();
    const fragment = unseal(rootKey, stored!.sealed, 'custos/store-fragment/v1|1');
    assert.ok(!Buffer.from(stored!.sealed, 'base64').includes(fragment));
    assert.ok(!readFileSync(join(dir, rootKeyFileName)).includes(fragment));
  });
});
