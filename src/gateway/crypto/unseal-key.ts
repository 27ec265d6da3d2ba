// The unseal key (32 random bytes) that seals the customer fragments: kept whole in a key file, or split t-of-n
// with Shamir's scheme (shamir-secret-sharing, audited) so no single operator can unseal alone.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { combine, split } from 'shamir-secret-sharing';
import { keyBytes } from './aead.js';
import { MalformedError } from './errors.js';

export function newUnsealKey(): Buffer {
  return randomBytes(keyBytes);
}

export function writeUnsealKeyFile(path: string, key: Uint8Array): void {
  writeFileSync(path, `${Buffer.from(key).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
}

export function readUnsealKeyFile(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new MalformedError(
      `cannot read the unseal key file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== keyBytes || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new MalformedError(`${path} is not an unseal key file: expected ${keyBytes} bytes as base64 on one line`);
  }
  return key;
}

export function validateShamirParameters(shares: number, threshold: number): void {
  if (
    !Number.isInteger(shares) ||
    !Number.isInteger(threshold) ||
    threshold < 2 ||
    shares < threshold ||
    shares > 255
  ) {
    throw new MalformedError(
      `cannot split into ${shares} shares with threshold ${threshold}: need 2 <= threshold <= shares <= 255 ` +
        '(for a single operator use --key-file instead)',
    );
  }
}

/** Splits the key into `shares` base64 strings, any `threshold` of which rebuild it. */
export async function splitUnsealKey(key: Uint8Array, shares: number, threshold: number): Promise<string[]> {
  validateShamirParameters(shares, threshold);
  // The library accepts plain Uint8Arrays only (not Buffer subclasses).
  return (await split(new Uint8Array(key), shares, threshold)).map((s) => Buffer.from(s).toString('base64'));
}

export function parseShare(text: string): Buffer {
  const trimmed = text.trim();
  const share = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || share.length !== keyBytes + 1) {
    throw new MalformedError(
      `not an unseal share: expected ${keyBytes + 1} bytes as base64, as printed by \`custos fragment init\``,
    );
  }
  return share;
}

/** Rebuilds a key from shares. Shamir has no integrity check: the caller verifies by opening the fragment file. */
export async function combineShares(shares: Buffer[]): Promise<Buffer> {
  return Buffer.from(await combine(shares.map((s) => new Uint8Array(s))));
}
