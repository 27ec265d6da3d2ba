// ESO's jwkPublicKeyPem / jwkPrivateKeyPem: a JSON Web Key to PEM (PKIX "PUBLIC KEY" / PKCS#8 "PRIVATE KEY").
// Like ESO (jwx + crypto/x509), a private JWK cannot give a public PEM and a public JWK cannot give a private
// one; the error names the Go type the key would have had.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { pemEncode } from './crypto-pem-codec.js';
import { unmarshal } from './json.js';

export class JwkError extends Error {}

interface Jwk {
  kty?: unknown;
  crv?: unknown;
  d?: unknown;
  [k: string]: unknown;
}

const KEY_HINT_TYPE = 'struct { Kty string "json:\\"kty\\""; D json.RawMessage "json:\\"d\\"" }';

/** encoding/json's wording, as jwx's json.Decoder reports it (EOF for no input, unexpected EOF when cut short). */
function goJsonError(text: string): string {
  if (text.trim() === '') return 'EOF';
  const error = unmarshal(text).error ?? 'invalid character';
  return error === 'unexpected end of JSON input' ? 'unexpected EOF' : error;
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

function parseJwk(text: string): Jwk {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JwkError(`failed to unmarshal JSON into key hint: ${goJsonError(text)}`);
  }
  if (value === null) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new JwkError(
      `failed to unmarshal JSON into key hint: json: cannot unmarshal ${jsonKind(value)} into Go value of type ${KEY_HINT_TYPE}`,
    );
  }
  const jwk = value as Jwk;
  if (jwk.kty !== undefined && jwk.kty !== null && typeof jwk.kty !== 'string') {
    throw new JwkError(
      `failed to unmarshal JSON into key hint: json: cannot unmarshal ${jsonKind(jwk.kty)} into Go struct field .kty of type string`,
    );
  }
  const kty = typeof jwk.kty === 'string' ? jwk.kty : '';
  if (!['RSA', 'EC', 'OKP', 'oct'].includes(kty)) throw new JwkError(`invalid key type from JSON (${kty})`);
  return jwk;
}

/** The Go type jwx's Raw() would produce, for error messages. */
function goTypeOf(jwk: Jwk): string {
  const isPrivate = jwk.d !== undefined;
  switch (jwk.kty) {
    case 'RSA':
      return isPrivate ? '*rsa.PrivateKey' : '*rsa.PublicKey';
    case 'EC':
      return isPrivate ? '*ecdsa.PrivateKey' : '*ecdsa.PublicKey';
    case 'OKP':
      if (jwk.crv === 'X25519') return isPrivate ? '*ecdh.PrivateKey' : '*ecdh.PublicKey';
      return isPrivate ? 'ed25519.PrivateKey' : 'ed25519.PublicKey';
    default:
      return '[]uint8';
  }
}

const REQUIRED: Record<string, { type: string; fields: string[] }> = {
  RSA: { type: 'rsa', fields: ['e', 'n'] },
  EC: { type: 'ecdsa', fields: ['crv', 'x', 'y'] },
};
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);

/** jwx's own checks while reading the key, before any conversion: required fields, then the curve. */
function checkJwk(jwk: Jwk): void {
  const rule = REQUIRED[jwk.kty as string];
  if (rule === undefined) return;
  const keyType = `*jwk.${rule.type}${jwk.d !== undefined ? 'Private' : 'Public'}Key`;
  for (const field of rule.fields) {
    if (jwk[field] === undefined || jwk[field] === null) {
      throw new JwkError(`failed to unmarshal JSON into key (${keyType}): required field ${field} is missing`);
    }
  }
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string' && !EC_CURVES.has(jwk.crv)) {
    throw new JwkError(`failed to build public key: invalid curve algorithm ${jwk.crv}`);
  }
}

function importKey(jwk: Jwk, asPrivate: boolean): KeyObject {
  try {
    const input = { key: jwk as never, format: 'jwk' as const };
    return asPrivate ? createPrivateKey(input) : createPublicKey(input);
  } catch (e) {
    throw new JwkError(`failed to parse key: ${(e as Error).message}`);
  }
}

export function jwkPublicKeyPem(text: string): string {
  const jwk = parseJwk(text);
  checkJwk(jwk);
  if (jwk.kty === 'oct' || jwk.d !== undefined) {
    throw new JwkError(`x509: unsupported public key type: ${goTypeOf(jwk)}`);
  }
  const key = importKey(jwk, false);
  return pemEncode({ type: 'PUBLIC KEY', bytes: new Uint8Array(key.export({ format: 'der', type: 'spki' })) });
}

export function jwkPrivateKeyPem(text: string): string {
  const jwk = parseJwk(text);
  checkJwk(jwk);
  if (jwk.kty === 'oct' || jwk.d === undefined) {
    throw new JwkError(`x509: unknown key type while marshaling PKCS#8: ${goTypeOf(jwk)}`);
  }
  const key = importKey(jwk, true);
  return pemEncode({ type: 'PRIVATE KEY', bytes: new Uint8Array(key.export({ format: 'der', type: 'pkcs8' })) });
}
