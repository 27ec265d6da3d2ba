// Private keys the way Sprig handles them: generating (genPrivateKey), parsing a PEM key by its block type
// (parsePrivateKeyPEM) and writing a key back in the PEM form Sprig's pemBlockForKey picks per key type.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { children, DerError, decodeOid, expectTag, integer, parseDer, seq, TAG } from './crypto-der.js';
import { pemDecode, pemEncode } from './crypto-pem-codec.js';

export class KeyError extends Error {}

export type KeyKind = 'rsa' | 'ec' | 'ed25519' | 'x25519' | 'dsa';

export interface PrivateKey {
  kind: KeyKind;
  key: KeyObject;
}

// Curves Go's crypto/x509 accepts in EC and PKCS#8 keys.
const GO_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1', 'secp224r1']);

function kindOf(key: KeyObject): KeyKind | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'rsa';
    case 'ec':
      return GO_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '') ? 'ec' : undefined;
    case 'ed25519':
      return 'ed25519';
    case 'x25519':
      return 'x25519';
    case 'dsa':
      return 'dsa';
    default:
      return undefined;
  }
}

function importDer(der: Uint8Array, type: 'pkcs1' | 'pkcs8' | 'sec1'): KeyObject | undefined {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type });
  } catch {
    return undefined;
  }
}

/** Go's x509.ParsePKCS8PrivateKey, limited to the algorithms Go supports. */
export function parsePkcs8(der: Uint8Array): PrivateKey {
  const key = importDer(der, 'pkcs8');
  if (key === undefined) throw new KeyError('x509: failed to parse private key');
  const kind = kindOf(key);
  if (kind === undefined || kind === 'dsa') {
    throw new KeyError(`x509: PKCS#8 wrapping contained private key with unknown algorithm: ${pkcs8AlgorithmOid(der)}`);
  }
  return { kind, key };
}

function pkcs8AlgorithmOid(der: Uint8Array): string {
  try {
    const info = children(parseDer(der));
    const algorithm = children(expectTag(info[1], TAG.SEQUENCE));
    return decodeOid(expectTag(algorithm[0], TAG.OID).content);
  } catch {
    return 'unknown';
  }
}

export function parsePkcs1(der: Uint8Array): PrivateKey {
  const key = importDer(der, 'pkcs1');
  if (key === undefined || key.asymmetricKeyType !== 'rsa') {
    throw new KeyError('x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)');
  }
  return { kind: 'rsa', key };
}

export function parseSec1(der: Uint8Array): PrivateKey {
  const key = importDer(der, 'sec1');
  if (key === undefined || kindOf(key) !== 'ec') {
    throw new KeyError('x509: failed to parse EC private key');
  }
  return { kind: 'ec', key };
}

/** ESO's parsePrivateKey: PKCS#1, then PKCS#8, then SEC 1. */
export function parseAnyPrivateKeyDer(der: Uint8Array): PrivateKey | undefined {
  for (const parse of [parsePkcs1, parsePkcs8, parseSec1]) {
    try {
      return parse(der);
    } catch {
      // try the next format
    }
  }
  return undefined;
}

/** Sprig's parsePrivateKeyPEM; throws KeyError with Sprig's message. */
export function parsePrivateKeyPem(pem: Uint8Array): PrivateKey {
  const [block] = pemDecode(pem);
  if (block === undefined) throw new KeyError('no PEM data in input');
  if (block.type === 'PRIVATE KEY') {
    try {
      return parsePkcs8(block.bytes);
    } catch (e) {
      throw new KeyError(`decoding PEM as PKCS#8: ${(e as Error).message}`);
    }
  }
  if (!block.type.endsWith(' PRIVATE KEY')) {
    throw new KeyError(`no private key data in PEM block of type ${block.type}`);
  }
  switch (block.type.slice(0, -12)) {
    case 'RSA':
      try {
        return parsePkcs1(block.bytes);
      } catch (e) {
        throw new KeyError(`parsing RSA private key from PEM: ${(e as Error).message}`);
      }
    case 'EC':
      try {
        return parseSec1(block.bytes);
      } catch (e) {
        throw new KeyError(`parsing EC private key from PEM: ${(e as Error).message}`);
      }
    case 'DSA':
      return parseSprigDsa(block.bytes);
    default:
      throw new KeyError(`invalid private key type ${block.type}`);
  }
}

/** Sprig's own DSA layout, SEQUENCE { version, p, q, g, y, x } (the same as OpenSSL's traditional format). */
function parseSprigDsa(der: Uint8Array): PrivateKey {
  try {
    const fields = children(expectTag(parseDer(der), TAG.SEQUENCE));
    if (fields.length !== 6 || fields.some((f) => f.tag !== TAG.INTEGER)) throw new DerError('shape');
    const key = createPrivateKey({ key: pemEncode({ type: 'DSA PRIVATE KEY', bytes: der }), format: 'pem' });
    return { kind: 'dsa', key };
  } catch {
    throw new KeyError('parsing DSA private key from PEM: asn1: structure error');
  }
}

/** The public half, as Go's getPublicKey would return it. */
export function publicKeyOf(priv: PrivateKey): KeyObject {
  return createPublicKey(priv.key);
}

/** Sprig's pemBlockForKey: PKCS#1 for RSA, SEC 1 for EC, Sprig's DSA layout, PKCS#8 for the rest. */
export function privateKeyToPem(priv: PrivateKey): string {
  switch (priv.kind) {
    case 'rsa':
      return pemEncode({ type: 'RSA PRIVATE KEY', bytes: exportDer(priv.key, 'pkcs1') });
    case 'ec':
      return pemEncode({ type: 'EC PRIVATE KEY', bytes: exportDer(priv.key, 'sec1') });
    case 'dsa':
      return pemEncode({ type: 'DSA PRIVATE KEY', bytes: dsaToSprigDer(priv.key) });
    default:
      return pemEncode({ type: 'PRIVATE KEY', bytes: exportDer(priv.key, 'pkcs8') });
  }
}

/** PKCS#8 DER, as Go's x509.MarshalPKCS8PrivateKey writes it for the key types ESO uses. */
export function privateKeyToPkcs8(priv: PrivateKey): Uint8Array {
  return exportDer(priv.key, 'pkcs8');
}

function exportDer(key: KeyObject, type: 'pkcs1' | 'pkcs8' | 'sec1'): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type }));
}

function dsaToSprigDer(key: KeyObject): Uint8Array {
  // PKCS#8: SEQUENCE { 0, SEQUENCE { oid, SEQUENCE { p, q, g } }, OCTET STRING { INTEGER x } }
  const info = children(parseDer(exportDer(key, 'pkcs8')));
  const params = children(expectTag(children(expectTag(info[1], TAG.SEQUENCE))[1], TAG.SEQUENCE));
  const [p, q, g] = params.map((e) => bigFrom(e.content)) as [bigint, bigint, bigint];
  const x = bigFrom(parseDer(expectTag(info[2], TAG.OCTET_STRING).content).content);
  const y = modPow(g, x, p);
  return seq(integer(0), integer(p), integer(q), integer(g), integer(y), integer(x));
}

function bigFrom(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** genPrivateKey's key types; undefined for an unknown type. */
export function generatePrivateKey(type: string): PrivateKey | undefined {
  switch (type) {
    case '':
    case 'rsa':
      return generateRsa(4096);
    case 'dsa':
      return {
        kind: 'dsa',
        key: generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey,
      };
    case 'ecdsa':
      return { kind: 'ec', key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey };
    case 'ed25519':
      return { kind: 'ed25519', key: generateKeyPairSync('ed25519').privateKey };
    default:
      return undefined;
  }
}

export function generateRsa(bits: number): PrivateKey {
  return { kind: 'rsa', key: generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 }).privateKey };
}
