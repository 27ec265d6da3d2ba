// Custom CA material for providers that talk TLS to a private endpoint: `caBundle` (inline) or `caProvider` (a
// Secret or ConfigMap key in the operator's cluster), with ESO's namespace rules. Shared by the kubernetes and
// akeyless providers.
import { X509Certificate } from 'node:crypto';
import type { CAProvider } from '../api/generated/types.js';
import type { StoreKind } from './contract.js';
import { ProviderConfigError } from './errors.js';
import type { KubeTransport } from './kubernetes/http.js';
import { readConfigMapKey, readSecretKey } from './kubernetes/own-cluster.js';

function isPem(bytes: Buffer): boolean {
  return bytes.toString('utf8').includes('-----BEGIN CERTIFICATE-----');
}

function checkPem(bytes: Buffer, field: string): Buffer {
  try {
    new X509Certificate(bytes);
  } catch (error) {
    throw new ProviderConfigError(`${field} is not a valid PEM certificate: ${(error as Error).message}`);
  }
  return bytes;
}

/** caBundle: base64 of PEM in the CRD; a second base64 layer (as ESO accepts) or raw PEM are tolerated. */
export function decodeCaBundle(value: string, field: string): Buffer {
  if (value.includes('-----BEGIN')) return checkPem(Buffer.from(value, 'utf8'), field);
  let bytes = Buffer.from(value, 'base64');
  if (!isPem(bytes)) bytes = Buffer.from(bytes.toString('utf8'), 'base64');
  return checkPem(bytes, field);
}

export interface CaProviderContext {
  storeKind: StoreKind;
  /** Namespace of the object using the store; where a SecretStore's caProvider lives. */
  namespace: string;
  /** The operator's own cluster, where the Secret or ConfigMap is read. */
  operator: KubeTransport;
}

/** Reads the PEM bundle a caProvider names; `field` is its path in the store, for error messages. */
export async function readCaProvider(ctx: CaProviderContext, provider: CAProvider, field: string): Promise<Buffer> {
  if (ctx.storeKind !== 'ClusterSecretStore' && provider.namespace && provider.namespace !== ctx.namespace) {
    throw new ProviderConfigError(`${field}.namespace must be empty (or the store's namespace) for a SecretStore`);
  }
  if (ctx.storeKind === 'ClusterSecretStore' && !provider.namespace) {
    throw new ProviderConfigError(`${field}.namespace is required for a ClusterSecretStore`);
  }
  if (!provider.key) throw new ProviderConfigError(`${field}.key is required: the key that holds the PEM CA bundle`);
  const namespace = provider.namespace ?? ctx.namespace;
  if (provider.type === 'ConfigMap') {
    return readConfigMapKey(ctx.operator, namespace, provider.name, provider.key, `reading ${field}`);
  }
  if (provider.type === 'Secret') {
    return readSecretKey(ctx.operator, namespace, provider.name, provider.key, `reading ${field}`);
  }
  throw new ProviderConfigError(`${field}.type must be Secret or ConfigMap, not "${String(provider.type)}"`);
}
