// How go-yaml v2 (behind ESO's sigs.k8s.io/yaml) reads an untagged plain scalar: YAML 1.1 booleans
// (yes/no/on/off/y/n), nulls, Go-syntax integers (0x, 0o, 0b, leading-zero octal, underscores), floats,
// timestamps (kept as strings), and everything else a string. The encoder uses the same rules to decide
// which strings need quotes.

import { parseTime } from './dates-parse.js';
import { UTC_LOCATION } from './dates-zone.js';

export type Resolved =
  | { tag: 'null' }
  | { tag: 'bool'; value: boolean }
  | { tag: 'int'; value: bigint }
  | { tag: 'float'; value: number }
  | { tag: 'timestamp'; value: string }
  | { tag: 'merge' }
  | { tag: 'str'; value: string };

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const NULLS = ['', '~', 'null', 'Null', 'NULL'];

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go's strconv.ParseInt/ParseUint with base 0 (prefixes 0x, 0o, 0b, and 0 for octal), as a bigint. */
function parseGoInteger(text: string, unsigned: boolean): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (m === null) return undefined;
  const sign = m[1] as string;
  if (unsigned && sign !== '') return undefined;
  const digits = m[2] as string;
  let value: bigint;
  if (/^0[xXoObB]/.test(digits)) value = BigInt(`0${digits[1]?.toLowerCase()}${digits.slice(2)}`);
  else if (digits.length > 1 && digits[0] === '0') value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  if (sign === '-') value = -value;
  if (unsigned) return value <= UINT64_MAX ? value : undefined;
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

const TIMESTAMP_LAYOUTS = [
  '2006-1-2T15:4:5.999999999Z07:00',
  '2006-1-2t15:4:5.999999999Z07:00',
  '2006-1-2 15:4:5.999999999',
  '2006-1-2',
];

function looksLikeTimestamp(text: string): boolean {
  // go-yaml only tries layouts when the value starts with exactly four digits and a dash.
  if (!/^[0-9]{4}-/.test(text)) return false;
  for (const layout of TIMESTAMP_LAYOUTS) {
    try {
      parseTime(layout, text, UTC_LOCATION);
      return true;
    } catch {
      // try the next layout
    }
  }
  return false;
}

/** go-yaml v2's resolve("", text) for a plain scalar. */
export function resolvePlain(text: string): Resolved {
  const first = text[0];
  if (text === '' || 'yYnNtTfFoO~'.includes(first ?? 'N')) {
    if (TRUE.includes(text)) return { tag: 'bool', value: true };
    if (FALSE.includes(text)) return { tag: 'bool', value: false };
    if (NULLS.includes(text)) return { tag: 'null' };
    return { tag: 'str', value: text };
  }
  if (first === '.') {
    if (['.nan', '.NaN', '.NAN'].includes(text)) return { tag: 'float', value: Number.NaN };
    if (['.inf', '.Inf', '.INF'].includes(text)) return { tag: 'float', value: Number.POSITIVE_INFINITY };
    if (YAML_STYLE_FLOAT.test(text) || /^\.[0-9]/.test(text)) {
      const f = goParseFloat(text);
      if (f !== undefined) return { tag: 'float', value: f };
    }
    return { tag: 'str', value: text };
  }
  if (first === '+' || first === '-' || (first !== undefined && first >= '0' && first <= '9')) {
    if (['+.inf', '+.Inf', '+.INF'].includes(text)) return { tag: 'float', value: Number.POSITIVE_INFINITY };
    if (['-.inf', '-.Inf', '-.INF'].includes(text)) return { tag: 'float', value: Number.NEGATIVE_INFINITY };
    if (looksLikeTimestamp(text)) return { tag: 'timestamp', value: text };
    const plain = text.replaceAll('_', '');
    const asInt = parseGoInteger(plain, false) ?? parseGoInteger(plain, true);
    if (asInt !== undefined) return { tag: 'int', value: asInt };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = goParseFloat(plain);
      if (f !== undefined) return { tag: 'float', value: f };
    }
    if (plain.startsWith('0b') && /^[01]+$/.test(plain.slice(2))) {
      const v = BigInt(`0b${plain.slice(2)}`);
      if (v <= UINT64_MAX) return { tag: 'int', value: v };
    } else if (plain.startsWith('-0b') && /^[01]+$/.test(plain.slice(3))) {
      const v = -BigInt(`0b${plain.slice(3)}`);
      if (v >= INT64_MIN) return { tag: 'int', value: v };
    }
    return { tag: 'str', value: text };
  }
  if (text === '<<') return { tag: 'merge' };
  return { tag: 'str', value: text };
}

/** strconv.ParseFloat for YAML-style decimal floats: overflow is an error in Go (±Inf with ErrRange). */
function goParseFloat(text: string): number | undefined {
  if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return undefined;
  const f = Number(text);
  if (!Number.isFinite(f)) return undefined;
  return f;
}

/** Strings that read as sexagesimal floats in YAML 1.1 parsers; go-yaml quotes them for their sake. */
export function isBase60Float(text: string): boolean {
  if (text === '' || !text.includes(':')) return false;
  const c = text[0] as string;
  if (!(c === '+' || c === '-' || (c >= '0' && c <= '9'))) return false;
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(text);
}
