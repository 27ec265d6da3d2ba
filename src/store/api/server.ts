// The store's HTTP server (docs/store-protocol.md). Every request is audited before its answer leaves: the audit
// hook runs on every response, and when the entry cannot be written the answer is replaced by a 503.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { appendAudit } from '../audit/log.js';
import type { FailureLimiter } from '../auth/ratelimit.js';
import { derivePepper } from '../auth/secrets.js';
import { AuthService, RateLimitedError } from '../auth/service.js';
import { FragmentKeeper } from '../crypto/fragments.js';
import { StoreError } from '../errors.js';
import { ChangeFeed } from '../feed.js';
import { openStore, type StoreLocation } from '../open.js';
import type { StoreStorage } from '../storage/types.js';
import { auditDraft, type StoreContext, stateOf, storageFailureMessage } from './context.js';
import { ConciseRequestLog } from './request-log.js';
import { registerAdminRoutes } from './routes-admin.js';
import { bearerToken, registerAuthRoutes } from './routes-auth.js';
import { registerBatchReadRoute } from './routes-batch.js';
import { registerEventRoutes } from './routes-events.js';
import { registerFragmentRoutes } from './routes-fragment.js';
import { registerItemRoutes } from './routes-items.js';

export const defaultMaxValueBytes = 1024 * 1024;

export interface StoreServerOptions {
  /** an open storage (not closed by close()), or where to open one (closed by close()) */
  storage?: StoreStorage;
  rootKey?: Buffer;
  location?: StoreLocation;
  host?: string;
  port?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** plain HTTP on a non-loopback address; refused unless set */
  allowInsecureHttp?: boolean;
  /** largest secret value the gateway may store (default 1 MiB); the ciphertext limit follows from it */
  maxValueBytes?: number;
  tokenTtlSeconds?: number;
  keepaliveMs?: number;
  feedPollMs?: number;
  loginLimiter?: FailureLimiter;
  logger?: Logger | false;
}

export interface StoreServer {
  url: string;
  app: FastifyInstance;
  context: StoreContext;
  close(): Promise<void>;
}

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

/** base64(JSON envelope with base64 ciphertext inside): each layer grows by 4/3, plus room for the JSON fields. */
function ciphertextLimit(maxValueBytes: number): number {
  return Math.ceil((maxValueBytes + 64) * (16 / 9)) + 4096;
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export async function createStoreServer(options: StoreServerOptions): Promise<StoreServer> {
  const host = options.host ?? '127.0.0.1';
  if (!options.tls && !loopback.has(host) && !options.allowInsecureHttp) {
    throw new Error(`refusing plain HTTP on ${host}: give a TLS cert and key, or listen on 127.0.0.1`);
  }
  let storage = options.storage;
  let rootKey = options.rootKey;
  let ownsStorage = false;
  if (!storage) {
    if (!options.location) throw new Error('createStoreServer needs storage and rootKey, or a location');
    ({ storage, rootKey } = await openStore(options.location));
    ownsStorage = true;
  }
  if (!rootKey) throw new Error('createStoreServer needs the root key with an open storage');

  const fragments = new FragmentKeeper(rootKey);
  await fragments.load(storage);
  const feed = new ChangeFeed(storage, options.feedPollMs ?? 1000);
  await feed.start();
  const maxCiphertextChars = ciphertextLimit(options.maxValueBytes ?? defaultMaxValueBytes);
  const ctx: StoreContext = {
    storage,
    fragments,
    feed,
    auth: new AuthService(storage, {
      pepper: derivePepper(rootKey),
      tokenTtlSeconds: options.tokenTtlSeconds,
      limiter: options.loginLimiter,
    }),
    maxCiphertextChars,
    keepaliveMs: options.keepaliveMs ?? 15_000,
  };

  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    bodyLimit: maxCiphertextChars + 16 * 1024,
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Every request is in the audit log already: one short debug line per request, nothing at info.
    logController: new ConciseRequestLog(),
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  app.addHook('onRequest', async (request) => {
    stateOf(request);
  });

  app.addHook('preHandler', async (request) => {
    const config = request.routeOptions.config as { public?: boolean };
    if (config.public) return;
    const state = stateOf(request);
    state.session = await ctx.auth.authenticate(bearerToken(request.headers.authorization));
    state.actor = state.session.identity.accessId;
  });

  // Fail closed: the request's audit entry is written before any answer is sent.
  app.addHook('onSend', async (request, reply, payload) => {
    const state = stateOf(request);
    if (state.audited) return payload;
    state.audited = true;
    try {
      await appendAudit(ctx.storage, auditDraft(request, state, reply.statusCode));
      return payload;
    } catch (error) {
      const cause = (error as Error).cause as Error | undefined;
      request.log.error({ action: state.action, cause: cause?.message }, 'audit log write failed; request refused');
      reply.code(503).header('content-type', 'application/json; charset=utf-8');
      reply.removeHeader('retry-after');
      return JSON.stringify(errorBody('unavailable', (error as Error).message));
    }
  });

  app.setErrorHandler((error: FastifyError | StoreError, request, reply) => {
    const state = stateOf(request);
    if (error instanceof StoreError) {
      state.errorCode = error.code;
      if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(error.status).send(errorBody(error.code, error.message));
    }
    const status = (error as FastifyError).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      state.errorCode = 'invalid';
      const message =
        status === 413
          ? `the request body is larger than ${app.initialConfig.bodyLimit} bytes (values are limited to ${options.maxValueBytes ?? defaultMaxValueBytes} bytes)`
          : status === 415
            ? 'send JSON bodies with content-type: application/json'
            : `bad request: ${error.message}`;
      return reply.code(status).send(errorBody('invalid', message));
    }
    state.errorCode = 'unavailable';
    request.log.error({ err: { message: error.message, code: (error as FastifyError).code } }, 'store request failed');
    return reply.code(503).send(errorBody('unavailable', storageFailureMessage));
  });

  app.setNotFoundHandler((request, reply) => {
    stateOf(request).errorCode = 'not_found';
    return reply.code(404).send(errorBody('not_found', `no endpoint ${request.method} ${request.url.split('?')[0]}`));
  });

  app.get('/v1/health', { config: { action: 'health', public: true } }, async (request) => {
    // Health checks are frequent and carry no identity: they are not audited.
    stateOf(request).audited = true;
    await ctx.storage.lastChangeSeq();
    return { status: 'ok', backend: ctx.storage.backend, activeGeneration: ctx.fragments.activeGeneration };
  });

  const streams = new Set<() => void>();
  registerAuthRoutes(app, ctx);
  registerItemRoutes(app, ctx);
  registerBatchReadRoute(app, ctx);
  registerFragmentRoutes(app, ctx);
  registerEventRoutes(app, ctx, streams);
  registerAdminRoutes(app, ctx);

  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${address.port}`;

  // Expired tokens are useless; drop them now and then so the table stays small.
  const sweeper = setInterval(() => {
    ctx.storage.deleteExpiredTokens(new Date().toISOString()).catch(() => undefined);
  }, 10 * 60_000);
  sweeper.unref();

  let closed = false;
  return {
    url,
    app,
    context: ctx,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      feed.stop();
      for (const end of [...streams]) end();
      await app.close();
      if (ownsStorage) await storage.close();
    },
  };
}
