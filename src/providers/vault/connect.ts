// From a `VaultProvider` spec (a store's, or a VaultDynamicSecret generator's) to a logged-in VaultSession: the
// server URL, trusted CAs, a client certificate, ESO's retry rules, and the login.
import type { SecretKeySelector, SecretStoreSpec, VaultProvider } from '../../api/generated/types.js';
import type { KubeConfigSource } from '../../kube/kubeconfig/source.js';
import { parseDuration } from '../../template/functions/dates-duration.js';
import { decodeCaBundle, readCaProvider } from '../ca-bundle.js';
import type { StoreKind } from '../contract.js';
import { ProviderConfigError } from '../errors.js';
import { operatorTransport, readSecretKey, referenceNamespace } from '../kubernetes/own-cluster.js';
import type { Clock, TokenCache } from '../token-cache.js';
import { type AuthContext, resolveLogin } from './auth.js';
import { DEFAULT_MAX_RETRIES, DEFAULT_RETRY_WAIT_MS, type VaultEndpoint } from './http.js';
import { VaultSession } from './session.js';

export interface ConnectOptions {
  spec: VaultProvider;
  /** Where the spec sits, for messages: `spec.provider.vault`, `spec.provider`. */
  field: string;
  storeKind: StoreKind;
  /** Namespace where references are read (the object using the store). */
  namespace: string;
  /** The operator's own cluster (auth Secrets, CA ConfigMaps, TokenRequests). */
  kubeConfig: KubeConfigSource;
  retrySettings?: SecretStoreSpec['retrySettings'];
  tokens: TokenCache;
  now: Clock;
  mountedTokenFile?: string;
  apiCalls?(call: string, failed: boolean): void;
}

export function serverOf(spec: Pick<VaultProvider, 'server'>, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(spec.server);
  } catch {
    throw new ProviderConfigError(`${field}.server "${spec.server}" is not a URL; use e.g. https://vault.example:8200`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ProviderConfigError(`${field}.server must start with https:// (or http://)`);
  }
  return spec.server.replace(/\/+$/, '');
}

/** ESO: without retrySettings Vault's client retries twice; with them, maxRetries (default 0) every retryInterval. */
function retriesOf(settings: SecretStoreSpec['retrySettings']): { maxRetries: number; retryWaitMs: number } {
  if (!settings) return { maxRetries: DEFAULT_MAX_RETRIES, retryWaitMs: DEFAULT_RETRY_WAIT_MS };
  let retryWaitMs = DEFAULT_RETRY_WAIT_MS;
  if (settings.retryInterval) {
    try {
      retryWaitMs = Number(parseDuration(settings.retryInterval)) / 1e6;
    } catch {
      throw new ProviderConfigError(
        `retrySettings.retryInterval "${settings.retryInterval}" is not a duration; use e.g. "10s"`,
      );
    }
  }
  return { maxRetries: Math.max(0, settings.maxRetries ?? 0), retryWaitMs };
}

/** `tls`: a client certificate for mutual TLS (keys default to tls.crt / tls.key, as ESO's). */
async function clientTls(ctx: AuthContext): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const tls = ctx.spec.tls;
  if (!tls?.certSecretRef || !tls.keySecretRef) return undefined;
  const read = (ref: SecretKeySelector, key: string, what: string) => {
    if (!ref.name) throw new ProviderConfigError(`${ctx.field}.tls.${what}.name is required`);
    return readSecretKey(
      ctx.operator,
      referenceNamespace(ctx, ref),
      ref.name,
      ref.key || key,
      `reading ${ctx.field}.tls.${what}`,
    );
  };
  return {
    cert: await read(tls.certSecretRef, 'tls.crt', 'certSecretRef'),
    key: await read(tls.keySecretRef, 'tls.key', 'keySecretRef'),
  };
}

/** A session that has logged in (or found its identity's token in the cache); fails with the login's reason. */
export async function connectVault(options: ConnectOptions): Promise<VaultSession> {
  const { spec, field } = options;
  const server = serverOf(spec, field);
  const ctx: AuthContext = {
    spec,
    field,
    storeKind: options.storeKind,
    namespace: options.namespace,
    operator: operatorTransport(options.kubeConfig),
    mountedTokenFile: options.mountedTokenFile,
  };
  let ca: Buffer | undefined;
  if (spec.caBundle) ca = decodeCaBundle(spec.caBundle, `${field}.caBundle`);
  else if (spec.caProvider) ca = await readCaProvider(ctx, spec.caProvider, `${field}.caProvider`);
  const login = await resolveLogin(ctx);
  const endpoint: VaultEndpoint = {
    server,
    ca,
    // Certificate auth proves the identity with the connection itself (ESO puts it on the transport).
    clientCert: login?.clientCert ?? (await clientTls(ctx)),
    headers: spec.headers ?? {},
    readYourWrites: !!(spec.readYourWrites || spec.forwardInconsistent),
    forwardInconsistent: !!spec.forwardInconsistent,
    ...retriesOf(options.retrySettings),
    apiCalls: options.apiCalls,
  };
  const session = new VaultSession({
    endpoint,
    login,
    tokens: options.tokens,
    now: options.now,
    namespace: spec.namespace,
    authNamespace: spec.auth?.namespace ?? spec.namespace,
    field,
  });
  await session.ensureToken();
  return session;
}
