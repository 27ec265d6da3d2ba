// Identifiers and one-way hashes for credentials. Access keys and tokens are 256-bit random values, so a keyed
// hash (HMAC with a pepper derived from the root key) resists offline guessing; comparisons are constant-time.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

export const newAccessId = () => `p-${randomId(16)}`;
export const newAccessKey = () => randomBytes(32).toString('base64url');
export const newToken = () => `t-${randomBytes(32).toString('base64url')}`;

/** The pepper for API key hashes: bound to this store's root key, never stored. */
export function derivePepper(rootKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), 'custos/api-key-pepper/v1', 32));
}

export function hashAccessKey(pepper: Uint8Array, accessId: string, accessKey: string): string {
  return createHmac('sha256', pepper).update(accessId).update('\0').update(accessKey).digest('base64');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64');
  const right = Buffer.from(b, 'base64');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Tokens are looked up by hash, so a database reader cannot replay them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
