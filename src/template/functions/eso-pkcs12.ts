// ESO's PKCS#12 functions: reading the key or the certificates out of an archive (input: the archive's bytes
// in a Go string, e.g. from b64dec) and building archives from PEM (output: base64).

import { goStringToBytes } from './crypto-bytes.js';
import { type PrivateKey, parseAnyPrivateKeyDer, privateKeyToPkcs8 } from './crypto-keys.js';
import { pemDecode, pemEncode } from './crypto-pem-codec.js';
import { distinguishedNameString, type ParsedCertificate, parseCertificate } from './crypto-x509.js';
import { orderCertChain } from './eso-pem.js';
import { decodeChain, encodePkcs12, encodeTrustStore, Pkcs12Error } from './eso-pkcs12-codec.js';

/** Go's runtime panic for ESO dereferencing the nil block pem.Decode returns on non-PEM input. */
const NIL_DEREFERENCE = 'runtime error: invalid memory address or nil pointer dereference';

export class EsoPkcs12Error extends Error {}

export function pkcs12keyPass(pass: string, input: string): string {
  let key: PrivateKey;
  try {
    key = decodeChain(goStringToBytes(input), pass).key;
  } catch (e) {
    throw new EsoPkcs12Error(`unable to decode pkcs12 with password: ${(e as Error).message}`);
  }
  return pemEncode({ type: 'PRIVATE KEY', bytes: privateKeyToPkcs8(key) });
}

export function pkcs12certPass(pass: string, input: string): string {
  let certificate: ParsedCertificate;
  let caCerts: ParsedCertificate[];
  try {
    ({ certificate, caCerts } = decodeChain(goStringToBytes(input), pass));
  } catch (e) {
    throw new EsoPkcs12Error(`unable to decode pkcs12 certificate with password: ${(e as Error).message}`);
  }
  const pem = [certificate, ...caCerts].map((c) => pemEncode({ type: 'CERTIFICATE', bytes: c.raw })).join('');
  // Ordered leaf -> root when the certificates form one chain; as stored otherwise.
  try {
    return orderCertChain(goStringToBytes(pem))
      .map((c) => pemEncode({ type: 'CERTIFICATE', bytes: c.raw }))
      .join('');
  } catch {
    return pem;
  }
}

function firstCertificate(cert: string): [ParsedCertificate, Uint8Array] {
  const [block, rest] = pemDecode(goStringToBytes(cert));
  if (block === undefined) throw new EsoPkcs12Error(NIL_DEREFERENCE);
  return [parseCertificate(block.bytes), rest];
}

/** ESO's parseCaCerts: every PEM block must be a certificate, and nothing else may follow. */
function caCertificates(data: Uint8Array): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  let rest = data;
  while (rest.length > 0) {
    const [block, after] = pemDecode(rest);
    if (block === undefined) throw new EsoPkcs12Error(NIL_DEREFERENCE);
    rest = after;
    out.push(parseCertificate(block.bytes));
  }
  return out;
}

function keyFromPem(key: string): PrivateKey {
  const [block] = pemDecode(goStringToBytes(key));
  if (block === undefined) throw new EsoPkcs12Error(NIL_DEREFERENCE);
  const parsed = parseAnyPrivateKeyDer(block.bytes);
  if (parsed === undefined) throw new EsoPkcs12Error('unable to parse private key type');
  return parsed;
}

function toBase64Pfx(cert: ParsedCertificate, key: string, caCerts: ParsedCertificate[], pass: string): string {
  const parsedKey = keyFromPem(key);
  try {
    return Buffer.from(
      encodePkcs12(
        parsedKey,
        cert.raw,
        caCerts.map((c) => c.raw),
        pass,
      ),
    ).toString('base64');
  } catch (e) {
    if (e instanceof Pkcs12Error) throw new EsoPkcs12Error(e.message);
    throw e;
  }
}

export function pemToPkcs12Pass(cert: string, key: string, pass: string): string {
  const [leaf] = firstCertificate(cert);
  return toBase64Pfx(leaf, key, [], pass);
}

export function fullPemToPkcs12Pass(cert: string, key: string, pass: string): string {
  const [leaf, rest] = firstCertificate(cert);
  return toBase64Pfx(leaf, key, caCertificates(rest), pass);
}

export function pemTruststoreToPKCS12Pass(cert: string, pass: string): string {
  const certs = caCertificates(goStringToBytes(cert));
  try {
    const entries = certs.map((c) => ({ der: c.raw, friendlyName: distinguishedNameString(c.rawSubject) }));
    return Buffer.from(encodeTrustStore(entries, pass)).toString('base64');
  } catch (e) {
    if (e instanceof Pkcs12Error) throw new EsoPkcs12Error(e.message);
    throw e;
  }
}
