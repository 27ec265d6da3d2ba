// A stand-in for a 1Password Connect server (closed software; no open-source server exists), written from the
// published Connect API (reference/providers.md 3.1): Bearer token, vaults and items with 26-character IDs,
// `filter=title eq "X"`, item summaries without fields, full items, POST/PUT/DELETE of items, file content, the
// `1Password-Connect-Version` header and Connect's error bodies. `listDelayMs` imitates its eventual consistency:
// a new item shows in item lists only after that long. Every request is recorded (method, path, query). ESO's own
// 1Password provider (Connect SDK) reads from it in the differential test, which checks the double as well.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DoubleField {
  id?: string;
  label: string;
  value: string;
  type?: string;
  purpose?: string;
}

export interface DoubleItem {
  id: string;
  title: string;
  category: string;
  tags?: string[];
  fields?: DoubleField[];
  files?: Array<{ id: string; name: string; content: Buffer }>;
  sections?: Array<{ id: string; label?: string }>;
  createdAt: number;
  version: number;
}

export interface DoubleVault {
  id: string;
  name: string;
  items: Map<string, DoubleItem>;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export function connectId(): string {
  return Array.from(randomBytes(26), (b) => ALPHABET[b % 36]).join('');
}

export class ConnectDouble {
  readonly vaults = new Map<string, DoubleVault>();
  readonly requests: Array<{ method: string; path: string; query: string }> = [];
  listDelayMs = 0;
  /** Sent as the `1Password-Connect-Version` header. */
  version = '1.7.3';
  #server: Server | undefined;
  url = '';

  constructor(readonly token: string) {}

  addVault(name: string): DoubleVault {
    const vault = { id: connectId(), name, items: new Map<string, DoubleItem>() };
    this.vaults.set(vault.id, vault);
    return vault;
  }

  addItem(vault: DoubleVault, item: Omit<DoubleItem, 'id' | 'createdAt' | 'version'>): DoubleItem {
    const full = { ...item, id: connectId(), createdAt: 0, version: 1 };
    vault.items.set(full.id, full);
    return full;
  }

  /** The item with that title in a vault, for assertions. */
  find(vault: DoubleVault, title: string): DoubleItem | undefined {
    return [...vault.items.values()].find((i) => i.title === title);
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.#handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): unknown {
    const url = new URL(req.url ?? '/', 'http://connect');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.search });
    // Connect names its version on every answer; clients refuse file content from servers older than 1.3.0.
    res.setHeader('1Password-Connect-Version', this.version);
    const reply = (status: number, payload?: unknown) => {
      if (payload === undefined) {
        res.writeHead(status);
        res.end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, message: string) => reply(status, { status, message });
    if (url.pathname === '/heartbeat') return void res.end('.');
    if (req.headers.authorization !== `Bearer ${this.token}`) return error(401, 'Invalid token signature');

    const titleFilter = (): string | undefined => {
      const filter = url.searchParams.get('filter');
      if (!filter) return undefined;
      const match = /^title eq "((?:[^"\\]|\\.)*)"$/.exec(filter);
      if (!match) return '\u0000invalid';
      return (match[1] as string).replace(/\\(.)/g, '$1');
    };
    const parts = url.pathname.split('/').filter(Boolean); // v1 vaults {id} items {id} files {id} content
    if (parts[0] !== 'v1' || parts[1] !== 'vaults') return error(404, 'not found');
    if (parts.length === 2) {
      const title = titleFilter();
      if (title === '\u0000invalid') return error(400, 'Invalid filter');
      const list = [...this.vaults.values()].filter((v) => title === undefined || v.name === title);
      return reply(
        200,
        list.map((v) => ({ id: v.id, name: v.name, type: 'USER_CREATED' })),
      );
    }
    const vault = this.vaults.get(parts[2] as string);
    if (!vault) return error(404, `vault ${parts[2]} not found`);
    if (parts.length === 3) return reply(200, { id: vault.id, name: vault.name, type: 'USER_CREATED' });
    if (parts[3] !== 'items') return error(404, 'not found');
    const summary = (i: DoubleItem) => ({
      id: i.id,
      title: i.title,
      category: i.category,
      tags: i.tags ?? [],
      version: i.version,
      vault: { id: vault.id },
    });
    const full = (i: DoubleItem) => ({
      ...summary(i),
      fields: (i.fields ?? []).map((f) => ({ id: f.id ?? f.label, type: 'STRING', ...f })),
      files: (i.files ?? []).map((f) => ({
        id: f.id,
        name: f.name,
        size: f.content.length,
        content_path: `/v1/vaults/${vault.id}/items/${i.id}/files/${f.id}/content`,
      })),
      sections: i.sections ?? [],
    });
    if (parts.length === 4) {
      if (method === 'GET') {
        const title = titleFilter();
        if (title === '\u0000invalid') return error(400, 'Invalid filter');
        const now = Date.now();
        const list = [...vault.items.values()].filter(
          (i) => (title === undefined || i.title === title) && now - i.createdAt >= this.listDelayMs,
        );
        return reply(200, list.map(summary));
      }
      if (method === 'POST') {
        const input = JSON.parse(body) as Partial<DoubleItem> & { vault?: { id?: string } };
        if (!input.category || input.vault?.id !== vault.id) return error(400, 'vault.id and category are required');
        const item: DoubleItem = {
          id: connectId(),
          title: input.title ?? '',
          category: input.category,
          tags: input.tags,
          fields: input.fields ?? [],
          createdAt: Date.now(),
          version: 1,
        };
        vault.items.set(item.id, item);
        return reply(200, full(item));
      }
      return error(405, 'method not allowed');
    }
    const item = vault.items.get(parts[4] as string);
    if (!item) return error(404, `item ${parts[4]} not found`);
    if (parts.length === 5) {
      if (method === 'GET') return reply(200, full(item));
      if (method === 'PUT') {
        const input = JSON.parse(body) as Partial<DoubleItem>;
        item.title = input.title ?? item.title;
        item.tags = input.tags ?? item.tags;
        item.fields = (input.fields ?? []) as DoubleField[];
        item.version++;
        return reply(200, full(item));
      }
      if (method === 'DELETE') {
        vault.items.delete(item.id);
        return reply(204);
      }
      return error(405, 'method not allowed');
    }
    if (parts[5] === 'files' && parts[7] === 'content') {
      const file = (item.files ?? []).find((f) => f.id === parts[6]);
      if (!file) return error(404, 'file not found');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.end(file.content);
    }
    return error(404, 'not found');
  }
}
