// The `kubernetes` provider: Secrets of this or another cluster, read with the store's own identity.

import type { KubernetesProvider } from '../../api/generated/types.js';
import type {
  NewClientOptions,
  Provider,
  SecretsClient,
  StoreObject,
  StoreValidationResult,
  Validation,
} from '../contract.js';
import { ProviderConfigError } from '../errors.js';
import { referentStoreClient } from '../referent.js';
import { isReferentSpec, resolveRemoteAccess, TokenCache } from './auth.js';
import { KubernetesSecretsClient } from './client.js';
import { operatorTransport } from './own-cluster.js';

export const DEFAULT_REMOTE_NAMESPACE = 'default';

function kubernetesSpecOf(store: Pick<StoreObject, 'spec'>): KubernetesProvider {
  const spec = store.spec?.provider?.kubernetes;
  if (!spec) throw new ProviderConfigError('no store type or wrong store type: set spec.provider.kubernetes');
  return spec;
}

/** Overrides validate() for referent ClusterSecretStores, which ESO reports as Unknown. */
class ReferentValidation extends KubernetesSecretsClient {
  override async validate(): Promise<Validation> {
    return { result: 'Unknown', message: 'credentials are resolved per namespace (referent ClusterSecretStore)' };
  }
}

export class KubernetesSecretsProvider implements Provider {
  readonly key = 'kubernetes';
  readonly fetchesWholeSecrets = true;
  readonly capabilities = 'ReadWrite' as const;
  readonly maintained = true;
  readonly countsApiCalls = true;
  private readonly tokens = new TokenCache();

  async newClient({ store, namespace, kube, apiCalls }: NewClientOptions): Promise<SecretsClient> {
    const spec = kubernetesSpecOf(store);
    const referent = store.kind === 'ClusterSecretStore' && isReferentSpec(spec);
    // A SecretStore is only ever used from its own namespace.
    const using = store.kind === 'SecretStore' ? (store.namespace ?? namespace) : namespace;
    if (referent && !using) return referentStoreClient();
    const access = await resolveRemoteAccess({
      spec,
      storeKind: store.kind,
      namespace: using,
      operator: operatorTransport(kube.kubeConfig),
      operatorConfig: kube.kubeConfig,
      tokens: this.tokens,
    });
    const options = {
      access,
      remoteNamespace: spec.remoteNamespace || DEFAULT_REMOTE_NAMESPACE,
      storeKind: store.kind,
      apiCalls,
    };
    return referent ? new ReferentValidation(options) : new KubernetesSecretsClient(options);
  }

  /**
   * ESO's webhook checks (providers/v1/kubernetes/validate.go): the first problem is the error; a store without a
   * CA (and without authRef) is accepted with a warning, as ESO does since v1 (v0.16.2 refused it).
   */
  validateStore(store: Pick<StoreObject, 'kind' | 'namespace' | 'spec'>): StoreValidationResult {
    const spec = store.spec?.provider?.kubernetes;
    if (!spec) return { errors: ['spec.provider.kubernetes is missing'], warnings: [] };
    const warnings =
      !spec.authRef && !spec.server?.caBundle && !spec.server?.caProvider
        ? ['No caBundle or caProvider specified; TLS connections will use system certificate roots.']
        : [];
    const problem = firstKubernetesStoreProblem(store, spec);
    return { errors: problem ? [problem] : [], warnings };
  }
}

function firstKubernetesStoreProblem(
  store: Pick<StoreObject, 'kind' | 'namespace'>,
  spec: NonNullable<NonNullable<StoreObject['spec']['provider']>['kubernetes']>,
): string | undefined {
  const cluster = store.kind === 'ClusterSecretStore';
  const caProvider = spec.server?.caProvider;
  if (cluster && caProvider && !caProvider.namespace)
    return 'CAProvider.namespace must not be empty with ClusterSecretStore';
  if (!cluster && caProvider?.namespace) return 'CAProvider.namespace must be empty with SecretStore';
  const selector = (ref: { namespace?: string }, requireForCluster: boolean): string | undefined => {
    if (cluster && requireForCluster && !ref.namespace) return 'cluster scope requires namespace';
    if (!cluster && ref.namespace && ref.namespace !== store.namespace) {
      return 'namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore';
    }
    return undefined;
  };
  const cert = spec.auth?.cert;
  if (cert) {
    if (!cert.clientCert?.name) return 'ClientCert.Name cannot be empty';
    if (!cert.clientCert.key) return 'ClientCert.Key cannot be empty';
    const problem = selector(cert.clientCert, true);
    if (problem) return problem;
  }
  const token = spec.auth?.token;
  if (token) {
    if (!token.bearerToken?.name) return 'BearerToken.Name cannot be empty';
    if (!token.bearerToken.key) return 'BearerToken.Key cannot be empty';
    const problem = selector(token.bearerToken, true);
    if (problem) return problem;
  }
  return spec.auth?.serviceAccount ? selector(spec.auth.serviceAccount, false) : undefined;
}
