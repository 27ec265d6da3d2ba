// Login tokens by identity, shared by the providers that log in (akeyless, custos, vault): a token is reused
// until shortly before it expires, concurrent callers share one login, and a token the server refused is dropped.

/** By default a token is not reused in its last 30 seconds, so a call never starts with a token about to die. */
export const EXPIRY_MARGIN_MS = 30_000;

export type Clock = () => number;

export interface IssuedLoginToken {
  token: string;
  /** Epoch milliseconds (Infinity: the token does not expire). */
  expiresAt: number;
}

interface Entry {
  pending?: Promise<IssuedLoginToken>;
  issued?: IssuedLoginToken;
}

/** Tokens by identity (URL + credentials, hashed by the caller). */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: Clock = Date.now,
    /** How long before its expiry a token stops being handed out. */
    private readonly marginMs: number = EXPIRY_MARGIN_MS,
  ) {}

  /** A usable token and whether it came from the cache (a cached token may be retried once after a 401). */
  async get(key: string, login: () => Promise<IssuedLoginToken>): Promise<{ token: string; cached: boolean }> {
    const entry = this.entries.get(key);
    if (entry?.issued && this.now() < entry.issued.expiresAt - this.marginMs) {
      return { token: entry.issued.token, cached: true };
    }
    if (entry?.pending) return { token: (await entry.pending).token, cached: false };
    const pending = login();
    this.entries.set(key, { pending });
    try {
      const issued = await pending;
      this.sweep();
      this.entries.set(key, { issued });
      return { token: issued.token, cached: false };
    } catch (error) {
      this.entries.delete(key);
      throw error;
    }
  }

  /** Forgets expired tokens, so identities that are gone (a replaced JWT, a deleted store) do not pile up. */
  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries)
      if (entry.issued && entry.issued.expiresAt <= now) this.entries.delete(key);
  }

  /** How many identities have a token or a login in flight (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Empties the cache and returns the tokens it held that have not expired, by key (to revoke them). */
  drain(): Map<string, string> {
    const now = this.now();
    const out = new Map<string, string>();
    for (const [key, entry] of this.entries)
      if (entry.issued && entry.issued.expiresAt > now) out.set(key, entry.issued.token);
    this.entries.clear();
    return out;
  }

  /** Drops a token the server refused, so the next call logs in again. */
  forget(key: string, token: string): void {
    if (this.entries.get(key)?.issued?.token === token) this.entries.delete(key);
  }
}
