// The Akeyless v2 transport (providers.md 1.1): every command is `POST <base>/<command>` with a JSON body, and the
// token travels in that body. The base URL is used verbatim (no probing, no `/v2` appended): it may be the SaaS
// root, a gateway's `/api/v2` or `/v2`, or any other prefix.
import type { RequestOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import { type JsonResponse, sendJson } from '../json-http.js';

/** ESO's HTTP client timeout for Akeyless. */
export const REQUEST_TIMEOUT_MS = 30_000;

export type AkeylessResponse = JsonResponse;

export interface AkeylessEndpoint {
  /** e.g. https://api.akeyless.io or https://gw:8000/api/v2 */
  baseUrl: string;
  /** Extra trusted CAs (caBundle / caProvider), PEM. */
  ca?: Buffer;
  /** Told of every command sent, under ESO's name for it (NewClientOptions.apiCalls). */
  apiCalls?(call: string, failed: boolean): void;
}

// ESO's names for the commands (its metric's `call` label); a command ESO does not send keeps a name of the same form.
const CALL_NAMES: Record<string, string> = {
  auth: 'Auth',
  'describe-item': 'DescribeItem',
  'get-secret-value': 'GetSecretValue',
  'list-items': 'ListItems',
  'get-rotated-secret-value': 'GetRotatedSecretValue',
  'get-certificate-value': 'GetCertificateValue',
  'get-dynamic-secret-value': 'GetDynamicSecretsValue',
  'create-secret': 'CreateSecret',
  'update-secret-val': 'UpdateSecretVal',
  'delete-item': 'DeleteItem',
  'validate-token': 'ValidateToken',
};

/** ESO's metric name of an Akeyless command, e.g. "describe-item" -> "DescribeItem". */
export function akeylessCallName(command: string): string {
  return CALL_NAMES[command] ?? command.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

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
    minVersion: 'TLSv1.2',
  };
  // A custom CA is added to the public roots, as ESO appends to the system pool.
  if (endpoint.ca) options.ca = [...rootCertificates, endpoint.ca.toString('utf8')];
  const call = endpoint.apiCalls ? akeylessCallName(command) : '';
  try {
    const response = await sendJson(url, options, payload, {
      target: `Akeyless at ${endpoint.baseUrl}`,
      tlsHint: 'caBundle / caProvider and akeylessGWApiURL',
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    // The SDK ESO uses returns an error for any answer but 2xx.
    endpoint.apiCalls?.(call, response.status < 200 || response.status >= 300);
    return response;
  } catch (error) {
    endpoint.apiCalls?.(call, true);
    throw error;
  }
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
