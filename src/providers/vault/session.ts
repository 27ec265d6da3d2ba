// One authenticated conversation with Vault. Beyond ESO by default: a login token is shared by every client of the
// same identity and reused until shortly before its lease ends (ESO logs in, and leaves a token behind, on every
// reconcile unless its experimental token cache is switched on). A cached token Vault refuses with 403 is checked
// with lookup-self and, if it went bad (revoked, or expired early), replaced by one fresh login and the call sent
// again; a 403 for a token that is still valid is the policy's answer and is returned as it is.
import { ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import type { Clock, IssuedLoginToken, TokenCache } from '../token-cache.js';
import type { VaultLogin } from './auth.js';
import {
  type Consistency,
  type VaultEndpoint,
  type VaultRequest,
  type VaultResponse,
  vaultCall,
  vaultErrorText,
} from './http.js';

/** ESO treats a token with less than 60 s left as expired; so does the cache. */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;

export interface SessionOptions {
  endpoint: VaultEndpoint;
  login: VaultLogin | undefined;
  tokens: TokenCache;
  now: Clock;
  /** X-Vault-Namespace of the reads and writes (`namespace` of the store). */
  namespace?: string;
  /** X-Vault-Namespace of the login (`auth.namespace`, else `namespace`). */
  authNamespace?: string;
  /** `spec.provider.vault`, for messages. */
  field: string;
}

export class VaultSession {
  readonly #options: SessionOptions;
  readonly #consistency: Consistency = {};

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  get server(): string {
    return this.#options.endpoint.server;
  }

  /** The token cache key of this session's login; undefined for a static token or no auth. */
  get cacheKey(): string | undefined {
    const login = this.#options.login;
    return login && login.staticToken === undefined ? login.cacheKey : undefined;
  }

  /** POST auth/token/revoke-self with a token this session's login made (when the operator stops). */
  async revoke(token: string): Promise<void> {
    await vaultCall(
      this.#options.endpoint,
      {
        method: 'POST',
        path: 'auth/token/revoke-self',
        token,
        namespace: this.#options.authNamespace,
        call: 'RevokeSelf',
      },
      this.#consistency,
    );
  }

  async #login(): Promise<IssuedLoginToken> {
    const { login, endpoint, authNamespace, field } = this.#options;
    if (!login?.request) throw new ProviderError('this store has no login method');
    const request = await login.request();
    const res = await vaultCall(
      endpoint,
      { method: 'POST', path: request.path, body: request.body, namespace: authNamespace, call: 'Login' },
      this.#consistency,
    );
    const what = `login to Vault at ${endpoint.server} with ${login.describe} failed`;
    if (res.status === 200) {
      const auth = (res.body as { auth?: { client_token?: unknown; lease_duration?: unknown } } | undefined)?.auth;
      if (typeof auth?.client_token !== 'string' || !auth.client_token) {
        throw new ProviderError(`${what}: the answer has no auth.client_token`);
      }
      const lease = typeof auth.lease_duration === 'number' ? auth.lease_duration : 0;
      return { token: auth.client_token, expiresAt: lease > 0 ? this.#options.now() + lease * 1000 : Infinity };
    }
    if (res.status === 429 || res.status >= 500 || res.status === 0) {
      throw new ProviderUnavailableError(`${what}: ${vaultErrorText(res)} (HTTP ${res.status}); will retry`);
    }
    throw new ProviderConfigError(
      `${what}: ${vaultErrorText(res)} (HTTP ${res.status}); check ${field}.auth and the role's configuration in Vault`,
    );
  }

  /** The token to send and whether it came from the cache; no token when the store has no auth. */
  async #token(): Promise<{ token?: string; cached: boolean }> {
    const { login, tokens } = this.#options;
    if (!login) return { cached: false };
    if (login.staticToken !== undefined) return { token: login.staticToken, cached: false };
    return tokens.get(login.cacheKey, () => this.#login());
  }

  /** Logs in now (or finds the cached token), so a store that cannot log in fails when its client is made. */
  async ensureToken(): Promise<void> {
    await this.#token();
  }

  /** Sends a request with the token and the store's namespace; the answer may have any status. */
  async call(req: Omit<VaultRequest, 'token' | 'namespace'>): Promise<VaultResponse> {
    const first = await this.#token();
    const res = await this.#send(req, first.token);
    if (res.status !== 403 || !first.cached || !first.token) return res;
    if (await this.#stillValid(first.token)) return res;
    this.#options.tokens.forget(this.#options.login?.cacheKey ?? '', first.token);
    const second = await this.#token();
    return this.#send(req, second.token);
  }

  #send(req: Omit<VaultRequest, 'token' | 'namespace'>, token: string | undefined): Promise<VaultResponse> {
    return vaultCall(this.#options.endpoint, { ...req, token, namespace: this.#options.namespace }, this.#consistency);
  }

  /** GET auth/token/lookup-self with the current token (the store's validation, as ESO's checkToken). */
  async lookupSelf(): Promise<VaultResponse> {
    return this.#lookup((await this.#token()).token);
  }

  #lookup(token: string | undefined): Promise<VaultResponse> {
    return vaultCall(
      this.#options.endpoint,
      {
        method: 'GET',
        path: 'auth/token/lookup-self',
        token,
        namespace: this.#options.authNamespace,
        call: 'LookupSelf',
      },
      this.#consistency,
    );
  }

  async #stillValid(token: string): Promise<boolean> {
    try {
      return (await this.#lookup(token)).status === 200;
    } catch {
      return false;
    }
  }
}
