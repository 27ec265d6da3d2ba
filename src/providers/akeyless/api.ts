// The Akeyless commands the provider uses, with ESO's item-type dispatch (providers.md 1.3-1.4) and one rule for
// errors: only 404 means "the item does not exist" (NoSecretError); 401/403 mean "not allowed" and surface as such,
// whether or not the item exists, so a permission problem never turns into a create.
import { NoSecretError, ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import { goMarshalHtml } from '../gojson.js';
import { type AkeylessResponse, errorText } from './http.js';
import type { AkeylessSession } from './session.js';

/** The tag ESO puts on items it creates; only items carrying it are deleted by a PushSecret. */
export const MANAGED_TAG = 'k8s-external-secrets';
/** Item types dataFrom.find lists (ESO). */
export const FIND_TYPES = ['static-secret', 'dynamic-secret', 'rotated-secret'];
const MAX_PAGES = 1000;

export interface AkeylessItem {
  item_name?: string;
  item_type?: string;
  item_tags?: string[];
  last_version?: number;
  [field: string]: unknown;
}

/** Turns a non-200 answer into the provider error class the operator acts on. */
export function failure(res: AkeylessResponse, action: string): ProviderError {
  const reason = `${errorText(res)} (HTTP ${res.status})`;
  if (res.status === 404) return new NoSecretError(`${action}: ${reason}`);
  if (res.status === 401 || res.status === 403) {
    return new ProviderConfigError(
      `${action}: access denied: ${reason}; grant the store's identity access to it in its Akeyless access role`,
    );
  }
  if (res.status === 400) return new ProviderConfigError(`${action}: the API rejected the request: ${reason}`);
  if (res.status === 408 || res.status === 429 || res.status >= 500 || res.status === 0) {
    return new ProviderUnavailableError(`${action}: ${reason}; will retry`);
  }
  return new ProviderError(`${action}: ${reason}`);
}

function object(res: AkeylessResponse, action: string): Record<string, unknown> {
  if (res.body && typeof res.body === 'object' && !Array.isArray(res.body)) return res.body as Record<string, unknown>;
  throw new ProviderError(`${action}: the API answered HTTP 200 without a JSON object`);
}

async function command(
  session: AkeylessSession,
  name: string,
  body: Record<string, unknown>,
  action: string,
): Promise<Record<string, unknown>> {
  const res = await session.call(name, body);
  if (res.status !== 200) throw failure(res, action);
  return object(res, action);
}

export async function describeItem(session: AkeylessSession, name: string): Promise<AkeylessItem> {
  const action = `cannot describe item "${name}"`;
  const item = (await command(session, 'describe-item', { name }, action)) as AkeylessItem;
  if (!item.item_name) throw new NoSecretError(`item "${name}" does not exist`);
  return item;
}

async function staticValue(session: AkeylessSession, name: string, version: number): Promise<string> {
  const out = await command(
    session,
    'get-secret-value',
    { names: [name], version },
    `cannot get secret value of "${name}"`,
  );
  const value = out[name];
  if (value === undefined) throw new ProviderError(`cannot get secret "${name}": the answer has no entry for it`);
  if (typeof value !== 'string') throw new ProviderError(`cannot get secret "${name}": its value is not a string`);
  return value;
}

async function dynamicValue(session: AkeylessSession, name: string): Promise<string> {
  return goMarshalHtml(
    await command(session, 'get-dynamic-secret-value', { name }, `cannot get dynamic secret value of "${name}"`),
  );
}

async function rotatedValue(session: AkeylessSession, name: string, version: number): Promise<string> {
  const action = `cannot get rotated secret value of "${name}"`;
  // `names` is a single string for this command, despite the plural.
  const out = await command(session, 'get-rotated-secret-value', { names: name, version }, action);
  if (!Object.hasOwn(out, 'value')) return goMarshalHtml(out);
  const value = out.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProviderError(`${action}: "value" in the answer is not an object`);
  }
  const inner = value as Record<string, unknown>;
  if (Object.hasOwn(inner, 'payload')) {
    // ESO formats the payload with %v: a string stays as it is; anything else is written as JSON here.
    return typeof inner.payload === 'string' ? inner.payload : goMarshalHtml(inner.payload);
  }
  if (Object.hasOwn(inner, 'target_value')) return goMarshalHtml(inner.target_value);
  return goMarshalHtml(inner);
}

async function certificateValue(session: AkeylessSession, name: string, version: number): Promise<string> {
  const out = await command(
    session,
    'get-certificate-value',
    { name, version },
    `cannot get certificate value of "${name}"`,
  );
  const pick: Record<string, unknown> = {};
  for (const key of ['certificate_pem', 'private_key_pem']) if (typeof out[key] === 'string') pick[key] = out[key];
  return goMarshalHtml(pick);
}

/** ESO's GetSecretByType: describe the item, then read it with the command for its type. */
export async function readItem(session: AkeylessSession, name: string, version: number): Promise<string> {
  const item = await describeItem(session, name);
  switch (item.item_type) {
    case 'STATIC_SECRET':
      return staticValue(session, name, version);
    case 'DYNAMIC_SECRET':
      return dynamicValue(session, name);
    case 'ROTATED_SECRET':
      return rotatedValue(session, name, version);
    case 'CERTIFICATE':
      return certificateValue(session, name, version);
    default:
      throw new ProviderError(
        `invalid item type ${JSON.stringify(item.item_type ?? '')} for "${name}": Custos reads static, dynamic, rotated and certificate items`,
      );
  }
}

/**
 * Names of secrets under `path` (ESO ListSecrets): list-items filtered by the path and, if given, one tag, then
 * only names that start with the path. Follows `next_page` in case the server pages.
 */
export async function listSecretNames(session: AkeylessSession, path: string, tag: string): Promise<string[]> {
  const names: string[] = [];
  let page = '';
  for (let i = 0; i < MAX_PAGES; i++) {
    const body: Record<string, unknown> = { type: FIND_TYPES, 'minimal-view': tag === '' };
    if (path) body.filter = path;
    if (tag) body.tag = tag;
    if (page) body['pagination-token'] = page;
    const action = `cannot list items${path ? ` under "${path}"` : ''}${tag ? ` tagged "${tag}"` : ''}`;
    const out = await command(session, 'list-items', body, action);
    const items = Array.isArray(out.items) ? (out.items as AkeylessItem[]) : [];
    for (const item of items) {
      const name = item?.item_name;
      if (typeof name === 'string' && (path === '' || name.startsWith(path))) names.push(name);
    }
    page = typeof out.next_page === 'string' ? out.next_page : '';
    if (!page) return names;
  }
  throw new ProviderError(`listing items did not end after ${MAX_PAGES} pages`);
}

export async function createSecret(session: AkeylessSession, name: string, value: string): Promise<void> {
  await command(session, 'create-secret', { name, value, tags: [MANAGED_TAG] }, `cannot create secret "${name}"`);
}

export async function updateSecretValue(session: AkeylessSession, name: string, value: string): Promise<void> {
  await command(session, 'update-secret-val', { name, value }, `cannot update secret "${name}"`);
}

export async function deleteItem(session: AkeylessSession, name: string): Promise<void> {
  await command(session, 'delete-item', { name }, `cannot delete item "${name}"`);
}
