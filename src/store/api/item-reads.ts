// Reading one item as `GET /v1/items` and `GET /v1/items/describe` answer it, shared with the batched read so both
// give the same record, the same errors and the same order of checks (capability before any lookup).

import { invalid, notFound } from '../errors.js';
import { assertItemPath } from '../paths.js';
import type { Permissions } from '../policy/authorizer.js';
import type { ItemRecord, VersionRecord } from '../storage/types.js';
import { checkCapability, checkDescribe, type StoreContext } from './context.js';
import { type Json, optionalInt } from './input.js';

/** A full read (record with ciphertext and d_store) or a description (no ciphertext, no share). */
export type ReadKind = 'read' | 'describe';

/** Audit action of each kind, as the single-read routes name them. */
export const readActions: Record<ReadKind, string> = { read: 'item.read', describe: 'item.describe' };

export async function knownGeneration(ctx: StoreContext, generation: number): Promise<number> {
  if (!ctx.fragments.has(generation)) await ctx.fragments.refresh(ctx.storage);
  if (!ctx.fragments.has(generation)) throw invalid(`store fragment generation ${generation} does not exist`);
  return generation;
}

export async function shareFor(
  ctx: StoreContext,
  version: Pick<VersionRecord, 'generation' | 'keyId'>,
): Promise<string> {
  await knownGeneration(ctx, version.generation);
  return ctx.fragments.share(version.generation, Buffer.from(version.keyId, 'base64')).toString('base64');
}

export function describeVersion(
  item: ItemRecord,
  version: VersionRecord,
  versions: { version: number; createdAt: string }[],
) {
  return {
    path: item.path,
    version: version.version,
    sealedVersion: version.sealedVersion,
    keyId: version.keyId,
    generation: version.generation,
    type: item.type,
    tags: item.tags,
    description: item.description,
    metadata: item.metadata,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    versions,
  };
}

async function readVersion(ctx: StoreContext, path: string, requested: number | undefined) {
  const item = await ctx.storage.getItem(path);
  if (!item) throw notFound(`item ${path} does not exist`);
  const version = await ctx.storage.getVersion(path, requested ?? item.latestVersion);
  if (!version) throw notFound(`version ${requested} of item ${path} does not exist`);
  return { item, version, versions: await ctx.storage.listVersions(path) };
}

/**
 * One read: `input` holds `path` and an optional `version` (query strings or JSON numbers). `onPath` learns the
 * validated path before anything else happens (the audit entry names it); `allowed` gives the caller's permissions.
 */
export async function readItem(
  ctx: StoreContext,
  kind: ReadKind,
  input: Json,
  allowed: () => Promise<Permissions>,
  onPath: (path: string) => void,
) {
  const path = assertItemPath(input.path);
  onPath(path);
  if (kind === 'read') checkCapability(await allowed(), path, 'read');
  else checkDescribe(await allowed(), path);
  const { item, version, versions } = await readVersion(ctx, path, optionalInt(input, 'version', 1));
  const described = describeVersion(item, version, versions);
  if (kind === 'describe') return described;
  return { ...described, ciphertext: version.ciphertext, share: await shareFor(ctx, version) };
}
