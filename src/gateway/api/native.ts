// The gateway's native JSON API for the CLI and the custos provider. Values travel as UTF-8 strings in JSON;
// everything else (auth, policy, versions, listing, the change feed) is the store's, passed through with the
// caller's token. Errors: {"error":{"code","message"}} with the store protocol's codes plus "sealed", "too_large".
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DecryptionError, MalformedError } from '../crypto/errors.js';
import { invalid } from '../errors.js';
import { checkPath, checkPrefix } from '../paths.js';
import type { LoginRequest } from '../store-client.js';
import {
  bearerToken,
  bodyObject,
  classify,
  type GatewayContext,
  optionalInteger,
  optionalString,
  optionalStringArray,
  requiredString,
} from './common.js';

type Query = Record<string, unknown>;

export function registerNativeApi(app: FastifyInstance, context: GatewayContext): void {
  const { secrets, store, vault } = context;

  app.setErrorHandler((error, request, reply) => {
    const failure = classify(error, request.log);
    void reply.status(failure.status).send({ error: { code: failure.code, message: failure.message } });
  });

  const token = (request: FastifyRequest) => bearerToken(request.headers.authorization);
  const query = (request: FastifyRequest) => request.query as Query;

  app.get('/v1/health', async () => ({ status: 'ok', sealed: vault.status().sealed }));

  app.get('/v1/sys/status', async () => {
    const status = vault.status();
    return { ...status, threshold: status.seal.type === 'shamir' ? status.seal.threshold : undefined };
  });

  app.post('/v1/sys/unseal', async (request) => {
    const share = requiredString(bodyObject(request.body), 'share');
    const status = await vault.submitShare(share).catch((error: unknown) => {
      // A malformed share or shares that do not rebuild the key are the caller's input, not a server fault.
      if (error instanceof MalformedError || error instanceof DecryptionError) throw invalid(error.message);
      throw error;
    });
    request.log.info({ sealed: status.sealed, progress: status.progress }, 'unseal share received');
    return status;
  });

  app.post('/v1/sys/seal', async (request) => {
    // Sealing drops the keys from memory (an emergency stop). Only a caller with the store's `fragment`
    // capability may do it: listing the store's generations checks exactly that.
    await store.generations(token(request));
    vault.seal();
    request.log.warn('gateway sealed by request');
    return vault.status();
  });

  app.post('/v1/auth/login', async (request) => store.login(bodyObject(request.body) as unknown as LoginRequest));
  app.post('/v1/auth/validate', async (request) => store.validate(token(request)));

  app.post('/v1/secrets', async (request, reply) => {
    const body = bodyObject(request.body);
    const result = await secrets.put(token(request), {
      path: checkPath(body.path),
      value: Buffer.from(requiredString(body, 'value'), 'utf8'),
      tags: optionalStringArray(body, 'tags'),
      description: optionalString(body, 'description'),
      expectedVersion: optionalInteger(body, 'expectedVersion', 0),
      mode: modeOf(body.mode),
    });
    return reply.status(result.created ? 201 : 200).send(result);
  });

  app.get('/v1/secrets', async (request) => {
    const q = query(request);
    const { item, value } = await secrets.get(token(request), checkPath(q.path), optionalInteger(q, 'version', 1));
    return { ...publicItem(item), value: value.toString('utf8') };
  });

  app.get('/v1/secrets/describe', async (request) =>
    publicItem(await store.describeItem(token(request), checkPath(query(request).path))),
  );

  app.get('/v1/secrets/versions', async (request) => {
    const item = await store.describeItem(token(request), checkPath(query(request).path));
    return { path: item.path, version: item.version, versions: item.versions };
  });

  app.get('/v1/secrets/list', async (request) => {
    const q = query(request);
    return store.listItems(token(request), {
      prefix: checkPrefix(q.prefix),
      tag: optionalString(q, 'tag'),
      limit: optionalInteger(q, 'limit', 1),
      cursor: optionalString(q, 'cursor'),
    });
  });

  app.patch('/v1/secrets', async (request) => {
    const body = bodyObject(request.body);
    return store.patchItem(token(request), {
      path: checkPath(body.path),
      tags: optionalStringArray(body, 'tags'),
      description: optionalString(body, 'description'),
    });
  });

  app.delete('/v1/secrets', async (request, reply) => {
    await store.deleteItem(token(request), checkPath(query(request).path));
    return reply.status(204).send();
  });

  app.post('/v1/secrets/rollback', async (request) => {
    const body = bodyObject(request.body);
    const version = optionalInteger(body, 'version', 1);
    if (version === undefined) throw invalid('"version" is required: the version whose value becomes the newest');
    const result = await secrets.rollback(token(request), checkPath(body.path), version);
    return { path: result.path, version: result.version, from: version };
  });

  app.post('/v1/sys/rewrap', async (request) => {
    const limit = optionalInteger(bodyObject(request.body), 'limit', 1) ?? 100;
    return secrets.rewrapAll(token(request), Math.min(limit, 1000));
  });

  app.get('/v1/events', async (request, reply) => streamEvents(context, request, reply));
}

function modeOf(value: unknown): 'create' | 'update' | 'upsert' {
  if (value === undefined || value === null) return 'upsert';
  if (value === 'create' || value === 'update' || value === 'upsert') return value;
  throw invalid('"mode" must be "create", "update" or "upsert" (the default)');
}

/** Store metadata a client may see; the keyId and generation stay internal. */
function publicItem(item: {
  path: string;
  version: number;
  type: string;
  tags: string[];
  description: string;
  createdAt: string;
  updatedAt: string;
  versions?: { version: number; createdAt: string }[];
}) {
  return {
    path: item.path,
    version: item.version,
    type: item.type,
    tags: item.tags,
    description: item.description,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    versions: item.versions,
  };
}

/** Relays the store's server-sent events; they carry paths and versions only, never values. */
async function streamEvents(context: GatewayContext, request: FastifyRequest, reply: FastifyReply) {
  const q = request.query as Query;
  const upstream = await context.store.events(bearerToken(request.headers.authorization), {
    prefix: q.prefix === undefined ? undefined : checkPrefix(q.prefix),
    since: optionalString(q, 'since'),
  });
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  upstream.pipe(reply.raw);
  const stop = () => upstream.destroy();
  reply.raw.on('close', stop);
  upstream.on('error', () => reply.raw.destroy());
  upstream.on('end', () => reply.raw.end());
}
