// One JSON request over node:http(s) for providers that talk HTTP themselves (akeyless, kubernetes): a timeout,
// the body parsed as JSON when it is JSON, and failures mapped onto the provider error classes -- an untrusted
// certificate is a configuration error (it will not fix itself), anything else on the way is "unavailable".
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { ProviderConfigError, ProviderUnavailableError } from './errors.js';
import { proxyAgentFor } from './proxy.js';

export interface JsonResponse {
  status: number;
  /** Parsed JSON, or the raw text when the answer was not JSON (e.g. a proxy's error page). */
  body: unknown;
  /** The answer as sent (for callers that must keep numbers exactly as written). */
  text?: string;
  headers?: IncomingHttpHeaders;
}

export interface JsonRequestContext {
  /** Says what could not be reached, e.g. `Akeyless at https://...`. */
  target: string;
  /** Which store fields to check when the server's certificate is not trusted. */
  tlsHint: string;
  timeoutMs: number;
}

const TLS_TRUST_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
]);

export function isTlsTrustError(code: string | undefined): boolean {
  return !!code && (TLS_TRUST_ERRORS.has(code) || code.startsWith('ERR_TLS_CERT'));
}

export function sendJson(
  url: URL,
  options: RequestOptions,
  payload: string | undefined,
  context: JsonRequestContext,
): Promise<JsonResponse> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<JsonResponse>((resolve, reject) => {
    const agent = proxyAgentFor(url);
    const call = send(url, { ...options, ...(agent ? { agent } : {}), timeout: context.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: the status code decides what happens, the text may explain it
        }
        resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
      });
    });
    call.on('timeout', () => call.destroy(new Error(`no answer within ${context.timeoutMs / 1000} s`)));
    call.on('error', (error: NodeJS.ErrnoException) => {
      const what = `cannot reach ${context.target}: ${error.code ?? error.message}`;
      if (isTlsTrustError(error.code)) reject(new ProviderConfigError(`${what} (check ${context.tlsHint})`));
      else reject(new ProviderUnavailableError(what));
    });
    call.end(payload);
  });
}
