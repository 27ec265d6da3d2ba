// Go strings are byte sequences; JavaScript strings are UTF-16. Functions that take binary data in a Go string
// (a PKCS#12 archive decoded with b64dec, ciphertext for rsaDecrypt) need the exact bytes back. Valid UTF-8 maps
// to the same characters, and each byte that is not part of valid UTF-8 is carried as the lone surrogate
// U+DC80..U+DCFF ("surrogateescape", as Python does), so bytes -> string -> bytes is lossless.
//
// The whole engine uses this one codec (len, slice, index, printf, b64dec...), so binary data keeps its bytes
// from the provider to the Secret. Both directions take the native encoder when the input is plain UTF-8.

import { isUtf8 } from 'node:buffer';

const ESCAPE_BASE = 0xdc00;
const ESCAPED_BYTE = /[\udc80-\udcff]/;
const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is content, as in Go.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The bytes a Go string holds. */
export function goStringToBytes(value: string): Uint8Array {
  if (!ESCAPED_BYTE.test(value)) return encoder.encode(value);
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) {
      out.push(unit);
      continue;
    }
    if (unit >= 0xdc80 && unit <= 0xdcff) {
      out.push(unit - ESCAPE_BASE);
      continue;
    }
    let codePoint = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        codePoint = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0xfffd; // a lone surrogate is not a rune
    pushUtf8(out, codePoint);
  }
  return Uint8Array.from(out);
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/** The Go string made of these bytes (Go's `string(b)`). */
export function bytesToGoString(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return decoder.decode(bytes);
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    }
    const decoded = decodeRune(bytes, i);
    if (decoded === undefined) {
      out += String.fromCharCode(ESCAPE_BASE + b0);
      i++;
      continue;
    }
    out += String.fromCodePoint(decoded.codePoint);
    i += decoded.size;
  }
  return out;
}

/** Go's len(s): the number of bytes of the string. */
export function goByteLength(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 2; // 4 bytes for 2 code units
        i++;
      } else n += 2; // a lone high surrogate is written as U+FFFD
    } else if (c < 0xdc80 || c > 0xdcff) n += 2; // an escaped byte (U+DC80..U+DCFF) is one byte
  }
  return n;
}

/**
 * The one representation of the string's bytes: escaped bytes that together form valid UTF-8 (a rune split across
 * concatenated strings) become that character again.
 */
export function canonicalGoString(value: string): string {
  return ESCAPED_BYTE.test(value) ? bytesToGoString(goStringToBytes(value)) : value;
}

/** The string as Go's encoding/json writes it: every byte that is not valid UTF-8 becomes U+FFFD. */
export function toValidUtf8(value: string): string {
  if (!ESCAPED_BYTE.test(value)) return value;
  const canonical = canonicalGoString(value);
  let out = '';
  for (let i = 0; i < canonical.length; i++) {
    const c = canonical.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      out += canonical.slice(i, i + 2); // a pair (its low half may lie in the escape range)
      i++;
    } else out += c >= 0xdc80 && c <= 0xdcff ? '\ufffd' : canonical[i];
  }
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A string from JSON.parse as Go's encoding/json decodes it: an escaped lone surrogate ("\udcff") is U+FFFD, so
 * JSON text can never smuggle in an escaped byte.
 */
export function fromJsonString(value: string): string {
  return /[\ud800-\udfff]/.test(value) ? value.replace(LONE_SURROGATE, '\ufffd') : value;
}

/** One UTF-8 sequence with Go's validity rules (no overlong forms, no surrogates, at most U+10FFFF). */
function decodeRune(bytes: Uint8Array, at: number): { codePoint: number; size: number } | undefined {
  const b0 = bytes[at] as number;
  const cont = (k: number): number | undefined => {
    const b = bytes[at + k];
    return b !== undefined && (b & 0xc0) === 0x80 ? b & 0x3f : undefined;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 === undefined ? undefined : { codePoint: ((b0 & 0x1f) << 6) | c1, size: 2 };
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 === undefined || c2 === undefined) return undefined;
    const cp = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
    if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    return { codePoint: cp, size: 3 };
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 === undefined || c2 === undefined || c3 === undefined) return undefined;
    const cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    if (cp < 0x10000 || cp > 0x10ffff) return undefined;
    return { codePoint: cp, size: 4 };
  }
  return undefined;
}

/** Go's time/strconv-style quoting used in error messages: non-ASCII and control bytes as \xNN. */
export function quoteGoTimeString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0) as number;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of goStringToBytes(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}
