// The embedded default (`custos dev`): a store and a gateway in one process on one local data dir. First start
// creates everything (store root key, admin/gateway API keys, customer fragment sealed by a key file, TLS CA);
// later starts reuse it. The store listens on loopback only; clients talk to the gateway, which also relays the
// store's admin and audit calls so one URL and one CA are enough for the whole CLI.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { bootstrapStore, createStoreServer, type StoreServer } from '../store/index.js';
import type { GatewayContext } from './api/common.js';
import { fragmentFilePath, initFragments } from './crypto/admin.js';
import { readUnsealKeyFile } from './crypto/unseal-key.js';
import { FragmentVault } from './crypto/vault.js';
import { defaultMaxValueBytes, SecretService } from './secrets.js';
import { buildGatewayApp } from './server.js';
import { StoreClient } from './store-client.js';
import { loadOrCreateServingCertificate } from './tls.js';

/** Names of the files `custos dev` keeps in its data dir. */
export const embeddedFiles = {
  storeDir: 'store',
  gatewayDir: 'gateway',
  unsealKey: 'unseal.key',
  /** the admin and gateway API keys from the first start, 0600 */
  credentials: 'credentials.json',
  /** where the running instance listens (no secrets), for `custos login --dev` */
  endpoint: 'endpoint.json',
} as const;

export interface EmbeddedCredentials {
  admin: { accessId: string; accessKey: string };
  gateway: { accessId: string; accessKey: string };
}

export interface EmbeddedEndpoint {
  gatewayUrl: string;
  caPath: string;
  pid: number;
  startedAt: string;
}

export interface EmbeddedOptions {
  dataDir: string;
  host?: string;
  /** gateway port; 0 picks a free one */
  port?: number;
  /** extra DNS names / IPs for the generated gateway certificate */
  tlsNames?: string[];
  tokenTtlSeconds?: number;
  maxValueBytes?: number;
  /** one pino logger for both halves (default: info on stderr), or false for none */
  logger?: Logger | false;
}

export interface EmbeddedServer {
  gatewayUrl: string;
  storeUrl: string;
  caPath: string;
  dataDir: string;
  credentialsPath: string;
  /** the admin credential, only on the first start (it is also saved 0600 in credentialsPath) */
  created?: EmbeddedCredentials;
  close(): Promise<void>;
}

function readCredentials(path: string): EmbeddedCredentials {
  return JSON.parse(readFileSync(path, 'utf8')) as EmbeddedCredentials;
}

/** Starts (and on first start, creates) the embedded store + gateway. */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = options.dataDir;
  const storeDir = join(dataDir, embeddedFiles.storeDir);
  const gatewayDir = join(dataDir, embeddedFiles.gatewayDir);
  const unsealKeyPath = join(dataDir, embeddedFiles.unsealKey);
  const credentialsPath = join(dataDir, embeddedFiles.credentials);
  const fragmentsPath = fragmentFilePath(gatewayDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const hasCredentials = existsSync(credentialsPath);
  const hasFragments = existsSync(fragmentsPath);
  const storeExists = existsSync(join(storeDir, 'store.db'));
  if (!hasCredentials && (storeExists || hasFragments)) {
    throw new Error(
      `${dataDir} holds a partly created dev instance (no ${embeddedFiles.credentials}); ` +
        'remove the directory or choose another --data-dir',
    );
  }
  if (hasCredentials && !hasFragments) {
    throw new Error(`${fragmentsPath} is missing: the dev data in ${dataDir} cannot be decrypted any more`);
  }

  let created: EmbeddedCredentials | undefined;
  const storeLocation = { dataDir: storeDir, env: {} };
  if (!hasCredentials) {
    created = await bootstrapStore(storeLocation);
    // Saved before anything is printed, so a crash never loses the only copy of the admin key.
    writeFileSync(credentialsPath, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }

  const logger = options.logger === undefined ? pino({ level: 'info' }, pino.destination(2)) : options.logger;
  let store: StoreServer | undefined;
  let storeClient: StoreClient | undefined;
  try {
    store = await createStoreServer({
      location: storeLocation,
      host: '127.0.0.1',
      port: 0,
      tokenTtlSeconds: options.tokenTtlSeconds,
      maxValueBytes: options.maxValueBytes,
      logger: logger ? logger.child({ name: 'custos-store' }) : false,
    });
    if (!hasFragments) {
      await initFragments(
        gatewayDir,
        { type: 'key-file', keyFile: unsealKeyPath },
        store.context.fragments.activeGeneration,
      );
    }
    const vault = new FragmentVault(fragmentsPath);
    vault.unsealWithKey(readUnsealKeyFile(unsealKeyPath));
    storeClient = new StoreClient({ url: store.url });
    const maxValueBytes = options.maxValueBytes ?? defaultMaxValueBytes;
    const context: GatewayContext = {
      secrets: new SecretService(storeClient, vault, maxValueBytes),
      store: storeClient,
      vault,
    };
    const certificate = await loadOrCreateServingCertificate(gatewayDir, options.tlsNames ?? []);
    const app = await buildGatewayApp(context, {
      logger: logger ? logger.child({ name: 'custos-gateway' }) : false,
      maxValueBytes,
      https: { cert: certificate.certPem, key: certificate.keyPem },
    });
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('the gateway has no TCP address');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const gatewayUrl = `https://${host}:${address.port}`;
    const caPath = certificate.caPath ?? join(gatewayDir, 'tls', 'ca.crt');
    const endpoint: EmbeddedEndpoint = { gatewayUrl, caPath, pid: process.pid, startedAt: new Date().toISOString() };
    writeFileSync(join(dataDir, embeddedFiles.endpoint), `${JSON.stringify(endpoint, null, 2)}\n`, { mode: 0o600 });
    const runningStore = store;
    const runningClient = storeClient;
    return {
      gatewayUrl,
      storeUrl: store.url,
      caPath,
      dataDir,
      credentialsPath,
      created,
      async close() {
        await app.close();
        runningClient.close();
        vault.seal();
        await runningStore.close();
      },
    };
  } catch (error) {
    storeClient?.close();
    await store?.close();
    throw error;
  }
}

/** The credentials a dev data dir holds (for `custos login --dev`). */
export function readEmbeddedCredentials(dataDir: string): EmbeddedCredentials {
  const path = join(dataDir, embeddedFiles.credentials);
  if (!existsSync(path)) {
    throw new Error(`no dev credentials in ${dataDir}: start \`custos dev\` once (or pass --data-dir)`);
  }
  return readCredentials(path);
}

/** Where the last started dev instance of a data dir listens. */
export function readEmbeddedEndpoint(dataDir: string): EmbeddedEndpoint {
  const path = join(dataDir, embeddedFiles.endpoint);
  if (!existsSync(path)) throw new Error(`${path} does not exist: start \`custos dev\` first`);
  return JSON.parse(readFileSync(path, 'utf8')) as EmbeddedEndpoint;
}
