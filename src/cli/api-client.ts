// The CLI's HTTP client for the gateway's native API (and the store admin/audit calls it relays). Every failure
// becomes a CliError whose message says what to do next; messages come from status codes and the server's own
// error text, never from request bodies, so a secret value cannot end up in one.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Profile } from './profile.js';

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly status = 0,
    readonly code = '',
  ) {
    super(message);
  }
}

export interface Target {
  gateway: string;
  caPem?: string;
  token?: string;
}

export interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

const tlsTrustCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

function transportError(origin: string, error: NodeJS.ErrnoException): CliError {
  const code = error.code ?? '';
  if (tlsTrustCodes.has(code)) {
    return new CliError(
      `the gateway at ${origin} presented a certificate this CLI does not trust (${code}): ` +
        'log in again with --ca <the gateway CA file> (custos dev prints its path)',
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new CliError(`the gateway certificate does not name ${origin}: use the address it was issued for`);
  }
  if (code === 'EPROTO' || /wrong version number/i.test(error.message)) {
    return new CliError(`TLS handshake with ${origin} failed: is it an http:// (not https://) server?`);
  }
  return new CliError(
    `cannot reach the gateway at ${origin} (${code || error.message}): is it running (\`custos dev\`)? ` +
      'check the URL given to `custos login --gateway`',
  );
}

function httpError(status: number, code: string, serverMessage: string): CliError {
  const detail = serverMessage ? `: ${serverMessage}` : '';
  switch (code || String(status)) {
    case 'unauthorized':
    case '401':
      return new CliError(`not logged in, or the token expired${detail}. Run \`custos login\` again`, status, code);
    case 'forbidden':
    case '403':
      return new CliError(`forbidden${detail} (ask an admin for a role that grants it)`, status, code);
    case 'sealed':
      return new CliError(
        `the gateway is sealed${detail}. Unseal it with \`custos fragment unseal --gateway URL\``,
        status,
        code,
      );
    case 'rate_limited':
      return new CliError(`too many failed logins${detail}; wait and try again`, status, code);
    default:
      return new CliError(serverMessage || `the gateway answered HTTP ${status}`, status, code);
  }
}

export function call<T>(target: Target, method: string, path: string, options: CallOptions = {}): Promise<T> {
  let url: URL;
  try {
    url = new URL(path, target.gateway);
  } catch {
    return Promise.reject(new CliError(`"${target.gateway}" is not a URL: use e.g. https://127.0.0.1:8300`));
  }
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload) headers['content-type'] = 'application/json';
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<T>((resolve, reject) => {
    const req = send(url, { method, headers, ca: target.caPem, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          reject(new CliError(`the server at ${url.origin} answered HTTP ${status} with a non-JSON body`, status));
          return;
        }
        if (status >= 300) {
          const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
          if (status === 404 && /^no (such )?endpoint/i.test(error?.message ?? '')) {
            reject(new CliError(`the gateway at ${url.origin} does not serve ${path}`, status, 'no_endpoint'));
            return;
          }
          reject(httpError(status, error?.code ?? '', error?.message ?? ''));
          return;
        }
        resolve(parsed as T);
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => reject(transportError(url.origin, error)));
    req.end(payload);
  });
}

export function targetOf(profile: Profile): Target {
  return { gateway: profile.gateway, caPem: profile.caPem, token: profile.token };
}
