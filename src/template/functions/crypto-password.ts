// Sprig's password helpers: derivePassword (the Master Password algorithm: scrypt, then HMAC-SHA256 picking
// a template and characters), bcrypt and htpasswd.

import { createHash, createHmac, scryptSync } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { goStringToBytes } from './crypto-bytes.js';

const MASTER_PASSWORD_SEED = 'com.lyndir.masterpassword';

const PASSWORD_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: [
    'CvcvnoCvcvCvcv',
    'CvcvCvcvnoCvcv',
    'CvcvCvcvCvcvno',
    'CvccnoCvcvCvcv',
    'CvccCvcvnoCvcv',
    'CvccCvcvCvcvno',
    'CvcvnoCvccCvcv',
    'CvcvCvccnoCvcv',
    'CvcvCvccCvcvno',
    'CvcvnoCvcvCvcc',
    'CvcvCvcvnoCvcc',
    'CvcvCvcvCvccno',
    'CvccnoCvccCvcv',
    'CvccCvccnoCvcv',
    'CvccCvccCvcvno',
    'CvcvnoCvccCvcc',
    'CvcvCvccnoCvcc',
    'CvcvCvccCvccno',
    'CvccnoCvcvCvcc',
    'CvccCvcvnoCvcc',
    'CvccCvcvCvccno',
  ],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};

const TEMPLATE_CHARACTERS: Readonly<Record<string, string>> = {
  V: 'AEIOU',
  C: 'BCDFGHJKLMNPQRSTVWXYZ',
  v: 'aeiou',
  c: 'bcdfghjklmnpqrstvwxyz',
  A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz',
  n: '0123456789',
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

function uint32BE(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function lengthPrefixed(value: string): Buffer {
  const bytes = Buffer.from(goStringToBytes(value));
  return Buffer.concat([uint32BE(bytes.length), bytes]);
}

export function derivePassword(
  counter: number,
  passwordType: string,
  password: string,
  user: string,
  site: string,
): string {
  const templates = Object.hasOwn(PASSWORD_TEMPLATES, passwordType) ? PASSWORD_TEMPLATES[passwordType] : undefined;
  if (templates === undefined) return `cannot find password template ${passwordType}`;
  const seed = Buffer.from(MASTER_PASSWORD_SEED);
  const salt = Buffer.concat([seed, lengthPrefixed(user)]);
  // N=32768, r=8, p=2 needs 32 MiB per lane; allow for it explicitly.
  const key = scryptSync(Buffer.from(goStringToBytes(password)), salt, 64, {
    N: 32768,
    r: 8,
    p: 2,
    maxmem: 256 * 1024 * 1024,
  });
  const message = Buffer.concat([seed, lengthPrefixed(site), uint32BE(counter)]);
  const digest = createHmac('sha256', key).update(message).digest();
  const template = templates[(digest[0] as number) % templates.length] as string;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const chars = TEMPLATE_CHARACTERS[template[i] as string] as string;
    out += chars[(digest[i + 1] as number) % chars.length];
  }
  return out;
}

const BCRYPT_COST = 10;

/** Sprig's bcrypt: Go's bcrypt.GenerateFromPassword at the default cost, "$2a$" hashes. */
export function bcrypt(input: string): string {
  const bytes = goStringToBytes(input);
  if (bytes.length > 72) return 'failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes';
  // bcryptjs hashes the UTF-8 encoding of the string, which is exactly the Go string's bytes when they are
  // valid UTF-8 (bytes that are not would need a byte-level API bcryptjs lacks).
  const hash = bcryptjs.hashSync(input, bcryptjs.genSaltSync(BCRYPT_COST));
  // bcryptjs writes "$2b$"; the algorithm is the same for passwords of at most 72 bytes, and Go writes "$2a$".
  return `$2a$${hash.slice(4)}`;
}

/** Sprig's htpasswd; ESO's newer Sprig takes a hash algorithm ("sha" for {SHA}, anything else bcrypt). */
export function htpasswd(username: string, password: string, hashAlgorithm = 'bcrypt'): string {
  if (username.includes(':')) return `invalid username: ${username}`;
  if (hashAlgorithm === 'sha') {
    const sum = createHash('sha1').update(goStringToBytes(password)).digest('base64');
    return `${username}:{SHA}${sum}`;
  }
  return `${username}:${bcrypt(password)}`;
}
