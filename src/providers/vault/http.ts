// The Vault / OpenBao HTTP API as this provider uses it (providers.md section 4): `<server>/v1/<path>`, the token in
// X-Vault-Token, the namespace in X-Vault-Namespace, the store's own headers, and Vault's error shape
// `{"errors": [...]}`. Answers keep their text: Vault's Go client keeps numbers as written (json.Number), and so
// must the values that reach a Secret. Transient failures are retried as Vault's Go client does by default.
import type { RequestOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ProviderUnavailableError } from '../errors.js';
import { type JsonResponse, sendJson } from '../json-http.js';

/** Vault's Go client gives up on a request after 60 s. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** Vault's Go client retries a failed request twice, about a second apart (ESO keeps that without retrySettings). */
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_WAIT_MS = 1_000;

export type VaultResponse = JsonResponse;

export interface VaultEndpoint {
  /** e.g. https://vault.example:8200 (no trailing slash). */
  server: string;
  /** Extra trusted CAs (caBundle / caProvider), PEM. */
  ca?: Buffer;
  /** A client certificate for mutual TLS (`tls` of the store, or `auth.cert`). */
  clientCert?: { cert: Buffer; key: Buffer };
  /** `headers` of the store, sent with every request. */
  headers: Record<string, string>;
  /** `readYourWrites`: echo the last X-Vault-Index so a read sees this client's own writes on a performance standby. */
  readYourWrites: boolean;
  /** `forwardInconsistent`: ask standbys to forward a request they cannot serve consistently. */
  forwardInconsistent: boolean;
  maxRetries: number;
  retryWaitMs: number;
  /** Told of every request sent, under ESO's name for it. */
  apiCalls?(call: string, failed: boolean): void;
}

export interface VaultRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below /v1/, without a leading slash, e.g. `secret/data/app`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** The body as JSON text already (values whose numbers must keep their spelling); wins over `body`. */
  json?: string;
  token?: string;
  /** X-Vault-Namespace (Vault Enterprise / OpenBao namespaces). */
  namespace?: string;
  /** ESO's name of the call for externalsecret_provider_api_calls_count, e.g. "ReadSecretData". */
  call: string;
}

/** Per-client state of read-your-writes: the last index header Vault returned. */
export interface Consistency {
  index?: string;
}

function requestUrl(endpoint: VaultEndpoint, req: VaultRequest): URL {
  const path = req.path
    .split('/')
    .filter((part) => part !== '')
    .map(encodeURIComponent)
    .join('/');
  const url = new URL(`${endpoint.server}/v1/${path}`);
  for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value);
  return url;
}

function requestOptions(endpoint: VaultEndpoint, req: VaultRequest, consistency: Consistency): RequestOptions {
  const headers: Record<string, string> = { ...endpoint.headers, accept: 'application/json' };
  if (req.body !== undefined || req.json !== undefined) headers['content-type'] = 'application/json';
  if (req.token) headers['x-vault-token'] = req.token;
  if (req.namespace) headers['x-vault-namespace'] = req.namespace;
  if (endpoint.readYourWrites && consistency.index) headers['x-vault-index'] = consistency.index;
  if (endpoint.readYourWrites && endpoint.forwardInconsistent) headers['x-vault-inconsistent'] = 'forward-active-node';
  const options: RequestOptions = { method: req.method, headers, minVersion: 'TLSv1.2' };
  // A custom CA is added to the public roots, as Vault's client appends to the system pool.
  if (endpoint.ca) options.ca = [...rootCertificates, endpoint.ca.toString('utf8')];
  if (endpoint.clientCert) {
    options.cert = endpoint.clientCert.cert;
    options.key = endpoint.clientCert.key;
  }
  return options;
}

/** Statuses Vault's Go client retries: 412 (a standby not caught up yet) and 5xx except 501. */
function retriable(status: number): boolean {
  return status === 412 || (status >= 500 && status !== 501);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one request (with Vault's retries); the answer may have any status, callers decide what it means. */
export async function vaultCall(
  endpoint: VaultEndpoint,
  req: VaultRequest,
  consistency: Consistency = {},
): Promise<VaultResponse> {
  const url = requestUrl(endpoint, req);
  const payload = req.json ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
  const context = {
    target: `Vault at ${endpoint.server}`,
    tlsHint: 'server, caBundle / caProvider and tls',
    timeoutMs: REQUEST_TIMEOUT_MS,
  };
  for (let attempt = 0; ; attempt++) {
    let response: VaultResponse;
    try {
      response = await sendJson(url, requestOptions(endpoint, req, consistency), payload, context);
    } catch (error) {
      endpoint.apiCalls?.(req.call, true);
      if (error instanceof ProviderUnavailableError && attempt < endpoint.maxRetries) {
        await sleep(endpoint.retryWaitMs);
        continue;
      }
      throw error;
    }
    const failed = response.status < 200 || response.status >= 300;
    endpoint.apiCalls?.(req.call, failed && response.status !== 404);
    const index = response.headers?.['x-vault-index'];
    if (typeof index === 'string' && index) consistency.index = index;
    if (retriable(response.status) && attempt < endpoint.maxRetries) {
      await sleep(endpoint.retryWaitMs);
      continue;
    }
    return response;
  }
}

/** Vault's `errors` list, joined and shortened; Vault error texts name paths and roles, never secret values. */
export function vaultErrorText(response: VaultResponse): string {
  const body = response.body as { errors?: unknown } | string | undefined;
  let text = '';
  if (body && typeof body === 'object' && Array.isArray(body.errors)) {
    text = body.errors.filter((e): e is string => typeof e === 'string').join('; ');
  } else if (typeof body === 'string') text = body;
  text = text.replace(/\s+/g, ' ').trim();
  if (!text) return `HTTP ${response.status}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
