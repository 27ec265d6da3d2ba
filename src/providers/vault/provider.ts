// The `vault` provider (and `openBao`, the same API under its own key): HashiCorp Vault or OpenBao KV engines,
// configured with ESO's `spec.provider.vault` fields.
import type { VaultProvider } from '../../api/generated/types.js';
import type { NewClientOptions, Provider, SecretsClient, StoreObject, StoreValidationResult } from '../contract.js';
import { ProviderConfigError } from '../errors.js';
import { referentStoreClient } from '../referent.js';
import { type Clock, TokenCache } from '../token-cache.js';
import { isReferentSpec } from './auth.js';
import { VaultSecretsClient } from './client.js';
import { connectVault, serverOf } from './connect.js';
import { TOKEN_EXPIRY_MARGIN_MS, type VaultSession } from './session.js';

export type VaultProviderKey = 'vault' | 'openBao';

export interface VaultProviderOptions {
  /** Clock for token expiry (tests pass a fake one). */
  now?: Clock;
  /** Where the operator's own service account token is mounted (tests point elsewhere). */
  mountedTokenFile?: string;
}

export class VaultSecretsProvider implements Provider {
  readonly fetchesWholeSecrets = true;
  readonly capabilities = 'ReadWrite' as const;
  readonly maintained = true;
  readonly countsApiCalls = true;
  readonly #options: VaultProviderOptions;
  readonly #now: Clock;
  readonly #tokens: TokenCache;
  /** A session per login identity, to revoke that identity's cached token at shutdown. */
  readonly #sessions = new Map<string, VaultSession>();

  constructor(
    readonly key: VaultProviderKey = 'vault',
    options: VaultProviderOptions = {},
  ) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#tokens = new TokenCache(this.#now, TOKEN_EXPIRY_MARGIN_MS);
  }

  get #field(): string {
    return `spec.provider.${this.key}`;
  }

  #specOf(store: Pick<StoreObject, 'spec'>): VaultProvider {
    const spec = store.spec?.provider?.[this.key];
    if (!spec) throw new ProviderConfigError(`no store type or wrong store type: set ${this.#field}`);
    return spec;
  }

  async newClient({ store, namespace, kube, apiCalls }: NewClientOptions): Promise<SecretsClient> {
    const spec = this.#specOf(store);
    // A SecretStore is only ever used from its own namespace.
    const using = store.kind === 'SecretStore' ? (store.namespace ?? namespace) : namespace;
    if (store.kind === 'ClusterSecretStore' && isReferentSpec(spec) && !using) return referentStoreClient();
    const session = await connectVault({
      spec,
      field: this.#field,
      storeKind: store.kind,
      namespace: using,
      kubeConfig: kube.kubeConfig,
      retrySettings: store.spec.retrySettings,
      tokens: this.#tokens,
      now: this.#now,
      mountedTokenFile: this.#options.mountedTokenFile,
      apiCalls,
    });
    if (session.cacheKey) this.#sessions.set(session.cacheKey, session);
    return new VaultSecretsClient(session, {
      layout: { mount: spec.path?.replace(/^\/+|\/+$/g, '') || undefined, version: spec.version ?? 'v2' },
      checkAndSet: spec.checkAndSet?.required === true,
    });
  }

  /** Revokes the login tokens this provider kept (at most 5 s): a restarted operator leaves none behind. */
  async shutdown(): Promise<void> {
    const revocations = [...this.#tokens.drain()].map(([key, token]) =>
      this.#sessions
        .get(key)
        ?.revoke(token)
        .catch(() => undefined),
    );
    this.#sessions.clear();
    await Promise.race([Promise.all(revocations), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }

  /** ESO's webhook checks (providers/v1/vault/validate.go), with messages that say what to fix. */
  validateStore(store: Pick<StoreObject, 'kind' | 'namespace' | 'spec'>): StoreValidationResult {
    const errors: string[] = [];
    const spec = store.spec?.provider?.[this.key];
    if (!spec) return { errors: [`${this.#field} is missing`], warnings: [] };
    const cluster = store.kind === 'ClusterSecretStore';
    // ESO's ValidateReferentSecretSelector: a SecretStore may only name its own namespace.
    const selector = (ref: { namespace?: string } | undefined, where: string) => {
      if (ref && !cluster && ref.namespace && ref.namespace !== store.namespace) {
        errors.push(`invalid ${where}: namespace should either be empty or match the namespace of the SecretStore`);
      }
    };
    try {
      serverOf(spec, this.#field);
    } catch (error) {
      errors.push((error as Error).message);
    }
    const auth = spec.auth;
    if (auth?.appRole) {
      selector(auth.appRole.secretRef, 'auth.appRole.secretRef');
      if (!auth.appRole.roleId) {
        if (auth.appRole.roleRef) selector(auth.appRole.roleRef, 'auth.appRole.roleRef');
        else errors.push('invalid auth.appRole: neither roleId nor roleRef was supplied');
      }
    }
    if (auth?.cert) {
      selector(auth.cert.clientCert, 'auth.cert.clientCert');
      selector(auth.cert.secretRef, 'auth.cert.secretRef');
    }
    if (auth?.jwt) {
      if (auth.jwt.secretRef) selector(auth.jwt.secretRef, 'auth.jwt.secretRef');
      else if (auth.jwt.kubernetesServiceAccountToken) {
        selector(
          auth.jwt.kubernetesServiceAccountToken.serviceAccountRef,
          'auth.jwt.kubernetesServiceAccountToken.serviceAccountRef',
        );
      } else errors.push('auth.jwt needs secretRef or kubernetesServiceAccountToken as the source of the JWT');
    }
    if (auth?.kubernetes) {
      selector(auth.kubernetes.serviceAccountRef, 'auth.kubernetes.serviceAccountRef');
      selector(auth.kubernetes.secretRef, 'auth.kubernetes.secretRef');
    }
    if (auth?.ldap) selector(auth.ldap.secretRef, 'auth.ldap.secretRef');
    if (auth?.userPass) selector(auth.userPass.secretRef, 'auth.userPass.secretRef');
    if (auth?.tokenSecretRef) selector(auth.tokenSecretRef, 'auth.tokenSecretRef');
    const tls = spec.tls;
    if (tls?.certSecretRef && tls.keySecretRef) {
      selector(tls.certSecretRef, 'tls.certSecretRef');
      selector(tls.keySecretRef, 'tls.keySecretRef');
    } else if (tls?.certSecretRef || tls?.keySecretRef) {
      errors.push('tls needs both certSecretRef and keySecretRef (or neither)');
    }
    const warnings = auth?.iam || auth?.gcp ? [`auth.${auth.iam ? 'iam' : 'gcp'} is not supported by Custos`] : [];
    return { errors, warnings };
  }
}
