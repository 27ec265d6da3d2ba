// The Akeyless v2 API subset that ESO's akeyless provider calls (reference: providers.md 1.2-1.3). Every command is
// `POST <prefix>/<command>` with a JSON body; the token travels in the body ("token", or "uid-token"). Errors are
// {"error":"…"}; 404 means only "the item does not exist and you may know that", 401 means "not allowed" whether
// or not the item exists, so ESO never turns a permission problem into a create.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { GatewayError, type GatewayErrorCode, invalid } from '../errors.js';
import { checkPath, checkPrefix } from '../paths.js';
import type { ItemDescription, ListedItem, LoginRequest } from '../store-client.js';
import {
  bodyObject,
  classify,
  type GatewayContext,
  optionalInteger,
  optionalString,
  optionalStringArray,
  requiredString,
} from './common.js';

const akeylessStatus: Record<GatewayErrorCode, number> = {
  not_found: 404,
  unauthorized: 401,
  forbidden: 401,
  invalid: 400,
  conflict: 409,
  rate_limited: 429,
  too_large: 413,
  sealed: 503,
  unavailable: 503,
  internal: 500,
};

/** Items per list-items page when the caller turns auto-pagination off (Akeyless: the first 1000). */
const pageSize = 1000;

/**
 * Certificate items are stored like any item (the value, sealed, is the JSON {"certificate_pem","private_key_pem"})
 * and marked by this tag: the store is zero-knowledge, so an item's type must live in metadata it can see. The
 * Akeyless API shows the type as item_type CERTIFICATE and hides the tag from item_tags.
 */
export const CERTIFICATE_TAG = 'custos:item-type=certificate';

const isCertificate = (item: { tags: string[] }) => item.tags.includes(CERTIFICATE_TAG);

export function registerAkeylessApi(app: FastifyInstance, context: GatewayContext): void {
  const { secrets, store } = context;

  app.setErrorHandler((error, request, reply) => {
    const failure = classify(error, request.log);
    void reply.status(akeylessStatus[failure.code] ?? failure.status).send({ error: failure.message });
  });

  // ESO probes the configured URL with an empty POST and keeps it verbatim when the answer says "unknown command".
  app.post('/', async (_request, reply) => reply.status(404).send({ error: 'unknown command' }));

  app.post('/auth', async (request) => {
    const body = bodyObject(request.body);
    const login = await store.login(loginRequest(body));
    const expiry = Math.floor(Date.parse(login.expiresAt) / 1000);
    return { token: login.token, creds: { token: login.token, expiry } };
  });

  app.post('/validate-token', async (request) => {
    const token = bodyToken(bodyObject(request.body));
    try {
      const result = await store.validate(token);
      const ttl = Math.max(0, Math.floor((Date.parse(result.expiresAt) - Date.now()) / 1000));
      return { is_valid: result.valid, expiration: result.expiresAt, ttl, last_rotate: '', reason: '' };
    } catch (error) {
      const failure = classify(error, request.log);
      if (failure.code !== 'unauthorized') throw failure;
      return { is_valid: false, expiration: '', ttl: 0, last_rotate: '', reason: failure.message };
    }
  });

  app.post('/describe-item', async (request) => {
    const body = bodyObject(request.body);
    const item = await store.describeItem(bodyToken(body), itemPath(requiredString(body, 'name')));
    return describeOutput(item, body['show-versions'] === true || body['show-versions'] === 'true');
  });

  app.post('/get-secret-value', async (request) => {
    const body = bodyObject(request.body);
    const token = bodyToken(body);
    const names = optionalStringArray(body, 'names');
    if (!names || names.length === 0) throw invalid('"names" is required: an array of item names');
    const version = optionalInteger(body, 'version', Number.MIN_SAFE_INTEGER) ?? 0;
    if (version < 0) throw invalid('"version" below 0 (the last N versions) is not supported by this gateway');
    const out: Record<string, string> = {};
    for (const name of names) {
      const { value } = await secrets.get(token, itemPath(name), version === 0 ? undefined : version);
      out[name] = value.toString('utf8');
    }
    return out;
  });

  app.post('/list-items', async (request) => listItems(context, bodyObject(request.body)));

  app.post('/create-secret', async (request) => {
    const body = bodyObject(request.body);
    const name = requiredString(body, 'name');
    const type = optionalString(body, 'type');
    if (type !== undefined && type !== 'generic')
      throw invalid(`secret type "${type}" is not supported; use "generic"`);
    await secrets.put(bodyToken(body), {
      path: itemPath(name),
      value: Buffer.from(requiredString(body, 'value'), 'utf8'),
      tags: optionalStringArray(body, 'tags') ?? [],
      description: optionalString(body, 'description') ?? optionalString(body, 'metadata') ?? '',
      mode: 'create',
    });
    return { name };
  });

  app.post('/update-secret-val', async (request) => {
    const body = bodyObject(request.body);
    const name = requiredString(body, 'name');
    // The SDK may send its default "last-version": 0, which means "no optimistic check".
    const lastVersion = optionalInteger(body, 'last-version', 0);
    await secrets.put(bodyToken(body), {
      path: itemPath(name),
      value: Buffer.from(requiredString(body, 'value'), 'utf8'),
      expectedVersion: lastVersion === 0 ? undefined : lastVersion,
      mode: 'update',
    });
    return { name };
  });

  app.post('/create-certificate', async (request) => {
    const body = bodyObject(request.body);
    const name = requiredString(body, 'name');
    const certificatePem = pemField(body, 'certificate-data', 'CERTIFICATE');
    const keyData = optionalString(body, 'key-data');
    const privateKeyPem = keyData === undefined ? undefined : pemField(body, 'key-data', 'PRIVATE KEY');
    const userTags = (optionalStringArray(body, 'tags') ?? []).filter((t) => t !== CERTIFICATE_TAG);
    await secrets.put(bodyToken(body), {
      path: itemPath(name),
      value: Buffer.from(
        JSON.stringify({
          certificate_pem: certificatePem,
          ...(privateKeyPem ? { private_key_pem: privateKeyPem } : {}),
        }),
        'utf8',
      ),
      tags: [...userTags, CERTIFICATE_TAG],
      description: optionalString(body, 'description') ?? optionalString(body, 'metadata') ?? '',
      mode: 'create',
    });
    return { name };
  });

  app.post('/get-certificate-value', async (request) => {
    const body = bodyObject(request.body);
    const token = bodyToken(body);
    const path = itemPath(requiredString(body, 'name'));
    const version = optionalInteger(body, 'version', 0) ?? 0;
    const item = await store.describeItem(token, path);
    if (!isCertificate(item)) throw invalid(`"${path}" is a static secret, not a certificate: use get-secret-value`);
    const { value } = await secrets.get(token, path, version === 0 ? undefined : version);
    let parsed: { certificate_pem?: string; private_key_pem?: string };
    try {
      parsed = JSON.parse(value.toString('utf8'));
    } catch {
      // Never the parser's message: it quotes the value.
      throw invalid(`"${path}" is tagged as a certificate but does not hold {"certificate_pem","private_key_pem"}`);
    }
    return {
      certificate_pem: parsed.certificate_pem ?? '',
      ...(parsed.private_key_pem ? { private_key_pem: parsed.private_key_pem } : {}),
    };
  });

  app.post('/delete-item', async (request) => {
    const body = bodyObject(request.body);
    const name = requiredString(body, 'name');
    const version = optionalInteger(body, 'version', Number.MIN_SAFE_INTEGER) ?? -1;
    if (version !== -1) throw invalid('only whole-item deletion is supported: omit "version" or send -1');
    const path = itemPath(name);
    const token = bodyToken(body);
    const item = await store.describeItem(token, path);
    await store.deleteItem(token, path);
    return {
      item_name: item.path,
      item_id: itemId(item.path),
      version_deleted: -1,
      deletion_date: new Date().toISOString(),
    };
  });
}

function bodyToken(body: Record<string, unknown>): string {
  const token = optionalString(body, 'token') ?? optionalString(body, 'uid-token');
  if (!token) {
    throw new GatewayError(
      'unauthorized',
      401,
      'missing token: call /auth and send its token in the body field "token"',
    );
  }
  return token;
}

/** Akeyless names may omit the leading "/" ("app/db" is "/app/db"). */
function itemPath(name: string): string {
  return checkPath(name.startsWith('/') ? name : `/${name}`, 'name');
}

/** A base64-encoded PEM field (Akeyless' certificate-data / key-data), checked to hold the expected PEM block. */
function pemField(body: Record<string, unknown>, field: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  const pem = Buffer.from(requiredString(body, field), 'base64').toString('utf8');
  const block = label === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/;
  if (!block.test(pem)) throw invalid(`"${field}" must be a base64-encoded PEM ${label.toLowerCase()}`);
  return pem;
}

function loginRequest(body: Record<string, unknown>): LoginRequest {
  const accessId = requiredString(body, 'access-id');
  const accessType = optionalString(body, 'access-type') ?? 'access_key';
  switch (accessType) {
    case 'access_key':
    case 'api_key':
      return { type: 'api_key', accessId, accessKey: requiredString(body, 'access-key') };
    case 'k8s': {
      // ESO sends the ServiceAccount JWT base64-encoded; the store's Kubernetes auth method reviews it.
      const encoded = requiredString(body, 'k8s-service-account-token');
      const jwt = encoded.startsWith('eyJ') ? encoded : Buffer.from(encoded, 'base64').toString('utf8');
      return { type: 'kubernetes', accessId, jwt };
    }
    case 'jwt':
    case 'oidc':
      return { type: 'jwt', accessId, jwt: requiredString(body, 'jwt') };
    default:
      throw invalid(`access-type "${accessType}" is not supported by this gateway; use access_key, k8s or jwt`);
  }
}

/** A stable numeric id per path: Akeyless items have one and some clients print it. */
function itemId(path: string): number {
  return createHash('sha256').update(path).digest().readUIntBE(0, 6);
}

function akeylessItem(item: ListedItem & { createdAt?: string; generation?: number }) {
  return {
    item_name: item.path,
    item_id: itemId(item.path),
    display_id: itemId(item.path).toString(36),
    item_type: isCertificate(item) ? 'CERTIFICATE' : 'STATIC_SECRET',
    item_sub_type: isCertificate(item) ? 'certificate' : 'generic',
    item_metadata: item.description,
    item_tags: item.tags.filter((t) => t !== CERTIFICATE_TAG),
    last_version: item.version,
    is_enabled: true,
    item_state: 'Enabled',
    delete_protection: false,
    with_customer_fragment: true,
    creation_date: item.createdAt ?? item.updatedAt,
    modification_date: item.updatedAt,
  };
}

function describeOutput(item: ItemDescription, showVersions: boolean) {
  const base = {
    ...akeylessItem(item),
    customer_fragment_id: `custos-generation-${item.generation}`,
  };
  if (!showVersions) return base;
  return {
    ...base,
    item_versions: item.versions.map((v) => ({
      version: v.version,
      item_version_state: 'Enabled',
      creation_date: v.createdAt,
      with_customer_fragment: true,
    })),
  };
}

async function listItems(context: GatewayContext, body: Record<string, unknown>) {
  const token = bodyToken(body);
  const types = optionalStringArray(body, 'type');
  const prefix = checkPrefix(optionalString(body, 'path'));
  const filter = optionalString(body, 'filter');
  const tag = optionalString(body, 'tag');
  const autoPaginate = optionalString(body, 'auto-pagination') !== 'disabled';
  let cursor = optionalString(body, 'pagination-token');
  // Static secrets and certificates live here: a type filter names which of them to list.
  const wantStatic = !types?.length || types.some((t) => t === 'static-secret' || t === 'STATIC_SECRET');
  const wantCertificates = !types?.length || types.some((t) => t === 'certificate' || t === 'CERTIFICATE');
  if (!wantStatic && !wantCertificates) return { items: [], folders: [], next_page: '' };
  const items: ReturnType<typeof akeylessItem>[] = [];
  const folders = new Set<string>();
  do {
    const page = await context.store.listItems(token, { prefix, tag, limit: pageSize, cursor });
    for (const item of page.items) {
      if (filter && !item.path.includes(filter)) continue;
      if (!(isCertificate(item) ? wantCertificates : wantStatic)) continue;
      items.push(akeylessItem(item));
      const rest = item.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash > 0) folders.add(`${prefix}${rest.slice(0, slash)}/`);
    }
    cursor = page.nextCursor;
  } while (autoPaginate && cursor);
  return { items, folders: [...folders].sort(), next_page: cursor ?? '' };
}
