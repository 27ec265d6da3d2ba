// What the provider sends to POST /auth (providers.md 1.2), from `spec.provider.akeyless.authSecretRef`:
// - secretRef: accessID, accessType and accessTypeParam read from Secrets; access_key/api_key send the access key,
//   k8s sends the operator's own mounted service account token (as ESO does without kubernetesAuth);
// - kubernetesAuth: access_type k8s with a ServiceAccount token from the TokenRequest API (serviceAccountRef), or the
//   token kept in a Secret (secretRef, key `token` by default), or the operator's own mounted token.
// The JWT is sent base64-encoded, as ESO sends it. Cloud identities (aws_iam, azure_ad, gcp) are not implemented.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AkeylessProvider, SecretKeySelector } from '../../api/generated/types.js';
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

export interface CredentialContext {
  spec: AkeylessProvider;
  storeKind: StoreKind;
  /** Namespace of the object using the store. */
  namespace: string;
  operator: KubeTransport;
  /** Overridable for tests; defaults to MOUNTED_TOKEN_FILE. */
  mountedTokenFile?: string;
}

export interface Credentials {
  /** Identifies the credentials without containing them (a hash), for the token cache. */
  cacheKey: string;
  /** The access ID, safe to show in messages. */
  accessId: string;
  /** Builds the /auth body (may request a fresh ServiceAccount token). */
  authBody(): Promise<Record<string, unknown>>;
}

const FIELD = 'spec.provider.akeyless.authSecretRef';

function hash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

async function secretText(ctx: CredentialContext, ref: SecretKeySelector | undefined, field: string): Promise<string> {
  if (!ref?.name || !ref.key) throw new ProviderConfigError(`${FIELD}.${field} needs both name and key`);
  const bytes = await readSecretKey(
    ctx.operator,
    referenceNamespace(ctx, ref),
    ref.name,
    ref.key,
    `reading ${FIELD}.${field}`,
  );
  return bytes.toString('utf8').trim();
}

async function mountedToken(ctx: CredentialContext, why: string): Promise<string> {
  const file = ctx.mountedTokenFile ?? MOUNTED_TOKEN_FILE;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new ProviderConfigError(
      `${why} uses the operator's own service account token, but ${file} cannot be read (the operator is not ` +
        `running in a pod); set ${FIELD}.kubernetesAuth.serviceAccountRef or .secretRef instead`,
    );
  }
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function k8sBody(accessId: string, confName: string, jwt: string): Record<string, unknown> {
  return {
    'access-id': accessId,
    'access-type': 'k8s',
    'k8s-auth-config-name': confName,
    'k8s-service-account-token': b64(jwt),
  };
}

/** True when a ClusterSecretStore resolves its credentials in the namespace of each ExternalSecret. */
export function isReferentSpec(spec: AkeylessProvider): boolean {
  const auth = spec.authSecretRef;
  const k8s = auth?.kubernetesAuth;
  if (k8s) {
    if (k8s.serviceAccountRef && !k8s.serviceAccountRef.namespace) return true;
    return !!k8s.secretRef && !k8s.secretRef.namespace;
  }
  const refs = auth?.secretRef;
  if (!refs) return false;
  return [refs.accessID, refs.accessType, refs.accessTypeParam].some((r) => r?.name && !r.namespace);
}

async function kubernetesAuthCredentials(ctx: CredentialContext, baseUrl: string): Promise<Credentials> {
  const k8s = ctx.spec.authSecretRef.kubernetesAuth;
  if (!k8s) throw new ProviderConfigError(`${FIELD}.kubernetesAuth is missing`);
  if (!k8s.accessID)
    throw new ProviderConfigError(`${FIELD}.kubernetesAuth.accessID is required (the auth method's access ID)`);
  if (!k8s.k8sConfName) {
    throw new ProviderConfigError(
      `${FIELD}.kubernetesAuth.k8sConfName is required (the gateway's Kubernetes auth config name)`,
    );
  }
  const { accessID, k8sConfName } = k8s;
  const sa = k8s.serviceAccountRef;
  if (sa) {
    const namespace = referenceNamespace(ctx, sa);
    return {
      accessId: accessID,
      cacheKey: hash([baseUrl, 'k8s-sa', accessID, k8sConfName, namespace, sa.name, sa.audiences ?? []]),
      async authBody() {
        const issued = await requestServiceAccountToken(
          ctx.operator,
          namespace,
          sa.name,
          sa.audiences,
          SA_TOKEN_SECONDS,
        );
        return k8sBody(accessID, k8sConfName, issued.token);
      },
    };
  }
  const ref = k8s.secretRef;
  if (ref) {
    const withKey = { ...ref, key: ref.key || 'token' };
    // Read now: the token itself is part of the identity (a replaced token must not reuse the old login).
    const jwt = await secretText(ctx, withKey, 'kubernetesAuth.secretRef');
    return {
      accessId: accessID,
      cacheKey: hash([baseUrl, 'k8s-secret', accessID, k8sConfName, jwt]),
      authBody: async () => k8sBody(accessID, k8sConfName, jwt),
    };
  }
  return {
    accessId: accessID,
    cacheKey: hash([baseUrl, 'k8s-mounted', accessID, k8sConfName]),
    authBody: async () => k8sBody(accessID, k8sConfName, await mountedToken(ctx, `${FIELD}.kubernetesAuth`)),
  };
}

async function secretRefCredentials(ctx: CredentialContext, baseUrl: string): Promise<Credentials> {
  const refs = ctx.spec.authSecretRef.secretRef;
  if (!refs) {
    throw new ProviderConfigError(
      `${FIELD} needs either secretRef (accessID, accessType, accessTypeParam) or kubernetesAuth`,
    );
  }
  const accessId = await secretText(ctx, refs.accessID, 'secretRef.accessID');
  const accessType = await secretText(ctx, refs.accessType, 'secretRef.accessType');
  const param = refs.accessTypeParam?.name
    ? await secretText(ctx, refs.accessTypeParam, 'secretRef.accessTypeParam')
    : '';
  if (!accessId) throw new ProviderConfigError(`${FIELD}.secretRef.accessID points at an empty value`);
  if (!accessType) throw new ProviderConfigError(`${FIELD}.secretRef.accessType points at an empty value`);
  const cacheKey = hash([baseUrl, 'secret', accessId, accessType, param]);
  switch (accessType) {
    case 'api_key':
    case 'access_key':
      if (!param) {
        throw new ProviderConfigError(
          `${FIELD}.secretRef.accessTypeParam must hold the access key for accessType ${accessType}`,
        );
      }
      return {
        accessId,
        cacheKey,
        authBody: async () => ({ 'access-id': accessId, 'access-type': 'access_key', 'access-key': param }),
      };
    case 'k8s':
      return {
        accessId,
        cacheKey,
        authBody: async () =>
          k8sBody(accessId, param, await mountedToken(ctx, `${FIELD}.secretRef with accessType k8s`)),
      };
    case 'aws_iam':
    case 'azure_ad':
    case 'gcp':
      throw new ProviderConfigError(
        `accessType ${accessType} (cloud identity) is not supported by Custos; use api_key / access_key or k8s ` +
          `(or ${FIELD}.kubernetesAuth)`,
      );
    default:
      throw new ProviderConfigError(
        // The value is not echoed: a misplaced access key must not end up in a status message.
        `the value ${FIELD}.secretRef.accessType points at is not a known access type; use api_key, access_key or k8s`,
      );
  }
}

export function resolveCredentials(ctx: CredentialContext, baseUrl: string): Promise<Credentials> {
  return ctx.spec.authSecretRef?.kubernetesAuth
    ? kubernetesAuthCredentials(ctx, baseUrl)
    : secretRefCredentials(ctx, baseUrl);
}
