// An in-memory stand-in for StoreClient, for unit tests of the gateway's request handling without processes. It
// follows docs/store-protocol.md where the gateway depends on it: d_store = HMAC(F_store[g], keyId), 403 for a path
// outside the token's prefix whether or not it exists, 409 on a stale expectedVersion. The acceptance test runs
// against the real store (test/integration/gateway/gateway-store.test.ts).
import { createHmac, randomBytes } from 'node:crypto';
import {
  type ItemDescription,
  type ItemRecord,
  type LoginRequest,
  type LoginResult,
  type StoreClient,
  StoreError,
} from '../../../src/gateway/store-client.js';

interface Version {
  version: number;
  sealedVersion: number;
  ciphertext: string;
  keyId: string;
  generation: number;
  createdAt: string;
}

interface Item {
  path: string;
  tags: string[];
  description: string;
  versions: Version[];
}

export class StoreDouble {
  readonly items = new Map<string, Item>();
  readonly fragments = new Map<number, Buffer>([[1, randomBytes(32)]]);
  readonly tokens = new Map<string, { accessId: string; prefix: string }>();
  readonly calls: string[] = [];
  readonly credentials = new Map<string, { accessKey: string; prefix: string }>();

  client(): StoreClient {
    return this as unknown as StoreClient;
  }

  addCredential(accessId: string, accessKey: string, prefix: string): void {
    this.credentials.set(accessId, { accessKey, prefix });
  }

  async login(body: LoginRequest): Promise<LoginResult> {
    this.calls.push('login');
    const cred = this.credentials.get(body.accessId);
    if (!cred || body.type !== 'api_key' || body.accessKey !== cred.accessKey) {
      throw new StoreError('unauthorized', 401, 'invalid credentials');
    }
    const token = `t-${randomBytes(8).toString('hex')}`;
    this.tokens.set(token, { accessId: body.accessId, prefix: cred.prefix });
    return {
      token,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      identity: { accessId: body.accessId, claims: {} },
    };
  }

  async validate(token: string) {
    const who = this.#who(token);
    return {
      valid: true,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      identity: { accessId: who.accessId, claims: {} },
    };
  }

  #who(token: string) {
    const who = this.tokens.get(token);
    if (!who) throw new StoreError('unauthorized', 401, 'the token is invalid or expired');
    return who;
  }

  #allow(token: string, path: string): void {
    const who = this.#who(token);
    if (!path.startsWith(who.prefix)) throw new StoreError('forbidden', 403, `not allowed on ${path}`);
  }

  #item(path: string): Item {
    const item = this.items.get(path);
    if (!item) throw new StoreError('not_found', 404, `item ${path} not found`);
    return item;
  }

  async share(token: string, body: { path: string; keyId: string; generation?: number }) {
    this.calls.push('share');
    this.#allow(token, body.path);
    const generation = body.generation ?? Math.max(...this.fragments.keys());
    const fragment = this.fragments.get(generation);
    if (!fragment) throw new StoreError('invalid', 400, `no generation ${generation}`);
    return { share: this.#share(fragment, body.keyId), generation };
  }

  #share(fragment: Buffer, keyId: string): string {
    return createHmac('sha256', fragment).update(Buffer.from(keyId, 'base64')).digest('base64');
  }

  async createItem(
    token: string,
    body: { path: string; ciphertext: string; keyId: string; generation: number; tags: string[]; description: string },
  ) {
    this.calls.push('createItem');
    this.#allow(token, body.path);
    if (this.items.has(body.path)) throw new StoreError('conflict', 409, `item ${body.path} exists`);
    const { path, tags, description, ...rest } = body;
    this.items.set(path, {
      path,
      tags,
      description,
      versions: [{ ...pick(rest), version: 1, sealedVersion: 1, createdAt: now() }],
    });
    return { path, version: 1 };
  }

  async addVersion(
    token: string,
    body: { path: string; ciphertext: string; keyId: string; generation: number; expectedVersion?: number },
  ) {
    this.calls.push('addVersion');
    this.#allow(token, body.path);
    const item = this.#item(body.path);
    const latest = item.versions.at(-1)!.version;
    if (body.expectedVersion !== undefined && body.expectedVersion !== latest) {
      throw new StoreError('conflict', 409, `item is at version ${latest}`);
    }
    item.versions.push({ ...pick(body), version: latest + 1, sealedVersion: latest + 1, createdAt: now() });
    return { path: body.path, version: latest + 1 };
  }

  #describe(item: Item, v?: Version): ItemDescription {
    const version = v ?? item.versions.at(-1)!;
    return {
      path: item.path,
      version: version.version,
      sealedVersion: version.sealedVersion,
      keyId: version.keyId,
      generation: version.generation,
      type: 'static',
      tags: item.tags,
      description: item.description,
      createdAt: item.versions[0]!.createdAt,
      updatedAt: item.versions.at(-1)!.createdAt,
      versions: item.versions.map((x) => ({ version: x.version, createdAt: x.createdAt })),
    };
  }

  async getItem(token: string, path: string, version?: number): Promise<ItemRecord> {
    this.calls.push('getItem');
    this.#allow(token, path);
    const item = this.#item(path);
    const v = version === undefined ? item.versions.at(-1) : item.versions.find((x) => x.version === version);
    if (!v) throw new StoreError('not_found', 404, `version ${version} of ${path} not found`);
    return {
      ...this.#describe(item, v),
      ciphertext: v.ciphertext,
      share: this.#share(this.fragments.get(v.generation)!, v.keyId),
    };
  }

  async describeItem(token: string, path: string): Promise<ItemDescription> {
    this.calls.push('describeItem');
    this.#allow(token, path);
    return this.#describe(this.#item(path));
  }

  async listItems(token: string, query: { prefix?: string; tag?: string }) {
    const who = this.#who(token);
    const items = [...this.items.values()]
      .filter((i) => i.path.startsWith(query.prefix ?? '/') && i.path.startsWith(who.prefix))
      .filter((i) => !query.tag || i.tags.includes(query.tag))
      .map((i) => {
        const d = this.#describe(i);
        return {
          path: d.path,
          version: d.version,
          type: d.type,
          tags: d.tags,
          description: d.description,
          updatedAt: d.updatedAt,
        };
      });
    return { items };
  }

  async patchItem(token: string, body: { path: string; tags?: string[]; description?: string }) {
    this.#allow(token, body.path);
    const item = this.#item(body.path);
    if (body.tags) item.tags = body.tags;
    if (body.description !== undefined) item.description = body.description;
    return { path: item.path, version: item.versions.at(-1)!.version };
  }

  async rollback(token: string, path: string, version: number) {
    this.calls.push('rollback');
    this.#allow(token, path);
    const item = this.#item(path);
    const source = item.versions.find((v) => v.version === version);
    if (!source) throw new StoreError('not_found', 404, `version ${version} of ${path} not found`);
    const next = item.versions.at(-1)!.version + 1;
    item.versions.push({ ...source, version: next, createdAt: now() });
    return { path, version: next };
  }

  async deleteItem(token: string, path: string): Promise<void> {
    this.calls.push('deleteItem');
    this.#allow(token, path);
    this.#item(path);
    this.items.delete(path);
  }

  close(): void {}
}

const now = () => new Date().toISOString();
const pick = (v: { ciphertext: string; keyId: string; generation: number }) => ({
  ciphertext: v.ciphertext,
  keyId: v.keyId,
  generation: v.generation,
});
