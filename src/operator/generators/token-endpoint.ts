// One call to a token service for a generator (Azure AD, a registry's /oauth2 endpoints, Google's token, STS and IAM
// endpoints, Quay's federation endpoint): a form, JSON or empty body, the answer's JSON on success, and every
// failure as a GeneratorError that says which service answered what -- refusals (4xx) are Invalid, 429, 5xx and
// unreachable services Unavailable. The service's own reason is kept (OAuth's error and error_description, Google's
// {error: {status, message}}, a registry's {errors: [{code, message}]}, {message} or {detail}), cut to one line;
// never a token.
import { callWebhook, WebhookCallError } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';

const TIMEOUT_MS = 30_000;

export interface TokenEndpointRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  timeoutMs?: number;
}

export interface TokenEndpointAnswer {
  body: Record<string, unknown>;
  /** When the call was sent (epoch ms): lifetimes in the answer count from here. */
  sentAt: number;
}

function reasonOf(body: Record<string, unknown>): string {
  const error = body.error;
  let parts: unknown[];
  if (error && typeof error === 'object') {
    const api = error as Record<string, unknown>;
    parts = [api.status, api.message];
  } else if (Array.isArray(body.errors) && body.errors[0] && typeof body.errors[0] === 'object') {
    const first = body.errors[0] as Record<string, unknown>;
    parts = [first.code, first.message];
  } else {
    parts = [error, body.error_description ?? body.message ?? body.detail];
  }
  return parts
    .filter((p) => typeof p === 'string' && p !== '')
    .join(': ')
    .split(/\r?\n/)[0]
    ?.slice(0, 300) as string;
}

/**
 * Calls `url` for generator `where` ("ACRAccessToken generator"), described by `what` in messages; `hint` is added
 * to refusals (what to check). Answers the JSON of a 2xx answer.
 */
export async function callTokenEndpoint(
  where: string,
  what: string,
  url: URL,
  request: TokenEndpointRequest,
  signal: AbortSignal | undefined,
  hint = '',
): Promise<TokenEndpointAnswer> {
  const sentAt = Date.now();
  const contentType = request.form
    ? 'application/x-www-form-urlencoded'
    : request.json !== undefined
      ? 'application/json'
      : undefined;
  let answer: { status: number; body: string };
  try {
    answer = await callWebhook({
      url,
      method: request.method,
      headers: { ...(contentType ? { 'Content-Type': contentType } : {}), ...request.headers },
      body: request.form
        ? new URLSearchParams(request.form).toString()
        : request.json !== undefined
          ? JSON.stringify(request.json)
          : '',
      timeoutMs: request.timeoutMs ?? TIMEOUT_MS,
      signal,
      caFields: 'the operator trust store (NODE_EXTRA_CA_CERTS)',
    });
  } catch (error) {
    if (error instanceof WebhookCallError) {
      throw new GeneratorError(
        error.kind === 'config' ? 'Invalid' : 'Unavailable',
        `${where}: ${what}: ${error.message}`,
      );
    }
    throw error;
  }
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (an HTML error page): the status says enough.
  }
  if (answer.status < 200 || answer.status >= 300) {
    const reason = reasonOf(body);
    const code = answer.status >= 500 || answer.status === 429 ? 'Unavailable' : 'Invalid';
    const refusal = code === 'Invalid' && hint ? `; ${hint}` : '';
    throw new GeneratorError(
      code,
      `${where}: ${what} answered ${answer.status}${reason ? `: ${reason}` : ''}${refusal}`,
    );
  }
  return { body, sentAt };
}

/** The non-empty string `field` of an answer, or an Unavailable error naming what is missing. */
export function answerField(where: string, what: string, answer: TokenEndpointAnswer, field: string): string {
  const value = answer.body[field];
  if (typeof value !== 'string' || value === '') {
    throw new GeneratorError('Unavailable', `${where}: ${what} answered without ${field}`);
  }
  return value;
}

/** The exp claim of a JWT a service answered, written as Go's strconv.FormatFloat(exp, 'f', -1, 64) writes it. */
export function jwtExpiry(where: string, what: string, token: string): string {
  let claims: { exp?: unknown } = {};
  try {
    claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
  } catch {
    throw new GeneratorError('Unavailable', `${where}: ${what} is not a JWT`);
  }
  if (typeof claims.exp !== 'number') throw new GeneratorError('Unavailable', `${where}: ${what} has no exp claim`);
  return Number.isInteger(claims.exp) ? claims.exp.toFixed(0) : String(claims.exp);
}
