// The Akeyless v2 transport (providers.md 1.1): every command is `POST <base>/<command>` with a JSON body, and the
// token travels in that body. The base URL is used verbatim (no probing, no `/v2` appended): it may be the SaaS
// root, a gateway's `/api/v2` or `/v2`, or any other prefix.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ProviderConfigError, ProviderUnavailableError } from '../errors.js';

/** ESO's HTTP client timeout for Akeyless. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface AkeylessResponse {
  status: number;
  /** Parsed JSON, or the raw text when the answer was not JSON. */
  body: unknown;
}

export interface AkeylessEndpoint {
  /** e.g. https://api.akeyless.io or https://gw:8000/api/v2 */
  baseUrl: string;
  /** Extra trusted CAs (caBundle / caProvider), PEM. */
  ca?: Buffer;
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

export function commandUrl(baseUrl: string, command: string): URL {
  return new URL(`${baseUrl.replace(/\/+$/, '')}/${command}`);
}

export async function postCommand(
  endpoint: AkeylessEndpoint,
  command: string,
  body: Record<string, unknown>,
): Promise<AkeylessResponse> {
  const url = commandUrl(endpoint.baseUrl, command);
  const payload = JSON.stringify(body);
  const options: RequestOptions = {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    timeout: REQUEST_TIMEOUT_MS,
    minVersion: 'TLSv1.2',
  };
  // A custom CA is added to the public roots, as ESO appends to the system pool.
  if (endpoint.ca) options.ca = [...rootCertificates, endpoint.ca.toString('utf8')];
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<AkeylessResponse>((resolve, reject) => {
    const call = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON (e.g. a proxy's error page); the status code decides what happens
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    call.on('timeout', () => call.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    call.on('error', (error: NodeJS.ErrnoException) => {
      const what = `cannot reach Akeyless at ${endpoint.baseUrl}: ${error.code ?? error.message}`;
      // A certificate the CA does not vouch for will not fix itself: that is the store's configuration.
      if (TLS_TRUST_ERRORS.has(error.code ?? '') || error.code?.startsWith('ERR_TLS_CERT')) {
        reject(new ProviderConfigError(`${what} (check caBundle / caProvider and akeylessGWApiURL)`));
      } else {
        reject(new ProviderUnavailableError(what));
      }
    });
    call.end(payload);
  });
}

/** The server's `{"error": "..."}` text, shortened; Akeyless error texts name items, never their values. */
export function errorText(response: AkeylessResponse): string {
  const body = response.body as { error?: unknown } | string | undefined;
  let text = '';
  if (body && typeof body === 'object' && typeof body.error === 'string') text = body.error;
  else if (typeof body === 'string') text = body;
  text = text.trim();
  if (!text) return `HTTP ${response.status}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
