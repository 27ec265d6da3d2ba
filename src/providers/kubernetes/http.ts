// A minimal Kubernetes API caller for this provider: JSON in, JSON out, TLS from explicit material, and errors
// mapped onto the provider error classes. (Private to the provider until the shared src/kube client settles.)
import type { RequestOptions } from 'node:https';
import { ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import { type JsonResponse, sendJson } from '../json-http.js';

/** Where and how to call one API server. */
export interface KubeTransport {
  /** https://host:port (a path prefix is kept). */
  server: string;
  /** Fills in TLS material and headers for each request (e.g. from a KubeConfig, which may refresh tokens). */
  prepare(options: RequestOptions): Promise<void>;
  /** Says what the caller is, in errors: e.g. `service account "ns/sa"`. */
  describe: string;
}

export type KubeResponse = JsonResponse;

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

const TIMEOUT_MS = 30_000;

export async function kubeCall(transport: KubeTransport, req: KubeRequest): Promise<KubeResponse> {
  const url = new URL(transport.server.replace(/\/+$/, '') + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const options: RequestOptions = {
    method: req.method,
    headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
  };
  await transport.prepare(options);
  return sendJson(url, options, payload, {
    target: `the Kubernetes API at ${transport.server}`,
    tlsHint: 'server.caBundle / server.caProvider and server.url',
    timeoutMs: TIMEOUT_MS,
  });
}

/** The API server's own explanation (a metav1.Status message), which names objects but never their data. */
export function statusMessage(response: KubeResponse): string {
  const body = response.body as { message?: unknown } | string | undefined;
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message;
  if (typeof body === 'string' && body.length > 0 && body.length < 300) return body.trim();
  return `HTTP ${response.status}`;
}

/** Turns a failed response into the right provider error; `action` says what was attempted. */
export function responseError(transport: KubeTransport, response: KubeResponse, action: string): ProviderError {
  const reason = statusMessage(response);
  switch (response.status) {
    case 401:
      return new ProviderConfigError(
        `${action}: the API server at ${transport.server} did not accept the credentials of ${transport.describe} ` +
          `(401 Unauthorized: ${reason}); check spec.provider.kubernetes.auth`,
      );
    case 403:
      return new ProviderConfigError(
        `${action}: ${reason}; grant ${transport.describe} a Role that allows this on secrets (RBAC)`,
      );
    case 408:
    case 409:
    case 429:
      return new ProviderUnavailableError(`${action}: ${reason} (HTTP ${response.status}); will retry`);
    default:
      if (response.status >= 500 || response.status === 0) {
        return new ProviderUnavailableError(`${action}: ${reason} (HTTP ${response.status}); will retry`);
      }
      return new ProviderError(`${action}: ${reason} (HTTP ${response.status})`);
  }
}
