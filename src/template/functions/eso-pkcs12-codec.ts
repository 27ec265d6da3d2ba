// PKCS#12 (PFX) as ESO's go-pkcs12 reads and writes it. Decoding follows go-pkcs12's DecodeChain: a MAC
// (SHA-1/256/512 or PBMAC1) checked first, at most two items in the authenticated safe, legacy PBE
// (3DES, RC2) or PBES2 (AES), and Go's error texts. Encoding follows its `Modern` encoder: PBES2 with
// PBKDF2-HMAC-SHA256 and AES-256-CBC for certificates and key, and a SHA-256 MAC. Random salts make the
// bytes differ from Go's; the structure is the same, and each side reads the other's archives.

import * as nodeCrypto from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import forge from 'node-forge';
import {
  children,
  concat,
  type Der,
  decodeOid,
  decodeUnsigned,
  expectTag,
  explicit,
  integer,
  NULL_DER,
  octetString,
  oid,
  parseDer,
  seq,
  setOf,
  TAG,
  tlv,
} from './crypto-der.js';
import { KeyError, type PrivateKey, parsePkcs8, privateKeyToPkcs8 } from './crypto-keys.js';
import { type ParsedCertificate, parseCertificate, X509Error } from './crypto-x509.js';

export class Pkcs12Error extends Error {}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  javaTrustStore: '2.16.840.1.113894.746875.1.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha512: '2.16.840.1.101.3.4.2.3',
  pbmac1: '1.2.840.113549.1.5.14',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeShaRc2_128: '1.2.840.113549.1.12.1.5',
  pbeShaRc2_40: '1.2.840.113549.1.12.1.6',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacSha1: '1.2.840.113549.2.7',
  hmacSha256: '1.2.840.113549.2.9',
  hmacSha512: '1.2.840.113549.2.11',
  aes128: '2.16.840.1.101.3.4.1.2',
  aes192: '2.16.840.1.101.3.4.1.22',
  aes256: '2.16.840.1.101.3.4.1.42',
} as const;

const ERR_INCORRECT_PASSWORD = 'pkcs12: decryption password incorrect';
const ERR_DECRYPTION = 'pkcs12: decryption error, incorrect padding';
const ASN1_ERROR = 'asn1: structure error';

const notImplemented = (what: string) => new Pkcs12Error(`pkcs12: ${what}`);

// ---- passwords ----

/** UCS-2 big-endian, as PKCS#12 wants passwords and friendly names. */
function bmpString(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp > 0xffff) throw new Pkcs12Error('pkcs12: string contains characters that cannot be encoded in UCS-2');
    out.push(cp >> 8, cp & 0xff);
  }
  return Uint8Array.from(out);
}

function bmpZeroTerminated(password: string): Uint8Array {
  return concat([bmpString(password), Uint8Array.of(0, 0)]);
}

/** The UTF-8 password PBES2 and PBMAC1 use, recovered from the BMP form like go-pkcs12 does. */
function utf8FromBmp(bmp: Uint8Array | null): Uint8Array {
  if (bmp === null || bmp.length === 0) return new Uint8Array(0);
  if (bmp.length % 2 !== 0) throw new Pkcs12Error('pkcs12: odd-length BMP string');
  let text = '';
  for (let i = 0; i + 1 < bmp.length; i += 2) {
    const unit = ((bmp[i] as number) << 8) | (bmp[i + 1] as number);
    if (unit === 0 && i + 2 === bmp.length) break;
    text += String.fromCharCode(unit);
  }
  return new TextEncoder().encode(text);
}

// ---- key derivation ----

const HASHES: Readonly<Record<string, { name: string; u: number; v: number }>> = {
  [OID.sha1]: { name: 'sha1', u: 20, v: 64 },
  [OID.sha256]: { name: 'sha256', u: 32, v: 64 },
  [OID.sha512]: { name: 'sha512', u: 64, v: 128 },
};

// The KDF hashes its own output thousands of times: the one-shot crypto.hash (Node >= 20.12) costs a fraction of
// a createHash object per round.
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;
const digestOnce: (name: string, data: Uint8Array) => Uint8Array =
  oneShotHash === undefined
    ? (name, data) => createHash(name).update(data).digest()
    : (name, data) => oneShotHash(name, data, 'buffer');

/** RFC 7292 appendix B.2: the PKCS#12 key derivation (id 1 = key, 2 = IV, 3 = MAC key). */
function pkcs12Kdf(
  hash: { name: string; u: number; v: number },
  salt: Uint8Array,
  password: Uint8Array | null,
  iterations: number,
  id: number,
  size: number,
): Uint8Array {
  const { name, u, v } = hash;
  const fill = (src: Uint8Array): Uint8Array => {
    if (src.length === 0) return new Uint8Array(0);
    const out = new Uint8Array(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length] as number;
    return out;
  };
  const D = new Uint8Array(v).fill(id);
  const I = concat([fill(salt), fill(password ?? new Uint8Array(0))]);
  const out: Uint8Array[] = [];
  for (let produced = 0; produced < size; produced += u) {
    let A: Uint8Array = createHash(name).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = digestOnce(name, A);
    out.push(A);
    const B = new Uint8Array(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u] as number;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] as number) + (B[k] as number) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return concat(out).subarray(0, size);
}

// ---- ciphers ----

interface BlockCipher {
  blockSize: number;
  decrypt(data: Uint8Array): Uint8Array;
}

function nodeCbc(algorithm: string, key: Uint8Array, iv: Uint8Array, blockSize: number): BlockCipher {
  return {
    blockSize,
    decrypt: (data) => {
      const d = createDecipheriv(algorithm, key, iv).setAutoPadding(false);
      return concat([d.update(data), d.final()]);
    },
  };
}

function rc2Cbc(key: Uint8Array, iv: Uint8Array, bits: number): BlockCipher {
  // OpenSSL 3 ships RC2 only in its legacy provider, so RC2 (still common in PFX files) comes from node-forge.
  return {
    blockSize: 8,
    decrypt: (data) => {
      const cipher = forge.rc2.createDecryptionCipher(
        forge.util.createBuffer(Buffer.from(key).toString('binary')),
        bits,
      );
      cipher.start(forge.util.createBuffer(Buffer.from(iv).toString('binary')));
      cipher.update(forge.util.createBuffer(Buffer.from(data).toString('binary')));
      cipher.finish(() => true);
      return new Uint8Array(Buffer.from(cipher.output.getBytes(), 'binary'));
    },
  };
}

function algorithmParts(algorithm: Der): { id: string; params: Der | undefined } {
  const parts = children(expectTag(algorithm, TAG.SEQUENCE));
  return { id: decodeOid(expectTag(parts[0], TAG.OID).content), params: parts[1] };
}

function smallInt(element: Der | undefined): number {
  return Number(decodeUnsigned(expectTag(element, TAG.INTEGER).content));
}

function cipherFor(algorithm: Der, bmpPassword: Uint8Array | null): BlockCipher {
  const { id, params } = algorithmParts(algorithm);
  const legacy: Record<string, (salt: Uint8Array, iterations: number) => BlockCipher> = {
    [OID.pbeSha3Des]: (salt, n) => nodeCbc('des-ede3-cbc', kdf1(salt, n, 1, 24), kdf1(salt, n, 2, 8), 8),
    [OID.pbeShaRc2_128]: (salt, n) => rc2Cbc(kdf1(salt, n, 1, 16), kdf1(salt, n, 2, 8), 128),
    [OID.pbeShaRc2_40]: (salt, n) => rc2Cbc(kdf1(salt, n, 1, 5), kdf1(salt, n, 2, 8), 40),
  };
  const kdf1 = (salt: Uint8Array, n: number, which: number, size: number) =>
    pkcs12Kdf(HASHES[OID.sha1] as { name: string; u: number; v: number }, salt, bmpPassword, n, which, size);
  const make = legacy[id];
  if (make !== undefined) {
    const p = children(expectTag(params, TAG.SEQUENCE));
    return make(expectTag(p[0], TAG.OCTET_STRING).content, smallInt(p[1]));
  }
  if (id === OID.pbes2) return pbes2Cipher(expectTag(params, TAG.SEQUENCE), utf8FromBmp(bmpPassword));
  throw notImplemented(`pbe algorithm ${id} is not supported`);
}

const PRFS: Readonly<Record<string, string>> = {
  [OID.hmacSha1]: 'sha1',
  [OID.hmacSha256]: 'sha256',
  [OID.hmacSha512]: 'sha512',
};

function pbkdf2Params(
  kdf: Der,
  what: string,
): { salt: Uint8Array; iterations: number; prf: string; keyLength?: number } {
  const { id, params } = algorithmParts(kdf);
  if (id !== OID.pbkdf2) throw notImplemented(`${what} kdf algorithm ${id} is not supported`);
  const p = children(expectTag(params, TAG.SEQUENCE));
  const salt = p[0];
  if (salt?.tag !== TAG.OCTET_STRING) throw notImplemented(`only octet string salts are supported for ${what}/pbkdf2`);
  let i = 2;
  let keyLength: number | undefined;
  if (p[i]?.tag === TAG.INTEGER) keyLength = smallInt(p[i++]);
  let prf = 'sha1';
  if (p[i] !== undefined) {
    const prfId = algorithmParts(p[i] as Der).id;
    const name = PRFS[prfId];
    if (name === undefined) throw notImplemented(`${what} prf ${prfId} is not supported`);
    prf = name;
  }
  return { salt: salt.content, iterations: smallInt(p[1]), prf, keyLength };
}

function pbes2Cipher(params: Der, password: Uint8Array): BlockCipher {
  const [kdf, scheme] = children(params);
  const { salt, iterations, prf } = pbkdf2Params(kdf as Der, 'pbes2');
  const { id, params: ivElement } = algorithmParts(scheme as Der);
  const keyLength = { [OID.aes128]: 16, [OID.aes192]: 24, [OID.aes256]: 32 }[id];
  if (keyLength === undefined) throw notImplemented(`pbes2 algorithm ${id} is not supported`);
  const key = pbkdf2Sync(password, salt, iterations, keyLength, prf);
  const iv = expectTag(ivElement, TAG.OCTET_STRING).content;
  if (iv.length !== 16) throw new Pkcs12Error('cipher: IV length must equal block size');
  return nodeCbc(`aes-${keyLength * 8}-cbc`, key, iv, 16);
}

/** go-pkcs12's pbDecrypt, with its padding checks. */
function pbDecrypt(algorithm: Der, encrypted: Uint8Array, bmpPassword: Uint8Array | null): Uint8Array {
  const cipher = cipherFor(algorithm, bmpPassword);
  if (encrypted.length === 0) throw new Pkcs12Error('pkcs12: empty encrypted data');
  if (encrypted.length % cipher.blockSize !== 0)
    throw new Pkcs12Error('pkcs12: input is not a multiple of the block size');
  const decrypted = cipher.decrypt(encrypted);
  const padLength = decrypted[decrypted.length - 1] as number;
  if (padLength === 0 || padLength > cipher.blockSize || decrypted.length < padLength)
    throw new Pkcs12Error(ERR_DECRYPTION);
  for (let i = decrypted.length - padLength; i < decrypted.length; i++) {
    if (decrypted[i] !== padLength) throw new Pkcs12Error(ERR_DECRYPTION);
  }
  return decrypted.subarray(0, decrypted.length - padLength);
}

// ---- MAC ----

function computeMac(
  macData: Der,
  message: Uint8Array,
  bmpPassword: Uint8Array | null,
): { expected: Uint8Array; actual: Uint8Array } {
  const parts = children(expectTag(macData, TAG.SEQUENCE));
  const digestInfo = children(expectTag(parts[0], TAG.SEQUENCE));
  const algorithm = digestInfo[0] as Der;
  const actual = expectTag(digestInfo[1], TAG.OCTET_STRING).content;
  const { id, params } = algorithmParts(algorithm);
  if (id === OID.pbmac1) {
    const [kdf, macAlg] = children(expectTag(params, TAG.SEQUENCE));
    const { salt, iterations, prf, keyLength } = pbkdf2Params(kdf as Der, 'PBMAC1');
    const macId = algorithmParts(macAlg as Der).id;
    const macHash = PRFS[macId];
    if (macHash === undefined) throw notImplemented(`PBMAC1 MAC algorithm ${macId} is not supported`);
    if (keyLength === undefined)
      throw new Pkcs12Error('pkcs12: PBMAC1 requires explicit KeyLength parameter in PBKDF2 parameters');
    const key = pbkdf2Sync(utf8FromBmp(bmpPassword), salt, iterations, keyLength, prf);
    return { expected: createHmac(macHash, key).update(message).digest(), actual };
  }
  const hash = HASHES[id];
  if (hash === undefined) throw notImplemented(`MAC digest algorithm not supported: ${id}`);
  const salt = expectTag(parts[1], TAG.OCTET_STRING).content;
  const iterations = parts[2] === undefined ? 1 : smallInt(parts[2]);
  const key = pkcs12Kdf(hash, salt, bmpPassword, iterations, 3, hash.u);
  return { expected: createHmac(hash.name, key).update(message).digest(), actual };
}

function macMatches(macData: Der, message: Uint8Array, bmpPassword: Uint8Array | null): boolean {
  const { expected, actual } = computeMac(macData, message, bmpPassword);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

// ---- decoding ----

/** What Go's encoding/asn1 says when the outer PFX SEQUENCE cannot be read (the common "not a PFX" case). */
function describeTopLevelError(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'asn1: syntax error: sequence truncated';
  const b0 = bytes[0] as number;
  let offset = 1;
  let tag = b0 & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    while (offset < bytes.length && ((bytes[offset] as number) & 0x80) !== 0)
      tag = tag * 128 + ((bytes[offset++] as number) & 0x7f);
    if (offset >= bytes.length) return 'asn1: syntax error: truncated tag or length';
    tag = tag * 128 + (bytes[offset++] as number);
  }
  if (offset >= bytes.length) return 'asn1: syntax error: truncated tag or length';
  let length = bytes[offset++] as number;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) return 'asn1: syntax error: indefinite length found (not DER)';
    length = 0;
    for (let i = 0; i < count; i++) {
      if (offset >= bytes.length) return 'asn1: syntax error: truncated tag or length';
      const b = bytes[offset++] as number;
      if (i === 0 && b === 0) return 'asn1: structure error: superfluous leading zeros in length';
      if (length >= 2 ** 23) return 'asn1: structure error: length too large';
      length = length * 256 + b;
    }
    if (length < 0x80) return 'asn1: structure error: non-minimal length';
  }
  if (b0 !== TAG.SEQUENCE) {
    const fieldInfo =
      '{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}';
    return `asn1: structure error: tags don't match (16 vs {class:${b0 >> 6} tag:${tag} length:${length} isCompound:${(b0 & 0x20) !== 0}}) ${fieldInfo} pfxPdu @${offset}`;
  }
  if (offset + length > bytes.length) return 'asn1: syntax error: data truncated';
  if (offset + length < bytes.length) return 'pkcs12: trailing data found';
  return ASN1_ERROR;
}

interface SafeBag {
  id: string;
  value: Der;
}

function readSafeContents(bytes: Uint8Array): SafeBag[] {
  return children(expectTag(parseDer(bytes), TAG.SEQUENCE)).map((bag) => {
    const parts = children(expectTag(bag, TAG.SEQUENCE));
    const value = children(expectTag(parts[1], 0xa0))[0];
    if (value === undefined) throw new Pkcs12Error(`pkcs12: ${ASN1_ERROR}`);
    return { id: decodeOid(expectTag(parts[0], TAG.OID).content), value };
  });
}

/** go-pkcs12's getSafeContents: MAC check, then every bag of every safe, and the password that worked. */
function safeBags(
  pfx: Uint8Array,
  bmpPassword: Uint8Array,
  minItems: number,
  maxItems: number,
): { bags: SafeBag[]; password: Uint8Array | null } {
  let top: Der[];
  let content: Uint8Array;
  let macData: Der | undefined;
  try {
    top = children(expectTag(parseDer(pfx), TAG.SEQUENCE));
    const version = smallInt(top[0]);
    if (version !== 3) throw notImplemented("can only decode v3 PFX PDU's");
    const authSafe = children(expectTag(top[1], TAG.SEQUENCE));
    if (decodeOid(expectTag(authSafe[0], TAG.OID).content) !== OID.data) {
      throw notImplemented('only password-protected PFX is implemented');
    }
    content = expectTag(children(expectTag(authSafe[1], 0xa0))[0], TAG.OCTET_STRING).content;
    macData = top[2];
  } catch (e) {
    if (e instanceof Pkcs12Error) throw e;
    throw new Pkcs12Error(`pkcs12: error reading P12 data: ${describeTopLevelError(pfx)}`);
  }
  const emptyPassword = bmpPassword.length === 2 && bmpPassword[0] === 0 && bmpPassword[1] === 0;
  let password: Uint8Array | null = bmpPassword;
  if (macData === undefined) {
    if (!emptyPassword) throw new Pkcs12Error('pkcs12: no MAC in data');
  } else if (!macMatches(macData, content, password)) {
    // Some tools use an empty byte string rather than an empty BMP string for "no password".
    if (!emptyPassword || !macMatches(macData, content, null)) throw new Pkcs12Error(ERR_INCORRECT_PASSWORD);
    password = null;
  }
  const safes = children(expectTag(parseDer(content), TAG.SEQUENCE));
  if (safes.length < minItems || safes.length > maxItems) {
    throw notImplemented(
      minItems === maxItems
        ? `expected exactly ${minItems} items in the authenticated safe, but this file has ${safes.length}`
        : `expected between ${minItems} and ${maxItems} items in the authenticated safe, but this file has ${safes.length}`,
    );
  }
  const bags: SafeBag[] = [];
  for (const safe of safes) {
    const parts = children(expectTag(safe, TAG.SEQUENCE));
    const type = decodeOid(expectTag(parts[0], TAG.OID).content);
    const body = children(expectTag(parts[1], 0xa0))[0];
    let data: Uint8Array;
    if (type === OID.data) {
      data = expectTag(body, TAG.OCTET_STRING).content;
    } else if (type === OID.encryptedData) {
      const encrypted = children(expectTag(body, TAG.SEQUENCE));
      if (smallInt(encrypted[0]) !== 0) throw notImplemented('only version 0 of EncryptedData is supported');
      const info = children(expectTag(encrypted[1], TAG.SEQUENCE));
      data = pbDecrypt(info[1] as Der, expectTag(info[2], 0x80).content, password);
    } else {
      throw notImplemented('only data and encryptedData content types are supported in authenticated safe');
    }
    bags.push(...readSafeContents(data));
  }
  return { bags, password };
}

function certFromBag(value: Der): ParsedCertificate {
  const parts = children(expectTag(value, TAG.SEQUENCE));
  if (decodeOid(expectTag(parts[0], TAG.OID).content) !== OID.x509Certificate) {
    throw notImplemented('only X509 certificates are supported in cert bags');
  }
  const der = expectTag(children(expectTag(parts[1], 0xa0))[0], TAG.OCTET_STRING).content;
  try {
    return parseCertificate(der);
  } catch (e) {
    if (!(e instanceof X509Error) || e.message !== 'x509: trailing data') throw e;
    throw new Pkcs12Error('pkcs12: expected exactly one certificate in the certBag');
  }
}

function keyFromPkcs8(der: Uint8Array, prefix = ''): PrivateKey {
  try {
    return parsePkcs8(der);
  } catch (e) {
    if (e instanceof KeyError) throw new Pkcs12Error(`${prefix}${e.message}`);
    throw e;
  }
}

export interface Pkcs12Contents {
  key: PrivateKey;
  certificate: ParsedCertificate;
  caCerts: ParsedCertificate[];
}

/** go-pkcs12's DecodeChain; throws Pkcs12Error (or X509Error) with Go's message. */
export function decodeChain(pfx: Uint8Array, password: string): Pkcs12Contents {
  try {
    const { bags, password: usedPassword } = safeBags(pfx, bmpZeroTerminated(password), 1, 2);
    let key: PrivateKey | undefined;
    let certificate: ParsedCertificate | undefined;
    const caCerts: ParsedCertificate[] = [];
    for (const bag of bags) {
      if (bag.id === OID.certBag) {
        const cert = certFromBag(bag.value);
        if (certificate === undefined) certificate = cert;
        else caCerts.push(cert);
      } else if (bag.id === OID.keyBag || bag.id === OID.shroudedKeyBag) {
        if (key !== undefined) throw new Pkcs12Error('pkcs12: expected exactly one key bag');
        key = bag.id === OID.keyBag ? keyFromPkcs8(bag.value.raw) : shroudedKey(bag.value, usedPassword);
      }
    }
    if (certificate === undefined) throw new Pkcs12Error('pkcs12: certificate missing');
    if (key === undefined) throw new Pkcs12Error('pkcs12: private key missing');
    return { key, certificate, caCerts };
  } catch (e) {
    if (e instanceof Pkcs12Error || e instanceof X509Error) throw e;
    throw new Pkcs12Error(`${ASN1_ERROR}`);
  }
}

function shroudedKey(value: Der, password: Uint8Array | null): PrivateKey {
  let decrypted: Uint8Array;
  try {
    const parts = children(expectTag(value, TAG.SEQUENCE));
    decrypted = pbDecrypt(parts[0] as Der, expectTag(parts[1], TAG.OCTET_STRING).content, password);
  } catch (e) {
    const message = e instanceof Pkcs12Error ? e.message : ASN1_ERROR;
    throw new Pkcs12Error(`pkcs12: error decrypting PKCS#8 shrouded key bag: ${message}`);
  }
  return keyFromPkcs8(decrypted, 'pkcs12: error parsing PKCS#8 private key: ');
}

// ---- encoding (go-pkcs12 Modern) ----

const ITERATIONS = 2048;
const SALT_LENGTH = 16;

function attribute(id: string, value: Uint8Array): Uint8Array {
  return seq(oid(id), setOf(value));
}

function pbes2Algorithm(salt: Uint8Array, iv: Uint8Array): Uint8Array {
  const kdf = seq(oid(OID.pbkdf2), seq(octetString(salt), integer(ITERATIONS), seq(oid(OID.hmacSha256), NULL_DER)));
  return seq(oid(OID.pbes2), seq(kdf, seq(oid(OID.aes256), octetString(iv))));
}

function pbes2Encrypt(plain: Uint8Array, password: string): { algorithm: Uint8Array; encrypted: Uint8Array } {
  const salt = randomBytes(SALT_LENGTH);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(new TextEncoder().encode(password), salt, ITERATIONS, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = concat([cipher.update(plain), cipher.final()]);
  return { algorithm: pbes2Algorithm(salt, iv), encrypted };
}

function certBag(der: Uint8Array, attributes: Uint8Array[]): Uint8Array {
  const value = seq(oid(OID.x509Certificate), explicit(0, octetString(der)));
  return seq(oid(OID.certBag), explicit(0, value), ...(attributes.length > 0 ? [setOf(...attributes)] : []));
}

function dataContent(bytes: Uint8Array): Uint8Array {
  return seq(oid(OID.data), explicit(0, octetString(bytes)));
}

function encryptedContent(bags: Uint8Array[], password: string): Uint8Array {
  const { algorithm, encrypted } = pbes2Encrypt(seq(...bags), password);
  const info = seq(oid(OID.data), algorithm, tlv(0x80, encrypted));
  return seq(oid(OID.encryptedData), explicit(0, seq(integer(0), info)));
}

function wrapPfx(safes: Uint8Array[], password: string): Uint8Array {
  const authSafe = seq(...safes);
  const macSalt = randomBytes(SALT_LENGTH);
  const hash = HASHES[OID.sha256] as { name: string; u: number; v: number };
  const macKey = pkcs12Kdf(hash, macSalt, bmpZeroTerminated(password), ITERATIONS, 3, hash.u);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const macData = seq(seq(seq(oid(OID.sha256), NULL_DER), octetString(mac)), octetString(macSalt), integer(ITERATIONS));
  return seq(integer(3), dataContent(authSafe), macData);
}

/** go-pkcs12 Modern.Encode: the leaf and CA certificates, and the key, protected by `password`. */
export function encodePkcs12(key: PrivateKey, leaf: Uint8Array, caCerts: Uint8Array[], password: string): Uint8Array {
  bmpString(password); // rejects what UCS-2 cannot hold, like Go
  const localKeyId = attribute(OID.localKeyId, octetString(createHash('sha1').update(leaf).digest()));
  const certs = [certBag(leaf, [localKeyId]), ...caCerts.map((der) => certBag(der, []))];
  const shrouded = pbes2Encrypt(privateKeyToPkcs8(key), password);
  const keyBag = seq(
    oid(OID.shroudedKeyBag),
    explicit(0, seq(shrouded.algorithm, octetString(shrouded.encrypted))),
    setOf(localKeyId),
  );
  return wrapPfx([encryptedContent(certs, password), dataContent(seq(keyBag))], password);
}

/** go-pkcs12 Modern.EncodeTrustStore: certificates marked as Java trust anchors, named by their subject. */
export function encodeTrustStore(certs: { der: Uint8Array; friendlyName: string }[], password: string): Uint8Array {
  bmpString(password);
  const trusted = attribute(OID.javaTrustStore, oid(OID.anyExtendedKeyUsage));
  const bags = certs.map((c) =>
    certBag(c.der, [trusted, attribute(OID.friendlyName, tlv(TAG.BMP_STRING, bmpString(c.friendlyName)))]),
  );
  return wrapPfx([encryptedContent(bags, password)], password);
}
