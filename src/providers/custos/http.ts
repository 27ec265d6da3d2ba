// The transport to the Custos gateway's native API (docs/gateway.md, "Native API"): JSON over HTTPS with a bearer
// token, and the change feed as a long-lived server-sent-events response. Any path prefix of the gateway URL (a
// proxy's sub-path) is kept in front of `/v1/...`.
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ProviderConfigError, ProviderUnavailableError } from '../errors.js';
import { proxyAgentFor } from '../proxy.js';

/** A request that gets no answer within this time fails (the change feed has no such limit). */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface GatewayEndpoint {
  /** e.g. https://custos-gateway.custos.svc:8443 */
  baseUrl: string;
  /** Extra trusted CAs (caBundle / caProvider), PEM. */
  ca?: Buffer;
}

export interface GatewayRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** e.g. /v1/secrets */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  token?: string;
}

export interface GatewayResponse {
  status: number;
  /** Parsed JSON, or the raw text when the answer was not JSON. */
  body: unknown;
}

export function endpointUrl(endpoint: GatewayEndpoint, req: Pick<GatewayRequest, 'path' | 'query'>): URL {
  const url = new URL(endpoint.baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${req.path}`;
  for (const [name, value] of Object.entries(req.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url;
}

/** Certificate problems will not fix themselves: they are the store's configuration, not an outage. */
function isTrustFailure(code: string | undefined): boolean {
  return !!code && (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID');
}

function connectionError(endpoint: GatewayEndpoint, error: NodeJS.ErrnoException): Error {
  const what = `cannot reach the Custos gateway at ${endpoint.baseUrl}: ${error.code ?? error.message}`;
  if (isTrustFailure(error.code)) {
    return new ProviderConfigError(`${what} (check caBundle / caProvider and gatewayURL of spec.provider.custos)`);
  }
  return new ProviderUnavailableError(what);
}

/** Sends a request and resolves with the response head; the caller reads (or streams) the body. */
export function openRequest(
  endpoint: GatewayEndpoint,
  req: GatewayRequest,
  accept: string,
  timeoutMs: number | undefined,
): Promise<{ response: IncomingMessage; abort: () => void }> {
  const url = endpointUrl(endpoint, req);
  const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body), 'utf8');
  const headers: Record<string, string> = { accept };
  if (payload) headers['content-type'] = 'application/json';
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  const options: RequestOptions = { method: req.method, headers, minVersion: 'TLSv1.2' };
  // A custom CA is added to the public roots, so a gateway behind a public certificate keeps working.
  if (endpoint.ca) options.ca = [...rootCertificates, endpoint.ca.toString('utf8')];
  const agent = proxyAgentFor(url);
  if (agent) options.agent = agent;
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const call = send(url, options, (response) => resolve({ response, abort: () => call.destroy() }));
    if (timeoutMs !== undefined) {
      call.setTimeout(timeoutMs, () => call.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    }
    call.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(endpoint, error)));
    call.end(payload);
  });
}

export function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** One JSON request/response round trip. */
export async function callGateway(endpoint: GatewayEndpoint, req: GatewayRequest): Promise<GatewayResponse> {
  const { response } = await openRequest(endpoint, req, 'application/json', REQUEST_TIMEOUT_MS);
  let text: string;
  try {
    text = await readBody(response);
  } catch (error) {
    throw connectionError(endpoint, error as NodeJS.ErrnoException);
  }
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (a proxy's error page): the status decides, and the text is never shown
  }
  return { status: response.statusCode ?? 0, body };
}

/** The native API's error body `{"error":{"code","message"}}`, if that is what came back. */
export function errorOf(res: GatewayResponse): { code: string; message: string } | undefined {
  const error = (res.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error || typeof error !== 'object' || typeof error.code !== 'string') return undefined;
  const message = typeof error.message === 'string' ? error.message : '';
  return { code: error.code, message: message.length > 300 ? `${message.slice(0, 300)}…` : message };
}
