// One authenticated conversation with the gateway: logs in through the provider's token cache (a token is reused
// until shortly before its `expiresAt`), sends it as a bearer token, and logs in again once when the gateway says
// the cached token is no longer valid (401: expired early or revoked; 403 means "not allowed" and is final).
import type { IncomingMessage } from 'node:http';
import { UNKNOWN_LIFETIME_MS } from '../akeyless/token-cache.js';
import { ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import type { Clock, TokenCache } from '../token-cache.js';
import type { Credentials } from './credentials.js';
import {
  callGateway,
  errorOf,
  type GatewayEndpoint,
  type GatewayRequest,
  type GatewayResponse,
  openRequest,
  readBody,
} from './http.js';

export function isTransient(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

export class CustosSession {
  constructor(
    readonly endpoint: GatewayEndpoint,
    private readonly credentials: Credentials,
    private readonly tokens: TokenCache,
    private readonly now: Clock,
  ) {}

  private async login() {
    const res = await callGateway(this.endpoint, {
      method: 'POST',
      path: '/v1/auth/login',
      body: await this.credentials.loginBody(),
    });
    const what = `login to the Custos gateway at ${this.endpoint.baseUrl} with ${this.credentials.describe} failed`;
    const out = res.body as { token?: unknown; expiresAt?: unknown } | undefined;
    if (res.status === 200) {
      if (typeof out?.token !== 'string' || !out.token) throw new ProviderError(`${what}: the answer has no token`);
      const expiresAt = typeof out.expiresAt === 'string' ? Date.parse(out.expiresAt) : Number.NaN;
      return { token: out.token, expiresAt: Number.isNaN(expiresAt) ? this.now() + UNKNOWN_LIFETIME_MS : expiresAt };
    }
    const reason = `${errorOf(res)?.message || 'no error message'} (HTTP ${res.status})`;
    if (isTransient(res.status)) throw new ProviderUnavailableError(`${what}: ${reason}; will retry`);
    if (res.status === 404) {
      throw new ProviderConfigError(`${what}: ${reason}; gatewayURL does not point at a Custos gateway`);
    }
    throw new ProviderConfigError(
      `${what}: ${reason}; check spec.provider.custos.auth and the store's auth method for this access id`,
    );
  }

  /** Logs in (or reuses the cached token); used by validate(). */
  async token(): Promise<string> {
    return (await this.tokens.get(this.credentials.cacheKey, () => this.login())).token;
  }

  /** Sends a request with a token; the response may have any status (callers decide what it means). */
  async call(req: GatewayRequest): Promise<GatewayResponse> {
    const first = await this.tokens.get(this.credentials.cacheKey, () => this.login());
    const res = await callGateway(this.endpoint, { ...req, token: first.token });
    if (res.status !== 401 || !first.cached) return res;
    this.tokens.forget(this.credentials.cacheKey, first.token);
    const second = await this.tokens.get(this.credentials.cacheKey, () => this.login());
    return callGateway(this.endpoint, { ...req, token: second.token });
  }

  /**
   * Opens the change feed (`GET /v1/events`). Resolves with the open stream, or rejects with the reason it was
   * refused; a refused token is forgotten so that the next attempt logs in again.
   */
  async openEvents(prefix: string, since: number | undefined): Promise<{ stream: IncomingMessage; abort: () => void }> {
    const { token } = await this.tokens.get(this.credentials.cacheKey, () => this.login());
    const { response, abort } = await openRequest(
      this.endpoint,
      { method: 'GET', path: '/v1/events', query: { prefix, since }, token },
      'text/event-stream',
      undefined,
    );
    if (response.statusCode === 200) return { stream: response, abort };
    const text = await readBody(response).catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const status = response.statusCode ?? 0;
    if (status === 401) this.tokens.forget(this.credentials.cacheKey, token);
    const reason = `${errorOf({ status, body })?.message || 'no error message'} (HTTP ${status})`;
    const what = `the change feed of ${this.endpoint.baseUrl} for ${prefix} was refused: ${reason}`;
    throw isTransient(status) || status === 401 ? new ProviderUnavailableError(what) : new ProviderConfigError(what);
  }
}
