// ESO's jwkPublicKeyPem / jwkPrivateKeyPem: a JSON Web Key to PEM (PKIX "PUBLIC KEY" / PKCS#8 "PRIVATE KEY").
// Like ESO (jwx + crypto/x509), a private JWK cannot give a public PEM and a public JWK cannot give a private
// one; the error names the Go type the key would have had.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { pemEncode } from './crypto-pem-codec.js';

export class JwkError extends Error {}

interface Jwk {
  kty?: unknown;
  crv?: unknown;
  d?: unknown;
  [k: string]: unknown;
}

const KEY_HINT_TYPE = 'struct { Kty string "json:\\"kty\\""; D json.RawMessage "json:\\"d\\"" }';

/** encoding/json's wording for the mistakes people make most in a pasted JWK. */
function goJsonError(text: string, error: Error): string {
  if (/end of (JSON )?input|Unterminated/i.test(error.message) || text.trim() === '') return 'unexpected EOF';
  const m = /Unexpected token '?(.)'?/.exec(error.message);
  return m ? `invalid character '${m[1]}' looking for beginning of value` : 'invalid character';
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

function parseJwk(text: string): Jwk {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new JwkError(`failed to unmarshal JSON into key hint: ${goJsonError(text, e as Error)}`);
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
  if (jwk.kty === 'oct' || jwk.d !== undefined) {
    throw new JwkError(`x509: unsupported public key type: ${goTypeOf(jwk)}`);
  }
  const key = importKey(jwk, false);
  return pemEncode({ type: 'PUBLIC KEY', bytes: new Uint8Array(key.export({ format: 'der', type: 'spki' })) });
}

export function jwkPrivateKeyPem(text: string): string {
  const jwk = parseJwk(text);
  if (jwk.kty === 'oct' || jwk.d === undefined) {
    throw new JwkError(`x509: unknown key type while marshaling PKCS#8: ${goTypeOf(jwk)}`);
  }
  const key = importKey(jwk, true);
  return pemEncode({ type: 'PRIVATE KEY', bytes: new Uint8Array(key.export({ format: 'der', type: 'pkcs8' })) });
}
