// Unicode helpers with Go's definitions (unicode.IsSpace, simple case mapping, strconv.Quote), which differ from
// JavaScript's built-ins in small but visible ways (e.g. JS trims U+FEFF, upper-cases "ß" to "SS").

/** Go's unicode.IsSpace. */
export function isSpace(ch: string): boolean {
  const c = ch.codePointAt(0) ?? -1;
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Go's strings.TrimSpace. */
export function trimSpace(text: string): string {
  const runes = [...text];
  let start = 0;
  let end = runes.length;
  while (start < end && isSpace(runes[start] ?? '')) start++;
  while (end > start && isSpace(runes[end - 1] ?? '')) end--;
  return runes.slice(start, end).join('');
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A byte that is not UTF-8 (U+DC80..U+DCFF, see crypto-bytes.ts) reads as utf8.RuneError, and Go's strings.Map
 * writes the mapped rune, so case mapping turns it into U+FFFD.
 */
const isEscapedByte = (ch: string): boolean => ch.length === 1 && ch >= '\udc80' && ch <= '\udcff';

/** unicode.ToUpper on one rune: the simple mapping, so a rune never becomes two. */
export function upperRune(ch: string): string {
  if (isEscapedByte(ch)) return '\ufffd';
  const upper = ch.toUpperCase();
  return [...upper].length === 1 ? upper : ch;
}

/** unicode.ToTitle on one rune: like ToUpper except for the Latin digraphs (Ǆ ǅ ǆ -> ǅ). */
export function titleRune(ch: string): string {
  if (isEscapedByte(ch)) return '\ufffd';
  const c = ch.codePointAt(0) ?? 0;
  if (c >= 0x1c4 && c <= 0x1cc) return String.fromCodePoint(0x1c5 + 3 * Math.floor((c - 0x1c4) / 3));
  if (c >= 0x1f1 && c <= 0x1f3) return '\u01f2';
  return upperRune(ch);
}

/** unicode.ToLower on one rune. */
export function lowerRune(ch: string): string {
  if (isEscapedByte(ch)) return '\ufffd';
  const lower = ch.toLowerCase();
  if ([...lower].length === 1) return lower;
  return String.fromCodePoint(lower.codePointAt(0) ?? 0);
}

export function toUpper(text: string): string {
  if (ASCII.test(text)) return text.toUpperCase();
  return Array.from(text, upperRune).join('');
}

export function toLower(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return Array.from(text, lowerRune).join('');
}

// The predicates below take one rune; ASCII is answered without a Unicode property lookup.

const asciiCode = (ch: string): number => (ch.length === 1 ? ch.charCodeAt(0) : 0x80);

export function isUpper(ch: string): boolean {
  const c = asciiCode(ch);
  if (c < 0x80) return c >= 0x41 && c <= 0x5a;
  return /^\p{Lu}$/u.test(ch);
}

export function isLower(ch: string): boolean {
  const c = asciiCode(ch);
  if (c < 0x80) return c >= 0x61 && c <= 0x7a;
  return /^\p{Ll}$/u.test(ch);
}

export function isTitle(ch: string): boolean {
  return asciiCode(ch) >= 0x80 && /^\p{Lt}$/u.test(ch);
}

export function isLetter(ch: string): boolean {
  const c = asciiCode(ch);
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return /^\p{L}$/u.test(ch);
}

export function isDigit(ch: string): boolean {
  const c = asciiCode(ch);
  if (c < 0x80) return c >= 0x30 && c <= 0x39;
  return /^\p{Nd}$/u.test(ch);
}

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

const shortEscapes: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/** Go's strconv.Quote (what `%q` prints for a string). */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
    } else if (isPrint(ch)) {
      out += ch;
    } else if (shortEscapes[ch] !== undefined) {
      out += shortEscapes[ch];
    } else {
      const c = ch.codePointAt(0) ?? 0;
      // A byte that is not UTF-8 (U+DC80..U+DCFF, see crypto-bytes.ts) is quoted as \xNN; other lone
      // surrogates cannot come from Go strings, and Go would print the replacement character.
      if (c >= 0xdc80 && c <= 0xdcff) out += `\\x${hex(c - 0xdc00, 2)}`;
      else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
      else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
      else if (c < 0x10000) out += `\\u${hex(c, 4)}`;
      else out += `\\U${hex(c, 8)}`;
    }
  }
  return `${out}"`;
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}
