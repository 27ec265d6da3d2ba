// Sprig's type conversion and string-splitting functions: toString, atoi, int, int64, float64, toDecimal,
// toStrings, split/splitList/splitn, join, sortAlpha, seq, until, untilStep.

import { newGoMap } from '../values.js';
import type { FunctionMap } from './contract.js';
import {
  compareStrings,
  fail,
  fixed,
  formatValue,
  int64,
  intArg,
  intSlice,
  isList,
  listItems,
  stringSlice,
  toFloat64,
  toInt64,
  toStringValue,
  variadic,
  withGoType,
} from './support.js';

/** Most elements a generated integer list may have (Go would happily build billions and run out of memory). */
export const MAX_RANGE_LENGTH = 10_000_000;

/** strconv.Atoi: base 10 only; out-of-range values clamp to the int64 limits, syntax errors give 0. */
function atoi(text: string): bigint {
  const match = /^[+-]?[0-9]+$/.exec(text);
  if (!match) return 0n;
  const value = BigInt(text);
  const max = 2n ** 63n - 1n;
  if (value > max) return max;
  if (value < -max - 1n) return -max - 1n;
  return value;
}

/** strconv.ParseInt(s, 8, 64) on the %v text of a value; 0 on any error. */
function toDecimal(value: unknown): bigint {
  const text = formatValue(value);
  if (!/^[+-]?[0-7]+$/.test(text)) return 0n;
  const digits = text.replace(/^[+-]/, '');
  let result = 0n;
  for (const ch of digits) result = result * 8n + BigInt(ch);
  if (text.startsWith('-')) result = -result;
  if (result > 2n ** 63n - 1n || result < -(2n ** 63n)) return 0n;
  return result;
}

/** Sprig's strslice: a list becomes its non-nil elements as strings; any other non-nil value a one-element list. */
export function toStringList(value: unknown): string[] {
  if (value === null || value === undefined) return stringSlice([]);
  if (isList(value)) {
    return stringSlice(
      listItems(value)
        .filter((v) => v !== null && v !== undefined)
        .map(toStringValue),
    );
  }
  return stringSlice([toStringValue(value)]);
}

/** strings.Split: an empty separator splits into runes. */
function goSplit(text: string, separator: string, limit = -1): string[] {
  if (limit === 0) return [];
  if (separator === '') {
    const runes = [...text];
    if (limit < 0 || limit >= runes.length) return runes;
    return [...runes.slice(0, limit - 1), runes.slice(limit - 1).join('')];
  }
  const parts = text.split(separator);
  if (limit < 0 || limit >= parts.length) return parts;
  return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(separator)];
}

function indexedMap(parts: string[]): Record<string, unknown> {
  const map = newGoMap();
  parts.forEach((part, i) => {
    map[`_${i}`] = part;
  });
  return withGoType(map, 'map[string]string');
}

/** Sprig's untilStep: integers from start towards stop (exclusive) by step; empty when step points away. */
export function untilStep(start: number, stop: number, step: number): bigint[] {
  const values: bigint[] = [];
  if (step === 0 || (stop < start && step > 0) || (stop >= start && step < 0)) return intSlice(values);
  const count = Math.ceil(Math.abs(stop - start) / Math.abs(step));
  if (count > MAX_RANGE_LENGTH) fail(`untilStep: ${count} elements exceed the limit of ${MAX_RANGE_LENGTH}`);
  if (step > 0) for (let i = start; i < stop; i += step) values.push(BigInt(i));
  else for (let i = start; i > stop; i += step) values.push(BigInt(i));
  return intSlice(values);
}

/** Sprig's seq, modelled on GNU seq: `seq END`, `seq START END`, `seq START STEP END`, counting down as needed. */
function seq(params: number[]): string {
  let values: bigint[];
  if (params.length === 1) {
    const end = params[0] as number;
    const step = end < 1 ? -1 : 1;
    values = untilStep(1, end + step, step);
  } else if (params.length === 2) {
    const [start, end] = params as [number, number];
    const step = end < start ? -1 : 1;
    values = untilStep(start, end + step, step);
  } else if (params.length === 3) {
    const [start, step, end] = params as [number, number, number];
    if (end < start && step > 0) return '';
    values = untilStep(start, end + (end < start ? -1 : 1), step);
  } else {
    return '';
  }
  return values.join(' ');
}

export const conversionFunctions: FunctionMap = {
  toString: fixed(['any'], (v: unknown) => toStringValue(v)),
  atoi: fixed(['string'], (s: string) => atoi(s)),
  int: fixed(['any'], (v: unknown) => toInt64(v)),
  int64: fixed(['any'], (v: unknown) => int64(toInt64(v))),
  float64: fixed(['any'], (v: unknown) => toFloat64(v)),
  toDecimal: fixed(['any'], (v: unknown) => int64(toDecimal(v))),
  toStrings: fixed(['any'], (v: unknown) => toStringList(v)),
  split: fixed(['string', 'string'], (sep: string, s: string) => indexedMap(goSplit(s, sep))),
  splitList: fixed(['string', 'string'], (sep: string, s: string) => stringSlice(goSplit(s, sep))),
  splitn: fixed(['string', 'int', 'string'], (sep: string, n: bigint, s: string) =>
    indexedMap(goSplit(s, sep, intArg(n))),
  ),
  join: fixed(['string', 'any'], (sep: string, v: unknown) => toStringList(v).join(sep)),
  sortAlpha: fixed(['any'], (v: unknown) => {
    if (!isList(v)) return stringSlice([toStringValue(v)]);
    return stringSlice([...toStringList(v)].sort(compareStrings));
  }),
  seq: variadic([], 'int', (params: bigint[]) => seq(params.map(intArg))),
  until: fixed(['int'], (count: bigint) => {
    const n = intArg(count);
    return untilStep(0, n, n < 0 ? -1 : 1);
  }),
  untilStep: fixed(['int', 'int', 'int'], (start: bigint, stop: bigint, step: bigint) =>
    untilStep(intArg(start), intArg(stop), intArg(step)),
  ),
};
