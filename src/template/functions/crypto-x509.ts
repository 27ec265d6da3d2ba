// The parts of Go's x509.ParseCertificate that Sprig's and ESO's functions read: the raw subject, key
// identifiers and subject alternative names. Structural problems fail like Go: "x509: malformed certificate".

import { children, type Der, DerError, decodeOid, expectTag, parseDer, readElement, TAG } from './crypto-der.js';
import { formatGoIP } from './crypto-ip.js';

export class X509Error extends Error {}

export interface ParsedCertificate {
  raw: Uint8Array;
  rawSubject: Uint8Array;
  rawIssuer: Uint8Array;
  subjectKeyId: Uint8Array | undefined;
  authorityKeyId: Uint8Array | undefined;
  dnsNames: string[];
  emailAddresses: string[];
  ipAddresses: string[];
  uris: string[];
}

const EXT_SUBJECT_KEY_ID = '2.5.29.14';
const EXT_AUTHORITY_KEY_ID = '2.5.29.35';
const EXT_SUBJECT_ALT_NAME = '2.5.29.17';

function isAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => b < 0x80);
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

export function parseCertificate(der: Uint8Array): ParsedCertificate {
  let top: Der;
  try {
    const [element, end] = readElement(der, 0);
    if (element.tag !== TAG.SEQUENCE) throw new DerError('not a sequence');
    top = element;
    if (end !== der.length) throw new X509Error('x509: trailing data');
  } catch (e) {
    if (e instanceof X509Error) throw e;
    throw new X509Error('x509: malformed certificate');
  }
  // Go names the part of the TBSCertificate that does not parse.
  const part = <T>(problem: string, read: () => T): T => {
    try {
      return read();
    } catch (e) {
      if (e instanceof X509Error) throw e;
      throw new X509Error(`x509: ${problem}`);
    }
  };
  const tbs = part('malformed tbs certificate', () => expectTag(readElement(top.content, 0)[0], TAG.SEQUENCE));
  const fields = part('malformed tbs certificate', () => children(tbs));
  let i = 0;
  if (fields[0]?.tag === 0xa0) i++; // explicit version
  part('malformed serial number', () => expectTag(fields[i++], TAG.INTEGER));
  part('malformed signature algorithm identifier', () => expectTag(fields[i++], TAG.SEQUENCE));
  const issuer = part('malformed issuer', () => expectTag(fields[i++], TAG.SEQUENCE));
  part('malformed validity', () => expectTag(fields[i++], TAG.SEQUENCE));
  const subject = part('malformed subject', () => expectTag(fields[i++], TAG.SEQUENCE));
  part('malformed spki', () => expectTag(fields[i++], TAG.SEQUENCE));
  try {
    const parsed: ParsedCertificate = {
      raw: der,
      rawSubject: subject.raw,
      rawIssuer: issuer.raw,
      subjectKeyId: undefined,
      authorityKeyId: undefined,
      dnsNames: [],
      emailAddresses: [],
      ipAddresses: [],
      uris: [],
    };
    for (; i < fields.length; i++) {
      const field = fields[i] as Der;
      if (field.tag !== 0xa3) continue;
      for (const ext of children(expectTag(children(field)[0], TAG.SEQUENCE))) readExtension(ext, parsed);
    }
    return parsed;
  } catch (e) {
    if (e instanceof X509Error) throw e;
    throw new X509Error('x509: malformed certificate');
  }
}

function readExtension(ext: Der, into: ParsedCertificate): void {
  const parts = children(expectTag(ext, TAG.SEQUENCE));
  const id = decodeOid(expectTag(parts[0], TAG.OID).content);
  const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING).content;
  switch (id) {
    case EXT_SUBJECT_KEY_ID:
      into.subjectKeyId = expectTag(parseDer(value), TAG.OCTET_STRING).content;
      break;
    case EXT_AUTHORITY_KEY_ID:
      for (const part of children(expectTag(parseDer(value), TAG.SEQUENCE))) {
        if (part.tag === 0x80) into.authorityKeyId = part.content;
      }
      break;
    case EXT_SUBJECT_ALT_NAME:
      readSubjectAltNames(parseDer(value), into);
      break;
  }
}

function readSubjectAltNames(sans: Der, into: ParsedCertificate): void {
  for (const name of children(expectTag(sans, TAG.SEQUENCE))) {
    switch (name.tag) {
      case 0x81:
        if (!isAscii(name.content)) throw new X509Error('x509: SAN rfc822Name is malformed');
        into.emailAddresses.push(ascii(name.content));
        break;
      case 0x82:
        if (!isAscii(name.content)) throw new X509Error('x509: SAN dNSName is malformed');
        into.dnsNames.push(ascii(name.content));
        break;
      case 0x86:
        if (!isAscii(name.content)) throw new X509Error('x509: SAN uniformResourceIdentifier is malformed');
        into.uris.push(ascii(name.content));
        break;
      case 0x87:
        if (name.content.length !== 4 && name.content.length !== 16) {
          throw new X509Error(`x509: cannot parse IP address of length ${name.content.length}`);
        }
        into.ipAddresses.push(formatGoIP(name.content));
        break;
    }
  }
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
};

// The order Go's pkix.Name.ToRDNSequence writes its named fields in.
const NAMED_ORDER = [
  '2.5.4.6',
  '2.5.4.8',
  '2.5.4.7',
  '2.5.4.9',
  '2.5.4.17',
  '2.5.4.10',
  '2.5.4.11',
  '2.5.4.3',
  '2.5.4.5',
];

function decodeDirectoryString(value: Der): string {
  switch (value.tag) {
    case TAG.BMP_STRING: {
      let s = '';
      for (let i = 0; i + 1 < value.content.length; i += 2) {
        s += String.fromCharCode(((value.content[i] as number) << 8) | (value.content[i + 1] as number));
      }
      return s;
    }
    case 0x14: // T61String, read as Latin-1 like Go
      return String.fromCharCode(...value.content);
    default:
      return new TextDecoder().decode(value.content);
  }
}

function escapeDnValue(value: string): string {
  const chars = [...value];
  return chars
    .map((c, k) => {
      let needsEscape = ',+"\\<>;'.includes(c);
      if (c === ' ') needsEscape = k === 0 || k === chars.length - 1;
      if (c === '#') needsEscape = k === 0;
      return needsEscape ? `\\${c}` : c;
    })
    .join('');
}

/** Go's pkix.Name.String() for a certificate's raw subject, e.g. "CN=leaf,O=Acme,C=DE". */
export function distinguishedNameString(rawName: Uint8Array): string {
  const named = new Map<string, string[]>();
  const others: string[] = [];
  for (const rdn of children(parseDer(rawName))) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv) as [Der, Der];
      const id = decodeOid(type.content);
      if (ATTRIBUTE_NAMES[id] !== undefined) {
        named.set(id, [...(named.get(id) ?? []), decodeDirectoryString(value)]);
      } else {
        others.push(`${id}=#${Buffer.from(value.raw).toString('hex')}`);
      }
    }
  }
  const rdns: string[] = [];
  for (const id of NAMED_ORDER) {
    const values = named.get(id);
    if (values !== undefined) rdns.push(values.map((v) => `${ATTRIBUTE_NAMES[id]}=${escapeDnValue(v)}`).join('+'));
  }
  // Go puts attributes it has no field for first in the sequence, so they print last.
  return [...rdns.reverse(), ...others.reverse()].join(',');
}
