// Shared request plumbing of both client APIs: the gateway's services, body and query readers, and the rule for
// logging failures (the error class and a safe message only; never a body, a value or a token).
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import type { FragmentVault } from '../crypto/vault.js';
import { GatewayError, invalid, toGatewayError } from '../errors.js';
import type { SecretService } from '../secrets.js';
import type { StoreClient } from '../store-client.js';

export interface GatewayContext {
  secrets: SecretService;
  store: StoreClient;
  vault: FragmentVault;
}

/** Turns anything thrown in a route (including fastify's own body errors) into a GatewayError, and logs it. */
export function classify(error: unknown, log: FastifyBaseLogger): GatewayError {
  const fastifyError = error as Partial<FastifyError>;
  let result: GatewayError;
  if (typeof fastifyError.code === 'string' && fastifyError.code.startsWith('FST_') && fastifyError.statusCode) {
    const status = fastifyError.statusCode;
    result = new GatewayError(status === 413 ? 'too_large' : 'invalid', status, safeFastifyMessage(fastifyError));
  } else {
    result = toGatewayError(error);
  }
  if (result.status >= 500) {
    log.error({ errorClass: (error as Error)?.name, code: result.code }, result.message);
  }
  return result;
}

function safeFastifyMessage(error: Partial<FastifyError>): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the request body is larger than the gateway accepts (see --max-value-bytes)';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'send the request body as JSON with Content-Type: application/json';
    default:
      return `the request was rejected (${error.code})`;
  }
}

export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function optionalString(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`"${field}" must be a string`);
  return value;
}

export function requiredString(record: Record<string, unknown>, field: string): string {
  const value = optionalString(record, field);
  if (value === undefined) throw invalid(`"${field}" is required`);
  return value;
}

export function optionalStringArray(record: Record<string, unknown>, field: string): string[] | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalid(`"${field}" must be an array of strings`);
  }
  return value as string[];
}

/** An integer from JSON or from a query string ("3"); `min` is the smallest accepted value. */
export function optionalInteger(record: Record<string, unknown>, field: string, min: number): number | undefined {
  let value = record[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) value = Number(value);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(`"${field}" must be an integer >= ${min}`);
  }
  return value;
}

/** The bearer token of a native API call, or a 401 that says how to get one. */
export function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) {
    throw new GatewayError(
      'unauthorized',
      401,
      'missing bearer token: log in with POST /v1/auth/login and send "Authorization: Bearer <token>"',
    );
  }
  return match[1]!;
}
