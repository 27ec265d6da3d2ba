// Sprig's math. Integer functions convert every argument with cast.ToInt64 (strings parse, floats truncate, bools
// are 0/1, anything unconvertible is 0) and return int64, wrapping on overflow like Go. Float functions convert
// with cast.ToFloat64; addf/subf/mulf/divf/add1f compute in decimal (see decimal.ts).

import type { FunctionMap } from './contract.js';
import {
  type Decimal,
  decimalAdd,
  decimalDiv,
  decimalFromFloat,
  decimalMul,
  decimalSub,
  decimalToFloat,
} from './decimal.js';
import { fail, fixed, int64, toFloat64, toInt64, variadic, wrapInt } from './support.js';

const DIVIDE_BY_ZERO = 'runtime error: integer divide by zero';

function decimalChain(first: unknown, rest: unknown[], op: (a: Decimal, b: Decimal) => Decimal): number {
  let result = decimalFromFloat(toFloat64(first));
  for (const value of rest) result = op(result, decimalFromFloat(toFloat64(value)));
  return decimalToFloat(result);
}

/** Sprig's round: rounds up when the fractional part of value*10^places reaches roundOn (default .5). */
function round(value: unknown, places: number, roundOn: number): number {
  const pow = 10 ** places;
  const scaled = pow * toFloat64(value);
  const fraction = scaled - Math.trunc(scaled);
  const rounded = fraction >= roundOn ? Math.ceil(scaled) : Math.floor(scaled);
  return rounded / pow;
}

function goDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) fail(DIVIDE_BY_ZERO);
  return wrapInt(a / b);
}

function goMod(a: bigint, b: bigint): bigint {
  if (b === 0n) fail(DIVIDE_BY_ZERO);
  return a % b;
}

function maxOf(first: unknown, rest: unknown[]): bigint {
  let result = toInt64(first);
  for (const value of rest) {
    const n = toInt64(value);
    if (n > result) result = n;
  }
  return result;
}

function minOf(first: unknown, rest: unknown[]): bigint {
  let result = toInt64(first);
  for (const value of rest) {
    const n = toInt64(value);
    if (n < result) result = n;
  }
  return result;
}

function maxFloat(first: unknown, rest: unknown[]): number {
  let result = toFloat64(first);
  for (const value of rest) result = goMax(result, toFloat64(value));
  return result;
}

function minFloat(first: unknown, rest: unknown[]): number {
  let result = toFloat64(first);
  for (const value of rest) result = goMin(result, toFloat64(value));
  return result;
}

/** math.Max: NaN wins, +Inf wins, +0 beats -0. */
function goMax(a: number, b: number): number {
  return Math.max(a, b);
}

function goMin(a: number, b: number): number {
  return Math.min(a, b);
}

export const mathFunctions: FunctionMap = {
  add: variadic([], 'any', (values: unknown[]) => int64(values.reduce<bigint>((sum, v) => sum + toInt64(v), 0n))),
  add1: fixed(['any'], (a: unknown) => int64(toInt64(a) + 1n)),
  sub: fixed(['any', 'any'], (a: unknown, b: unknown) => int64(toInt64(a) - toInt64(b))),
  div: fixed(['any', 'any'], (a: unknown, b: unknown) => int64(goDiv(toInt64(a), toInt64(b)))),
  mod: fixed(['any', 'any'], (a: unknown, b: unknown) => int64(goMod(toInt64(a), toInt64(b)))),
  mul: variadic(['any'], 'any', (a: unknown, rest: unknown[]) =>
    int64(rest.reduce<bigint>((product, v) => wrapInt(product * toInt64(v)), toInt64(a))),
  ),
  max: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => int64(maxOf(a, rest))),
  biggest: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => int64(maxOf(a, rest))),
  min: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => int64(minOf(a, rest))),
  floor: fixed(['any'], (a: unknown) => Math.floor(toFloat64(a))),
  ceil: fixed(['any'], (a: unknown) => Math.ceil(toFloat64(a))),
  round: variadic(['any', 'int'], 'float64', (a: unknown, places: bigint, options: number[]) =>
    round(a, Number(places), options[0] ?? 0.5),
  ),
  addf: variadic([], 'any', (values: unknown[]) => decimalChain(0, values, decimalAdd)),
  add1f: fixed(['any'], (a: unknown) => decimalChain(a, [1n], decimalAdd)),
  subf: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => decimalChain(a, rest, decimalSub)),
  mulf: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => decimalChain(a, rest, decimalMul)),
  divf: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => decimalChain(a, rest, decimalDiv)),
  maxf: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => maxFloat(a, rest)),
  minf: variadic(['any'], 'any', (a: unknown, rest: unknown[]) => minFloat(a, rest)),
};
