// The `akeyless` provider: Akeyless SaaS, an Akeyless gateway, or the Custos gateway's Akeyless-compatible API,
// configured with ESO's `spec.provider.akeyless` fields.

import type { AkeylessProvider } from '../../api/generated/types.js';
import { decodeCaBundle, readCaProvider } from '../ca-bundle.js';
import type { NewClientOptions, Provider, SecretsClient, StoreObject, StoreValidationResult } from '../contract.js';
import { ProviderConfigError } from '../errors.js';
import type { KubeTransport } from '../kubernetes/http.js';
import { operatorTransport } from '../kubernetes/own-cluster.js';
import { referentStoreClient } from '../referent.js';
import { type Clock, TokenCache } from '../token-cache.js';
import { AkeylessSecretsClient } from './client.js';
import { isReferentSpec, resolveCredentials } from './credentials.js';
import { AkeylessSession } from './session.js';

/** ESO's default when akeylessGWApiURL is empty. */
export const DEFAULT_API_URL = 'https://api.akeyless.io';

export interface AkeylessProviderOptions {
  /** Clock for token expiry (tests pass a fake one). */
  now?: Clock;
  /** Where the operator's own service account token is mounted (tests point elsewhere). */
  mountedTokenFile?: string;
}

function akeylessSpecOf(store: Pick<StoreObject, 'spec'>): AkeylessProvider {
  const spec = store.spec?.provider?.akeyless;
  if (!spec) throw new ProviderConfigError('no store type or wrong store type: set spec.provider.akeyless');
  return spec;
}

function baseUrlOf(spec: AkeylessProvider): string {
  const url = spec.akeylessGWApiURL || DEFAULT_API_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderConfigError(
      `spec.provider.akeyless.akeylessGWApiURL "${url}" is not a URL; use e.g. https://api.akeyless.io or https://<gateway>:8000/api/v2`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ProviderConfigError('spec.provider.akeyless.akeylessGWApiURL must start with https:// (or http://)');
  }
  return url;
}

export class AkeylessSecretsProvider implements Provider {
  readonly key = 'akeyless';
  readonly fetchesWholeSecrets = true;
  readonly capabilities = 'ReadWrite' as const;
  readonly maintained = true;
  readonly countsApiCalls = true;
  private readonly now: Clock;
  private readonly tokens: TokenCache;

  constructor(private readonly options: AkeylessProviderOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tokens = new TokenCache(this.now);
  }

  async newClient({ store, namespace, kube, apiCalls }: NewClientOptions): Promise<SecretsClient> {
    const spec = akeylessSpecOf(store);
    const baseUrl = baseUrlOf(spec);
    // A SecretStore is only ever used from its own namespace.
    const using = store.kind === 'SecretStore' ? (store.namespace ?? namespace) : namespace;
    if (store.kind === 'ClusterSecretStore' && isReferentSpec(spec) && !using) return referentStoreClient();
    const operator: KubeTransport = operatorTransport(kube.kubeConfig);
    const ctx = { spec, storeKind: store.kind, namespace: using, operator };
    let ca: Buffer | undefined;
    if (spec.caBundle) ca = decodeCaBundle(spec.caBundle, 'spec.provider.akeyless.caBundle');
    else if (spec.caProvider) ca = await readCaProvider(ctx, spec.caProvider, 'spec.provider.akeyless.caProvider');
    const credentials = await resolveCredentials({ ...ctx, mountedTokenFile: this.options.mountedTokenFile }, baseUrl);
    return new AkeylessSecretsClient(
      new AkeylessSession({ baseUrl, ca, apiCalls }, credentials, this.tokens, this.now),
    );
  }

  /** ESO's webhook checks (providers/v1/akeyless/akeyless.go ValidateStore), with messages that say what to fix. */
  validateStore(store: Pick<StoreObject, 'kind' | 'namespace' | 'spec'>): StoreValidationResult {
    const errors: string[] = [];
    const spec = store.spec?.provider?.akeyless;
    if (!spec) return { errors: ['spec.provider.akeyless is missing'], warnings: [] };
    const cluster = store.kind === 'ClusterSecretStore';
    if (spec.akeylessGWApiURL) {
      try {
        if (!new URL(spec.akeylessGWApiURL).host) throw new Error('no host');
      } catch {
        errors.push('akeylessGWApiURL is not a valid URL with a host');
      }
    }
    const selector = (ref: { namespace?: string }, where: string, requireForCluster: boolean) => {
      if (cluster && requireForCluster && !ref.namespace) errors.push(`${where}: cluster scope requires namespace`);
      if (!cluster && ref.namespace && ref.namespace !== store.namespace) {
        errors.push(`${where}: namespace should either be empty or match the namespace of the SecretStore`);
      }
    };
    if (!cluster && spec.caProvider?.namespace) errors.push('caProvider.namespace must be empty with SecretStore');
    if (cluster && spec.caProvider && !spec.caProvider.namespace) {
      errors.push('caProvider.namespace must not be empty with ClusterSecretStore');
    }
    const k8s = spec.authSecretRef?.kubernetesAuth;
    if (k8s) {
      if (k8s.serviceAccountRef) selector(k8s.serviceAccountRef, 'kubernetesAuth.serviceAccountRef', false);
      if (k8s.secretRef) selector(k8s.secretRef, 'kubernetesAuth.secretRef', true);
      if (!k8s.accessID) errors.push('missing kubernetes auth-method access-id (kubernetesAuth.accessID)');
      if (!k8s.k8sConfName) errors.push('missing kubernetes config name (kubernetesAuth.k8sConfName)');
      return { errors, warnings: [] };
    }
    const refs = spec.authSecretRef?.secretRef;
    if (!refs) {
      errors.push('authSecretRef needs secretRef (accessID, accessType, accessTypeParam) or kubernetesAuth');
      return { errors, warnings: [] };
    }
    if (!refs.accessID?.name) errors.push('authSecretRef.secretRef.accessID.name must not be empty');
    else if (!refs.accessID.key) errors.push('authSecretRef.secretRef.accessID.key must not be empty');
    else selector(refs.accessID, 'authSecretRef.secretRef.accessID', true);
    if (!refs.accessType?.name || !refs.accessType.key) {
      errors.push('authSecretRef.secretRef.accessType needs name and key');
    } else selector(refs.accessType, 'authSecretRef.secretRef.accessType', true);
    if (refs.accessTypeParam?.name) selector(refs.accessTypeParam, 'authSecretRef.secretRef.accessTypeParam', true);
    return { errors, warnings: [] };
  }
}
