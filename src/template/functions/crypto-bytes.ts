// Go strings are byte sequences; JavaScript strings are UTF-16. Functions that take binary data in a Go string
// (a PKCS#12 archive decoded with b64dec, ciphertext for rsaDecrypt) need the exact bytes back. Valid UTF-8 maps
// to the same characters, and each byte that is not part of valid UTF-8 is carried as the lone surrogate
// U+DC80..U+DCFF ("surrogateescape", as Python does), so bytes -> string -> bytes is lossless.

const ESCAPE_BASE = 0xdc00;

/** The bytes a Go string holds. */
export function goStringToBytes(value: string): Uint8Array {
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
