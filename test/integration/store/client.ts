// A tiny HTTP client for store tests.
export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
  body: any;
  text: string;
}

export function storeClient(url: string) {
  async function call(method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}) {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: as above
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text } satisfies Reply;
  }
  return {
    call,
    async login(accessId: string, accessKey: string): Promise<string> {
      const reply = await call('POST', '/v1/auth/login', { body: { type: 'api_key', accessId, accessKey } });
      if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
      return reply.body.token as string;
    },
  };
}
