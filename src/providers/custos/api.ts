// The native API calls the provider uses, and one rule for their errors: only the gateway's `not_found` (404) means
// "the item does not exist" (NoSecretError); 401/403 become "access denied to <path>" with the same words whether
// or not the item exists; server texts are shown only for bad input (they name paths and fields, never values).
import { NoSecretError, ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import { errorOf, type GatewayResponse } from './http.js';
import { type CustosSession, isTransient } from './session.js';

export interface NativeItem {
  path: string;
  version: number;
  type?: string;
  tags: string[];
  description?: string;
  updatedAt?: string;
}

export interface NativeSecret extends NativeItem {
  value: string;
}

const PAGE_SIZE = 1000;
const MAX_PAGES = 1000;

/** Turns a failed answer into the provider error class the operator acts on. */
export function failure(res: GatewayResponse, path: string, action: string): ProviderError {
  const error = errorOf(res);
  if (res.status === 404 && error?.code === 'not_found') return new NoSecretError(path);
  if (res.status === 401 || res.status === 403) {
    return new ProviderConfigError(
      `access denied to ${path}: the store's roles for this identity do not allow ${action} (HTTP ${res.status}); ` +
        'grant it in a role bound to the auth method, or read a path the role covers',
    );
  }
  if (error?.code === 'sealed') {
    return new ProviderUnavailableError(`cannot ${action} ${path}: the gateway is sealed (custos fragment unseal)`);
  }
  if (isTransient(res.status)) {
    return new ProviderUnavailableError(
      `cannot ${action} ${path}: ${error?.message || 'no answer'} (HTTP ${res.status})`,
    );
  }
  if (res.status === 400 || res.status === 413) {
    return new ProviderConfigError(`cannot ${action} ${path}: ${error?.message || 'rejected'} (HTTP ${res.status})`);
  }
  return new ProviderError(
    `cannot ${action} ${path}: unexpected answer (HTTP ${res.status}${error ? ` ${error.code}` : ''})`,
  );
}

function objectBody<T>(res: GatewayResponse, path: string, action: string): T {
  if (res.body && typeof res.body === 'object' && !Array.isArray(res.body)) return res.body as T;
  throw new ProviderError(`cannot ${action} ${path}: the gateway answered without a JSON object`);
}

export async function readSecret(session: CustosSession, path: string, version?: number): Promise<NativeSecret> {
  const res = await session.call({ method: 'GET', path: '/v1/secrets', query: { path, version } });
  if (res.status !== 200) throw failure(res, path, 'read');
  const secret = objectBody<NativeSecret>(res, path, 'read');
  if (typeof secret.value !== 'string') throw new ProviderError(`cannot read ${path}: the answer has no value`);
  return { ...secret, tags: secret.tags ?? [] };
}

export async function describeSecret(session: CustosSession, path: string): Promise<NativeItem> {
  const res = await session.call({ method: 'GET', path: '/v1/secrets/describe', query: { path } });
  if (res.status !== 200) throw failure(res, path, 'describe');
  const item = objectBody<NativeItem>(res, path, 'describe');
  return { ...item, tags: item.tags ?? [] };
}

/** Every item below `prefix` (optionally carrying `tag`) the identity may list, across pages. */
export async function listSecrets(session: CustosSession, prefix: string, tag?: string): Promise<NativeItem[]> {
  const items: NativeItem[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await session.call({
      method: 'GET',
      path: '/v1/secrets/list',
      query: { prefix, tag, limit: PAGE_SIZE, cursor },
    });
    if (res.status !== 200) throw failure(res, prefix, 'list');
    const out = objectBody<{ items?: NativeItem[]; nextCursor?: string }>(res, prefix, 'list');
    for (const item of out.items ?? []) items.push({ ...item, tags: item.tags ?? [] });
    if (!out.nextCursor) return items;
    cursor = out.nextCursor;
  }
  throw new ProviderError(`cannot list ${prefix}: more than ${MAX_PAGES} pages`);
}

export interface WriteRequest {
  path: string;
  value: string;
  tags?: string[];
  /** create: must not exist; update with expectedVersion: must still be at that version. */
  mode: 'create' | 'update';
  expectedVersion?: number;
}

/** Writes a new version; a conflict (someone else wrote first) is returned as `conflict`, not thrown. */
export async function writeSecret(
  session: CustosSession,
  req: WriteRequest,
): Promise<{ version: number } | 'conflict'> {
  const res = await session.call({ method: 'POST', path: '/v1/secrets', body: req });
  if (res.status === 409) return 'conflict';
  if (res.status !== 200 && res.status !== 201) throw failure(res, req.path, 'write');
  return objectBody<{ version: number }>(res, req.path, 'write');
}

export async function removeSecret(session: CustosSession, path: string): Promise<void> {
  const res = await session.call({ method: 'DELETE', path: '/v1/secrets', query: { path } });
  if (res.status !== 204 && res.status !== 200) throw failure(res, path, 'delete');
}
