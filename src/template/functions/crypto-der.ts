// A small ASN.1 DER toolkit: enough to read certificates, PKCS#8/PKCS#12 structures and DSA keys, and to write
// certificates and PKCS#12 archives synchronously (template functions cannot await WebCrypto).

export class DerError extends Error {}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One decoded TLV. `raw` is the whole element; `content` its value bytes. */
export interface Der {
  tag: number;
  raw: Uint8Array;
  content: Uint8Array;
}

/** Reads exactly one element that spans all of `bytes`. */
export function parseDer(bytes: Uint8Array): Der {
  const [element, next] = readElement(bytes, 0);
  if (next !== bytes.length) throw new DerError('trailing data');
  return element;
}

/** Reads one element at `offset`; returns it and the offset after it. */
export function readElement(bytes: Uint8Array, offset: number): [Der, number] {
  if (offset + 2 > bytes.length) throw new DerError('truncated element');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let length = bytes[offset + 1] as number;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported length');
    if (offset + 2 + count > bytes.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] as number);
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new DerError('truncated content');
  return [{ tag, raw: bytes.subarray(offset, end), content: bytes.subarray(offset + header, end) }, end];
}

/** The elements inside a constructed element. */
export function children(element: Der): Der[] {
  const out: Der[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const [child, next] = readElement(element.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

export function expectTag(element: Der | undefined, tag: number): Der {
  if (element === undefined || element.tag !== tag) throw new DerError(`expected tag ${tag}`);
  return element;
}

export function decodeOid(content: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i] as number;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}

export function decodeUnsigned(content: Uint8Array): bigint {
  let v = 0n;
  for (const b of content) v = (v << 8n) | BigInt(b);
  if (content.length > 0 && ((content[0] as number) & 0x80) !== 0) v -= 1n << BigInt(content.length * 8);
  return v;
}

// ---- encoding ----

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const header = [tag, ...encodeLength(content.length)];
  const out = new Uint8Array(header.length + content.length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function seq(...parts: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, concat(parts));
}

/** A SET OF, with elements sorted as DER requires. */
export function setOf(...parts: Uint8Array[]): Uint8Array {
  const sorted = [...parts].sort((a, b) => {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  });
  return tlv(TAG.SET, concat(sorted));
}

/** An explicit (constructed) context-specific tag [n]. */
export function explicit(n: number, inner: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, inner);
}

export function integer(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  const bytes: number[] = [];
  if (v === 0n) bytes.push(0);
  const negative = v < 0n;
  while (v !== 0n && v !== -1n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  if (negative) {
    if (bytes.length === 0 || ((bytes[0] as number) & 0x80) === 0) bytes.unshift(0xff);
  } else if (((bytes[0] as number) & 0x80) !== 0) {
    bytes.unshift(0);
  }
  return tlv(TAG.INTEGER, Uint8Array.from(bytes));
}

/** An INTEGER from unsigned big-endian bytes. */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const needsZero = trimmed.length === 0 || ((trimmed[0] as number) & 0x80) !== 0;
  return tlv(TAG.INTEGER, needsZero ? concat([Uint8Array.of(0), trimmed]) : trimmed);
}

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [(parts[0] as number) * 40 + (parts[1] as number)];
  for (const part of parts.slice(2)) {
    const group: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) group.unshift(0x80 | (n & 0x7f));
    bytes.push(...group);
  }
  return tlv(TAG.OID, Uint8Array.from(bytes));
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, bytes);
}

export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(TAG.BIT_STRING, concat([Uint8Array.of(unusedBits), bytes]));
}

export function boolean(value: boolean): Uint8Array {
  return tlv(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0));
}

export const NULL_DER = Uint8Array.of(TAG.NULL, 0);

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
