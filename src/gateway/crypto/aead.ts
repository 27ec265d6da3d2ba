// AES-256-GCM with a random 96-bit nonce, via node:crypto (OpenSSL). The tag is appended to the ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptionError } from './errors.js';

const ivBytes = 12;
const tagBytes = 16;
export const keyBytes = 32;

export interface Sealed {
  iv: Buffer;
  /** Ciphertext followed by the 16-byte GCM tag. */
  ct: Buffer;
}

export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Sealed {
  if (key.length !== keyBytes) throw new RangeError(`AES-256-GCM needs a ${keyBytes}-byte key, got ${key.length}`);
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, ct };
}

/** Throws DecryptionError (with `what` in the message) unless key, iv, ciphertext and aad all match. */
export function aeadOpen(key: Uint8Array, sealed: Sealed, aad: Uint8Array, what: string): Buffer {
  if (key.length !== keyBytes || sealed.iv.length !== ivBytes || sealed.ct.length < tagBytes) {
    throw new DecryptionError(`${what} cannot be decrypted: wrong key or nonce length, or truncated ciphertext`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: tagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.ct.subarray(sealed.ct.length - tagBytes));
  try {
    return Buffer.concat([decipher.update(sealed.ct.subarray(0, sealed.ct.length - tagBytes)), decipher.final()]);
  } catch {
    throw new DecryptionError(`${what} does not authenticate: wrong key, wrong path or version, or altered bytes`);
  }
}

/** `iv || ct` in one buffer, for fields the protocol gives a single slot (the wrapped DEK). */
export function packSealed(sealed: Sealed): Buffer {
  return Buffer.concat([sealed.iv, sealed.ct]);
}

export function unpackSealed(packed: Uint8Array): Sealed {
  const buf = Buffer.from(packed);
  return { iv: buf.subarray(0, ivBytes), ct: buf.subarray(ivBytes) };
}
