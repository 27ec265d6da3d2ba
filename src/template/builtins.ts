// Go text/template's predefined functions (and, or, not, len, index, slice, eq, ne, lt, le, gt, ge, print,
// printf, println, html, js, urlquery, call) as engine functions. and/or short-circuit and call's callee name
// are handled by the evaluator; everything else is here. Errors are TemplateFunctionError with Go's text.

import type { GoComplex } from './complex.js';
import { escaperArgs, htmlEscape, jsEscape, queryEscape } from './escape.js';
import { sprint, sprintf, sprintln } from './fmt.js';
import { TemplateFunctionError } from './functions/contract.js';
import { utf8Decode, utf8Encode, utf8Length } from './literals.js';
import type { EngineFunction } from './nodes.js';
import {
  basicKind,
  compareStrings,
  floatValue,
  intValue,
  isPlainMap,
  isTrue,
  Kind,
  mapGet,
  taggedElemType,
  typeName,
  zeroOfType,
} from './types.js';
import { GoNumber } from './values.js';

/** Builtin ids the evaluator treats specially. */
export const BUILTIN_AND = 1;
export const BUILTIN_OR = 2;
export const BUILTIN_CALL = 3;
export const BUILTIN_OTHER = 4;

function fail(message: string): never {
  throw new TemplateFunctionError(message);
}

/** An error whose Go text quotes data values; `redacted` is the same text without them. */
export class ValueQuotingError extends TemplateFunctionError {
  constructor(
    message: string,
    readonly redacted: string,
  ) {
    super(message);
  }
}

/** A nil interface value behaves like a missing one inside builtins (Go's indirectInterface). */
function unwrap(v: unknown): unknown {
  return v === null ? undefined : v;
}

function truth(v: unknown): boolean {
  return isTrue(v);
}

function length(item: unknown): bigint {
  if (item === null) fail('len of nil pointer');
  if (item === undefined) fail('reflect: call of reflect.Value.Type on zero Value');
  if (typeof item === 'string') return BigInt(utf8Length(item));
  if (Array.isArray(item) || item instanceof Uint8Array) return BigInt(item.length);
  if (item instanceof Map) return BigInt(item.size);
  if (typeof item === 'object' && isPlainMap(item)) return BigInt(Object.keys(item).length);
  fail(`len of type ${typeName(item)}`);
}

/** Go's indexArg: an integer index in [0, cap]. */
function indexArg(index: unknown, cap: number): number {
  index = unwrap(index);
  let x: bigint;
  if (typeof index === 'bigint') x = index;
  else if (index instanceof GoNumber && index.kind !== 'float32') x = intValue(index);
  else if (index === undefined) fail('cannot index slice/array with nil');
  else fail(`cannot index slice/array with type ${typeName(index)}`);
  if (x < 0n || x > BigInt(cap)) fail(`index out of range: ${x}`);
  return Number(x);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  item = unwrap(item);
  if (item === undefined) fail('index of untyped nil');
  for (const idx of indexes) {
    if (item === null || item === undefined) fail('index of nil pointer');
    if (Array.isArray(item)) {
      const x = indexArg(idx, item.length);
      if (x === item.length) fail('reflect: slice index out of range');
      item = item[x];
    } else if (item instanceof Uint8Array) {
      const x = indexArg(idx, item.length);
      if (x === item.length) fail('reflect: slice index out of range');
      item = new GoNumber('uint8', item[x]!);
    } else if (typeof item === 'string') {
      const bytes = isAscii(item) ? null : utf8Encode(item);
      const len = bytes === null ? item.length : bytes.length;
      const x = indexArg(idx, len);
      if (x === len) fail('reflect: string index out of range');
      item = new GoNumber('uint8', bytes === null ? item.charCodeAt(x) : bytes[x]!);
    } else if (item instanceof Map) {
      const key = unwrap(idx);
      if (key === undefined) fail('value is nil; should be of type interface {}');
      item = item.has(key) ? item.get(key) : null;
    } else if (typeof item === 'object' && isPlainMap(item)) {
      const key = unwrap(idx);
      if (key === undefined) fail('value is nil; should be of type string');
      if (typeof key !== 'string') fail(`value has type ${typeName(key)}; should be string`);
      const v = mapGet(item, key);
      item = v === undefined ? zeroOfType(taggedElemType(item)) : v;
    } else {
      fail(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  item = unwrap(item);
  if (item === undefined) fail('slice of untyped nil');
  if (indexes.length > 3) fail(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let bytes: Uint8Array | null = null;
  if (typeof item === 'string') {
    if (indexes.length === 3) fail('cannot 3-index slice a string');
    if (!isAscii(item)) bytes = utf8Encode(item);
    len = bytes === null ? item.length : bytes.length;
  } else if (Array.isArray(item) || item instanceof Uint8Array) {
    len = item.length;
  } else {
    fail(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, len];
  for (let i = 0; i < indexes.length; i++) idx[i] = indexArg(indexes[i], len);
  if (idx[0]! > idx[1]!) fail(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) fail(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') {
    return bytes === null ? item.slice(idx[0], idx[1]) : utf8Decode(bytes.subarray(idx[0], idx[1]));
  }
  if (item instanceof Uint8Array) return item.slice(idx[0], idx[1]);
  const out = (item as unknown[]).slice(idx[0], idx[1]);
  const tag = Symbol.for('custos.template.goType');
  const t = (item as unknown as Record<symbol, unknown>)[tag];
  if (t !== undefined) Object.defineProperty(out, tag, { value: t, enumerable: false, configurable: true });
  return out;
}

function incompatible(a: unknown, b: unknown): never {
  fail(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
}

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  const a = unwrap(arg1);
  if (arg2.length === 0) fail('missing argument for comparison');
  const k1 = basicKind(a);
  for (const raw of arg2) {
    const b = unwrap(raw);
    const k2 = basicKind(b);
    let t = false;
    if (k1 !== k2) {
      if (k1 === Kind.Int && k2 === Kind.Uint) t = intValue(a) >= 0n && intValue(a) === intValue(b);
      else if (k1 === Kind.Uint && k2 === Kind.Int) t = intValue(b) >= 0n && intValue(a) === intValue(b);
      else if (a !== undefined && b !== undefined) incompatible(a, b);
    } else {
      switch (k1) {
        case Kind.Bool:
        case Kind.String:
          t = a === b;
          break;
        case Kind.Int:
        case Kind.Uint:
          t = intValue(a) === intValue(b);
          break;
        case Kind.Float:
          t = floatValue(a) === floatValue(b);
          break;
        case Kind.Complex:
          t = (a as GoComplex).re === (b as GoComplex).re && (a as GoComplex).im === (b as GoComplex).im;
          break;
        case Kind.Invalid:
          t = true;
          break;
        default:
          if (typeName(a) !== typeName(b))
            throw new ValueQuotingError(
              `non-comparable types ${sprintf('%s', [a])}: ${typeName(a)}, ${typeName(b)}: ${sprintf('%v', [b])}`,
              `non-comparable types <redacted>: ${typeName(a)}, ${typeName(b)}: <redacted>`,
            );
          if (
            Array.isArray(b) ||
            b instanceof Uint8Array ||
            b instanceof Map ||
            (typeof b === 'object' && isPlainMap(b as object))
          ) {
            throw new ValueQuotingError(
              `non-comparable type ${sprintf('%s', [b])}: ${typeName(b)}`,
              `non-comparable type <redacted>: ${typeName(b)}`,
            );
          }
          t = a === b;
      }
    }
    if (t) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const a = unwrap(arg1);
  const k1 = basicKind(a);
  if (k1 === Kind.Invalid || k1 === Kind.Other) fail('invalid type for comparison');
  const b = unwrap(arg2);
  const k2 = basicKind(b);
  if (k2 === Kind.Invalid || k2 === Kind.Other) fail('invalid type for comparison');
  if (k1 !== k2) {
    if (k1 === Kind.Int && k2 === Kind.Uint) return intValue(a) < 0n || intValue(a) < intValue(b);
    if (k1 === Kind.Uint && k2 === Kind.Int) return intValue(b) >= 0n && intValue(a) < intValue(b);
    incompatible(a, b);
  }
  switch (k1) {
    case Kind.Bool:
    case Kind.Complex:
      return fail('invalid type for comparison');
    case Kind.Float:
      return floatValue(a) < floatValue(b);
    case Kind.Int:
    case Kind.Uint:
      return intValue(a) < intValue(b);
    default:
      return compareStrings(a as string, b as string) < 0;
  }
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

function call(fn: unknown, ...args: unknown[]): unknown {
  // The evaluator passes the callee's name first.
  const name = fn as string;
  const f = unwrap(args[0]);
  if (f === undefined) fail('call of nil');
  if (typeof f !== 'function') fail(`non-function ${name} of type ${typeName(f)}`);
  return (f as (...a: unknown[]) => unknown)(...args.slice(1));
}

const R = 'reflect' as const;

/** The builtins by name, with the parameter shapes Go declares for them. */
export const builtinFunctions: ReadonlyMap<string, EngineFunction & { id: number }> = new Map<
  string,
  EngineFunction & { id: number }
>([
  ['and', { id: BUILTIN_AND, params: [R], variadic: R, fn: () => undefined }],
  ['or', { id: BUILTIN_OR, params: [R], variadic: R, fn: () => undefined }],
  ['not', { id: BUILTIN_OTHER, params: [R], fn: (v: unknown) => !truth(v) }],
  ['len', { id: BUILTIN_OTHER, params: [R], fn: length }],
  ['index', { id: BUILTIN_OTHER, params: [R], variadic: R, fn: index }],
  ['slice', { id: BUILTIN_OTHER, params: [R], variadic: R, fn: slice }],
  ['eq', { id: BUILTIN_OTHER, params: [R], variadic: R, fn: eq }],
  ['ne', { id: BUILTIN_OTHER, params: [R, R], fn: (a: unknown, b: unknown) => !eq(a, b) }],
  ['lt', { id: BUILTIN_OTHER, params: [R, R], fn: lt }],
  ['le', { id: BUILTIN_OTHER, params: [R, R], fn: le }],
  ['gt', { id: BUILTIN_OTHER, params: [R, R], fn: (a: unknown, b: unknown) => !le(a, b) }],
  ['ge', { id: BUILTIN_OTHER, params: [R, R], fn: (a: unknown, b: unknown) => !lt(a, b) }],
  ['print', { id: BUILTIN_OTHER, params: [], variadic: 'any', fn: (...a: unknown[]) => sprint(a) }],
  [
    'printf',
    { id: BUILTIN_OTHER, params: ['string'], variadic: 'any', fn: (f: string, ...a: unknown[]) => sprintf(f, a) },
  ],
  ['println', { id: BUILTIN_OTHER, params: [], variadic: 'any', fn: (...a: unknown[]) => sprintln(a) }],
  ['html', { id: BUILTIN_OTHER, params: [], variadic: 'any', fn: (...a: unknown[]) => htmlEscape(escaperArgs(a)) }],
  ['js', { id: BUILTIN_OTHER, params: [], variadic: 'any', fn: (...a: unknown[]) => jsEscape(escaperArgs(a)) }],
  [
    'urlquery',
    { id: BUILTIN_OTHER, params: [], variadic: 'any', fn: (...a: unknown[]) => queryEscape(escaperArgs(a)) },
  ],
  ['call', { id: BUILTIN_CALL, params: [R], variadic: R, fn: call }],
]);
