// A small client for the gateway's own administration endpoints, used by `custos fragment unseal|status|rewrap`.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { VaultStatus } from './crypto/vault.js';

export interface GatewayClientOptions {
  url: string;
  /** PEM CA to trust (the gateway's generated CA: <config-dir>/tls/ca.crt). */
  ca?: string;
}

export class GatewayClient {
  constructor(readonly options: GatewayClientOptions) {}

  status(): Promise<VaultStatus> {
    return this.#call('GET', '/v1/sys/status');
  }

  unseal(share: string): Promise<VaultStatus> {
    return this.#call('POST', '/v1/sys/unseal', { share });
  }

  login(accessId: string, accessKey: string): Promise<{ token: string }> {
    return this.#call('POST', '/v1/auth/login', { type: 'api_key', accessId, accessKey });
  }

  rewrap(token: string): Promise<{ generation: number; rewrapped: number; failures: unknown[] }> {
    return this.#call('POST', '/v1/sys/rewrap', {}, token);
  }

  #call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const url = new URL(path, this.options.url);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, ca: this.options.ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: { error?: { message?: string } } | undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            reject(new Error(`the gateway at ${url.origin} answered HTTP ${res.statusCode} with a non-JSON body`));
            return;
          }
          if ((res.statusCode ?? 500) >= 300) {
            reject(new Error(parsed?.error?.message ?? `the gateway answered HTTP ${res.statusCode}`));
          } else resolve(parsed as T);
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(`cannot reach the gateway at ${url.origin} (${error.code ?? error.message})`)),
      );
      req.end(payload);
    });
  }
}
