// Go literal semantics for the parser: strconv-style unquoting of interpreted, raw and character literals, and
// integer/float parsing with base prefixes and underscores (Go's ParseInt/ParseUint/ParseFloat with base 0).

import { bytesToGoString, goByteLength, goStringToBytes } from './functions/crypto-bytes.js';

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

export class SyntaxErr extends Error {}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Decodes one (possibly escaped) character of a quoted literal starting at s[i].
 * Returns [codePoint or -1 for a raw byte, byte value when raw, next index].
 */
function unquoteChar(s: string, i: number, quote: number): [number, number, number] {
  const c = s.codePointAt(i);
  if (c === undefined) throw new SyntaxErr('invalid syntax');
  if (c === quote && (quote === 0x27 || quote === 0x22)) throw new SyntaxErr('invalid syntax');
  if (c !== 0x5c) return [c, 0, i + (c > 0xffff ? 2 : 1)];
  const e = s.charCodeAt(i + 1);
  if (Number.isNaN(e)) throw new SyntaxErr('invalid syntax');
  let j = i + 2;
  switch (e) {
    case 0x61:
      return [7, 0, j];
    case 0x62:
      return [8, 0, j];
    case 0x66:
      return [12, 0, j];
    case 0x6e:
      return [10, 0, j];
    case 0x72:
      return [13, 0, j];
    case 0x74:
      return [9, 0, j];
    case 0x76:
      return [11, 0, j];
    case 0x5c:
      return [0x5c, 0, j];
    case 0x27:
    case 0x22:
      if (e !== quote) throw new SyntaxErr('invalid syntax');
      return [e, 0, j];
    case 0x78: // \xhh: a raw byte
    case 0x75: // \uhhhh
    case 0x55: {
      // \Uhhhhhhhh
      const n = e === 0x78 ? 2 : e === 0x75 ? 4 : 8;
      let v = 0;
      for (let k = 0; k < n; k++) {
        const h = hexVal(s.charCodeAt(j + k));
        if (h < 0) throw new SyntaxErr('invalid syntax');
        v = v * 16 + h;
      }
      j += n;
      if (e === 0x78) return [-1, v, j];
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxErr('invalid syntax');
      return [v, 0, j];
    }
  }
  if (e >= 0x30 && e <= 0x37) {
    let v = e - 0x30;
    for (let k = 0; k < 2; k++) {
      const d = s.charCodeAt(j + k) - 0x30;
      if (!(d >= 0 && d <= 7)) throw new SyntaxErr('invalid syntax');
      v = v * 8 + d;
    }
    if (v > 255) throw new SyntaxErr('invalid syntax');
    return [-1, v, j + 2];
  }
  throw new SyntaxErr('invalid syntax');
}

/** strconv.Unquote for "..." and `...` literals. Raw bytes from \x and octal escapes are kept as bytes. */
export function unquoteString(lit: string): string {
  const q = lit.charCodeAt(0);
  if (lit.length < 2 || lit.charCodeAt(lit.length - 1) !== q) throw new SyntaxErr('invalid syntax');
  const body = lit.slice(1, -1);
  if (q === 0x60) return body.indexOf('\r') >= 0 ? body.replaceAll('\r', '') : body;
  if (body.indexOf('\\') < 0) {
    if (body.indexOf('"') >= 0 || body.indexOf('\n') >= 0) throw new SyntaxErr('invalid syntax');
    return body;
  }
  let out = '';
  let bytes: number[] | null = null;
  let i = 0;
  while (i < body.length) {
    const ch = body.charCodeAt(i);
    if (ch === 0x0a) throw new SyntaxErr('invalid syntax');
    const [cp, b, next] = unquoteChar(body, i, 0x22);
    i = next;
    if (cp < 0) {
      if (bytes === null) bytes = [];
      bytes.push(b);
      continue;
    }
    if (bytes !== null) {
      out += bytesToGoString(Uint8Array.from(bytes));
      bytes = null;
    }
    out += String.fromCodePoint(cp);
  }
  if (bytes !== null) out += bytesToGoString(Uint8Array.from(bytes));
  return out;
}

/** The rune value of a 'c' literal; throws SyntaxErr ("invalid syntax") or Error (malformed). */
export function unquoteChar1(lit: string): number {
  const [cp, b, next] = unquoteChar(lit, 1, 0x27);
  if (lit.slice(next) !== "'") throw new Error(`malformed character constant: ${lit}`);
  return cp < 0 ? b : cp;
}

/** Go's rule: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0') {
    const p = s[1]!.toLowerCase();
    if (p === 'x' || p === 'o' || p === 'b') {
      i = 2;
      saw = '0';
      hex = p === 'x';
    }
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, 0, 64): unsigned, base prefix or leading-0 octal; null on any error. */
export function parseUint0(s: string): bigint | null {
  if (s.length === 0) return null;
  let base = 10;
  let i = 0;
  if (s[0] === '0') {
    const p = (s[1] ?? '').toLowerCase();
    if (s.length >= 3 && p === 'x') {
      base = 16;
      i = 2;
    } else if (s.length >= 3 && p === 'o') {
      base = 8;
      i = 2;
    } else if (s.length >= 3 && p === 'b') {
      base = 2;
      i = 2;
    } else {
      base = 8;
      i = 1;
    }
  }
  let underscores = false;
  let n = 0n;
  const bb = BigInt(base);
  let any = i > 0 && base === 8 && i === 1; // "0" alone is a digit
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5f) {
      underscores = true;
      continue;
    }
    const d = hexVal(c);
    if (d < 0 || d >= base) return null;
    n = n * bb + BigInt(d);
    any = true;
    if (n > UINT64_MAX) return null;
  }
  if (!any) return null;
  if (underscores && !underscoreOK(s)) return null;
  return n;
}

/** strconv.ParseInt(s, 0, 64). */
export function parseInt0(s: string): bigint | null {
  let neg = false;
  let body = s;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    body = s.slice(1);
  }
  const u = parseUint0(body);
  if (u === null) return null;
  if (neg) return u > INT64_MAX + 1n ? null : -u;
  return u > INT64_MAX ? null : u;
}

const decimalFloat = /^[+-]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?$/;
const hexFloat = /^([+-]?)0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F_]*)[pP]([+-]?[\d_]+)$/;

/** strconv.ParseFloat(s, 64) for the forms a template number can take; null on error or overflow. */
export function parseFloat64(s: string): number | null {
  if (s.indexOf('_') >= 0 && !underscoreOK(s)) return null;
  let v: number;
  if (decimalFloat.test(s)) {
    v = Number(s.replaceAll('_', ''));
  } else {
    const m = hexFloat.exec(s);
    if (m === null) return null;
    const intPart = m[2]!.replaceAll('_', '');
    const frac = m[3]!.replaceAll('_', '');
    if (intPart.length + frac.length === 0) return null;
    const mant = BigInt('0x' + (intPart + frac || '0'));
    const exp = Number(m[4]!.replaceAll('_', '')) - 4 * frac.length;
    v = Number(mant) * 2 ** exp;
    if (mant !== 0n && (v === 0 || !Number.isFinite(v))) {
      // Very large or small exponents: scale in two steps to stay exact where possible.
      v = Number(mant) * 2 ** Math.trunc(exp / 2) * 2 ** (exp - Math.trunc(exp / 2));
    }
    if (m[1] === '-') v = -v;
  }
  if (!Number.isFinite(v)) return null;
  return v;
}

/** Go's len of a string: its bytes, escaped non-UTF-8 bytes counting one each (see crypto-bytes.ts). */
export const utf8Length = goByteLength;

/** The bytes of a Go string. */
export const utf8Encode = goStringToBytes;

/** The Go string holding these bytes; bytes that are not UTF-8 survive (see crypto-bytes.ts). */
export const utf8Decode = bytesToGoString;
