// Item calls of docs/store-protocol.md. Capability checks come before any lookup, so a caller without access
// learns nothing about whether a path exists.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { keyIdBytes } from '../crypto/fragments.js';
import { conflict, invalid, notFound } from '../errors.js';
import { assertItemPath, assertPrefix } from '../paths.js';
import type { Envelope, ItemRecord } from '../storage/types.js';
import { auditedWrite, permissions, requireCapability, requireSystem, type StoreContext, stateOf } from './context.js';
import {
  base64Field,
  type Json,
  metadataField,
  objectBody,
  optionalInt,
  optionalString,
  requiredInt,
  requiredString,
  tagsField,
} from './input.js';
import { knownGeneration, type ReadKind, readActions, readItem, shareFor } from './item-reads.js';

const purposes = ['create', 'update', 'read', 'rewrap'] as const;
type Purpose = (typeof purposes)[number];

export function registerItemRoutes(app: FastifyInstance, ctx: StoreContext): void {
  const now = () => new Date().toISOString();

  const generationOf = (generation: number) => knownGeneration(ctx, generation);

  async function envelopeFrom(input: Json): Promise<Envelope> {
    return {
      ciphertext: base64Field(input, 'ciphertext', { maxChars: ctx.maxCiphertextChars }),
      keyId: base64Field(input, 'keyId', { bytes: keyIdBytes }),
      generation: await generationOf(requiredInt(input, 'generation', 1)),
    };
  }

  function pathFrom(input: Json, request: FastifyRequest): string {
    const path = assertItemPath(input.path);
    stateOf(request).path = path;
    return path;
  }

  /** The single reads; the batched read (routes-batch.ts) answers each of its entries with the same function. */
  function singleRead(kind: ReadKind) {
    return async (request: FastifyRequest) =>
      readItem(
        ctx,
        kind,
        request.query as Json,
        () => permissions(ctx, request),
        (path) => {
          stateOf(request).path = path;
        },
      );
  }

  app.post('/v1/keys/share', { config: { action: 'key.share' } }, async (request) => {
    const input = objectBody(request.body);
    const path = pathFrom(input, request);
    const purpose = requiredString(input, 'purpose', 16) as Purpose;
    if (!purposes.includes(purpose)) throw invalid(`"purpose" must be one of ${purposes.join(', ')}`);
    if (purpose === 'rewrap') await requireSystem(ctx, request, 'fragment');
    else await requireCapability(ctx, request, path, purpose);
    const keyId = base64Field(input, 'keyId', { bytes: keyIdBytes });
    const generation = await generationOf(optionalInt(input, 'generation', 1) ?? ctx.fragments.activeGeneration);
    // d_store depends on the key id only, so shares are tied to paths here: a reader gets shares only for key ids
    // of that path, a writer only for fresh ones. A key id stolen from a database copy buys nothing.
    const users = await ctx.storage.pathsUsingKeyId(keyId);
    if (purpose === 'read' && !users.includes(path)) throw notFound(`no version of ${path} uses this keyId`);
    if (purpose !== 'read' && users.length > 0) throw conflict('this keyId is already in use; pick a fresh random one');
    return { share: await shareFor(ctx, { keyId, generation }), generation };
  });

  app.post('/v1/items', { config: { action: 'item.create' } }, async (request, reply) => {
    const input = objectBody(request.body);
    const path = pathFrom(input, request);
    await requireCapability(ctx, request, path, 'create');
    const envelope = await envelopeFrom(input);
    const type = optionalString(input, 'type', 64) ?? 'static';
    const tags = tagsField(input) ?? [];
    const description = optionalString(input, 'description', 4096) ?? '';
    const metadata = metadataField(input) ?? {};
    const at = now();
    const version = await auditedWrite(ctx, request, 201, async (tx) => {
      const created = await tx.createItem({ path, type, tags, description, metadata, ...envelope }, at);
      await tx.appendChange(path, created, 'create', at);
      return created;
    });
    ctx.feed.nudge();
    reply.code(201);
    return { path, version };
  });

  app.post('/v1/items/versions', { config: { action: 'item.update' } }, async (request) => {
    const input = objectBody(request.body);
    const path = pathFrom(input, request);
    await requireCapability(ctx, request, path, 'update');
    const envelope = await envelopeFrom(input);
    const expectedVersion = optionalInt(input, 'expectedVersion', 1);
    const at = now();
    const version = await auditedWrite(ctx, request, 200, async (tx) => {
      const added = await tx.addVersion(path, envelope, at, { expectedVersion });
      await tx.appendChange(path, added, 'update', at);
      return added;
    });
    ctx.feed.nudge();
    return { path, version };
  });

  app.get('/v1/items', { config: { action: readActions.read } }, singleRead('read'));

  app.get('/v1/items/describe', { config: { action: readActions.describe } }, singleRead('describe'));

  app.get('/v1/items/list', { config: { action: 'item.list' } }, async (request) => {
    const query = request.query as Json;
    const prefix = assertPrefix(query.prefix);
    stateOf(request).path = prefix;
    const tag = optionalString(query, 'tag', 256);
    const limit = optionalInt(query, 'limit', 1, 1000) ?? 100;
    const cursor = optionalString(query, 'cursor', 2048);
    let after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
    const allowed = await permissions(ctx, request);
    const items: ItemRecord[] = [];
    // Pages are filtered by the caller's list capability; keep reading until the page is full or the data ends.
    let exhausted = false;
    for (let round = 0; round < 20 && items.length < limit && !exhausted; round++) {
      const batch = await ctx.storage.listItems({ prefix, tag, after, limit: Math.max(limit, 100) });
      exhausted = batch.length < Math.max(limit, 100);
      for (const item of batch) {
        after = item.path;
        if (allowed.can(item.path, 'list')) items.push(item);
        if (items.length === limit) {
          exhausted = exhausted && item === batch.at(-1);
          break;
        }
      }
    }
    return {
      items: items.map((i) => ({
        path: i.path,
        version: i.latestVersion,
        type: i.type,
        tags: i.tags,
        description: i.description,
        updatedAt: i.updatedAt,
      })),
      ...(exhausted || after === undefined ? {} : { nextCursor: Buffer.from(after).toString('base64url') }),
    };
  });

  app.patch('/v1/items', { config: { action: 'item.update-meta' } }, async (request) => {
    const input = objectBody(request.body);
    const path = pathFrom(input, request);
    await requireCapability(ctx, request, path, 'update');
    const tags = tagsField(input);
    const description = optionalString(input, 'description', 4096);
    const item = await auditedWrite(ctx, request, 200, (tx) => tx.updateItemMeta(path, { tags, description }, now()));
    return { path, version: item.latestVersion };
  });

  app.delete('/v1/items', { config: { action: 'item.delete' } }, async (request, reply) => {
    const path = pathFrom(request.query as Json, request);
    await requireCapability(ctx, request, path, 'delete');
    const at = now();
    await auditedWrite(ctx, request, 204, async (tx) => {
      const item = await tx.getItem(path);
      if (!item || !(await tx.deleteItem(path))) throw notFound(`item ${path} does not exist`);
      await tx.appendChange(path, item.latestVersion, 'delete', at);
    });
    ctx.feed.nudge();
    reply.code(204);
    return null;
  });

  app.post('/v1/items/rollback', { config: { action: 'item.rollback' } }, async (request) => {
    const input = objectBody(request.body);
    const path = pathFrom(input, request);
    await requireCapability(ctx, request, path, 'update');
    const from = requiredInt(input, 'version', 1);
    const at = now();
    const version = await auditedWrite(ctx, request, 200, async (tx) => {
      const source = await tx.getVersion(path, from);
      if (!source) throw notFound(`version ${from} of item ${path} does not exist`);
      // The copied envelope stays sealed for its original version; sealedVersion tells the gateway which.
      const added = await tx.addVersion(path, source, at, { sealedVersion: source.sealedVersion });
      await tx.appendChange(path, added, 'update', at);
      return added;
    });
    ctx.feed.nudge();
    return { path, version };
  });

  app.post('/v1/items/rewrap-candidates', { config: { action: 'item.rewrap-candidates' } }, async (request) => {
    await requireSystem(ctx, request, 'fragment');
    const input = objectBody(request.body ?? {});
    const limit = optionalInt(input, 'limit', 1, 1000) ?? 100;
    await ctx.fragments.refresh(ctx.storage);
    const active = ctx.fragments.activeGeneration;
    const candidates = await ctx.storage.rewrapCandidates(active, limit);
    const items = [];
    for (const c of candidates) {
      items.push({
        path: c.path,
        version: c.version,
        sealedVersion: c.sealedVersion,
        ciphertext: c.ciphertext,
        keyId: c.keyId,
        generation: c.generation,
        share: await shareFor(ctx, c),
      });
    }
    return { activeGeneration: active, items };
  });

  app.post('/v1/items/rewrap', { config: { action: 'item.rewrap' } }, async (request) => {
    await requireSystem(ctx, request, 'fragment');
    const input = objectBody(request.body);
    const path = pathFrom(input, request);
    const version = requiredInt(input, 'version', 1);
    const fromGeneration = requiredInt(input, 'fromGeneration', 1);
    const envelope = await envelopeFrom(input);
    await auditedWrite(ctx, request, 200, async (tx) => {
      if (!(await tx.replaceEnvelope(path, version, fromGeneration, envelope))) {
        throw conflict(`version ${version} of ${path} is not on generation ${fromGeneration} (gone or re-wrapped)`);
      }
    });
    return { path, version, generation: envelope.generation };
  });
}
