// A protocol double of the public Akeyless v2 API (providers.md 1.1-1.3) for tests: a real HTTP(S) server on
// 127.0.0.1 that speaks the same shapes — POST <prefix>/<command>, JSON bodies with the token inside, errors as
// {"error": "..."}, 404 only for "you may know this item is missing", 401 for "not allowed" whether or not the item
// exists. It records every request so tests can assert exact bodies and token reuse.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type DoubleItemType = 'STATIC_SECRET' | 'DYNAMIC_SECRET' | 'ROTATED_SECRET' | 'CERTIFICATE' | 'CLASSIC_KEY';

export interface DoubleItem {
  type: DoubleItemType;
  /** Static secrets: every version's value, oldest first (version n is versions[n-1]). */
  versions?: string[];
  tags?: string[];
  /** The whole reply of get-dynamic-secret-value / get-rotated-secret-value / get-certificate-value. */
  reply?: Record<string, unknown>;
}

export interface DoubleAuthMethod {
  /** access_key / api_key: the key that must be sent. */
  accessKey?: string;
  /** k8s: the config name that must be sent and a reviewer of the (decoded) service account JWT. */
  k8s?: { confName: string; review(jwt: string): Promise<boolean> };
  /** Item name prefixes this identity may read and write; "/" allows everything. */
  allow: string[];
  /** Token lifetime; default 1800 s. */
  ttlSeconds?: number;
  /** Issue Universal Identity style tokens ("u-..."). */
  uidTokens?: boolean;
  /** Leave creds.expiry out of the /auth answer (the client must fall back). */
  omitExpiry?: boolean;
}

export interface RecordedRequest {
  command: string;
  body: Record<string, unknown>;
}

export interface DoubleOptions {
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Path prefix the commands live under, e.g. "/api/v2". */
  prefix?: string;
  /** Clock for token expiry (epoch ms). */
  now?: () => number;
  /** list-items page size: every answer is cut into pages linked by next_page (default: one page). */
  pageSize?: number;
}

interface Token {
  accessId: string;
  expiresAt: number;
}

const LIST_TYPES: Record<string, DoubleItemType> = {
  'static-secret': 'STATIC_SECRET',
  'dynamic-secret': 'DYNAMIC_SECRET',
  'rotated-secret': 'ROTATED_SECRET',
  certificate: 'CERTIFICATE',
};

class Reply extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const fail = (status: number, error: string) => new Reply(status, { error });

export class AkeylessApiDouble {
  readonly items = new Map<string, DoubleItem>();
  readonly methods = new Map<string, DoubleAuthMethod>();
  readonly requests: RecordedRequest[] = [];
  private readonly tokens = new Map<string, Token>();
  private readonly injected: { command: string; status: number; error: string }[] = [];
  private readonly now: () => number;
  private server!: Server;
  url = '';

  private constructor(private readonly options: DoubleOptions) {
    this.now = options.now ?? Date.now;
  }

  static async start(options: DoubleOptions = {}): Promise<AkeylessApiDouble> {
    const double = new AkeylessApiDouble(options);
    const handler = (req: IncomingMessage, res: ServerResponse) => void double.handle(req, res);
    double.server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => double.server.listen(0, '127.0.0.1', resolve));
    const port = (double.server.address() as AddressInfo).port;
    double.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${options.prefix ?? ''}`;
    return double;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests of one command, in order. */
  calls(command: string): Record<string, unknown>[] {
    return this.requests.filter((r) => r.command === command).map((r) => r.body);
  }

  /** The next call of `command` answers with this status and error text. */
  failNext(command: string, status: number, error: string): void {
    this.injected.push({ command, status, error });
  }

  /** Invalidates every issued token (as if revoked). */
  revokeAll(): void {
    this.tokens.clear();
  }

  setStatic(name: string, ...versions: string[]): void {
    this.items.set(name, { type: 'STATIC_SECRET', versions, tags: this.items.get(name)?.tags ?? [] });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const prefix = this.options.prefix ?? '';
    const path = (req.url ?? '/').split('?')[0] as string;
    const command = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : '';
    let status = 200;
    let out: unknown;
    try {
      if (req.method !== 'POST') throw fail(405, 'method not allowed');
      let body: Record<string, unknown> = {};
      const text = Buffer.concat(chunks).toString('utf8');
      if (text) {
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw fail(400, 'invalid JSON body');
        }
      }
      if (req.headers['content-type'] !== 'application/json') throw fail(400, 'content-type must be application/json');
      this.requests.push({ command, body });
      const injected = this.injected.findIndex((i) => i.command === command);
      if (injected >= 0) {
        const [i] = this.injected.splice(injected, 1);
        if (i) throw fail(i.status, i.error);
      }
      out = await this.dispatch(command, body);
    } catch (error) {
      if (!(error instanceof Reply)) throw error;
      status = error.status;
      out = error.body;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  }

  private async dispatch(command: string, body: Record<string, unknown>): Promise<unknown> {
    switch (command) {
      case 'auth':
        return this.auth(body);
      case 'validate-token': {
        const token = this.tokens.get(String(body.token ?? ''));
        const valid = !!token && token.expiresAt > this.now();
        return {
          is_valid: valid,
          expiration: valid ? new Date(token.expiresAt).toISOString() : '',
          ttl: 0,
          reason: '',
        };
      }
      case 'describe-item': {
        const [name, item] = this.item(body, String(body.name ?? ''));
        return this.describe(name, item);
      }
      case 'get-secret-value':
        return this.getSecretValue(body);
      case 'get-dynamic-secret-value':
        return this.typed(body, String(body.name ?? ''), 'DYNAMIC_SECRET');
      case 'get-rotated-secret-value':
        return this.typed(body, String(body.names ?? ''), 'ROTATED_SECRET');
      case 'get-certificate-value':
        return this.typed(body, String(body.name ?? ''), 'CERTIFICATE');
      case 'list-items':
        return this.list(body);
      case 'create-secret': {
        const { accessId } = this.caller(body);
        const name = String(body.name ?? '');
        if (!this.allowed(accessId, name)) throw fail(401, 'Unauthorized access');
        if (this.items.has(name)) throw fail(409, `item ${name} already exists`);
        this.items.set(name, {
          type: 'STATIC_SECRET',
          versions: [String(body.value ?? '')],
          tags: (body.tags as string[] | undefined) ?? [],
        });
        return { name };
      }
      case 'update-secret-val': {
        const [name, item] = this.item(body, String(body.name ?? ''));
        if (item.type !== 'STATIC_SECRET') throw fail(400, 'not a static secret');
        item.versions = [...(item.versions ?? []), String(body.value ?? '')];
        return { name };
      }
      case 'delete-item': {
        const [name] = this.item(body, String(body.name ?? ''));
        this.items.delete(name);
        return { item_name: name, item_id: 1, version_deleted: -1, deletion_date: new Date(this.now()).toISOString() };
      }
      default:
        throw fail(404, 'unknown command');
    }
  }

  private auth(body: Record<string, unknown>): unknown {
    const accessId = String(body['access-id'] ?? '');
    const method = this.methods.get(accessId);
    if (!method) throw fail(401, `auth failed: access id ${accessId} is unknown`);
    const type = String(body['access-type'] ?? 'access_key');
    const issue = () => {
      const ttl = method.ttlSeconds ?? 1800;
      const token = `${method.uidTokens ? 'u-' : 't-'}${randomBytes(12).toString('hex')}`;
      const expiresAt = this.now() + ttl * 1000;
      this.tokens.set(token, { accessId, expiresAt });
      const creds: Record<string, unknown> = { token };
      if (!method.omitExpiry) creds.expiry = Math.floor(expiresAt / 1000);
      return { token, creds };
    };
    if (type === 'access_key' || type === 'api_key') {
      if (!method.accessKey || body['access-key'] !== method.accessKey)
        throw fail(401, 'auth failed: wrong access key');
      return issue();
    }
    if (type === 'k8s') {
      if (!method.k8s) throw fail(401, 'auth failed: not a kubernetes auth method');
      if (body['k8s-auth-config-name'] !== method.k8s.confName) throw fail(401, 'auth failed: unknown k8s auth config');
      const jwt = Buffer.from(String(body['k8s-service-account-token'] ?? ''), 'base64').toString('utf8');
      return method.k8s.review(jwt).then((ok) => {
        if (!ok) throw fail(401, 'auth failed: the service account token was not accepted');
        return issue();
      });
    }
    throw fail(400, `access type ${type} is not supported`);
  }

  private caller(body: Record<string, unknown>): Token {
    const raw = String(body.token ?? body['uid-token'] ?? '');
    if (!raw) throw fail(401, 'missing token');
    // Universal Identity tokens are only accepted in "uid-token", others only in "token".
    if (raw.startsWith('u-') !== (body['uid-token'] !== undefined)) throw fail(401, 'token sent in the wrong field');
    const token = this.tokens.get(raw);
    if (!token) throw fail(401, 'invalid token');
    if (token.expiresAt <= this.now()) throw fail(401, 'token expired');
    return token;
  }

  private allowed(accessId: string, name: string): boolean {
    return (this.methods.get(accessId)?.allow ?? []).some((p) => name.startsWith(p));
  }

  /** The item a caller may see: 401 when not allowed (existing or not), 404 when allowed and missing. */
  private item(body: Record<string, unknown>, name: string): [string, DoubleItem] {
    const { accessId } = this.caller(body);
    if (!name) throw fail(400, 'name is required');
    if (!this.allowed(accessId, name)) throw fail(401, 'Unauthorized access');
    const item = this.items.get(name);
    if (!item) throw fail(404, `item ${name} not found`);
    return [name, item];
  }

  private describe(name: string, item: DoubleItem): Record<string, unknown> {
    return {
      item_name: name,
      item_id: 1,
      item_type: item.type,
      item_tags: item.tags ?? [],
      last_version: item.type === 'STATIC_SECRET' ? (item.versions?.length ?? 0) : 0,
      is_enabled: true,
    };
  }

  private getSecretValue(body: Record<string, unknown>): unknown {
    const names = body.names;
    if (!Array.isArray(names) || names.length === 0) throw fail(400, 'names is required');
    const version = Number(body.version ?? 0);
    const out: Record<string, string> = {};
    for (const name of names as string[]) {
      const [, item] = this.item(body, name);
      if (item.type !== 'STATIC_SECRET') throw fail(400, `${name} is not a static secret`);
      const versions = item.versions ?? [];
      const value = version === 0 ? versions.at(-1) : versions[version - 1];
      if (value === undefined) throw fail(404, `version ${version} of ${name} not found`);
      out[name] = value;
    }
    return out;
  }

  private typed(body: Record<string, unknown>, name: string, type: DoubleItemType): unknown {
    const [, item] = this.item(body, name);
    if (item.type !== type) throw fail(400, `${name} is not a ${type}`);
    return item.reply ?? {};
  }

  private list(body: Record<string, unknown>): unknown {
    const { accessId } = this.caller(body);
    const filter = typeof body.filter === 'string' ? body.filter : '';
    const tag = typeof body.tag === 'string' ? body.tag : '';
    const types = Array.isArray(body.type) ? (body.type as string[]).map((t) => LIST_TYPES[t]) : undefined;
    const all = [...this.items.entries()]
      .filter(([name]) => this.allowed(accessId, name))
      .filter(([name]) => !filter || name.includes(filter))
      .filter(([, item]) => !tag || (item.tags ?? []).includes(tag))
      .filter(([, item]) => !types || types.includes(item.type))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, item]) => this.describe(name, item));
    const size = this.options.pageSize;
    if (!size) return { items: all, folders: [], next_page: '' };
    const start = Number(body['pagination-token'] ?? 0) || 0;
    const next = start + size < all.length ? String(start + size) : '';
    return { items: all.slice(start, start + size), folders: [], next_page: next };
  }
}
