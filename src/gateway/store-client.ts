// Typed HTTP client for the store protocol (docs/store-protocol.md). Item calls carry the caller's bearer token:
// the gateway has no identity of its own for items, so the store decides every access. Failures become StoreError
// with the protocol's error code; a store that cannot be reached is `unavailable`.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type ItemRead, ReadBatcher, type ReadBatcherOptions, type ReadOutcome } from './read-batcher.js';

export type StoreErrorCode =
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'invalid'
  | 'rate_limited'
  | 'unavailable';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type SharePurpose = 'create' | 'update' | 'read' | 'rewrap';

export type LoginRequest =
  | { type: 'api_key'; accessId: string; accessKey: string }
  | { type: 'kubernetes'; accessId: string; jwt: string }
  | { type: 'jwt'; accessId: string; jwt: string };

export interface Identity {
  accessId: string;
  claims: Record<string, unknown>;
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  identity: Identity;
}

export interface ValidateResult {
  valid: boolean;
  expiresAt: string;
  identity: Identity;
}

export interface ItemVersionInfo {
  version: number;
  createdAt: string;
}

export interface ItemDescription {
  path: string;
  version: number;
  /** The version the envelope was sealed for (its associated data); differs from `version` after a rollback. */
  sealedVersion?: number;
  keyId: string;
  generation: number;
  type: string;
  tags: string[];
  description: string;
  createdAt: string;
  updatedAt: string;
  versions: ItemVersionInfo[];
}

export interface ItemRecord extends ItemDescription {
  ciphertext: string;
  /** d_store for this version's keyId and generation, base64. */
  share: string;
}

export interface ListedItem {
  path: string;
  version: number;
  type: string;
  tags: string[];
  description: string;
  updatedAt: string;
}

export interface ListResult {
  items: ListedItem[];
  nextCursor?: string;
}

export interface RewrapCandidate {
  path: string;
  version: number;
  sealedVersion?: number;
  ciphertext: string;
  keyId: string;
  generation: number;
  share: string;
}

export interface SealedWrite {
  path: string;
  ciphertext: string;
  keyId: string;
  generation: number;
}

export interface StoreClientOptions {
  /** Base URL of the store, e.g. https://store.example:8200 */
  url: string;
  /** PEM CA bundle to trust for the store's TLS certificate. */
  ca?: string;
  timeoutMs?: number;
  /**
   * Batch concurrent item reads of one token into `POST /v1/items/batch-get` under load (read-batcher.ts); on by
   * default, `false` sends every read alone.
   */
  readBatching?: boolean | ReadBatcherOptions;
}

const statusCodes: Record<number, StoreErrorCode> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'invalid',
  422: 'invalid',
  429: 'rate_limited',
};
const knownCodes = new Set<string>([
  'not_found',
  'unauthorized',
  'forbidden',
  'conflict',
  'invalid',
  'rate_limited',
  'unavailable',
]);

export class StoreClient {
  readonly #base: URL;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #timeoutMs: number;
  readonly #reads: ReadBatcher | undefined;

  constructor(options: StoreClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new Error(`the store URL "${options.url}" is not a URL; give one like https://store.example:8200`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new Error(`the store URL must start with https:// (or http:// in tests), got ${base.protocol}`);
    }
    this.#base = base;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#agent =
      base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ca: options.ca, minVersion: 'TLSv1.2' })
        : new HttpAgent({ keepAlive: true });
    const batching = options.readBatching ?? true;
    this.#reads =
      batching === false
        ? undefined
        : new ReadBatcher(
            {
              single: (token, read) => this.#singleRead(token, read),
              batch: (token, reads) => this.#batchRead(token, reads),
            },
            batching === true ? {} : batching,
          );
  }

  /** Whether item reads may travel in batches (off when configured so, or once the store proved too old). */
  get readBatching(): boolean {
    return this.#reads?.batching ?? false;
  }

  get url(): string {
    return this.#base.toString();
  }

  close(): void {
    this.#agent.destroy();
  }

  health(): Promise<unknown> {
    return this.#json('GET', '/v1/health');
  }

  login(body: LoginRequest): Promise<LoginResult> {
    return this.#json('POST', '/v1/auth/login', { body });
  }

  validate(token: string): Promise<ValidateResult> {
    return this.#json('POST', '/v1/auth/validate', { token, body: {} });
  }

  share(
    token: string,
    body: { path: string; keyId: string; generation?: number; purpose: SharePurpose },
  ): Promise<{ share: string; generation: number }> {
    return this.#json('POST', '/v1/keys/share', { token, body });
  }

  createItem(
    token: string,
    body: SealedWrite & { type: 'static'; tags: string[]; description: string },
  ): Promise<{ path: string; version: number }> {
    return this.#json('POST', '/v1/items', { token, body });
  }

  addVersion(
    token: string,
    body: SealedWrite & { expectedVersion?: number },
  ): Promise<{ path: string; version: number }> {
    return this.#json('POST', '/v1/items/versions', { token, body });
  }

  getItem(token: string, path: string, version?: number): Promise<ItemRecord> {
    return this.#read(token, { path, version }) as Promise<ItemRecord>;
  }

  describeItem(token: string, path: string): Promise<ItemDescription> {
    return this.#read(token, { path, describe: true }) as Promise<ItemDescription>;
  }

  #read(token: string, read: ItemRead): Promise<unknown> {
    return this.#reads ? this.#reads.read(token, read) : this.#singleRead(token, read);
  }

  #singleRead(token: string, read: ItemRead): Promise<unknown> {
    const query = { path: read.path, version: read.version };
    return this.#json('GET', read.describe ? '/v1/items/describe' : '/v1/items', { token, query });
  }

  /** `POST /v1/items/batch-get`: one answer per read; `unsupported` from a store that has no such endpoint. */
  async #batchRead(token: string, reads: ItemRead[]): Promise<ReadOutcome[] | 'unsupported'> {
    const path = '/v1/items/batch-get';
    const response = await this.#send('POST', path, { token, body: { reads } }, true);
    const status = response.statusCode ?? 500;
    if (status === 404 || status === 405 || status === 501) {
      await readBody(response).catch(() => '');
      return 'unsupported';
    }
    if (status >= 300) throw await errorFrom(response);
    const malformed = () => new StoreError('unavailable', 502, `the store answered POST ${path} with a malformed body`);
    let results: unknown;
    try {
      results = (JSON.parse(await readBody(response)) as { results?: unknown }).results;
    } catch (error) {
      throw error instanceof StoreError ? error : malformed();
    }
    if (!Array.isArray(results) || results.length !== reads.length) throw malformed();
    return results.map((result: { item?: unknown; error?: { status?: unknown } }): ReadOutcome => {
      if (result && typeof result === 'object' && 'item' in result) return { ok: true, value: result.item };
      const entryStatus = typeof result?.error?.status === 'number' ? result.error.status : 502;
      return { ok: false, error: storeErrorOf(entryStatus, result?.error) };
    });
  }

  listItems(
    token: string,
    query: { prefix?: string; tag?: string; limit?: number; cursor?: string },
  ): Promise<ListResult> {
    return this.#json('GET', '/v1/items/list', { token, query });
  }

  patchItem(
    token: string,
    body: { path: string; tags?: string[]; description?: string },
  ): Promise<{ path: string; version: number }> {
    return this.#json('PATCH', '/v1/items', { token, body });
  }

  async deleteItem(token: string, path: string): Promise<void> {
    await this.#json('DELETE', '/v1/items', { token, query: { path } });
  }

  rotateFragment(token: string): Promise<{ generation: number }> {
    return this.#json('POST', '/v1/fragment/rotate', { token, body: {} });
  }

  generations(token: string): Promise<unknown> {
    return this.#json('GET', '/v1/fragment/generations', { token });
  }

  /** A new version holding version `version`'s envelope unchanged (it keeps its sealedVersion). */
  rollback(token: string, path: string, version: number): Promise<{ path: string; version: number }> {
    return this.#json('POST', '/v1/items/rollback', { token, body: { path, version } });
  }

  /** Versions on generations older than the store's active one (role with the `fragment` capability). */
  rewrapCandidates(token: string, limit: number): Promise<{ activeGeneration: number; items: RewrapCandidate[] }> {
    return this.#json('POST', '/v1/items/rewrap-candidates', { token, body: { limit } });
  }

  rewrap(
    token: string,
    body: SealedWrite & { version: number; fromGeneration: number },
  ): Promise<{ path: string; version: number; generation: number }> {
    return this.#json('POST', '/v1/items/rewrap', { token, body });
  }

  /** Opens the change feed; the caller owns (and must destroy) the returned stream. */
  async events(token: string, query: { prefix?: string; since?: string }): Promise<IncomingMessage> {
    const response = await this.#send('GET', '/v1/events', { token, query, accept: 'text/event-stream' }, false);
    if (response.statusCode !== 200) throw await errorFrom(response);
    return response;
  }

  /**
   * Sends a request as given and returns the store's answer unparsed (status, content type, Retry-After, body), for
   * the gateway's relay of store administration. Unreachable store -> StoreError 503, as every other call.
   */
  async forward(
    method: string,
    pathAndQuery: string,
    options: { authorization?: string; body?: unknown },
  ): Promise<{ status: number; contentType?: string; retryAfter?: string; text: string }> {
    const response = await this.#send(
      method,
      pathAndQuery,
      { authorization: options.authorization, body: options.body },
      true,
    );
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    return {
      status: response.statusCode ?? 502,
      contentType: header('content-type'),
      retryAfter: header('retry-after'),
      text: await readBody(response),
    };
  }

  async #json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, options, true);
    if ((response.statusCode ?? 500) >= 300) throw await errorFrom(response);
    const text = await readBody(response);
    if (text.length === 0) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new StoreError('unavailable', 502, `the store answered ${method} ${path} with a body that is not JSON`);
    }
  }

  #send(method: string, path: string, options: RequestOptions, timeout: boolean): Promise<IncomingMessage> {
    const url = new URL(path, this.#base);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    else if (options.authorization !== undefined) headers.authorization = options.authorization;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.#agent }, resolve);
      if (timeout) {
        req.setTimeout(this.#timeoutMs, () =>
          req.destroy(new StoreError('unavailable', 504, `the store did not answer within ${this.#timeoutMs} ms`)),
        );
      }
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof StoreError) reject(error);
        else {
          const reason = error.code ?? error.message;
          reject(new StoreError('unavailable', 503, `the store at ${this.#base.origin} is unreachable (${reason})`));
        }
      });
      req.end(body);
    });
  }
}

interface RequestOptions {
  token?: string;
  /** A whole Authorization header passed through unchanged (the relay). */
  authorization?: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  accept?: string;
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (c: Buffer) => chunks.push(c));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', () => reject(new StoreError('unavailable', 503, 'the store connection broke mid-answer')));
  });
}

async function errorFrom(response: IncomingMessage): Promise<StoreError> {
  const status = response.statusCode ?? 500;
  const text = await readBody(response).catch(() => '');
  let error: unknown;
  try {
    error = (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    // not the protocol's error shape: keep the status-derived code
  }
  return storeErrorOf(status, error);
}

/** A StoreError from an HTTP status and the protocol's `{code, message}` (of a whole answer or of a batch entry). */
function storeErrorOf(status: number, error: unknown): StoreError {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return new StoreError(
    typeof code === 'string' && knownCodes.has(code)
      ? (code as StoreErrorCode)
      : (statusCodes[status] ?? (status >= 500 ? 'unavailable' : 'invalid')),
    status,
    typeof message === 'string' ? message : `the store answered HTTP ${status}`,
  );
}
