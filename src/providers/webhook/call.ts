// One webhook call: templates rendered over the data of the webhook's Secrets (and, for stores, the remote
// reference), then one HTTP(S) request with an optional private CA, a timeout and a cap on the answer size.
// Errors carry a kind the caller maps onto its own error classes, and name the method and origin only: a path
// or query rendered from a Secret may hold a credential, and an answer body may echo one.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fromJsonData, renderTemplate, TemplateError } from '../../template/index.js';
import { isTlsTrustError } from '../json-http.js';
import { proxyAgentFor } from '../proxy.js';

export type WebhookErrorKind = 'config' | 'unavailable';

export class WebhookCallError extends Error {
  override name = 'WebhookCallError';
  constructor(
    readonly kind: WebhookErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Template data: `{{ .<secret name>.<key> }}` and, for stores, `{{ .remoteRef.key }}` and friends. */
export type WebhookTemplateData = Record<string, Record<string, string>>;

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 30_000;
/** Answers larger than this are refused rather than buffered: a Secret is at most 1 MiB anyway. */
export const MAX_WEBHOOK_ANSWER_BYTES = 4 * 1024 * 1024;

/** Renders one templated field; errors do not quote data, since Secret values fill these templates. */
export function renderWebhookField(field: string, text: string | undefined, data: WebhookTemplateData): string {
  if (!text) return '';
  try {
    return renderTemplate(field, text, fromJsonData(data), { redactValues: true });
  } catch (error) {
    if (error instanceof TemplateError) throw new WebhookCallError('config', `${field}: ${error.message}`);
    throw error;
  }
}

export function webhookUrl(field: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookCallError('config', `${field} does not render to an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookCallError('config', `${field} must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  return url;
}

export interface WebhookRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string;
  ca?: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Field names for the hint on an untrusted certificate, e.g. "spec.caBundle or spec.caProvider". */
  caFields: string;
}

export interface WebhookAnswer {
  status: number;
  /** The body as UTF-8 text; `bytes` for binary answers. */
  body: string;
  bytes: Buffer;
  /** "METHOD origin", safe for messages. */
  where: string;
}

export function callWebhook(call: WebhookRequest): Promise<WebhookAnswer> {
  const requestFn = call.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const where = `${call.method} ${call.url.origin}`;
  const agent = proxyAgentFor(call.url);
  return new Promise((resolve, reject) => {
    const req = requestFn(
      call.url,
      {
        method: call.method,
        headers: call.headers,
        timeout: call.timeoutMs,
        signal: call.signal,
        ...(call.ca ? { ca: call.ca } : {}),
        ...(agent ? { agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_WEBHOOK_ANSWER_BYTES) {
            req.destroy(
              new WebhookCallError('unavailable', `${where} answered with more than ${MAX_WEBHOOK_ANSWER_BYTES} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, body: bytes.toString('utf8'), bytes, where });
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new WebhookCallError('unavailable', `${where} gave no answer within ${call.timeoutMs / 1000} s`)),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof WebhookCallError) return reject(error);
      if (isTlsTrustError(error.code)) {
        return reject(
          new WebhookCallError(
            'config',
            `${where}: the server certificate is not trusted (${error.code}); set ${call.caFields}`,
          ),
        );
      }
      reject(new WebhookCallError('unavailable', `cannot reach ${where}: ${error.code ?? error.message}`));
    });
    req.end(call.body || undefined);
  });
}
