// Sprig's encryptAES/decryptAES: AES-256-CBC with the password's bytes as the key (zero-padded or cut to 32
// bytes), PKCS#7-style padding, a random IV in front, standard base64 around it all. decryptAES reproduces
// Go's failures on malformed input, including the runtime panics text/template turns into errors.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { bytesToGoString, goStringToBytes } from './crypto-bytes.js';
import { base64DecodedCapacity, base64StdDecode } from './crypto-pem-codec.js';

export class AesError extends Error {}

const BLOCK = 16;

function keyFrom(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(goStringToBytes(password)).copy(key, 0, 0, 32);
  return key;
}

export function encryptAES(password: string, plaintext: string): string {
  if (plaintext === '') return '';
  const content = goStringToBytes(plaintext);
  const padding = BLOCK - (content.length % BLOCK);
  const padded = Buffer.concat([Buffer.from(content), Buffer.alloc(padding, padding)]);
  const iv = randomBytes(BLOCK);
  const cipher = createCipheriv('aes-256-cbc', keyFrom(password), iv).setAutoPadding(false);
  const body = Buffer.concat([cipher.update(padded), cipher.final()]);
  return Buffer.concat([iv, body]).toString('base64');
}

export function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === '') return '';
  const input = goStringToBytes(crypt64);
  const decoded = base64StdDecode(input);
  if (decoded.errorAt !== undefined) throw new AesError(`illegal base64 data at input byte ${decoded.errorAt}`);
  const crypt = decoded.bytes;
  if (crypt.length < BLOCK) {
    throw new AesError(
      `runtime error: slice bounds out of range [:${BLOCK}] with capacity ${base64DecodedCapacity(input.length)}`,
    );
  }
  const body = crypt.subarray(BLOCK);
  if (body.length % BLOCK !== 0) throw new AesError('crypto/cipher: input not full blocks');
  if (body.length === 0) throw new AesError('runtime error: index out of range [-1]');
  const decipher = createDecipheriv('aes-256-cbc', keyFrom(password), crypt.subarray(0, BLOCK)).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(body), decipher.final()]);
  const end = plain.length - (plain[plain.length - 1] as number);
  if (end < 0) throw new AesError(`runtime error: slice bounds out of range [:${end}]`);
  return bytesToGoString(plain.subarray(0, end));
}
