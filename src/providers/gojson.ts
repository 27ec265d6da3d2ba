// JSON text exactly as ESO's esutils.JSONMarshal (Go encoding/json, SetEscapeHTML(false)) writes it: map keys
// sorted by bytes, no spaces, '<' '>' '&' kept, U+2028/U+2029 and control characters escaped, invalid UTF-8
// replaced by U+FFFD per byte. Values built from it end up in Secrets and in ESO's data-hash, so byte equality
// with ESO matters (a Secret written by ESO must be adopted without a change).
import { utf8 } from './bytes.js';
import { type JsonNode, rawText } from './json-spans.js';

const HEX = '0123456789abcdef';

/** Decodes one UTF-8 sequence the way Go's utf8.DecodeRune does: [codePoint, length], -1 for an invalid byte. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i] as number;
  const cont = (k: number) => {
    const v = b[i + k];
    return v !== undefined && (v & 0xc0) === 0x80 ? v & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? [-1, 1] : [((b0 & 0x1f) << 6) | c1, 2];
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return [-1, 1];
    const cp = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
    // Overlong forms and UTF-16 surrogates are invalid in Go.
    return cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) ? [-1, 1] : [cp, 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return [-1, 1];
    const cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    return cp < 0x10000 || cp > 0x10ffff ? [-1, 1] : [cp, 4];
  }
  return [-1, 1];
}

/** A JSON string literal for raw bytes, as Go writes `string(bytes)`. */
export function goQuoteBytes(bytes: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      if (b === 0x22) out += '\\"';
      else if (b === 0x5c) out += '\\\\';
      else if (b >= 0x20) out += String.fromCharCode(b);
      else if (b === 0x08) out += '\\b';
      else if (b === 0x0c) out += '\\f';
      else if (b === 0x0a) out += '\\n';
      else if (b === 0x0d) out += '\\r';
      else if (b === 0x09) out += '\\t';
      else out += `\\u00${HEX[b >> 4]}${HEX[b & 0xf]}`;
      i++;
      continue;
    }
    const [cp, size] = decodeRune(bytes, i);
    if (cp < 0) out += '\\ufffd';
    else if (cp === 0x2028) out += '\\u2028';
    else if (cp === 0x2029) out += '\\u2029';
    else out += String.fromCodePoint(cp);
    i += size;
  }
  return `${out}"`;
}

export function goQuote(text: string): string {
  return goQuoteBytes(utf8(text));
}

/** Go's float64 JSON encoding; it matches ECMAScript's Number-to-String except for negative zero. */
function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError('json: unsupported value: non-finite number');
  return Object.is(n, -0) ? '-0' : String(n);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Marshals a JSON-like value (from JSON.parse, or maps of strings) as Go would. Uint8Array values are strings. */
export function goMarshal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Uint8Array) return goQuoteBytes(value);
  if (Array.isArray(value)) return `[${value.map(goMarshal).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(byteOrder);
    const record = value as Record<string, unknown>;
    return `{${keys.map((k) => `${goQuote(k)}:${goMarshal(record[k])}`).join(',')}}`;
  }
  throw new TypeError(`json: unsupported type ${typeof value}`);
}

const escapeHtml = (json: string) => json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

/**
 * As plain Go json.Marshal writes it (HTML escaping on): goMarshal with '<', '>' and '&' as \u003c, \u003e and
 * \u0026. Those characters can only occur inside string literals of the output, so replacing them is exact.
 */
export function goMarshalHtml(value: unknown): string {
  return escapeHtml(goMarshal(value));
}

/**
 * A parsed JSON value as plain json.Marshal writes it back after a decode with UseNumber (Vault's Go client):
 * numbers exactly as written, object keys sorted by bytes (a repeated key keeps its last value), HTML escaped
 * unless `escapeHtml: false` (an Encoder with SetEscapeHTML(false)).
 */
export function goMarshalNode(text: string, node: JsonNode, options: { escapeHtml?: boolean } = {}): string {
  const json = marshalNode(text, node);
  return options.escapeHtml === false ? json : escapeHtml(json);
}

function marshalNode(text: string, node: JsonNode): string {
  switch (node.kind) {
    case 'object': {
      const fields = new Map<string, JsonNode>(node.entries);
      const keys = [...fields.keys()].sort(byteOrder);
      return `{${keys.map((k) => `${goQuote(k)}:${marshalNode(text, fields.get(k) as JsonNode)}`).join(',')}}`;
    }
    case 'array':
      return `[${node.items.map((item) => marshalNode(text, item)).join(',')}]`;
    case 'string':
      return goQuote(node.value);
    default:
      return rawText(text, node);
  }
}

/** GetByteValue of a value decoded with UseNumber: as goByteValue, but numbers keep their spelling. */
export function goByteValueOfNode(text: string, node: JsonNode): Uint8Array {
  switch (node.kind) {
    case 'string':
      return utf8(node.value);
    case 'null':
      return utf8('');
    case 'object':
    case 'array':
      return utf8(goMarshalNode(text, node));
    default:
      return utf8(rawText(text, node));
  }
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest digits that round-trip, never an exponent. */
export function formatFloatNoExponent(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const text = String(n);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent] = match as unknown as [string, string, string, string, string];
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * A decoded JSON value (numbers as float64) as esutils' GetByteValue writes it: strings as they are, numbers
 * without exponent, objects and arrays by plain json.Marshal (which escapes HTML), null empty.
 */
export function goByteValue(value: unknown): Uint8Array {
  if (value === null || value === undefined) return utf8('');
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return utf8(formatFloatNoExponent(value));
  if (typeof value === 'boolean') return utf8(String(value));
  return utf8(goMarshalHtml(value));
}
