// Akeyless tokens are reused until shortly before they expire (ESO main logs in on every call; its newer token.go
// caches until exp - 30 s). The expiry comes from the /auth answer (`creds.expiry`, epoch seconds), else from the
// token's JWT `exp`, else a 4-minute guess that stays under the shortest Akeyless default (5 minutes).

/** A token is not reused in its last 30 seconds, so a call never starts with a token about to die. */
export const EXPIRY_MARGIN_MS = 30_000;
/** Lifetime assumed when neither the answer nor the token says. */
export const UNKNOWN_LIFETIME_MS = 4 * 60_000;

export type Clock = () => number;

export interface IssuedAkeylessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** When a token from /auth expires: `creds.expiry` (seconds or milliseconds), JWT exp, or now + 4 min. */
export function tokenExpiry(token: string, creds: unknown, now: number): number {
  const expiry = (creds as { expiry?: unknown } | undefined)?.expiry;
  const numeric = typeof expiry === 'string' && /^\d+$/.test(expiry) ? Number(expiry) : expiry;
  if (typeof numeric === 'number' && numeric > 0) return numeric < 1e12 ? numeric * 1000 : numeric;
  return jwtExpiry(token) ?? now + UNKNOWN_LIFETIME_MS;
}

interface Entry {
  pending?: Promise<IssuedAkeylessToken>;
  issued?: IssuedAkeylessToken;
}

/** Tokens by identity (URL + credentials, hashed by the caller); concurrent callers share one login. */
export class AkeylessTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: Clock = Date.now) {}

  /** A usable token and whether it came from the cache (a cached token may be retried once after a 401). */
  async get(key: string, login: () => Promise<IssuedAkeylessToken>): Promise<{ token: string; cached: boolean }> {
    const entry = this.entries.get(key);
    if (entry?.issued && this.now() < entry.issued.expiresAt - EXPIRY_MARGIN_MS) {
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

  /** Drops a token the server refused, so the next call logs in again. */
  forget(key: string, token: string): void {
    if (this.entries.get(key)?.issued?.token === token) this.entries.delete(key);
  }
}
