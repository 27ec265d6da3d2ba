// Sprig's string functions. Go strings are byte strings: functions that count (substr, trunc) work on UTF-8
// bytes, while case mapping and trimming work on runes with Go's Unicode tables.

import type { FunctionMap } from './contract.js';
import {
  byteLength,
  checkSize,
  decodeUtf8,
  encodeUtf8,
  fail,
  fixed,
  formatValue,
  intArg,
  sliceBytes,
  toStringValue,
  variadic,
} from './support.js';
import {
  goQuote,
  isLower,
  isSpace,
  isTitle,
  isUpper,
  lowerRune,
  titleRune,
  toLower,
  toUpper,
  trimSpace,
  upperRune,
} from './text.js';
import { toKebabCase, toPascalCase, toSnakeCase } from './wordcase.js';

/** strings.Trim(s, cutset): removes leading and trailing runes found in cutset. */
function trimCutset(text: string, cutset: string): string {
  const cut = new Set(cutset);
  const runes = [...text];
  let start = 0;
  let end = runes.length;
  while (start < end && cut.has(runes[start] ?? '')) start++;
  while (end > start && cut.has(runes[end - 1] ?? '')) end--;
  return runes.slice(start, end).join('');
}

/** strings.Repeat, which panics on a negative count. */
export function repeat(text: string, count: number): string {
  if (count < 0) fail('strings: negative Repeat count');
  checkSize(text.length * count, 'repeat');
  return text.repeat(count);
}

/** strings.Replace(s, old, new, -1); an empty `old` matches at every rune boundary, as in Go. */
function replaceAll(text: string, old: string, replacement: string): string {
  if (old !== '') return text.split(old).join(replacement);
  const runes = [...text];
  return replacement + runes.map((r) => r + replacement).join('');
}

/** strings.Title: upper-cases the first letter of every word (words end at non-letters, non-digits, non-'_'). */
function title(text: string): string {
  let previous = ' ';
  let out = '';
  for (const ch of text) {
    out += isSeparator(previous) ? titleRune(ch) : ch;
    previous = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  if (c <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/^[\p{L}\p{Nd}]$/u.test(ch)) return false;
  return isSpace(ch);
}

/** goutils.Uncapitalize: lower-cases the first rune of each whitespace-separated word. */
function untitle(text: string): string {
  let afterSpace = true;
  let out = '';
  for (const ch of text) {
    out += afterSpace ? lowerRune(ch) : ch;
    afterSpace = isSpace(ch);
  }
  return out;
}

/** goutils.SwapCase: upper and title case become lower; lower becomes upper (title case after whitespace). */
function swapCase(text: string): string {
  let afterSpace = true;
  let out = '';
  for (const ch of text) {
    if (isUpper(ch) || isTitle(ch)) out += lowerRune(ch);
    else if (isLower(ch)) out += afterSpace ? titleRune(ch) : upperRune(ch);
    else out += ch;
    afterSpace = isSpace(ch);
  }
  return out;
}

/**
 * goutils works on bytes here and turns each byte into the rune of the same number, so non-ASCII text comes out as
 * Latin-1 look-alikes ("ü" -> "Ã¼") and the bytes 0x85 and 0xA0 count as spaces. Sprig inherits this.
 */
function byteRunes(text: string): string[] {
  return Array.from(encodeUtf8(text), (b) => String.fromCharCode(b));
}

/** goutils.Initials: the first byte-rune of the string and of every word after whitespace. */
function initials(text: string): string {
  let afterSpace = true;
  let out = '';
  for (const ch of byteRunes(text)) {
    if (isSpace(ch)) afterSpace = true;
    else if (afterSpace) {
      out += ch;
      afterSpace = false;
    }
  }
  return out;
}

/** goutils.DeleteWhiteSpace, byte-wise like Initials. */
function deleteWhiteSpace(text: string): string {
  const runes = byteRunes(text);
  const kept = runes.filter((ch) => !isSpace(ch));
  // Nothing removed: goutils hands back the original string, so only strings with spaces get mangled.
  return kept.length === runes.length ? text : kept.join('');
}

/**
 * goutils.AbbreviateFull (Apache Commons' abbreviate): shortens to maxWidth bytes with "..." markers, keeping the
 * text around `offset` visible. Returns undefined where goutils returns an error.
 */
function abbreviateFull(text: string, offset: number, maxWidth: number): string | undefined {
  if (text === '') return '';
  if (maxWidth < 4) return undefined;
  const length = byteLength(text);
  if (length <= maxWidth) return text;
  let from = Math.min(offset, length);
  if (length - from < maxWidth - 3) from = length - (maxWidth - 3);
  if (from <= 4) return `${sliceBytes(text, 0, maxWidth - 3)}...`;
  if (maxWidth < 7) return undefined;
  if (from + maxWidth - 3 < length) {
    const rest = abbreviateFull(sliceBytes(text, from), 0, maxWidth - 3);
    return `...${rest ?? ''}`;
  }
  return `...${sliceBytes(text, length - (maxWidth - 3))}`;
}

/** Sprig's substr: byte offsets; a negative start means 0, an end out of range means the end of the string. */
function substr(start: number, end: number, text: string): string {
  const length = byteLength(text);
  if (start < 0) return sliceBytes(text, 0, end < 0 ? fail(`runtime error: slice bounds out of range [:${end}]`) : end);
  if (end < 0 || end > length) return sliceBytes(text, start);
  return sliceBytes(text, start, end);
}

/** Sprig's trunc: the first c bytes, or the last -c bytes for a negative c. */
function trunc(count: number, text: string): string {
  const length = byteLength(text);
  if (count < 0 && length + count > 0) return sliceBytes(text, length + count);
  if (count >= 0 && length > count) return sliceBytes(text, 0, count);
  return text;
}

/**
 * goutils.WrapCustom (Apache Commons' WordUtils.wrap): breaks lines at spaces so they fit wrapLength bytes. Long
 * words are broken only when wrapLongWords is set.
 */
function wrapCustom(text: string, wrapLength: number, newLine: string, wrapLongWords: boolean): string {
  if (text === '') return '';
  const separator = newLine === '' ? '\n' : newLine;
  const width = Math.max(wrapLength, 1);
  const bytes = Buffer.from(encodeUtf8(text));
  const length = bytes.length;
  const parts: Buffer[] = [];
  const nl = Buffer.from(encodeUtf8(separator));
  let offset = 0;
  while (length - offset > width) {
    if (bytes[offset] === 0x20) {
      offset++;
      continue;
    }
    const spaceAt = bytes.subarray(0, width + offset + 1).lastIndexOf(0x20);
    if (spaceAt >= offset) {
      parts.push(bytes.subarray(offset, spaceAt), nl);
      offset = spaceAt + 1;
    } else if (wrapLongWords) {
      parts.push(bytes.subarray(offset, offset + width), nl);
      offset += width;
    } else {
      const next = bytes.indexOf(0x20, width + offset);
      if (next >= 0) {
        parts.push(bytes.subarray(offset, next), nl);
        offset = next + 1;
      } else {
        parts.push(bytes.subarray(offset));
        offset = length;
      }
    }
  }
  parts.push(bytes.subarray(offset));
  return decodeUtf8(Buffer.concat(parts));
}

function indent(spaces: number, text: string): string {
  const pad = repeat(' ', spaces);
  checkSize(text.length + pad.length * (text.split('\n').length + 1), 'indent');
  return pad + text.replaceAll('\n', `\n${pad}`);
}

function quoteAll(values: unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map((v) => goQuote(toStringValue(v)))
    .join(' ');
}

function squoteAll(values: unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map((v) => `'${formatValue(v)}'`)
    .join(' ');
}

function cat(values: unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map(formatValue)
    .join(' ');
}

export const stringFunctions: FunctionMap = {
  trim: fixed(['string'], (s: string) => trimSpace(s)),
  trimAll: fixed(['string', 'string'], (cutset: string, s: string) => trimCutset(s, cutset)),
  trimall: fixed(['string', 'string'], (cutset: string, s: string) => trimCutset(s, cutset)),
  trimSuffix: fixed(['string', 'string'], (suffix: string, s: string) =>
    suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s,
  ),
  trimPrefix: fixed(['string', 'string'], (prefix: string, s: string) =>
    s.startsWith(prefix) ? s.slice(prefix.length) : s,
  ),
  upper: fixed(['string'], (s: string) => toUpper(s)),
  lower: fixed(['string'], (s: string) => toLower(s)),
  title: fixed(['string'], (s: string) => title(s)),
  untitle: fixed(['string'], (s: string) => untitle(s)),
  repeat: fixed(['int', 'string'], (count: bigint, s: string) => repeat(s, intArg(count))),
  substr: fixed(['int', 'int', 'string'], (start: bigint, end: bigint, s: string) =>
    substr(intArg(start), intArg(end), s),
  ),
  nospace: fixed(['string'], (s: string) => deleteWhiteSpace(s)),
  trunc: fixed(['int', 'string'], (count: bigint, s: string) => trunc(intArg(count), s)),
  abbrev: fixed(['int', 'string'], (width: bigint, s: string) => {
    const w = intArg(width);
    if (w < 4) return s;
    return abbreviateFull(s, 0, w) ?? '';
  }),
  abbrevboth: fixed(['int', 'int', 'string'], (left: bigint, right: bigint, s: string) => {
    const l = intArg(left);
    const r = intArg(right);
    if (r < 4 || (l > 0 && r < 7)) return s;
    return abbreviateFull(s, l, r) ?? '';
  }),
  initials: fixed(['string'], (s: string) => initials(s)),
  swapcase: fixed(['string'], (s: string) => swapCase(s)),
  snakecase: fixed(['string'], (s: string) => toSnakeCase(s)),
  camelcase: fixed(['string'], (s: string) => toPascalCase(s)),
  kebabcase: fixed(['string'], (s: string) => toKebabCase(s)),
  wrap: fixed(['int', 'string'], (width: bigint, s: string) => wrapCustom(s, intArg(width), '', false)),
  wrapWith: fixed(['int', 'string', 'string'], (width: bigint, sep: string, s: string) =>
    wrapCustom(s, intArg(width), sep, true),
  ),
  contains: fixed(['string', 'string'], (sub: string, s: string) => s.includes(sub)),
  hasPrefix: fixed(['string', 'string'], (prefix: string, s: string) => s.startsWith(prefix)),
  hasSuffix: fixed(['string', 'string'], (suffix: string, s: string) => s.endsWith(suffix)),
  quote: variadic([], 'any', (values: unknown[]) => quoteAll(values)),
  squote: variadic([], 'any', (values: unknown[]) => squoteAll(values)),
  cat: variadic([], 'any', (values: unknown[]) => cat(values)),
  indent: fixed(['int', 'string'], (spaces: bigint, s: string) => indent(intArg(spaces), s)),
  nindent: fixed(['int', 'string'], (spaces: bigint, s: string) => `\n${indent(intArg(spaces), s)}`),
  replace: fixed(['string', 'string', 'string'], (old: string, replacement: string, s: string) =>
    replaceAll(s, old, replacement),
  ),
  plural: fixed(['string', 'string', 'int'], (one: string, many: string, count: bigint) =>
    intArg(count) === 1 ? one : many,
  ),
  hello: fixed([], () => 'Hello!'),
};
