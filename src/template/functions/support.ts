// Helpers shared by the Sprig function modules: building TemplateFunction entries, Go type names and kinds of
// values in the value model, and the numeric conversions Sprig borrows from spf13/cast.

import { GoComplex } from '../complex.js';
import { formatValue } from '../fmt.js';
import { GoNumber, isGoMap, isGoObject, newGoMap } from '../values.js';
import { type ParamType, type TemplateFunction, TemplateFunctionError } from './contract.js';
import { bytesToGoString, goByteLength, goStringToBytes } from './crypto-bytes.js';

/** Declares a fixed-arity function. */
export function fixed<A extends unknown[]>(
  params: readonly ParamType[],
  fn: (...args: A) => unknown,
): TemplateFunction {
  return { params, fn: fn as TemplateFunction['fn'] };
}

/** Declares a function whose last parameter is variadic (`...T`); `fn` receives the variadic part as an array. */
export function variadic<A extends unknown[], V>(
  params: readonly ParamType[],
  rest: ParamType,
  fn: (...args: [...A, V[]]) => unknown,
): TemplateFunction {
  const fixedCount = params.length;
  const call = (...args: unknown[]) => fn(...([...args.slice(0, fixedCount), args.slice(fixedCount)] as [...A, V[]]));
  return { params, variadic: rest, fn: call as TemplateFunction['fn'] };
}

/** Largest string or list a function may build: far beyond real templates, well before memory runs out. */
export const MAX_BUILT_SIZE = 64 * 1024 * 1024;

/** Refuses to build a result of `size` characters or elements beyond MAX_BUILT_SIZE. */
export function checkSize(size: number, what: string): void {
  if (size > MAX_BUILT_SIZE) fail(`${what}: a result of ${size} exceeds the limit of ${MAX_BUILT_SIZE}`);
}

/** Signals the error result (or the panic) of the Go function. */
export function fail(message: string): never {
  throw new TemplateFunctionError(message);
}

// ---------------------------------------------------------------------------------------------------------------
// Go types of composite values. The value model represents every Go slice as an Array and every string-keyed map
// as a plain object; functions that return a more specific Go type ([]string, []int, map[string]string) tag the
// value so `typeOf`, `kindIs` and `printf "%T"` can tell the difference, as they can in Go.

const goTypeTag = Symbol.for('custos.template.goType');

/** Marks an Array or map value with its Go type name (e.g. "[]string"); returns the same value. */
export function withGoType<T extends object>(value: T, goType: string): T {
  Object.defineProperty(value, goTypeTag, { value: goType, enumerable: false, configurable: true, writable: true });
  return value;
}

/** The Go type name recorded on a composite value, if any. */
export function taggedGoType(value: object): string | undefined {
  return (value as { [goTypeTag]?: string })[goTypeTag];
}

/** Go's `%T` for a value of the value model. */
export function goTypeOf(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
  }
  if (value instanceof GoNumber) return value.kind;
  if (value instanceof GoComplex) return 'complex128';
  if (value instanceof Uint8Array) return '[]uint8';
  if (isGoObject(value)) return value.goTypeName();
  if (Array.isArray(value)) return taggedGoType(value) ?? '[]interface {}';
  if (value instanceof Map) return taggedGoType(value) ?? 'map[interface {}]interface {}';
  if (isGoMap(value)) return taggedGoType(value) ?? 'map[string]interface {}';
  return 'interface {}';
}

/** Go's reflect.Kind name for a value ("invalid" for nil). */
export function goKindOf(value: unknown): string {
  if (value === null || value === undefined) return 'invalid';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
  }
  if (value instanceof GoNumber) return value.kind;
  if (value instanceof GoComplex) return 'complex128';
  if (value instanceof Uint8Array || Array.isArray(value)) return 'slice';
  if (value instanceof Map || isGoMap(value)) return 'map';
  if (isGoObject(value)) return value.goTypeName().startsWith('*') ? 'ptr' : 'struct';
  return 'interface';
}

/** True for values Go's reflect would see as a slice or array (Sprig's list functions accept those). */
export function isList(value: unknown): value is unknown[] | Uint8Array {
  return Array.isArray(value) || value instanceof Uint8Array;
}

/** The elements of a slice value as an array (a []byte yields uint8 numbers). */
export function listItems(value: unknown[] | Uint8Array): unknown[] {
  if (Array.isArray(value)) return value;
  return Array.from(value, (b) => new GoNumber('uint8', b));
}

const nilSliceTag = Symbol.for('custos.template.nilSlice');

/** A nil []interface{} (Go prints it as [] but encodes it as JSON null). */
export function nilSlice<T = unknown>(): T[] {
  const slice: T[] = [];
  Object.defineProperty(slice, nilSliceTag, { value: true, enumerable: false });
  return slice;
}

export function isNilSlice(value: unknown): boolean {
  return Array.isArray(value) && (value as { [nilSliceTag]?: boolean })[nilSliceTag] === true;
}

const nilMapTag = Symbol.for('custos.template.nilMap');

/** True for a map the engine marked as Go's nil map (what a `nil` argument to a map parameter becomes). */
export function isNilMap(value: object): boolean {
  return (value as { [nilMapTag]?: boolean })[nilMapTag] === true;
}

/** A []string result. */
export function stringSlice(items: string[]): string[] {
  return withGoType(items, '[]string');
}

/** A []int result. */
export function intSlice(items: bigint[]): bigint[] {
  return withGoType(items, '[]int');
}

// ---------------------------------------------------------------------------------------------------------------
// Go's fmt %v is the engine's own (fmt.ts), so functions print values exactly as templates do.

export { formatValue };

/** Byte-wise comparison of strings, as Go's `<` on strings (UTF-8 order equals code point order). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point order only between surrogates (code points above U+FFFF) and
    // U+E000..U+FFFF.
    const xHigh = x >= 0xd800 && x <= 0xdfff;
    const yHigh = y >= 0xd800 && y <= 0xdfff;
    if (xHigh !== yHigh && (xHigh ? y : x) >= 0xe000) return xHigh ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** Sprig's strval: strings and []byte as text, Stringers via String(), anything else with %v. */
export function toStringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return decodeUtf8(value);
  return formatValue(value);
}

// ---------------------------------------------------------------------------------------------------------------
// UTF-8: Go strings are byte strings, so byte offsets (substr, trunc) work on the UTF-8 encoding. Bytes that are
// not valid UTF-8 survive the round trip (crypto-bytes.ts).

/** The bytes of a Go string. */
export const encodeUtf8 = goStringToBytes;

/** The Go string holding these bytes. */
export const decodeUtf8 = bytesToGoString;

/** Number of bytes of the string (Go's len(s)). */
export const byteLength = goByteLength;

/** Go's s[start:end] on the UTF-8 bytes, panicking like Go when the bounds are out of range. */
export function sliceBytes(text: string, start: number, end?: number): string {
  const bytes = encodeUtf8(text);
  const stop = end ?? bytes.length;
  if (stop > bytes.length) fail(`runtime error: slice bounds out of range [:${stop}] with length ${bytes.length}`);
  if (start > stop) fail(`runtime error: slice bounds out of range [${start}:${stop}]`);
  return decodeUtf8(bytes.subarray(start, stop));
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers: conversions with the behaviour of spf13/cast v1.7 (used by Sprig's math and conversion functions).

const INT64_MIN = -(2n ** 63n);

/** Go's int64(f) on amd64: truncation, with the "integer indefinite" value for NaN and out-of-range input. */
export function floatToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 2 ** 63 || f < -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

/** strconv.ParseInt(s, 0, 64): sign, base prefixes 0x/0o/0b/0, underscores between digits only with a prefix. */
export function parseGoInt(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', body = ''] = match;
  let digits = body;
  let radix = 10;
  const prefix = body.slice(0, 2).toLowerCase();
  if (prefix === '0x' || prefix === '0b' || prefix === '0o') {
    radix = prefix === '0x' ? 16 : prefix === '0b' ? 2 : 8;
    digits = body.slice(2);
  } else if (body.length > 1 && body.startsWith('0')) {
    radix = 8;
    digits = body.slice(1);
  }
  if (body.includes('_')) {
    if (!underscoresOk(body)) return undefined;
    digits = digits.replaceAll('_', '');
  }
  if (digits === '') return radix === 8 && body === '0' ? 0n : undefined;
  let result = 0n;
  for (const ch of digits) result = result * BigInt(radix) + BigInt(Number.parseInt(ch, radix));
  if (sign === '-') result = -result;
  if (result < INT64_MIN || result > 2n ** 63n - 1n) return undefined;
  return result;
}

/**
 * Go's underscoreOK: in a literal an underscore must sit between digits, or right after a base prefix (0x_1F).
 */
function underscoresOk(literal: string): boolean {
  const body = literal.replace(/^[+-]/, '');
  const prefixed = /^0[xXbBoO]/.test(body);
  const chars = prefixed ? `0${body.slice(2)}` : body;
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== '_') continue;
    const before = chars[i - 1] ?? '';
    const after = chars[i + 1] ?? '';
    if (!/[0-9a-fA-F]/.test(before) || !/[0-9a-fA-F]/.test(after)) return false;
  }
  return true;
}

/** strconv.ParseFloat(s, 64); undefined where Go reports an error (syntax or overflow). */
export function parseGoFloat(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2]?.toLowerCase() === 'nan') return special[1] === '' ? Number.NaN : undefined;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[+-]?([\d_]+\.?[\d_]*|\.[\d_]+)([eE][+-]?[\d_]+)?$/.test(text) && /\d/.test(text)) {
    if (/(^|[^0-9])_|_($|[^0-9])/.test(text)) return undefined;
    const value = Number(text.replaceAll('_', ''));
    return Number.isFinite(value) ? value : undefined;
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(text);
  if (hex && (hex[2] !== '' || hex[3] !== '')) {
    const intPart = hex[2] ?? '';
    const fracPart = hex[3] ?? '';
    const mantissa = Number.parseInt(`${intPart}${fracPart}` || '0', 16);
    const value = mantissa * 2 ** (Number(hex[4]) - 4 * fracPart.length);
    if (!Number.isFinite(value)) return undefined;
    return hex[1] === '-' ? -value : value;
  }
  return undefined;
}

/** cast's trimZeroDecimal: "12.00" parses as an integer, "12.5" does not. */
function trimZeroDecimal(text: string): string {
  let foundZero = false;
  for (let i = text.length; i > 0; i--) {
    const ch = text[i - 1];
    if (ch === '.') {
      if (foundZero) return text.slice(0, i - 1);
    } else if (ch === '0') {
      foundZero = true;
    } else {
      return text;
    }
  }
  return text;
}

/** cast.ToInt64E; undefined where cast reports an error (the non-E variants then use 0). */
export function castToInt64(value: unknown): bigint | undefined {
  if (value === null || value === undefined) return 0n;
  switch (typeof value) {
    case 'bigint':
      return value;
    case 'number':
      return floatToInt64(value);
    case 'boolean':
      return value ? 1n : 0n;
    case 'string':
      return parseGoInt(trimZeroDecimal(value));
  }
  if (value instanceof GoNumber) {
    if (typeof value.value === 'number') return floatToInt64(value.value);
    return BigInt.asIntN(64, value.value);
  }
  return undefined;
}

/** cast.ToInt64: 0 on failure. */
export function toInt64(value: unknown): bigint {
  return castToInt64(value) ?? 0n;
}

/** cast.ToFloat64E; undefined on failure. */
export function castToFloat64(value: unknown): number | undefined {
  if (value === null || value === undefined) return 0;
  switch (typeof value) {
    case 'bigint':
      return Number(value);
    case 'number':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'string':
      return parseGoFloat(value);
  }
  if (value instanceof GoNumber) return Number(value.value);
  return undefined;
}

/** cast.ToFloat64: 0 on failure. */
export function toFloat64(value: unknown): number {
  return castToFloat64(value) ?? 0;
}

/** An int64 result (Sprig's math functions return int64, which templates see as a distinct type from int). */
export function int64(value: bigint): GoNumber {
  return new GoNumber('int64', BigInt.asIntN(64, value));
}

/** Wraps to Go's 64-bit int. */
export function wrapInt(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** The integer value of an argument declared as Go `int` (the engine passes bigint; numbers are tolerated). */
export function intArg(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Math.trunc(value);
  if (value instanceof GoNumber) return Number(value.value);
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Sprig's notion of emptiness and Go's reflect.DeepEqual on the value model.

/** Sprig's `empty`: zero values of their type, empty collections, nil. */
export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (typeof value) {
    case 'boolean':
      return !value;
    case 'string':
      return value.length === 0;
    case 'bigint':
      return value === 0n;
    case 'number':
      return value === 0;
  }
  if (value instanceof GoNumber) return value.value === 0 || value.value === 0n;
  if (value instanceof GoComplex) return value.re === 0 && value.im === 0;
  if (value instanceof Uint8Array || Array.isArray(value)) return value.length === 0;
  if (value instanceof Map) return value.size === 0;
  if (isGoObject(value)) return false;
  if (isGoMap(value)) return Object.keys(value).length === 0;
  return false;
}

/** reflect.DeepEqual: same Go type and deeply equal contents (NaN is unequal to itself). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) return a === b;
  if (goTypeOf(a) !== goTypeOf(b)) return false;
  if (typeof a !== 'object') return a === b;
  if (a instanceof GoNumber && b instanceof GoNumber) return a.value === b.value;
  if (a instanceof GoComplex && b instanceof GoComplex) return a.re === b.re && a.im === b.im;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (isGoObject(a) || isGoObject(b)) {
    if (a === b) return true;
    const sa = (a as { goString?: () => string }).goString?.();
    const sb = (b as { goString?: () => string }).goString?.();
    return sa !== undefined && sa === sb;
  }
  if (isGoMap(a) && isGoMap(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A deep copy of a value (copystructure): maps and slices are copied, leaves are shared. */
export function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) {
    const copy = value.map(deepCopy);
    const tag = taggedGoType(value);
    return tag ? withGoType(copy, tag) : copy;
  }
  if (value instanceof Uint8Array) return value.slice();
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, deepCopy(v)]));
  if (isGoMap(value)) {
    const copy = newGoMap();
    for (const key of Object.keys(value)) copy[key] = deepCopy(value[key]);
    const tag = taggedGoType(value);
    return tag ? withGoType(copy, tag) : copy;
  }
  return value;
}
