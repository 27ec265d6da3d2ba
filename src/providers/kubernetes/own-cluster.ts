// Access to the operator's own cluster, with the operator's own credentials: used only to read what the store
// points at (auth Secrets, CA ConfigMaps/Secrets) and to request service account tokens — never to read the
// remote Secrets themselves, which always go through the store's own identity.
import type { RequestOptions } from 'node:https';
import type { KubeConfigSource } from '../../kube/kubeconfig/source.js';
import type { StoreKind } from '../contract.js';
import { ProviderConfigError, ProviderError } from '../errors.js';
import { type KubeTransport, kubeCall, responseError } from './http.js';

/** Where a pod finds its own service account token. */
export const MOUNTED_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/** ESO requests 10-minute ServiceAccount tokens for provider logins. */
export const SA_TOKEN_SECONDS = 600;

/**
 * Where a reference to a Secret (or ServiceAccount) of the store's auth is read, by ESO's resolvers: a SecretStore
 * reads in the namespace of the object using it; a ClusterSecretStore honours the reference's namespace.
 */
export function referenceNamespace(
  ctx: { storeKind: StoreKind; namespace: string },
  ref: { namespace?: string },
): string {
  return ctx.storeKind === 'ClusterSecretStore' && ref.namespace ? ref.namespace : ctx.namespace;
}

export function operatorTransport(kubeConfig: KubeConfigSource): KubeTransport {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new ProviderConfigError('the operator has no current cluster in its kubeconfig');
  return {
    server,
    describe: 'the operator',
    async prepare(options: RequestOptions) {
      await kubeConfig.applyToHTTPSOptions(options);
    },
  };
}

const enc = encodeURIComponent;

interface ObjectWithData {
  metadata?: { labels?: Record<string, string> };
  data?: Record<string, string>;
}

/** GETs a Secret or ConfigMap of the operator's cluster; a missing one is a configuration error naming it. */
async function readObject(
  transport: KubeTransport,
  kind: 'Secret' | 'ConfigMap',
  namespace: string,
  name: string,
  purpose: string,
): Promise<ObjectWithData> {
  const plural = kind === 'Secret' ? 'secrets' : 'configmaps';
  const res = await kubeCall(transport, {
    method: 'GET',
    path: `/api/v1/namespaces/${enc(namespace)}/${plural}/${enc(name)}`,
  });
  if (res.status === 404) {
    throw new ProviderConfigError(
      `${purpose}: ${kind} "${namespace}/${name}" does not exist; create it or fix the reference`,
    );
  }
  if (res.status !== 200) throw responseError(transport, res, `${purpose}: cannot read ${kind} "${namespace}/${name}"`);
  return res.body as ObjectWithData;
}

export interface OwnClusterSecret {
  labels: Record<string, string>;
  /** Decoded values. */
  data: Record<string, Buffer>;
}

/** Reads a whole Secret of the operator's cluster (its labels and decoded data). */
export async function readSecret(
  transport: KubeTransport,
  namespace: string,
  name: string,
  purpose: string,
): Promise<OwnClusterSecret> {
  const body = await readObject(transport, 'Secret', namespace, name, purpose);
  const data: Record<string, Buffer> = Object.create(null);
  for (const [key, value] of Object.entries(body.data ?? {})) data[key] = Buffer.from(value, 'base64');
  return { labels: body.metadata?.labels ?? {}, data };
}

/** Reads one key of a Secret in the operator's cluster (ESO's resolvers.SecretKeyRef). */
export async function readSecretKey(
  transport: KubeTransport,
  namespace: string,
  name: string,
  key: string,
  purpose: string,
): Promise<Buffer> {
  const value = (await readSecret(transport, namespace, name, purpose)).data[key];
  if (value === undefined) {
    throw new ProviderConfigError(`${purpose}: Secret "${namespace}/${name}" has no key "${key}"`);
  }
  return value;
}

/** Reads one key of a ConfigMap in the operator's cluster. */
export async function readConfigMapKey(
  transport: KubeTransport,
  namespace: string,
  name: string,
  key: string,
  purpose: string,
): Promise<Buffer> {
  const value = (await readObject(transport, 'ConfigMap', namespace, name, purpose)).data?.[key];
  if (value === undefined) {
    throw new ProviderConfigError(`${purpose}: ConfigMap "${namespace}/${name}" has no key "${key}"`);
  }
  return Buffer.from(value, 'utf8');
}

export interface IssuedToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** TokenRequest for a service account (POST .../serviceaccounts/<name>/token). */
export async function requestServiceAccountToken(
  transport: KubeTransport,
  namespace: string,
  name: string,
  audiences: string[] | undefined,
  expirationSeconds: number,
): Promise<IssuedToken> {
  const res = await kubeCall(transport, {
    method: 'POST',
    path: `/api/v1/namespaces/${enc(namespace)}/serviceaccounts/${enc(name)}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds, ...(audiences?.length ? { audiences } : {}) },
    },
  });
  const what = `cannot create a token for service account "${namespace}/${name}"`;
  if (res.status === 404) {
    throw new ProviderConfigError(`${what}: it does not exist; create it or fix auth.serviceAccount`);
  }
  if (res.status !== 201 && res.status !== 200) throw responseError(transport, res, what);
  const status = (res.body as { status?: { token?: string; expirationTimestamp?: string } }).status;
  if (!status?.token) throw new ProviderError(`${what}: the API server returned no token`);
  const expiresAt = status.expirationTimestamp
    ? Date.parse(status.expirationTimestamp)
    : Date.now() + expirationSeconds * 1000;
  return { token: status.token, expiresAt };
}
