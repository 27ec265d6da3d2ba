// Go type facts about values of the value model (values.ts): type names as %T and reflect print them,
// truthiness, map key ordering, and the kind classes used by comparisons.

import { GoComplex } from './complex.js';
import { GoNumber, isGoObject } from './values.js';

/** The tag the function library puts on composite values to record their Go type (e.g. "[]string"). */
const goTypeTag = Symbol.for('custos.template.goType');

function taggedType(value: object): string | undefined {
  return (value as { [goTypeTag]?: string })[goTypeTag];
}

/** Go's type name of a value, as %T and error messages print it. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'function':
      return 'func(...interface {}) interface {}';
    case 'undefined':
      return '<nil>';
  }
  if (v === null) return '<nil>';
  if (v instanceof GoNumber) return v.kind;
  if (v instanceof GoComplex) return 'complex128';
  if (Array.isArray(v)) return taggedType(v) ?? '[]interface {}';
  if (v instanceof Uint8Array) return '[]uint8';
  if (v instanceof Map) return taggedType(v) ?? 'map[interface {}]interface {}';
  if (isGoObject(v)) return v.goTypeName();
  if (typeof v === 'object') return taggedType(v) ?? 'map[string]interface {}';
  return 'interface {}';
}

/** The element type name of a tagged typed map or slice ("map[string]string" -> "string"), if any. */
export function taggedElemType(v: object): string | undefined {
  const t = taggedType(v);
  if (t === undefined) return undefined;
  if (t.startsWith('[]')) return t.slice(2);
  if (t.startsWith('map[')) return t.slice(t.indexOf(']') + 1);
  return undefined;
}

/** Go's zero value of an element type name; nil (null) for interface and reference types. */
export function zeroOfType(elem: string | undefined): unknown {
  switch (elem) {
    case 'string':
      return '';
    case 'int':
      return 0n;
    case 'float64':
      return 0;
    case 'bool':
      return false;
  }
  return null;
}

/** True for map[string]... values: objects with a null or the plain Object prototype. */
export function isPlainMap(v: object): v is Record<string, unknown> {
  const p = Object.getPrototypeOf(v);
  return p === null || (p === Object.prototype && !isGoObject(v));
}

/** Reads a key of a plain map; undefined when absent. */
export function mapGet(m: Record<string, unknown>, key: string): unknown {
  const v = m[key];
  if (v === undefined) return undefined;
  if (Object.getPrototypeOf(m) !== null && !Object.hasOwn(m, key)) return undefined;
  return v;
}

/** Go's template truth: false, 0, nil, empty string/slice/map are false; structs are true. */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'string':
      return v.length > 0;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'undefined':
      return false;
    case 'function':
      return true;
  }
  if (v === null) return false;
  if (v instanceof GoNumber) return typeof v.value === 'bigint' ? v.value !== 0n : v.value !== 0;
  if (v instanceof GoComplex) return v.re !== 0 || v.im !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Uint8Array) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isGoObject(v)) return true;
  if (typeof v === 'object') {
    for (const _ in v) return true;
    return false;
  }
  return true;
}

/** Compares strings by UTF-8 byte order (Go's string order), which differs from UTF-16 order above U+D7FF. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
      y = y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Sorted keys of a plain map (Go sorts map keys when printing and ranging). */
export function sortedKeys(m: Record<string, unknown>): string[] {
  const keys = Object.keys(m);
  let ascii = true;
  for (const k of keys) {
    for (let i = 0; i < k.length; i++) {
      if (k.charCodeAt(i) >= 0xd800) {
        ascii = false;
        break;
      }
    }
    if (!ascii) break;
  }
  return ascii ? keys.sort() : keys.sort(compareStrings);
}

/** Go's ordering of map keys of any basic type (fmtsort). */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  const x = numericValue(a);
  const y = numericValue(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return compareStrings(typeName(a), typeName(b));
}

function numericValue(v: unknown): bigint | number | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (v instanceof GoNumber) return v.value;
  return undefined;
}

/** Sorted entries of a Map value. */
export function sortedMapEntries(m: Map<unknown, unknown>): [unknown, unknown][] {
  return [...m.entries()].sort((p, q) => compareKeys(p[0], q[0]));
}

export const Kind = { Invalid: 0, Bool: 1, Int: 2, Uint: 3, Float: 4, String: 5, Complex: 6, Other: 7 } as const;
export type KindClass = (typeof Kind)[keyof typeof Kind];

/** The basic kind class of a value, as the comparison builtins group them. */
export function basicKind(v: unknown): KindClass {
  switch (typeof v) {
    case 'boolean':
      return Kind.Bool;
    case 'bigint':
      return Kind.Int;
    case 'number':
      return Kind.Float;
    case 'string':
      return Kind.String;
    case 'undefined':
      return Kind.Invalid;
  }
  if (v === null) return Kind.Invalid;
  if (v instanceof GoNumber) {
    if (v.kind === 'float32') return Kind.Float;
    return v.kind.startsWith('u') ? Kind.Uint : Kind.Int;
  }
  if (v instanceof GoComplex) return Kind.Complex;
  return Kind.Other;
}

/** The integer value of an int-like value (int, GoNumber of an integer kind). */
export function intValue(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof GoNumber) return typeof v.value === 'bigint' ? v.value : BigInt(Math.trunc(v.value));
  return 0n;
}

/** The float value of a float-like value. */
export function floatValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof GoNumber) return Number(v.value);
  return 0;
}
