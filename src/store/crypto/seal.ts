// AES-256-GCM sealing of small secrets at rest, bound by associated data to what they are.
// Layout (base64): version byte 0x01 | 12-byte nonce | ciphertext | 16-byte tag.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const version = 1;

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(version), nonce, body, cipher.getAuthTag()]).toString('base64');
}

export function unseal(key: Uint8Array, sealed: string, aad: string): Buffer {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < 1 + 12 + 16 || raw[0] !== version) throw new Error('sealed value is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(1, 13));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(13, raw.length - 16)), decipher.final()]);
  } catch {
    throw new Error('sealed value cannot be opened: wrong root key or the stored value was altered');
  }
}
