// Sprig's certificate helpers (genCA, genSelfSignedCert, genSignedCert and their WithKey variants): building
// the same X.509 v3 certificates Go's x509.CreateCertificate writes from Sprig's template, signed synchronously.

import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { GoObject } from '../values.js';
import {
  bitString,
  boolean,
  children,
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
  unsignedInteger,
  utf8,
} from './crypto-der.js';
import { parseGoIP, toIPv4 } from './crypto-ip.js';
import { type PrivateKey, privateKeyToPem, publicKeyOf } from './crypto-keys.js';
import { pemEncode } from './crypto-pem-codec.js';
import { parseCertificate } from './crypto-x509.js';

export class CertError extends Error {}

/** Sprig's `certificate` struct: what genCA and friends return, with .Cert and .Key. */
export class SprigCertificate implements GoObject {
  constructor(
    readonly cert: string,
    readonly key: string,
  ) {}
  goTypeName(): string {
    return 'sprig.certificate';
  }
  goString(): string {
    return `{${this.cert} ${this.key}}`;
  }
  goField(name: string): unknown {
    if (name === 'Cert') return this.cert;
    if (name === 'Key') return this.key;
    return undefined;
  }
  toJSON(): unknown {
    return { Cert: this.cert, Key: this.key };
  }
}

export interface CertTemplate {
  commonName: string;
  ips: Uint8Array[];
  dnsNames: string[];
  daysValid: bigint;
  isCA: boolean;
}

/** Go's getNetIPs over a template's []interface{}. */
export function toNetIPs(ips: readonly unknown[] | null): Uint8Array[] {
  if (ips === null) return [];
  return ips.map((ip) => {
    if (typeof ip !== 'string') throw new CertError(`error parsing ip: ${goValueText(ip)} is not a string`);
    const parsed = parseGoIP(ip);
    if (parsed === undefined) throw new CertError(`error parsing ip: ${ip}`);
    return parsed;
  });
}

/** Go's getAlternateDNSStrs. */
export function toDnsNames(names: readonly unknown[] | null): string[] {
  if (names === null) return [];
  return names.map((name) => {
    if (typeof name !== 'string') {
      throw new CertError(`error processing alternate dns name: ${goValueText(name)} is not a string`);
    }
    return name;
  });
}

/** fmt's %v for the simple values a template list can hold. */
function goValueText(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'object' && 'value' in (value as object)) return String((value as { value: unknown }).value);
  if (Array.isArray(value)) return `[${value.map(goValueText).join(' ')}]`;
  return String(value);
}

const OID = {
  commonName: '2.5.4.3',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
} as const;

// X.509 KeyUsage bits as Go numbers them.
const KU_DIGITAL_SIGNATURE = 1;
const KU_KEY_ENCIPHERMENT = 4;
const KU_CERT_SIGN = 32;

/** Go's asn1 rule for plain strings: PrintableString when every byte allows it, else UTF8String. */
function directoryString(text: string): Uint8Array {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/.test(text);
  return tlv(printable ? TAG.PRINTABLE_STRING : TAG.UTF8_STRING, utf8(text));
}

function subjectName(commonName: string): Uint8Array {
  if (commonName === '') return seq();
  return seq(setOf(seq(oid(OID.commonName), directoryString(commonName))));
}

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 1 << (7 - i);
  return r;
}

function keyUsageExtension(usage: number): Uint8Array {
  const a = [reverseBits(usage & 0xff), reverseBits((usage >> 8) & 0xff)];
  const length = a[1] !== 0 ? 2 : 1;
  const bytes = Uint8Array.from(a.slice(0, length));
  let unused = 0;
  const last = bytes[length - 1] as number;
  while (unused < 8 && !(last & (1 << unused))) unused++;
  return extension(OID.keyUsage, true, bitString(bytes, unused === 8 ? 0 : unused));
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), boolean(true), octetString(value)) : seq(oid(id), octetString(value));
}

/** UTCTime for 1950..2049, GeneralizedTime otherwise, at whole seconds in UTC (as Go encodes validity). */
function encodeTime(unixSeconds: number): Uint8Array {
  const d = new Date(unixSeconds * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, utf8(`${pad(year % 100)}${rest}`));
  if (year < 0 || year > 9999) throw new CertError('error creating certificate: x509: invalid validity time');
  return tlv(TAG.GENERALIZED_TIME, utf8(`${pad(year, 4)}${rest}`));
}

function signatureAlgorithm(signer: PrivateKey): { algorithm: Uint8Array; hash: string | null } {
  switch (signer.kind) {
    case 'rsa':
      return { algorithm: seq(oid(OID.sha256WithRSA), NULL_DER), hash: 'sha256' };
    case 'ec': {
      const curve = signer.key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { algorithm: seq(oid(OID.ecdsaWithSHA384)), hash: 'sha384' };
      if (curve === 'secp521r1') return { algorithm: seq(oid(OID.ecdsaWithSHA512)), hash: 'sha512' };
      return { algorithm: seq(oid(OID.ecdsaWithSHA256)), hash: 'sha256' };
    }
    case 'ed25519':
      return { algorithm: seq(oid(OID.ed25519)), hash: null };
    default:
      throw new CertError('error creating certificate: x509: certificate private key does not implement crypto.Signer');
  }
}

function subjectPublicKeyInfo(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}

/** RFC 7093 method 1, as Go 1.25+ computes a CA's SubjectKeyId: SHA-256 of the key bits, truncated to 160. */
function subjectKeyId(spki: Uint8Array): Uint8Array {
  const bits = expectTag(children(parseDer(spki))[1], TAG.BIT_STRING).content.subarray(1);
  return new Uint8Array(createHash('sha256').update(bits).digest().subarray(0, 20));
}

function sanExtension(dnsNames: string[], ips: Uint8Array[], subjectEmpty: boolean): Uint8Array {
  const names: Uint8Array[] = [];
  for (const name of dnsNames) {
    if (!/^[\x00-\x7f]*$/.test(name)) {
      throw new CertError(`error creating certificate: x509: "${name}" cannot be encoded as an IA5String`);
    }
    names.push(tlv(0x82, utf8(name)));
  }
  for (const ip of ips) names.push(tlv(0x87, toIPv4(ip) ?? ip));
  return extension(OID.subjectAltName, subjectEmpty, seq(...names));
}

export interface Issuer {
  subject: Uint8Array;
  subjectKeyId: Uint8Array | undefined;
  key: PrivateKey;
}

/** Go's getCertAndKey over Sprig's base template: the PEM certificate and the PEM of the signee key. */
export function createCertificate(
  template: CertTemplate,
  signee: PrivateKey,
  issuer: Issuer | 'self',
): SprigCertificate {
  const signer = issuer === 'self' ? signee : issuer.key;
  const { algorithm, hash } = signatureAlgorithm(signer);
  if (signee.kind === 'dsa') {
    throw new CertError('error creating certificate: x509: unsupported public key type: *dsa.PublicKey');
  }
  const spki = subjectPublicKeyInfo(publicKeyOf(signee));
  const subject = subjectName(template.commonName);
  const issuerName = issuer === 'self' ? subject : issuer.subject;

  const now = Math.floor(Date.now() / 1000);
  // time.Hour * 24 * time.Duration(daysValid) wraps around like Go's int64 arithmetic.
  const validNanos = BigInt.asIntN(64, 86_400_000_000_000n * template.daysValid);
  const notAfter = now + Number(validNanos / 1_000_000_000n);

  let usage = KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT;
  if (template.isCA) usage |= KU_CERT_SIGN;
  const extensions: Uint8Array[] = [
    keyUsageExtension(usage),
    extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth), oid(OID.clientAuth))),
    extension(OID.basicConstraints, true, template.isCA ? seq(boolean(true)) : seq()),
  ];
  const ownKeyId = template.isCA ? subjectKeyId(spki) : undefined;
  if (ownKeyId !== undefined) extensions.push(extension(OID.subjectKeyId, false, octetString(ownKeyId)));
  const authorityKeyId = issuer === 'self' ? undefined : issuer.subjectKeyId;
  if (authorityKeyId !== undefined && authorityKeyId.length > 0 && !sameBytes(issuerName, subject)) {
    extensions.push(extension(OID.authorityKeyId, false, seq(tlv(0x80, authorityKeyId))));
  }
  if (template.dnsNames.length > 0 || template.ips.length > 0) {
    extensions.push(sanExtension(template.dnsNames, template.ips, template.commonName === ''));
  }

  const serial = randomSerial();
  const tbs = seq(
    explicit(0, integer(2)),
    unsignedInteger(serial),
    algorithm,
    issuerName,
    seq(encodeTime(now), encodeTime(notAfter)),
    subject,
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign(hash, tbs, signer.key);
  const der = seq(tbs, algorithm, bitString(new Uint8Array(signature)));
  return new SprigCertificate(pemEncode({ type: 'CERTIFICATE', bytes: der }), privateKeyToPem(signee));
}

/** Uniform in [0, 2^128), like Go's rand.Int(rand.Reader, 1<<128). */
function randomSerial(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The parts of a CA certificate genSignedCert needs from ca.Cert. */
export function issuerFromCertificate(der: Uint8Array, key: PrivateKey): Issuer {
  const parsed = parseCertificate(der);
  return { subject: parsed.rawSubject, subjectKeyId: parsed.subjectKeyId, key };
}
