// The storage contract, run on SQLite and on a real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyAuditChain } from '../../../src/store/audit/chain.js';
import type { StoreError } from '../../../src/store/errors.js';
import type { Envelope, StoreStorage } from '../../../src/store/storage/types.js';
import { backends } from './backends.js';

const at = () => new Date().toISOString();
const envelope = (n: number, generation = 1): Envelope => ({
  ciphertext: Buffer.from(`ct-${n}`).toString('base64'),
  keyId: Buffer.alloc(16, n).toString('base64'),
  generation,
});
const item = (path: string, tags: string[] = []) => ({
  path,
  type: 'static',
  tags,
  description: `d ${path}`,
  metadata: { owner: 'team-a' },
  ...envelope(1),
});

for (const backend of backends) {
  describe(`storage on ${backend.name}`, { skip: backend.skip }, () => {
    let storage: StoreStorage;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ storage, cleanup } = await backend.open());
    });
    after(async () => cleanup?.());

    it('creates an item at version 1 and refuses a second create of the same path', async () => {
      assert.equal(await storage.createItem(item('/a/one', ['k=v', 'k8s-external-secrets']), at()), 1);
      const got = await storage.getItem('/a/one');
      assert.equal(got?.latestVersion, 1);
      assert.deepEqual(got?.tags, ['k8s-external-secrets', 'k=v']);
      assert.deepEqual(got?.metadata, { owner: 'team-a' });
      await assert.rejects(storage.createItem(item('/a/one'), at()), (e: StoreError) => e.code === 'conflict');
    });

    it('adds versions, keeps old ones, and checks expectedVersion', async () => {
      await storage.createItem(item('/a/two'), at());
      assert.equal(await storage.addVersion('/a/two', envelope(2), at()), 2);
      assert.equal(await storage.addVersion('/a/two', envelope(3), at(), { expectedVersion: 2 }), 3);
      await assert.rejects(
        storage.addVersion('/a/two', envelope(4), at(), { expectedVersion: 2 }),
        (e: StoreError) => e.code === 'conflict',
      );
      await assert.rejects(storage.addVersion('/a/none', envelope(4), at()), (e: StoreError) => e.code === 'not_found');
      assert.equal((await storage.getVersion('/a/two', 1))?.ciphertext, envelope(1).ciphertext);
      assert.equal((await storage.getVersion('/a/two', 3))?.ciphertext, envelope(3).ciphertext);
      assert.equal(await storage.addVersion('/a/two', envelope(1), at(), { sealedVersion: 1 }), 4);
      assert.equal((await storage.getVersion('/a/two', 4))?.sealedVersion, 1);
      assert.equal((await storage.getVersion('/a/two', 3))?.sealedVersion, 3);
      assert.deepEqual(
        (await storage.listVersions('/a/two')).map((v) => v.version),
        [1, 2, 3, 4],
      );
    });

    it('keeps every version when writers race on one item', async () => {
      await storage.createItem(item('/race/x'), at());
      const versions = await Promise.all(
        Array.from({ length: 20 }, (_, i) => storage.transaction((tx) => tx.addVersion('/race/x', envelope(i), at()))),
      );
      assert.deepEqual(
        [...versions].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 2),
      );
      assert.equal((await storage.listVersions('/race/x')).length, 21);
    });

    it('lists by prefix literally (no LIKE wildcards), by tag, with a cursor', async () => {
      await storage.createItem(item('/list/a_1', ['env=prod']), at());
      await storage.createItem(item('/list/aX1'), at());
      await storage.createItem(item('/list/b', ['env=prod']), at());
      await storage.createItem(item('/LIST/c'), at());
      const underscore = await storage.listItems({ prefix: '/list/a_', limit: 10 });
      assert.deepEqual(
        underscore.map((i) => i.path),
        ['/list/a_1'],
      );
      const all = await storage.listItems({ prefix: '/list/', limit: 10 });
      assert.deepEqual(
        all.map((i) => i.path),
        ['/list/aX1', '/list/a_1', '/list/b'].sort(),
      );
      const tagged = await storage.listItems({ prefix: '/', tag: 'env=prod', limit: 10 });
      assert.deepEqual(
        tagged.map((i) => i.path),
        ['/list/a_1', '/list/b'],
      );
      const page = await storage.listItems({ prefix: '/list/', limit: 1, after: all[0]!.path });
      assert.deepEqual(
        page.map((i) => i.path),
        [all[1]!.path],
      );
    });

    it('updates tags and description, deletes items with their versions', async () => {
      await storage.createItem(item('/meta/x', ['a']), at());
      const updated = await storage.updateItemMeta('/meta/x', { tags: ['b', 'c'], description: 'new' }, at());
      assert.deepEqual(updated.tags, ['b', 'c']);
      assert.equal(updated.description, 'new');
      assert.equal(await storage.deleteItem('/meta/x'), true);
      assert.equal(await storage.getItem('/meta/x'), undefined);
      assert.equal(await storage.getVersion('/meta/x', 1), undefined);
      assert.equal(await storage.deleteItem('/meta/x'), false);
      await assert.rejects(
        storage.updateItemMeta('/meta/x', { description: 'x' }, at()),
        (e: StoreError) => e.code === 'not_found',
      );
    });

    it('rolls a transaction back completely when it throws', async () => {
      await assert.rejects(
        storage.transaction(async (tx) => {
          await tx.createItem(item('/tx/rolled-back'), at());
          await tx.appendChange('/tx/rolled-back', 1, 'create', at());
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await storage.getItem('/tx/rolled-back'), undefined);
    });

    it('numbers changes in order and lists them after a sequence', async () => {
      const first = await storage.appendChange('/c/1', 1, 'create', at());
      const second = await storage.appendChange('/c/1', 2, 'update', at());
      assert.ok(second > first);
      const changes = await storage.listChanges(first, 10);
      assert.deepEqual(
        changes.map((c) => [c.seq, c.op]),
        [[second, 'update']],
      );
      assert.equal(await storage.lastChangeSeq(), second);
    });

    it('finds versions on old generations and re-wraps them in place only once', async () => {
      await storage.createItem({ ...item('/gen/x'), ...envelope(1, 1) }, at());
      await storage.addVersion('/gen/x', envelope(2, 2), at());
      const candidates = await storage.rewrapCandidates(2, 100);
      assert.ok(candidates.some((c) => c.path === '/gen/x' && c.version === 1));
      assert.ok(!candidates.some((c) => c.path === '/gen/x' && c.version === 2));
      assert.equal(await storage.replaceEnvelope('/gen/x', 1, 1, envelope(9, 2)), true);
      assert.equal(await storage.replaceEnvelope('/gen/x', 1, 1, envelope(9, 2)), false);
      assert.equal((await storage.getVersion('/gen/x', 1))?.generation, 2);
    });

    it('stores auth methods, roles, bindings and tokens', async () => {
      await storage.putAuthMethod({
        accessId: 'p-1',
        name: 'm1',
        type: 'api_key',
        config: { keyHash: 'h' },
        createdAt: at(),
      });
      assert.equal((await storage.getAuthMethod('p-1'))?.config.keyHash, 'h');
      await storage.putRole({
        name: 'r',
        rules: [{ path: '/a/*', capabilities: ['read'] }],
        system: [],
        createdAt: at(),
        updatedAt: at(),
      });
      await storage.putBinding({ role: 'r', accessId: 'p-1', boundClaims: { namespace: ['x'] } });
      assert.deepEqual(await storage.bindingsFor('p-1'), [
        { role: 'r', accessId: 'p-1', boundClaims: { namespace: ['x'] } },
      ]);
      const expiresAt = new Date(Date.now() + 60_000).toISOString();
      await storage.putToken({
        tokenHash: 'th',
        accessId: 'p-1',
        claims: { a: 'b' },
        expiresAt,
        revoked: false,
        createdAt: at(),
      });
      assert.equal((await storage.getToken('th'))?.revoked, false);
      assert.equal(await storage.revokeToken('th'), true);
      assert.equal((await storage.getToken('th'))?.revoked, true);
      assert.equal(await storage.deleteAuthMethod('p-1'), true);
      assert.deepEqual(await storage.bindingsFor('p-1'), []);
    });

    it('chains audit entries, also under concurrent appends', async () => {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          storage.transaction((tx) =>
            tx.appendAudit({
              at: at(),
              actor: 'p-1',
              action: 'item.read',
              path: `/p/${i}`,
              outcome: 'ok',
              detail: { status: 200 },
            }),
          ),
        ),
      );
      const entries = await storage.listAudit(1, 1000);
      assert.ok(entries.length >= 10);
      assert.deepEqual(verifyAuditChain(entries).ok, true);
    });

    it('keeps fragment generations and refuses a duplicate', async () => {
      await storage.putGeneration({ generation: 1, sealed: 's1', createdAt: at() });
      await assert.rejects(
        storage.putGeneration({ generation: 1, sealed: 's2', createdAt: at() }),
        (e: StoreError) => e.code === 'conflict',
      );
      assert.deepEqual(
        (await storage.listGenerations()).map((g) => g.sealed),
        ['s1'],
      );
    });
  });
}
