// Sprig's encodings and digests: b64enc/b64dec, b32enc/b32dec, hexdec (added by ESO's vendored Sprig),
// sha1sum/sha256sum/sha512sum/adler32sum, and the JSON functions. b64dec/b32dec/hexdec return Go's error text
// instead of failing, and fromJson returns nil on bad input: templates written for ESO rely on both. All of them
// work on the bytes of Go strings, so binary data survives (crypto-bytes.ts).

import { createHash } from 'node:crypto';
import { formatRuneU } from '../lexer.js';
import type { FunctionMap } from './contract.js';
import { JsonEncodeError, marshal, unmarshal } from './json.js';
import { decodeUtf8, encodeUtf8, fail, fixed } from './support.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

class CorruptInput extends Error {
  constructor(readonly offset: number) {
    super(`illegal data at input byte ${offset}`);
  }
}

const isNewline = (b: number | undefined) => b === 0x0a || b === 0x0d;

const BASE64_LOOKUP = new Map<number, number>([...BASE64].map((c, i) => [c.charCodeAt(0), i]));
const BASE32_LOOKUP = new Map<number, number>([...BASE32].map((c, i) => [c.charCodeAt(0), i]));

/** Canonical padded base64 without line breaks: Node's decoder gives the same bytes as Go's. */
const PLAIN_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64.StdEncoding.DecodeString: padding required, CR/LF ignored, errors carry Go's byte offsets. */
function decodeBase64(input: Uint8Array): Uint8Array {
  const lookup = BASE64_LOOKUP;
  const out: number[] = [];
  let si = 0;
  while (si < input.length) {
    const quantum: number[] = [];
    let done = false;
    while (quantum.length < 4) {
      if (si === input.length) {
        if (quantum.length === 0) return Uint8Array.from(out);
        throw new CorruptInput(si - quantum.length);
      }
      const b = input[si++] as number;
      const value = lookup.get(b);
      if (value !== undefined) {
        quantum.push(value);
        continue;
      }
      if (isNewline(b)) continue;
      if (b !== 0x3d) throw new CorruptInput(si - 1);
      // Padding: only after two or three symbols, and nothing but newlines may follow it.
      if (quantum.length < 2) throw new CorruptInput(si - 1);
      if (quantum.length === 2) {
        while (si < input.length && isNewline(input[si])) si++;
        if (si === input.length) throw new CorruptInput(input.length);
        if (input[si] !== 0x3d) throw new CorruptInput(si - 1);
        si++;
      }
      while (si < input.length && isNewline(input[si])) si++;
      if (si < input.length) throw new CorruptInput(si);
      done = true;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    const bytes = [(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff];
    out.push(...bytes.slice(0, quantum.length - 1));
    if (done) break;
  }
  return Uint8Array.from(out);
}

/** base32.StdEncoding.DecodeString (newlines are removed first, as Go does). */
function decodeBase32(raw: Uint8Array): Uint8Array {
  const input = raw.filter((b) => !isNewline(b));
  const lookup = BASE32_LOOKUP;
  const total = input.length;
  const out: number[] = [];
  let pos = 0;
  let end = false;
  while (pos < total && !end) {
    const quantum: number[] = [];
    while (quantum.length < 8) {
      if (pos === total) throw new CorruptInput(pos - quantum.length);
      const b = input[pos++] as number;
      const remaining = total - pos;
      if (b === 0x3d && quantum.length >= 2 && remaining < 8) {
        if (remaining + quantum.length < 7) throw new CorruptInput(total);
        for (let k = 0; k < 7 - quantum.length; k++) {
          if (k < remaining && input[pos + k] !== 0x3d) throw new CorruptInput(pos + k - 1);
        }
        end = true;
        if (quantum.length === 1 || quantum.length === 3 || quantum.length === 6) throw new CorruptInput(pos - 1);
        break;
      }
      const value = lookup.get(b);
      if (value === undefined) throw new CorruptInput(pos - 1);
      quantum.push(value);
    }
    let bits = 0n;
    for (let k = 0; k < 8; k++) bits = (bits << 5n) | BigInt(quantum[k] ?? 0);
    const bytes = Array.from({ length: 5 }, (_, k) => Number((bits >> BigInt(8 * (4 - k))) & 0xffn));
    const produced = [0, 0, 1, 1, 2, 3, 3, 4, 5][quantum.length] ?? 5;
    out.push(...bytes.slice(0, produced));
  }
  return Uint8Array.from(out);
}

function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const block = bytes.subarray(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(block[k] ?? 0);
    const symbols = Math.ceil((block.length * 8) / 5);
    for (let k = 0; k < 8; k++) {
      out += k < symbols ? BASE32[Number((bits >> BigInt(35 - 5 * k)) & 31n)] : '=';
    }
  }
  return out;
}

function decodeOrMessage(text: string, decode: (input: Uint8Array) => Uint8Array, name: string): string {
  if (name === 'base64' && PLAIN_BASE64.test(text)) return decodeUtf8(Buffer.from(text, 'base64'));
  try {
    return decodeUtf8(decode(encodeUtf8(text)));
  } catch (error) {
    if (error instanceof CorruptInput) return `illegal ${name} data at input byte ${error.offset}`;
    throw error;
  }
}

function digest(algorithm: string, text: string): string {
  return createHash(algorithm).update(encodeUtf8(text)).digest('hex');
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/** hex.DecodeString; like b64dec, ESO's hexdec returns the error text instead of failing. */
function hexDecodeOrMessage(text: string): string {
  const input = encodeUtf8(text);
  const out = new Uint8Array(input.length >> 1);
  const invalid = (b: number) => `encoding/hex: invalid byte: ${formatRuneU(b)}`;
  let j = 1;
  for (; j < input.length; j += 2) {
    const hi = hexValue(input[j - 1] as number);
    const lo = hexValue(input[j] as number);
    if (hi < 0) return invalid(input[j - 1] as number);
    if (lo < 0) return invalid(input[j] as number);
    out[(j - 1) >> 1] = (hi << 4) | lo;
  }
  if (input.length % 2 === 1) {
    // Go reports a bad final character before the odd length.
    if (hexValue(input[j - 1] as number) < 0) return invalid(input[j - 1] as number);
    return 'encoding/hex: odd length hex string';
  }
  return decodeUtf8(out);
}

function adler32(text: string): string {
  let a = 1;
  let b = 0;
  for (const byte of encodeUtf8(text)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

function toJson(value: unknown, escapeHtml: boolean, indent?: string): string {
  try {
    return marshal(value, indent === undefined ? { escapeHtml } : { escapeHtml, indent });
  } catch (error) {
    if (error instanceof JsonEncodeError) fail(error.message);
    throw error;
  }
}

/** The non-must JSON encoders swallow the error and print nothing. */
function toJsonOrEmpty(value: unknown, escapeHtml: boolean, indent?: string): string {
  try {
    return toJson(value, escapeHtml, indent);
  } catch {
    return '';
  }
}

export const encodingFunctions: FunctionMap = {
  b64enc: fixed(['string'], (s: string) => Buffer.from(encodeUtf8(s)).toString('base64')),
  b64dec: fixed(['string'], (s: string) => decodeOrMessage(s, decodeBase64, 'base64')),
  hexdec: fixed(['string'], hexDecodeOrMessage),
  b32enc: fixed(['string'], (s: string) => encodeBase32(encodeUtf8(s))),
  b32dec: fixed(['string'], (s: string) => decodeOrMessage(s, decodeBase32, 'base32')),
  sha1sum: fixed(['string'], (s: string) => digest('sha1', s)),
  sha256sum: fixed(['string'], (s: string) => digest('sha256', s)),
  sha512sum: fixed(['string'], (s: string) => digest('sha512', s)),
  adler32sum: fixed(['string'], (s: string) => adler32(s)),
  toJson: fixed(['any'], (v: unknown) => toJsonOrEmpty(v, true)),
  mustToJson: fixed(['any'], (v: unknown) => toJson(v, true)),
  toPrettyJson: fixed(['any'], (v: unknown) => toJsonOrEmpty(v, true, '  ')),
  mustToPrettyJson: fixed(['any'], (v: unknown) => toJson(v, true, '  ')),
  toRawJson: fixed(['any'], (v: unknown) => toJson(v, false)),
  mustToRawJson: fixed(['any'], (v: unknown) => toJson(v, false)),
  fromJson: fixed(['string'], (s: string) => unmarshal(s).value),
  mustFromJson: fixed(['string'], (s: string) => {
    const result = unmarshal(s);
    if (result.error !== undefined) fail(result.error);
    return result.value;
  }),
};
