// The gateway's HTTP(S) server: the native API under /v1 and the Akeyless v2 subset at "/", "/v2", "/api/v2" and
// "/akeyless-api/v2" -- the base URL forms ESO users configure, the last one seed 001's.
// TLS is the default; plain HTTP only when asked for explicitly.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { ConciseRequestLog } from '../store/api/request-log.js';
import { registerAkeylessApi } from './api/akeyless.js';
import type { GatewayContext } from './api/common.js';
import { registerNativeApi } from './api/native.js';
import { registerStoreRelay } from './api/store-relay.js';
import { fragmentFilePath } from './crypto/admin.js';
import { readUnsealKeyFile } from './crypto/unseal-key.js';
import { FragmentVault } from './crypto/vault.js';
import { GatewayError } from './errors.js';
import type { ReadBatcherOptions } from './read-batcher.js';
import { defaultMaxValueBytes, SecretService } from './secrets.js';
import { StoreClient } from './store-client.js';
import { loadOrCreateServingCertificate, type ServingCertificate } from './tls.js';

export interface GatewayServerOptions {
  /** The store's base URL. */
  storeUrl: string;
  /** PEM bundle to trust for the store's certificate. */
  storeCaPem?: string;
  /** Holds fragments.json (from `custos fragment init`) and, when generated, tls/. */
  configDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Given certificate; without one a certificate is generated into <configDir>/tls. */
  tls?: { certPem: string; keyPem: string };
  /** Extra DNS names / IPs for a generated certificate. */
  tlsNames?: string[];
  /** Serve plain HTTP. For tests and TLS-terminating proxies only. */
  insecureHttp?: boolean;
  /** Unseal at start with this key file (key-file seal); otherwise the gateway starts sealed. */
  unsealKeyFile?: string;
  maxValueBytes?: number;
  /** Batch concurrent item reads of one token into one store request under load (default on); see read-batcher.ts. */
  storeReadBatching?: boolean | ReadBatcherOptions;
  /** A pino logger, or false for none. Default: pino at info level on stderr. */
  logger?: FastifyBaseLogger | false;
}

export interface GatewayServer {
  url: string;
  /** The CA of a generated serving certificate (PEM), for clients to trust. */
  caPem?: string;
  caPath?: string;
  vault: FragmentVault;
  close(): Promise<void>;
}

/** JSON bodies: an empty body is "no body" (ESO's URL probe sends one); a parse error never echoes the input. */
function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new GatewayError('invalid', 400, 'the request body is not valid JSON'), undefined);
    }
  });
}

export interface GatewayAppOptions {
  logger?: FastifyBaseLogger | false;
  maxValueBytes: number;
  https?: { cert: string; key: string };
}

/** The routes without a listening socket: createGatewayServer listens on it, unit tests call `inject`. */
export async function buildGatewayApp(context: GatewayContext, options: GatewayAppOptions): Promise<FastifyInstance> {
  const logger = options.logger === false ? pino({ enabled: false }) : (options.logger ?? pino({ level: 'info' }));
  const app = Fastify({
    loggerInstance: logger,
    // One debug line per request instead of Fastify's two info lines: info shows start, stop and errors only.
    logController: new ConciseRequestLog(),
    // A value's JSON text can be up to 6x its bytes (\u escapes); the exact limit is checked on the decoded value.
    bodyLimit: options.maxValueBytes * 6 + 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    // Change-feed relays are hijacked, long-lived responses: close() must cut them or it waits for clients forever.
    forceCloseConnections: true,
    ...(options.https ? { https: { ...options.https, minVersion: 'TLSv1.2' } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  installJsonParser(app);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: { code: 'not_found', message: `no such endpoint: ${request.method} ${request.url.split('?')[0]}` },
    });
  });
  await app.register(async (child) => registerNativeApi(child, context));
  registerStoreRelay(app, context.store);
  for (const prefix of ['', '/v2', '/api/v2', '/akeyless-api/v2']) {
    await app.register(
      async (child) => {
        registerAkeylessApi(child, context);
        if (prefix) {
          child.setNotFoundHandler((_request, reply) => {
            void reply.status(404).send({ error: 'unknown command' });
          });
        }
      },
      { prefix },
    );
  }
  return app;
}

export async function createGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const vault = new FragmentVault(fragmentFilePath(options.configDir));
  if (options.unsealKeyFile) vault.unsealWithKey(readUnsealKeyFile(options.unsealKeyFile));
  const store = new StoreClient({
    url: options.storeUrl,
    ca: options.storeCaPem,
    readBatching: options.storeReadBatching,
  });
  const maxValueBytes = options.maxValueBytes ?? defaultMaxValueBytes;
  const context: GatewayContext = { secrets: new SecretService(store, vault, maxValueBytes), store, vault };

  let certificate: ServingCertificate | undefined;
  if (!options.insecureHttp) {
    certificate = options.tls ?? (await loadOrCreateServingCertificate(options.configDir, options.tlsNames ?? []));
  }
  const app = await buildGatewayApp(context, {
    logger: options.logger,
    maxValueBytes,
    https: certificate ? { cert: certificate.certPem, key: certificate.keyPem } : undefined,
  });
  let url: string;
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('the gateway has no TCP address');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    url = `${certificate ? 'https' : 'http'}://${host}:${address.port}`;
  } catch (error) {
    store.close();
    await app.close();
    throw error;
  }
  return {
    url,
    caPem: certificate && 'caPem' in certificate ? certificate.caPem : undefined,
    caPath: certificate && 'caPath' in certificate ? certificate.caPath : undefined,
    vault,
    async close() {
      await app.close();
      store.close();
      vault.seal();
    },
  };
}

/** Reads a PEM file with an error that names the flag to fix. */
export function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
