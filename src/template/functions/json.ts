// Go's encoding/json for the value model: Marshal (sorted map keys, Go's float format, HTML escaping of < > &
// unless disabled, U+2028/U+2029 always escaped), MarshalIndent, and Unmarshal into interface{} (numbers become
// float64) with Go's error messages.

import { formatFloat } from '../fmt.js';
import { GoNumber, isGoMap, isGoObject, newGoMap } from '../values.js';
import { compareStrings, goTypeOf, isNilSlice } from './support.js';
import { goQuote } from './text.js';

/** Raised for values encoding/json refuses (NaN, infinities, maps with non-string keys). */
export class JsonEncodeError extends Error {}

/**
 * A GoObject that says how encoding/json renders it (time.Time as an RFC 3339 string, a struct as its fields):
 * `toJSON()` returns the value to encode. Objects it returns are Go structs, so their keys keep their order.
 */
interface JsonRenderable {
  toJSON(): unknown;
}

function isRenderable(value: object): value is JsonRenderable {
  return typeof (value as Partial<JsonRenderable>).toJSON === 'function';
}

export interface MarshalOptions {
  escapeHtml: boolean;
  indent?: string;
  /** Keep object keys in insertion order (struct fields) instead of sorting them (map keys). */
  structOrder?: boolean;
}

/** json.Marshal / json.MarshalIndent / Encoder.Encode without the trailing newline. */
export function marshal(value: unknown, options: MarshalOptions): string {
  return encodeValue(value, options, '');
}

function encodeValue(value: unknown, options: MarshalOptions, depth: string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return encodeString(value, options.escapeHtml);
    case 'bigint':
      return value.toString();
    case 'number':
      return encodeFloat(value, 64);
  }
  if (value instanceof GoNumber) {
    if (typeof value.value === 'number') return encodeFloat(value.value, value.kind === 'float32' ? 32 : 64);
    return value.value.toString();
  }
  if (value instanceof Uint8Array) return `"${Buffer.from(value).toString('base64')}"`;
  if (isGoObject(value)) {
    if (isRenderable(value)) return encodeValue(value.toJSON(), { ...options, structOrder: true }, depth);
    return '{}';
  }
  if (Array.isArray(value)) {
    if (isNilSlice(value)) return 'null';
    return encodeList(
      value.map((item) => encodeValue(item, options, depth + (options.indent ?? ''))),
      '[',
      ']',
      options,
      depth,
    );
  }
  if (value instanceof Map) throw new JsonEncodeError(`json: unsupported type: ${goTypeOf(value)}`);
  if (isGoMap(value)) {
    const inner = depth + (options.indent ?? '');
    const separator = options.indent === undefined ? ':' : ': ';
    const keys = Object.keys(value);
    if (!options.structOrder) keys.sort(compareStrings);
    const entries = keys.map(
      (key) => `${encodeString(key, options.escapeHtml)}${separator}${encodeValue(value[key], options, inner)}`,
    );
    return encodeList(entries, '{', '}', options, depth);
  }
  throw new JsonEncodeError(`json: unsupported type: ${goTypeOf(value)}`);
}

function encodeList(items: string[], open: string, close: string, options: MarshalOptions, depth: string): string {
  if (items.length === 0) return open + close;
  if (options.indent === undefined) return open + items.join(',') + close;
  const inner = depth + options.indent;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${depth}${close}`;
}

/** Go's float encoding: shortest digits, exponent form below 1e-6 and from 1e21, "1e-07" written "1e-7". */
function encodeFloat(value: number, bits: 32 | 64): string {
  if (!Number.isFinite(value)) throw new JsonEncodeError(`json: unsupported value: ${goFloatName(value)}`);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (bits === 64) return String(value);
  // float32: 'e' form outside [1e-6, 1e21), with Go's clean-up of a two-digit negative exponent (e-07 -> e-7).
  const abs = Math.abs(value);
  const text = formatFloat(value, abs < 1e-6 || abs >= 1e21 ? 'e' : 'f', -1, 32);
  return text.replace(/e-0(\d)$/, 'e-$1');
}

function goFloatName(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

const HEX = '0123456789abcdef';

function encodeString(text: string, escapeHtml: boolean): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      const ch = text[i] as string;
      if (c >= 0x20 && ch !== '"' && ch !== '\\' && !(escapeHtml && (ch === '<' || ch === '>' || ch === '&'))) {
        out += ch;
        continue;
      }
      switch (ch) {
        case '"':
        case '\\':
          out += `\\${ch}`;
          break;
        case '\b':
          out += '\\b';
          break;
        case '\f':
          out += '\\f';
          break;
        case '\n':
          out += '\\n';
          break;
        case '\r':
          out += '\\r';
          break;
        case '\t':
          out += '\\t';
          break;
        default:
          out += `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
      }
      continue;
    }
    if (c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16)}`;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text.slice(i, i + 2);
        i++;
        continue;
      }
      out += '\\ufffd';
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    out += text[i];
  }
  return `${out}"`;
}

// ---------------------------------------------------------------------------------------------------------------
// Unmarshal into interface{}.

/** A syntax error or type error from Unmarshal, with Go's message. */
export class JsonDecodeError extends Error {}

/** Go's scanner refuses nesting deeper than this. */
const MAX_DEPTH = 10000;

/** The result of json.Unmarshal into interface{}: the value (possibly partial) and the first error. */
export interface UnmarshalResult {
  value: unknown;
  error?: string;
}

/**
 * Quotes a character as Go's json error messages do ('x', '\n', '"'). Go's scanner reads bytes, so a non-ASCII
 * character is reported by its first UTF-8 byte taken as a rune ('é' -> 'Ã').
 */
function quoteChar(input: string): string {
  const code = input.codePointAt(0) ?? 0;
  const ch = code < 0x80 ? input : String.fromCharCode(Buffer.from(input, 'utf8')[0] ?? 0);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  const quoted = goQuote(ch);
  return `'${quoted.slice(1, -1)}'`;
}

export function unmarshal(text: string): UnmarshalResult {
  const syntax = checkSyntax(text);
  if (syntax) return { value: null, error: syntax };
  const parser = new ValueReader(text);
  const value = parser.readValue();
  return parser.firstError ? { value, error: parser.firstError } : { value };
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** Go's checkValid: walks the whole input once and reports the first syntax error. */
function checkSyntax(text: string): string | undefined {
  const chars = [...text];
  let i = 0;
  const stack: ('object' | 'array')[] = [];
  const error = (ch: string, context: string) => `invalid character ${quoteChar(ch)} ${context}`;
  const end = () => 'unexpected end of JSON input';
  const skipSpace = () => {
    while (i < chars.length && WHITESPACE.has(chars[i] as string)) i++;
  };

  // Returns an error message or undefined; reads one value starting at i (after whitespace).
  const readScalarOrOpen = (): string | undefined => {
    skipSpace();
    const ch = chars[i];
    if (ch === undefined) return end();
    if (ch === '{' || ch === '[') {
      if (stack.length >= MAX_DEPTH) return 'exceeded max depth';
      stack.push(ch === '{' ? 'object' : 'array');
      i++;
      return undefined;
    }
    if (ch === '"') return readString();
    if (ch === '-' || (ch >= '0' && ch <= '9')) return readNumber();
    for (const literal of ['true', 'false', 'null']) {
      if (ch === literal[0]) {
        for (let k = 1; k < literal.length; k++) {
          const got = chars[i + k] ?? ' ';
          if (got !== literal[k])
            return error(got, `in literal ${literal} (expecting ${quoteChar(literal[k] as string)})`);
        }
        i += literal.length;
        return undefined;
      }
    }
    return error(ch, 'looking for beginning of value');
  };

  const readString = (): string | undefined => {
    i++;
    for (;;) {
      const ch = chars[i];
      if (ch === undefined) return end();
      i++;
      if (ch === '"') return undefined;
      if (ch === '\\') {
        const esc = chars[i] ?? ' ';
        i++;
        if (esc === 'u') {
          for (let k = 0; k < 4; k++) {
            const h = chars[i] ?? ' ';
            if (!/^[0-9a-fA-F]$/.test(h)) return error(h, 'in \\u hexadecimal character escape');
            i++;
          }
        } else if (!'"\\/bfnrt'.includes(esc)) {
          return error(esc, 'in string escape code');
        }
      } else if ((ch.codePointAt(0) ?? 0) < 0x20) {
        return error(ch, 'in string literal');
      }
    }
  };

  const readNumber = (): string | undefined => {
    // At the end of input Go's scanner is fed a space, so an unfinished number reports ' '.
    if (chars[i] === '-') {
      i++;
      const ch = chars[i] ?? ' ';
      if (!(ch >= '0' && ch <= '9')) return error(ch, 'in numeric literal');
    }
    if (chars[i] === '0') i++;
    else while (isDigit(chars[i])) i++;
    if (chars[i] === '.') {
      i++;
      const ch = chars[i] ?? ' ';
      if (!isDigit(ch)) return error(ch, 'after decimal point in numeric literal');
      while (isDigit(chars[i])) i++;
    }
    if (chars[i] === 'e' || chars[i] === 'E') {
      i++;
      if (chars[i] === '+' || chars[i] === '-') i++;
      const ch = chars[i] ?? ' ';
      if (!isDigit(ch)) return error(ch, 'in exponent of numeric literal');
      while (isDigit(chars[i])) i++;
    }
    return undefined;
  };

  let problem = readScalarOrOpen();
  if (problem) return problem;
  // After a value (or an opening bracket) decide what may follow, until the stack is empty.
  let justOpened = stack.length > 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    skipSpace();
    const ch = chars[i];
    if (ch === undefined) return end();
    if (top === 'object') {
      if (justOpened) {
        justOpened = false;
        if (ch === '}') {
          stack.pop();
          i++;
          continue;
        }
      } else if (ch === ',') {
        i++;
        skipSpace();
        const next = chars[i];
        if (next === undefined) return end();
        if (next !== '"') return error(next, 'looking for beginning of object key string');
      } else if (ch === '}') {
        stack.pop();
        i++;
        continue;
      } else {
        return error(ch, 'after object key:value pair');
      }
      const keyStart = chars[i];
      if (keyStart !== '"') return error(keyStart as string, 'looking for beginning of object key string');
      problem = readString();
      if (problem) return problem;
      skipSpace();
      const colon = chars[i];
      if (colon === undefined) return end();
      if (colon !== ':') return error(colon, 'after object key');
      i++;
    } else {
      if (justOpened) {
        justOpened = false;
        if (ch === ']') {
          stack.pop();
          i++;
          continue;
        }
      } else if (ch === ',') {
        i++;
      } else if (ch === ']') {
        stack.pop();
        i++;
        continue;
      } else {
        return error(ch, 'after array element');
      }
    }
    const depth = stack.length;
    problem = readScalarOrOpen();
    if (problem) return problem;
    justOpened = stack.length > depth;
  }
  skipSpace();
  const trailing = chars[i];
  if (trailing !== undefined) return error(trailing, 'after top-level value');
  return undefined;
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** Builds the value from input already known to be valid JSON. */
class ValueReader {
  private i = 0;
  firstError: string | undefined;

  constructor(private readonly text: string) {}

  readValue(): unknown {
    this.skipSpace();
    const ch = this.text[this.i];
    if (ch === '{') return this.readObject();
    if (ch === '[') return this.readArray();
    if (ch === '"') return this.readString();
    if (ch === 't') return this.literal(4, true);
    if (ch === 'f') return this.literal(5, false);
    if (ch === 'n') return this.literal(4, null);
    return this.readNumber();
  }

  private literal(length: number, value: unknown): unknown {
    this.i += length;
    return value;
  }

  private skipSpace(): void {
    while (WHITESPACE.has(this.text[this.i] ?? '')) this.i++;
  }

  private readObject(): Record<string, unknown> {
    const map = newGoMap();
    this.i++;
    this.skipSpace();
    if (this.text[this.i] === '}') {
      this.i++;
      return map;
    }
    for (;;) {
      this.skipSpace();
      const key = this.readString();
      this.skipSpace();
      this.i++; // ':'
      map[key] = this.readValue();
      this.skipSpace();
      if (this.text[this.i++] === '}') return map;
    }
  }

  private readArray(): unknown[] {
    const list: unknown[] = [];
    this.i++;
    this.skipSpace();
    if (this.text[this.i] === ']') {
      this.i++;
      return list;
    }
    for (;;) {
      list.push(this.readValue());
      this.skipSpace();
      if (this.text[this.i++] === ']') return list;
    }
  }

  private readNumber(): number | null {
    const match = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    match.lastIndex = this.i;
    const found = match.exec(this.text)?.[0] ?? '';
    this.i += found.length;
    const value = Number(found);
    if (!Number.isFinite(value)) {
      this.firstError ??= `json: cannot unmarshal number ${found} into Go value of type float64`;
      return null;
    }
    return value;
  }

  /** Decodes a string literal; invalid surrogate escapes become U+FFFD as in Go. */
  private readString(): string {
    this.i++;
    let out = '';
    for (;;) {
      const ch = this.text[this.i++] as string;
      if (ch === '"') return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.text[this.i++] as string;
      switch (esc) {
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const unit = this.hex4();
          if (unit >= 0xd800 && unit < 0xdc00) {
            if (this.text.startsWith('\\u', this.i)) {
              const save = this.i;
              this.i += 2;
              const low = this.hex4();
              if (low >= 0xdc00 && low <= 0xdfff) {
                out += String.fromCharCode(unit, low);
                break;
              }
              this.i = save;
            }
            out += '\ufffd';
          } else if (unit >= 0xdc00 && unit <= 0xdfff) {
            out += '\ufffd';
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          out += esc;
      }
    }
  }

  private hex4(): number {
    const value = Number.parseInt(this.text.slice(this.i, this.i + 4), 16);
    this.i += 4;
    return value;
  }
}
