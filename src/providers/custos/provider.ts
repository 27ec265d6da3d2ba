// The `custos` provider: the Custos gateway's native API, configured with `spec.provider.custos` (gatewayURL,
// caBundle / caProvider, auth by Kubernetes service account or API key). Tokens are shared by all clients of one
// provider instance and reused until shortly before they expire.

import type { CustosProvider } from '../../api/generated/types.js';
import { decodeCaBundle, readCaProvider } from '../ca-bundle.js';
import type { NewClientOptions, Provider, SecretsClient, StoreObject, StoreValidationResult } from '../contract.js';
import { ProviderConfigError } from '../errors.js';
import { operatorTransport } from '../kubernetes/own-cluster.js';
import { referentStoreClient } from '../referent.js';
import { type Clock, TokenCache } from '../token-cache.js';
import { CustosSecretsClient } from './client.js';
import { type CustosKubernetesAuth, isReferentAuth, resolveCredentials } from './credentials.js';
import { DEFAULT_FEED_TIMING, type FeedTiming } from './feed.js';
import { CustosSession } from './session.js';

export interface CustosProviderOptions {
  /** Clock for token expiry (tests pass a fake one). */
  now?: Clock;
  /** Where the operator's own service account token is mounted (tests point elsewhere). */
  mountedTokenFile?: string;
  /** Reconnect timing of watches (tests shorten it). */
  feedTiming?: FeedTiming;
}

const FIELD = 'spec.provider.custos';

function custosSpecOf(store: Pick<StoreObject, 'spec'>): CustosProvider {
  const spec = store.spec?.provider?.custos;
  if (!spec) throw new ProviderConfigError(`no store type or wrong store type: set ${FIELD}`);
  return spec;
}

function gatewayUrlOf(spec: CustosProvider): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(spec.gatewayURL);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || !parsed.host) {
    throw new ProviderConfigError(
      `${FIELD}.gatewayURL must be an https:// URL of the gateway, e.g. https://custos-gateway.custos.svc:8443`,
    );
  }
  return spec.gatewayURL;
}

export class CustosSecretsProvider implements Provider {
  readonly key = 'custos';
  readonly fetchesWholeSecrets = true;
  readonly hasChangeFeed = true;
  readonly capabilities = 'ReadWrite' as const;
  readonly maintained = true;
  private readonly now: Clock;
  private readonly tokens: TokenCache;

  constructor(private readonly options: CustosProviderOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tokens = new TokenCache(this.now);
  }

  async newClient({ store, namespace, kube }: NewClientOptions): Promise<SecretsClient> {
    const spec = custosSpecOf(store);
    const baseUrl = gatewayUrlOf(spec);
    // A SecretStore is only ever used from its own namespace.
    const using = store.kind === 'SecretStore' ? (store.namespace ?? namespace) : namespace;
    if (store.kind === 'ClusterSecretStore' && isReferentAuth(spec.auth) && !using) return referentStoreClient();
    const operator = operatorTransport(kube.kubeConfig);
    const ctx = { spec, storeKind: store.kind, namespace: using, operator };
    let ca: Buffer | undefined;
    if (spec.caBundle) ca = decodeCaBundle(spec.caBundle, `${FIELD}.caBundle`);
    else if (spec.caProvider) ca = await readCaProvider(ctx, spec.caProvider, `${FIELD}.caProvider`);
    const credentials = await resolveCredentials({ ...ctx, mountedTokenFile: this.options.mountedTokenFile }, baseUrl);
    const session = new CustosSession({ baseUrl, ca }, credentials, this.tokens, this.now);
    return new CustosSecretsClient(session, this.options.feedTiming ?? DEFAULT_FEED_TIMING);
  }

  /** Static checks for the webhook, with messages that say what to fix. */
  validateStore(store: Pick<StoreObject, 'kind' | 'namespace' | 'spec'>): StoreValidationResult {
    const errors: string[] = [];
    const spec = store.spec?.provider?.custos;
    if (!spec) return { errors: [`${FIELD} is missing`], warnings: [] };
    const cluster = store.kind === 'ClusterSecretStore';
    try {
      gatewayUrlOf(spec);
    } catch (error) {
      errors.push((error as Error).message);
    }
    const checkNamespace = (ref: { namespace?: string } | undefined, where: string) => {
      if (!cluster && ref?.namespace && ref.namespace !== store.namespace) {
        errors.push(`${where}.namespace must be empty or the SecretStore's namespace`);
      }
    };
    if (!cluster && spec.caProvider?.namespace)
      errors.push(`${FIELD}.caProvider.namespace must be empty for a SecretStore`);
    if (cluster && spec.caProvider && !spec.caProvider.namespace) {
      errors.push(`${FIELD}.caProvider.namespace is required for a ClusterSecretStore`);
    }
    const auth = spec.auth;
    const methods = [auth?.kubernetes, auth?.apiKeyRef].filter(Boolean).length;
    if (methods !== 1) errors.push(`${FIELD}.auth needs exactly one of kubernetes or apiKeyRef`);
    const k8s = auth?.kubernetes as CustosKubernetesAuth | undefined;
    if (k8s) {
      if (!k8s.accessId) errors.push(`${FIELD}.auth.kubernetes.accessId is required (the store's auth method, p-…)`);
      checkNamespace(k8s.serviceAccountRef, `${FIELD}.auth.kubernetes.serviceAccountRef`);
    }
    const keys = auth?.apiKeyRef;
    if (keys) {
      for (const [name, ref] of [
        ['accessId', keys.accessId],
        ['accessKey', keys.accessKey],
      ] as const) {
        if (!ref?.name || !ref.key) errors.push(`${FIELD}.auth.apiKeyRef.${name} needs name and key`);
        checkNamespace(ref, `${FIELD}.auth.apiKeyRef.${name}`);
      }
    }
    return { errors, warnings: [] };
  }
}
