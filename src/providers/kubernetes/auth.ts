// Builds the transport to the cluster a kubernetes store points at, with the store's own identity
// (ESO providers/v1/kubernetes/auth.go): authRef (a kubeconfig in a Secret) wins; otherwise server.url plus
// caBundle/caProvider and one of auth.token, auth.serviceAccount (TokenRequest), auth.cert; no auth means
// anonymous. Secrets named by the store are read in the namespace of the object using the store, or — for a
// ClusterSecretStore only — in the namespace the reference names.
import type { RequestOptions } from 'node:https';
import { parse as parseYaml } from 'yaml';
import type { KubernetesProvider, SecretKeySelector } from '../../api/generated/types.js';
import type { KubeConfigSource } from '../../kube/kubeconfig/source.js';
import { decodeCaBundle, readCaProvider } from '../ca-bundle.js';
import type { StoreKind } from '../contract.js';
import { ProviderConfigError } from '../errors.js';
import type { KubeTransport } from './http.js';
import { type IssuedToken, readSecretKey, referenceNamespace, requestServiceAccountToken } from './own-cluster.js';

/** Lifetime ESO requests for service account tokens. */
export const TOKEN_EXPIRATION_SECONDS = 3600;

/** Reuses TokenRequest results across clients until half their lifetime has passed (ESO asks on every reconcile). */
export class TokenCache {
  private readonly tokens = new Map<string, IssuedToken & { issuedAt: number }>();

  async get(key: string, issue: () => Promise<IssuedToken>): Promise<string> {
    const now = Date.now();
    const cached = this.tokens.get(key);
    if (cached && now < cached.issuedAt + (cached.expiresAt - cached.issuedAt) / 2) return cached.token;
    const issued = await issue();
    this.tokens.set(key, { ...issued, issuedAt: now });
    return issued.token;
  }

  forget(key: string): void {
    this.tokens.delete(key);
  }
}

export interface RemoteAccess {
  transport: KubeTransport;
  /** Called when the remote API answers 401, so a cached token is not reused. */
  onUnauthorized(): void;
}

export interface AuthContext {
  spec: KubernetesProvider;
  storeKind: StoreKind;
  /** Namespace of the object using the store (where referent Secrets and service accounts live). */
  namespace: string;
  operator: KubeTransport;
  operatorConfig: KubeConfigSource;
  tokens: TokenCache;
}

// In-cluster names of the API server: they mean "the cluster the operator runs against", also when the operator
// runs outside the cluster (development, tests) where these names do not resolve.
const IN_CLUSTER = /^(https:\/\/)?kubernetes\.default(\.svc(\.cluster\.local)?)?(:443)?\/?$/;

async function secretKey(ctx: AuthContext, ref: SecretKeySelector | undefined, field: string): Promise<Buffer> {
  if (!ref?.name || !ref.key) {
    throw new ProviderConfigError(`spec.provider.kubernetes.${field} needs both name and key`);
  }
  return readSecretKey(ctx.operator, referenceNamespace(ctx, ref), ref.name, ref.key, `reading ${field}`);
}

async function resolveCa(ctx: AuthContext): Promise<Buffer | undefined> {
  const server = ctx.spec.server ?? {};
  if (server.caBundle) return decodeCaBundle(server.caBundle, 'spec.provider.kubernetes.server.caBundle');
  if (!server.caProvider) return undefined;
  return readCaProvider(ctx, server.caProvider, 'spec.provider.kubernetes.server.caProvider');
}

/** TLS settings of the operator's own cluster (CA, server name, skip-verify), without its credentials. */
async function operatorTls(
  ctx: AuthContext,
): Promise<Pick<RequestOptions, 'ca' | 'servername' | 'rejectUnauthorized'>> {
  const scratch: RequestOptions = {};
  await ctx.operatorConfig.applyToHTTPSOptions(scratch);
  return { ca: scratch.ca, servername: scratch.servername, rejectUnauthorized: scratch.rejectUnauthorized };
}

function withScheme(url: string): string {
  // Kubernetes API servers speak TLS; a bare host:port means https (never send a token in clear text by default).
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
}

function staticTransport(
  server: string,
  describe: string,
  tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'>,
  token?: () => Promise<string>,
): KubeTransport {
  return {
    server,
    describe,
    async prepare(options) {
      for (const [k, v] of Object.entries(tls)) if (v !== undefined) (options as Record<string, unknown>)[k] = v;
      if (token) options.headers = { ...options.headers, authorization: `Bearer ${await token()}` };
    },
  };
}

interface KubeconfigShape {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
}

// Only inline material is accepted: file paths, exec plugins and auth providers would let a Secret make the
// operator read its own files or run programs.
const CLUSTER_FIELDS = new Set(['server', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name']);
const USER_FIELDS = new Set(['token', 'client-certificate-data', 'client-key-data']);

function transportFromKubeconfig(text: string, source: string): KubeTransport {
  const fail = (why: string): never => {
    throw new ProviderConfigError(`authRef: the kubeconfig in ${source} ${why}`);
  };
  let doc: KubeconfigShape;
  try {
    doc = parseYaml(text) as KubeconfigShape;
  } catch {
    return fail('is not valid YAML');
  }
  if (!doc || typeof doc !== 'object') return fail('is empty');
  const contextName = doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) return fail(`has no current-context${contextName ? ` named "${contextName}"` : ''}`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string') return fail(`has no cluster "${context.cluster}" with a server`);
  for (const key of Object.keys(cluster)) {
    if (!CLUSTER_FIELDS.has(key)) fail(`uses cluster.${key}, which Custos does not accept (inline data only)`);
  }
  for (const key of Object.keys(user)) {
    if (!USER_FIELDS.has(key))
      fail(`uses user.${key}, which Custos does not accept (inline token or client certificate only)`);
  }
  const b64 = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64') : undefined);
  const token = typeof user.token === 'string' ? user.token.trim() : undefined;
  return staticTransport(
    withScheme(cluster.server),
    `the kubeconfig in ${source}`,
    {
      ca: b64(cluster['certificate-authority-data']),
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
      servername: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] === true ? false : undefined,
    },
    token ? async () => token : undefined,
  );
}

/** True when a ClusterSecretStore resolves its credentials in the namespace of each ExternalSecret. */
export function isReferentSpec(spec: KubernetesProvider): boolean {
  const auth = spec.auth;
  if (!auth) return false;
  if (auth.cert && (!auth.cert.clientCert?.namespace || !auth.cert.clientKey?.namespace)) return true;
  if (auth.serviceAccount && !auth.serviceAccount.namespace) return true;
  if (auth.token && !auth.token.bearerToken?.namespace) return true;
  return false;
}

export async function resolveRemoteAccess(ctx: AuthContext): Promise<RemoteAccess> {
  const nothing = () => {};
  if (ctx.spec.authRef) {
    const ref = ctx.spec.authRef;
    const kubeconfig = await secretKey(ctx, ref, 'authRef');
    const source = `Secret "${referenceNamespace(ctx, ref)}/${ref.name}" key "${ref.key}"`;
    return { transport: transportFromKubeconfig(kubeconfig.toString('utf8'), source), onUnauthorized: nothing };
  }

  const url = ctx.spec.server?.url ?? '';
  const ownCluster = url === '' || IN_CLUSTER.test(url);
  const server = ownCluster ? ctx.operator.server : withScheme(url);
  const storeCa = await resolveCa(ctx);
  const base = storeCa ? { ca: storeCa } : ownCluster ? await operatorTls(ctx) : {};

  const auth = ctx.spec.auth;
  if (auth?.token) {
    const ref = auth.token.bearerToken;
    const token = (await secretKey(ctx, ref, 'auth.token.bearerToken')).toString('utf8').trim();
    const describe = `the bearer token in Secret "${referenceNamespace(ctx, ref ?? {})}/${ref?.name}"`;
    return { transport: staticTransport(server, describe, base, async () => token), onUnauthorized: nothing };
  }
  if (auth?.serviceAccount) {
    const sa = auth.serviceAccount;
    const namespace = referenceNamespace(ctx, sa);
    const key = `${namespace}/${sa.name}/${(sa.audiences ?? []).join(',')}`;
    const token = await ctx.tokens.get(key, () =>
      requestServiceAccountToken(ctx.operator, namespace, sa.name, sa.audiences, TOKEN_EXPIRATION_SECONDS),
    );
    return {
      transport: staticTransport(server, `service account "${namespace}/${sa.name}"`, base, async () => token),
      onUnauthorized: () => ctx.tokens.forget(key),
    };
  }
  if (auth?.cert) {
    const cert = await secretKey(ctx, auth.cert.clientCert, 'auth.cert.clientCert');
    const key = await secretKey(ctx, auth.cert.clientKey, 'auth.cert.clientKey');
    const ref = auth.cert.clientCert ?? {};
    const describe = `the client certificate in Secret "${referenceNamespace(ctx, ref)}/${ref.name}"`;
    return { transport: staticTransport(server, describe, { ...base, cert, key }), onUnauthorized: nothing };
  }
  return {
    transport: staticTransport(server, 'anonymous requests (the store sets no auth)', base),
    onUnauthorized: nothing,
  };
}
