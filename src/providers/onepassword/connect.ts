// The 1Password Connect REST API (v1) as the `onepassword` provider uses it: vaults and items by title filter,
// full items, item writes, file content. Bearer token auth; answers mapped onto the provider error classes with
// Connect's own message (never a field value).
import { ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import { callWebhook, WebhookCallError } from '../webhook/call.js';

/** 1Password IDs are 26 lower-case letters and digits (not RFC 4122 UUIDs). */
export const ONEPASSWORD_ID = /^[\da-z]{26}$/;

export interface Vault {
  id: string;
  name?: string;
  title?: string;
}

export interface ItemField {
  id?: string;
  label?: string;
  value?: string;
  type?: string;
  purpose?: string;
  section?: { id?: string };
}

export interface ItemFile {
  id: string;
  name?: string;
  size?: number;
  content_path?: string;
  content?: string;
  section?: { id?: string };
}

export interface Item {
  id: string;
  title?: string;
  vault?: { id?: string };
  category?: string;
  tags?: string[];
  version?: number;
  fields?: ItemField[];
  files?: ItemFile[];
  sections?: Array<{ id?: string; label?: string }>;
}

export class ConnectNotFound extends ProviderError {
  override name = 'ConnectNotFound';
}

const TIMEOUT_MS = 30_000;

/** `title eq "X"` with the quote escaped, as Connect's filter syntax wants it. */
export function titleFilter(title: string): string {
  return `title eq "${title.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export class ConnectClient {
  constructor(
    private readonly host: string,
    private readonly token: string,
  ) {}

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string; bytes: Buffer }> {
    let url: URL;
    try {
      url = new URL(`${this.host.replace(/\/+$/, '')}${path}`);
    } catch {
      throw new ProviderConfigError(`spec.provider.onepassword.connectHost "${this.host}" is not a URL`);
    }
    try {
      const answer = await callWebhook({
        url,
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? '' : JSON.stringify(body),
        timeoutMs: TIMEOUT_MS,
        caFields: 'the operator trust store (NODE_EXTRA_CA_CERTS) for the Connect server',
      });
      return { status: answer.status, text: answer.body, bytes: answer.bytes };
    } catch (error) {
      if (error instanceof WebhookCallError) {
        const what = `1Password Connect at ${url.origin}: ${error.message}`;
        throw error.kind === 'config' ? new ProviderConfigError(what) : new ProviderUnavailableError(what);
      }
      throw error;
    }
  }

  private async json<T>(method: string, path: string, action: string, body?: unknown): Promise<T> {
    const { status, text } = await this.call(method, path, body);
    if (status >= 200 && status < 300) {
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ProviderUnavailableError(`1Password Connect: ${action}: the answer is not JSON`);
      }
    }
    throw this.failure(status, text, action);
  }

  private failure(status: number, text: string, action: string): ProviderError {
    let message = '';
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = `: ${parsed.message.slice(0, 200)}`;
    } catch {
      // not JSON: the status says enough
    }
    const what = `1Password Connect: ${action} (status ${status}${message})`;
    if (status === 404) return new ConnectNotFound(what);
    if (status === 401 || status === 403) {
      return new ProviderConfigError(`${what}; check the Connect token (auth.secretRef.connectTokenSecretRef)`);
    }
    if (status >= 500 || status === 429) return new ProviderUnavailableError(what);
    return new ProviderError(what);
  }

  vaultsByTitle(title: string): Promise<Vault[]> {
    return this.json('GET', `/v1/vaults?filter=${encodeURIComponent(titleFilter(title))}`, `list vaults "${title}"`);
  }

  vault(id: string): Promise<Vault> {
    return this.json('GET', `/v1/vaults/${id}`, `read vault ${id}`);
  }

  vaults(): Promise<Vault[]> {
    return this.json('GET', '/v1/vaults', 'list vaults');
  }

  items(vaultId: string, title?: string): Promise<Item[]> {
    const query = title === undefined ? '' : `?filter=${encodeURIComponent(titleFilter(title))}`;
    return this.json('GET', `/v1/vaults/${vaultId}/items${query}`, `list items of vault ${vaultId}`);
  }

  item(vaultId: string, itemId: string): Promise<Item> {
    return this.json('GET', `/v1/vaults/${vaultId}/items/${itemId}`, `read item ${itemId}`);
  }

  createItem(vaultId: string, item: Omit<Item, 'id'>): Promise<Item> {
    return this.json('POST', `/v1/vaults/${vaultId}/items`, `create item "${item.title}"`, item);
  }

  replaceItem(vaultId: string, item: Item): Promise<Item> {
    return this.json('PUT', `/v1/vaults/${vaultId}/items/${item.id}`, `update item ${item.id}`, item);
  }

  async deleteItem(vaultId: string, itemId: string): Promise<void> {
    await this.json('DELETE', `/v1/vaults/${vaultId}/items/${itemId}`, `delete item ${itemId}`);
  }

  async fileContent(vaultId: string, itemId: string, file: ItemFile): Promise<Uint8Array> {
    if (file.content !== undefined) return new Uint8Array(Buffer.from(file.content, 'base64'));
    const path = `/v1/vaults/${vaultId}/items/${itemId}/files/${file.id}/content`;
    const { status, text, bytes } = await this.call('GET', path);
    if (status === 200) return new Uint8Array(bytes);
    throw this.failure(status, text, `read file "${file.name}" of item ${itemId}`);
  }
}
