// How the store logs in to Vault (`spec.provider.vault.auth`, ESO's auth_*.go): a static token from a Secret, or a
// login request for AppRole, Kubernetes, LDAP, userpass, JWT/OIDC or TLS certificate auth. Credentials are read
// from the operator's cluster with ESO's namespace rules; a Kubernetes or JWT login mints a ServiceAccount token
// through the TokenRequest API (ESO: 600 s; JWT audiences default ["vault"]). AWS IAM and GCP auth are not
// implemented and say so.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecretKeySelector, ServiceAccountSelector, VaultProvider } from '../../api/generated/types.js';
import type { StoreKind } from '../contract.js';
import { ProviderConfigError } from '../errors.js';
import type { KubeTransport } from '../kubernetes/http.js';
import {
  MOUNTED_TOKEN_FILE,
  readSecretKey,
  referenceNamespace,
  requestServiceAccountToken,
  SA_TOKEN_SECONDS,
} from '../kubernetes/own-cluster.js';

export interface AuthContext {
  spec: VaultProvider;
  /** `spec.provider.vault` or `spec.provider.openBao`, for messages. */
  field: string;
  storeKind: StoreKind;
  /** Namespace of the object using the store. */
  namespace: string;
  operator: KubeTransport;
  /** Overridable for tests; defaults to MOUNTED_TOKEN_FILE. */
  mountedTokenFile?: string;
}

export interface LoginRequest {
  /** e.g. `auth/kubernetes/login`. */
  path: string;
  body: Record<string, unknown>;
}

export interface VaultLogin {
  /** Names the method for messages, e.g. `kubernetes auth (mount "kubernetes", role "eso")`; never a credential. */
  describe: string;
  /** Identifies the login without containing credentials (a hash), for the token cache. */
  cacheKey: string;
  /** A token read from a Secret (tokenSecretRef): used as it is, never cached, never revoked. */
  staticToken?: string;
  /** Builds the login request (may mint a fresh ServiceAccount token). */
  request?(): Promise<LoginRequest>;
  /** TLS certificate auth: the client certificate that proves the identity (sent on every request, as ESO does). */
  clientCert?: { cert: Buffer; key: Buffer };
}

function hash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

async function secretBytes(ctx: AuthContext, ref: SecretKeySelector | undefined, field: string): Promise<Buffer> {
  if (!ref?.name || !ref.key) throw new ProviderConfigError(`${ctx.field}.auth.${field} needs both name and key`);
  return readSecretKey(
    ctx.operator,
    referenceNamespace(ctx, ref),
    ref.name,
    ref.key,
    `reading ${ctx.field}.auth.${field}`,
  );
}

async function secretText(ctx: AuthContext, ref: SecretKeySelector | undefined, field: string): Promise<string> {
  return (await secretBytes(ctx, ref, field)).toString('utf8').trim();
}

async function serviceAccountToken(
  ctx: AuthContext,
  ref: ServiceAccountSelector,
  audiences: string[] | undefined,
  seconds: number,
): Promise<string> {
  const issued = await requestServiceAccountToken(
    ctx.operator,
    referenceNamespace(ctx, ref),
    ref.name,
    audiences,
    seconds,
  );
  return issued.token;
}

async function mountedToken(ctx: AuthContext, why: string): Promise<string> {
  const file = ctx.mountedTokenFile ?? MOUNTED_TOKEN_FILE;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new ProviderConfigError(
      `${why} without serviceAccountRef or secretRef uses the operator's own service account token, but ${file} ` +
        'cannot be read (the operator is not running in a pod); set serviceAccountRef or secretRef',
    );
  }
}

const trimSlashes = (path: string) => path.replace(/^\/+|\/+$/g, '');

function identity(ctx: AuthContext, ...parts: unknown[]): string {
  return hash([ctx.spec.server, ctx.spec.auth?.namespace ?? ctx.spec.namespace ?? '', ...parts]);
}

/** True when a ClusterSecretStore resolves its credentials in the namespace of each ExternalSecret (ESO's list). */
export function isReferentSpec(spec: VaultProvider): boolean {
  const auth = spec.auth;
  if (!auth) return false;
  const open = (ref: { namespace?: string } | undefined) => !!ref && !ref.namespace;
  return (
    open(auth.tokenSecretRef) ||
    open(auth.appRole?.secretRef) ||
    open(auth.kubernetes?.secretRef) ||
    open(auth.kubernetes?.serviceAccountRef) ||
    open(auth.ldap?.secretRef) ||
    open(auth.userPass?.secretRef) ||
    open(auth.jwt?.secretRef) ||
    open(auth.jwt?.kubernetesServiceAccountToken?.serviceAccountRef) ||
    open(auth.cert?.secretRef)
  );
}

async function kubernetesLogin(ctx: AuthContext): Promise<VaultLogin> {
  const k8s = ctx.spec.auth?.kubernetes;
  if (!k8s) throw new ProviderConfigError(`${ctx.field}.auth.kubernetes is missing`);
  const mount = trimSlashes(k8s.mountPath || 'kubernetes');
  const role = k8s.role;
  const describe = `kubernetes auth (mount "${mount}", role "${role}")`;
  const login = (jwt: string): LoginRequest => ({ path: `auth/${mount}/login`, body: { role, jwt } });
  if (k8s.serviceAccountRef) {
    const sa = k8s.serviceAccountRef;
    return {
      describe,
      cacheKey: identity(ctx, 'k8s-sa', mount, role, referenceNamespace(ctx, sa), sa.name, sa.audiences ?? []),
      request: async () => login(await serviceAccountToken(ctx, sa, sa.audiences, SA_TOKEN_SECONDS)),
    };
  }
  if (k8s.secretRef) {
    const ref = { ...k8s.secretRef, key: k8s.secretRef.key || 'token' };
    // Read now: the token itself is part of the identity (a replaced token must not reuse the old login).
    const jwt = await secretText(ctx, ref, 'kubernetes.secretRef');
    return { describe, cacheKey: identity(ctx, 'k8s-secret', mount, role, jwt), request: async () => login(jwt) };
  }
  return {
    describe,
    cacheKey: identity(ctx, 'k8s-mounted', mount, role),
    request: async () => login(await mountedToken(ctx, `${ctx.field}.auth.kubernetes`)),
  };
}

async function jwtLogin(ctx: AuthContext): Promise<VaultLogin> {
  const jwtAuth = ctx.spec.auth?.jwt;
  if (!jwtAuth) throw new ProviderConfigError(`${ctx.field}.auth.jwt is missing`);
  const mount = trimSlashes(jwtAuth.path || 'jwt');
  const role = (jwtAuth.role ?? '').trim();
  const describe = `jwt auth (mount "${mount}", role "${role}")`;
  const login = (jwt: string): LoginRequest => ({ path: `auth/${mount}/login`, body: { role, jwt } });
  if (jwtAuth.secretRef) {
    const jwt = await secretText(ctx, jwtAuth.secretRef, 'jwt.secretRef');
    return { describe, cacheKey: identity(ctx, 'jwt-secret', mount, role, jwt), request: async () => login(jwt) };
  }
  const sat = jwtAuth.kubernetesServiceAccountToken;
  if (!sat) {
    throw new ProviderConfigError(
      `${ctx.field}.auth.jwt needs secretRef or kubernetesServiceAccountToken as the source of the JWT`,
    );
  }
  const sa = sat.serviceAccountRef;
  // ESO: the ref's own audiences plus kubernetesServiceAccountToken.audiences (default ["vault"]).
  const audiences = [...(sa.audiences ?? []), ...(sat.audiences ?? ['vault'])];
  const seconds = sat.expirationSeconds ?? SA_TOKEN_SECONDS;
  return {
    describe,
    cacheKey: identity(ctx, 'jwt-sa', mount, role, referenceNamespace(ctx, sa), sa.name, audiences, seconds),
    request: async () => login(await serviceAccountToken(ctx, sa, audiences, seconds)),
  };
}

async function passwordLogin(ctx: AuthContext, method: 'ldap' | 'userPass'): Promise<VaultLogin> {
  const spec = ctx.spec.auth?.[method];
  if (!spec) throw new ProviderConfigError(`${ctx.field}.auth.${method} is missing`);
  const mount = trimSlashes(spec.path || (method === 'ldap' ? 'ldap' : 'userpass'));
  const username = spec.username.trim();
  const password = await secretText(ctx, spec.secretRef, `${method}.secretRef`);
  return {
    describe: `${method} auth (mount "${mount}", user "${username}")`,
    cacheKey: identity(ctx, method, mount, username, password),
    request: async () => ({ path: `auth/${mount}/login/${username}`, body: { password } }),
  };
}

async function appRoleLogin(ctx: AuthContext): Promise<VaultLogin> {
  const appRole = ctx.spec.auth?.appRole;
  if (!appRole) throw new ProviderConfigError(`${ctx.field}.auth.appRole is missing`);
  const mount = trimSlashes(appRole.path || 'approle');
  let roleId = appRole.roleId?.trim() ?? '';
  if (!roleId) {
    if (!appRole.roleRef) {
      throw new ProviderConfigError(`${ctx.field}.auth.appRole needs roleId or roleRef (where the role ID is kept)`);
    }
    roleId = await secretText(ctx, appRole.roleRef, 'appRole.roleRef');
  }
  const secretId = await secretText(ctx, appRole.secretRef, 'appRole.secretRef');
  return {
    describe: `approle auth (mount "${mount}")`,
    cacheKey: identity(ctx, 'approle', mount, roleId, secretId),
    request: async () => ({ path: `auth/${mount}/login`, body: { role_id: roleId, secret_id: secretId } }),
  };
}

async function certLogin(ctx: AuthContext): Promise<VaultLogin> {
  const cert = ctx.spec.auth?.cert;
  if (!cert) throw new ProviderConfigError(`${ctx.field}.auth.cert is missing`);
  const mount = trimSlashes(cert.path || 'cert');
  const key = await secretBytes(ctx, cert.secretRef, 'cert.secretRef');
  const certificate = await secretBytes(ctx, cert.clientCert, 'cert.clientCert');
  return {
    describe: `cert auth (mount "${mount}")`,
    cacheKey: identity(ctx, 'cert', mount, certificate.toString('base64'), hash([key.toString('base64')])),
    clientCert: { cert: certificate, key },
    request: async () => ({ path: `auth/${mount}/login`, body: {} }),
  };
}

/** The store's login; undefined when `auth` is empty (ESO then sends no token at all). */
export async function resolveLogin(ctx: AuthContext): Promise<VaultLogin | undefined> {
  const auth = ctx.spec.auth;
  if (!auth) return undefined;
  // ESO tries the methods in this order and uses the first one set.
  if (auth.tokenSecretRef) {
    const token = await secretText(ctx, auth.tokenSecretRef, 'tokenSecretRef');
    if (!token) throw new ProviderConfigError(`${ctx.field}.auth.tokenSecretRef points at an empty value`);
    return { describe: 'a token from auth.tokenSecretRef', cacheKey: '', staticToken: token };
  }
  if (auth.appRole) return appRoleLogin(ctx);
  if (auth.kubernetes) return kubernetesLogin(ctx);
  if (auth.ldap) return passwordLogin(ctx, 'ldap');
  if (auth.userPass) return passwordLogin(ctx, 'userPass');
  if (auth.jwt) return jwtLogin(ctx);
  if (auth.cert) return certLogin(ctx);
  if (auth.iam || auth.gcp) {
    throw new ProviderConfigError(
      `${ctx.field}.auth.${auth.iam ? 'iam' : 'gcp'} is not supported by Custos; use kubernetes, jwt, appRole, ` +
        'userPass, ldap, cert or tokenSecretRef',
    );
  }
  throw new ProviderConfigError(
    `${ctx.field}.auth sets no method: set one of tokenSecretRef, appRole, kubernetes, ldap, userPass, jwt, cert`,
  );
}
