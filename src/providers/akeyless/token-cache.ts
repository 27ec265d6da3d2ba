// Akeyless tokens are reused until shortly before they expire (ESO main logs in on every call; its newer token.go
// caches until exp - 30 s). The expiry comes from the /auth answer (`creds.expiry`, epoch seconds), else from the
// token's JWT `exp`, else a 4-minute guess that stays under the shortest Akeyless default (5 minutes). The cache
// itself is the shared one (../token-cache.ts).

/** Lifetime assumed when neither the answer nor the token says. */
export const UNKNOWN_LIFETIME_MS = 4 * 60_000;

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
