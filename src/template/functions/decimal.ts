// Exact decimal arithmetic for Sprig's float functions (addf, subf, mulf, divf, add1f), which go through
// shopspring/decimal: each float becomes the shortest decimal that round-trips, the operation is exact (division
// rounds half away from zero at 16 decimal places), and the result is converted back to the nearest float64.

import { formatFloat64 } from '../fmt.js';
import { fail } from './support.js';

/** coefficient * 10^exponent */
export interface Decimal {
  coefficient: bigint;
  exponent: number;
}

const DIVISION_PLACES = 16;

/** decimal.NewFromFloat; Go panics for NaN and infinities. */
export function decimalFromFloat(value: number): Decimal {
  if (!Number.isFinite(value)) fail(`Cannot create a Decimal from ${formatFloat64(value)}`);
  if (value === 0) return { coefficient: 0n, exponent: 0 };
  const [mantissa = '0', exp = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const coefficient = BigInt(digits) * (value < 0 ? -1n : 1n);
  return { coefficient, exponent: Number(exp) - (digits.length - 1) };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exponent = Math.min(a.exponent, b.exponent);
  return [
    a.coefficient * 10n ** BigInt(a.exponent - exponent),
    b.coefficient * 10n ** BigInt(b.exponent - exponent),
    exponent,
  ];
}

export function decimalAdd(a: Decimal, b: Decimal): Decimal {
  const [x, y, exponent] = align(a, b);
  return { coefficient: x + y, exponent };
}

export function decimalSub(a: Decimal, b: Decimal): Decimal {
  const [x, y, exponent] = align(a, b);
  return { coefficient: x - y, exponent };
}

export function decimalMul(a: Decimal, b: Decimal): Decimal {
  return { coefficient: a.coefficient * b.coefficient, exponent: a.exponent + b.exponent };
}

/** a / b rounded to 16 decimal places, half away from zero; Go panics on a zero divisor. */
export function decimalDiv(a: Decimal, b: Decimal): Decimal {
  if (b.coefficient === 0n) fail('decimal division by 0');
  // a/b = (ca / cb) * 10^(ea - eb); scale so the integer quotient has DIVISION_PLACES fractional digits.
  const shift = DIVISION_PLACES + a.exponent - b.exponent;
  let numerator = a.coefficient;
  let denominator = b.coefficient;
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let quotient = magnitude / denominator;
  if ((magnitude % denominator) * 2n >= denominator) quotient += 1n;
  return { coefficient: negative ? -quotient : quotient, exponent: -DIVISION_PLACES };
}

/** The nearest float64 to the decimal. */
export function decimalToFloat(value: Decimal): number {
  return Number(`${value.coefficient}e${value.exponent}`);
}
