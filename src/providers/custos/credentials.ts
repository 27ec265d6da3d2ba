// What the provider sends to the gateway's `POST /v1/auth/login`, from `spec.provider.custos.auth`:
// - apiKeyRef: `{type: api_key, accessId, accessKey}`, both read from Secrets;
// - kubernetes: `{type: kubernetes, accessId, jwt}` with a ServiceAccount token requested through the operator's
//   API server (serviceAccountRef, with the audiences of `auth.kubernetes.audiences` and of the ref), or the
//   operator's own mounted token when no serviceAccountRef is set. The store checks it with a TokenReview.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CustosAuth, CustosProvider, SecretKeySelector } from '../../api/generated/types.js';
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

const FIELD = 'spec.provider.custos.auth';

/**
 * `auth.kubernetes` plus `accessId`: the store's login needs the access id of its kubernetes auth method, which the
 * generated CRD type does not have yet.
 */
export type CustosKubernetesAuth = NonNullable<CustosAuth['kubernetes']> & { accessId?: string };

export interface CredentialContext {
  spec: CustosProvider;
  storeKind: StoreKind;
  /** Namespace of the object using the store. */
  namespace: string;
  operator: KubeTransport;
  /** Overridable for tests; defaults to the pod's mounted token. */
  mountedTokenFile?: string;
}

export interface Credentials {
  /** Identifies the credentials without containing them (a hash), for the token cache. */
  cacheKey: string;
  /** Who logs in (access id and method), safe to show in messages. */
  describe: string;
  /** Builds the login body (may request a fresh ServiceAccount token). */
  loginBody(): Promise<Record<string, unknown>>;
}

const hash = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/** True when a ClusterSecretStore resolves its credentials in the namespace of each ExternalSecret. */
export function isReferentAuth(auth: CustosAuth | undefined): boolean {
  if (auth?.kubernetes?.serviceAccountRef) return !auth.kubernetes.serviceAccountRef.namespace;
  const keys = auth?.apiKeyRef;
  return !!keys && (!keys.accessId?.namespace || !keys.accessKey?.namespace);
}

async function secretText(ctx: CredentialContext, ref: SecretKeySelector | undefined, field: string): Promise<string> {
  if (!ref?.name || !ref.key) throw new ProviderConfigError(`${FIELD}.${field} needs both name and key`);
  const namespace = referenceNamespace(ctx, ref);
  const bytes = await readSecretKey(ctx.operator, namespace, ref.name, ref.key, `reading ${FIELD}.${field}`);
  const text = bytes.toString('utf8').trim();
  if (!text) throw new ProviderConfigError(`${FIELD}.${field} points at an empty value (${namespace}/${ref.name})`);
  return text;
}

async function apiKeyCredentials(ctx: CredentialContext, baseUrl: string): Promise<Credentials> {
  const refs = ctx.spec.auth.apiKeyRef;
  if (!refs) throw new ProviderConfigError(`${FIELD} needs apiKeyRef or kubernetes`);
  const accessId = await secretText(ctx, refs.accessId, 'apiKeyRef.accessId');
  const accessKey = await secretText(ctx, refs.accessKey, 'apiKeyRef.accessKey');
  return {
    cacheKey: hash([baseUrl, 'api_key', accessId, accessKey]),
    describe: `access id ${accessId} (api_key)`,
    loginBody: async () => ({ type: 'api_key', accessId, accessKey }),
  };
}

async function mountedToken(ctx: CredentialContext): Promise<string> {
  const file = ctx.mountedTokenFile ?? MOUNTED_TOKEN_FILE;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new ProviderConfigError(
      `${FIELD}.kubernetes without serviceAccountRef uses the operator's own service account token, but ${file} ` +
        `cannot be read (the operator is not running in a pod); set ${FIELD}.kubernetes.serviceAccountRef`,
    );
  }
}

function kubernetesCredentials(ctx: CredentialContext, baseUrl: string): Credentials {
  const k8s = ctx.spec.auth.kubernetes as CustosKubernetesAuth;
  const accessId = k8s.accessId;
  if (!accessId) {
    throw new ProviderConfigError(
      `${FIELD}.kubernetes.accessId is required: the access id (p-…) of the store's kubernetes auth method`,
    );
  }
  const describe = `access id ${accessId} (kubernetes)`;
  const sa = k8s.serviceAccountRef;
  if (!sa) {
    return {
      cacheKey: hash([baseUrl, 'k8s-mounted', accessId]),
      describe,
      loginBody: async () => ({ type: 'kubernetes', accessId, jwt: await mountedToken(ctx) }),
    };
  }
  if (!sa.name) throw new ProviderConfigError(`${FIELD}.kubernetes.serviceAccountRef.name is required`);
  const namespace = referenceNamespace(ctx, sa);
  const audiences = [...new Set([...(k8s.audiences ?? []), ...(sa.audiences ?? [])])];
  return {
    cacheKey: hash([baseUrl, 'k8s-sa', accessId, namespace, sa.name, audiences]),
    describe: `${describe} as service account ${namespace}/${sa.name}`,
    async loginBody() {
      const issued = await requestServiceAccountToken(ctx.operator, namespace, sa.name, audiences, SA_TOKEN_SECONDS);
      return { type: 'kubernetes', accessId, jwt: issued.token };
    },
  };
}

export async function resolveCredentials(ctx: CredentialContext, baseUrl: string): Promise<Credentials> {
  const auth = ctx.spec.auth;
  if (auth?.kubernetes && auth.apiKeyRef) {
    throw new ProviderConfigError(`${FIELD} sets both kubernetes and apiKeyRef: keep exactly one`);
  }
  if (auth?.kubernetes) return kubernetesCredentials(ctx, baseUrl);
  if (auth?.apiKeyRef) return apiKeyCredentials(ctx, baseUrl);
  throw new ProviderConfigError(`${FIELD} needs exactly one of kubernetes or apiKeyRef`);
}
