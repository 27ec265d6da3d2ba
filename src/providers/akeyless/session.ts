// One authenticated conversation with an Akeyless API: logs in through the shared token cache, puts the token in
// the body (`uid-token` for Universal Identity tokens, which start with "u-"), and retries a call once with a
// fresh login when the server refuses a cached token that /validate-token says is no longer valid (revoked, or
// expired early).
import { ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import type { Clock, TokenCache } from '../token-cache.js';
import type { Credentials } from './credentials.js';
import { type AkeylessEndpoint, type AkeylessResponse, errorText, postCommand } from './http.js';
import { tokenExpiry } from './token-cache.js';

export class AkeylessSession {
  constructor(
    readonly endpoint: AkeylessEndpoint,
    private readonly credentials: Credentials,
    private readonly tokens: TokenCache,
    private readonly now: Clock,
  ) {}

  private async login() {
    const body = await this.credentials.authBody();
    const res = await postCommand(this.endpoint, 'auth', body);
    const what = `authentication to Akeyless at ${this.endpoint.baseUrl} with access ID ${this.credentials.accessId} failed`;
    if (res.status === 200) {
      const out = res.body as { token?: unknown; creds?: unknown } | undefined;
      if (typeof out?.token !== 'string' || !out.token) throw new ProviderError(`${what}: the answer has no token`);
      return { token: out.token, expiresAt: tokenExpiry(out.token, out.creds, this.now()) };
    }
    if (res.status === 429 || res.status >= 500 || res.status === 0) {
      throw new ProviderUnavailableError(`${what}: ${errorText(res)} (HTTP ${res.status}); will retry`);
    }
    throw new ProviderConfigError(
      `${what}: ${errorText(res)} (HTTP ${res.status}); check the access ID, access type and its parameter ` +
        '(access key or Kubernetes auth config) in spec.provider.akeyless.authSecretRef',
    );
  }

  /** Logs in (or reuses the cached token); used by validate(). */
  async token(): Promise<string> {
    return (await this.tokens.get(this.credentials.cacheKey, () => this.login())).token;
  }

  /** POSTs a command with the token; the response may have any status (callers decide what it means). */
  async call(command: string, body: Record<string, unknown>): Promise<AkeylessResponse> {
    const first = await this.tokens.get(this.credentials.cacheKey, () => this.login());
    const res = await postCommand(this.endpoint, command, withToken(body, first.token));
    if (res.status !== 401 || !first.cached) return res;
    // 401 also means "not allowed to touch this item": only log in again if the token itself went bad.
    if (await this.stillValid(first.token)) return res;
    this.tokens.forget(this.credentials.cacheKey, first.token);
    const second = await this.tokens.get(this.credentials.cacheKey, () => this.login());
    return postCommand(this.endpoint, command, withToken(body, second.token));
  }

  /** Whether the server still accepts a token (POST /validate-token); an unclear answer counts as not valid. */
  private async stillValid(token: string): Promise<boolean> {
    try {
      const res = await postCommand(this.endpoint, 'validate-token', { token });
      return res.status === 200 && (res.body as { is_valid?: unknown } | undefined)?.is_valid === true;
    } catch {
      return false;
    }
  }
}

function withToken(body: Record<string, unknown>, token: string): Record<string, unknown> {
  return token.startsWith('u-') ? { ...body, 'uid-token': token } : { ...body, token };
}
