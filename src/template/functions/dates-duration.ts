// Go's time.Duration: an int64 count of nanoseconds, its String() form ("1h2m3.5s", "1.5µs") and
// time.ParseDuration ("-1.5h", "2h45m", "300ms").

import type { GoObject } from '../values.js';
import { GoNumber } from '../values.js';
import { quoteGoTimeString } from './crypto-bytes.js';

export const NANOSECOND = 1n;
export const MICROSECOND = 1000n;
export const MILLISECOND = 1_000_000n;
export const SECOND = 1_000_000_000n;
export const MINUTE = 60n * SECOND;
export const HOUR = 60n * MINUTE;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export class GoDurationError extends Error {}

/** A time.Duration value as templates see it (what `.Sub` and `dateModify`-style helpers produce). */
export class GoDuration implements GoObject {
  constructor(readonly nanos: bigint) {}

  goTypeName(): string {
    return 'time.Duration';
  }

  goString(): string {
    return formatDuration(this.nanos);
  }

  goField(name: string): unknown {
    switch (name) {
      case 'String':
        return formatDuration(this.nanos);
      case 'Nanoseconds':
        return new GoNumber('int64', this.nanos);
      case 'Microseconds':
        return new GoNumber('int64', this.nanos / MICROSECOND);
      case 'Milliseconds':
        return new GoNumber('int64', this.nanos / MILLISECOND);
      case 'Seconds':
        return splitFloat(this.nanos, SECOND);
      case 'Minutes':
        return splitFloat(this.nanos, MINUTE);
      case 'Hours':
        return splitFloat(this.nanos, HOUR);
      case 'Abs':
        return new GoDuration(absDuration(this.nanos));
      default:
        return undefined;
    }
  }

  goMethod(name: string): ((...args: unknown[]) => unknown) | undefined {
    switch (name) {
      case 'Round':
        return (m: unknown) => new GoDuration(roundDuration(this.nanos, durationArg(m)));
      case 'Truncate':
        return (m: unknown) => new GoDuration(truncateDuration(this.nanos, durationArg(m)));
      default:
        return undefined;
    }
  }

  toJSON(): unknown {
    return Number(this.nanos);
  }
}

/** Accepts what a template can pass where Go expects a Duration (an integer constant or a Duration). */
export function durationArg(value: unknown): bigint {
  if (value instanceof GoDuration) return value.nanos;
  if (typeof value === 'bigint') return value;
  if (value instanceof GoNumber && typeof value.value === 'bigint') return value.value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new GoDurationError('wrong type for value; expected time.Duration');
}

/** Go's float64 result of d.Seconds()/Minutes()/Hours(): whole part plus fraction, each exact. */
function splitFloat(nanos: bigint, unit: bigint): number {
  const whole = nanos / unit;
  const rest = nanos % unit;
  return Number(whole) + Number(rest) / Number(unit);
}

function absDuration(d: bigint): bigint {
  if (d >= 0n) return d;
  if (d === INT64_MIN) return INT64_MAX;
  return -d;
}

/** Go's Duration.Round: halfway values round away from zero; saturates at the int64 limits. */
export function roundDuration(d: bigint, m: bigint): bigint {
  if (m <= 0n) return d;
  let r = d % m;
  if (d < 0n) {
    r = -r;
    if (r + r < m) return d + r;
    const d1 = d - m + r;
    return d1 >= INT64_MIN ? d1 : INT64_MIN;
  }
  if (r + r < m) return d - r;
  const d1 = d + m - r;
  return d1 > d && d1 <= INT64_MAX ? d1 : INT64_MAX;
}

export function truncateDuration(d: bigint, m: bigint): bigint {
  if (m <= 0n) return d;
  return d - (d % m);
}

/** Go's Duration.String(). */
export function formatDuration(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  if (u === 0n) return '0s';
  let out: string;
  if (u < SECOND) {
    let prec: number;
    let unit: string;
    if (u < MICROSECOND) {
      prec = 0;
      unit = 'ns';
    } else if (u < MILLISECOND) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    out = fixedPoint(u, prec) + unit;
  } else {
    const frac = fixedPoint(u % SECOND, 9).replace(/^0/, '');
    u /= SECOND;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** v / 10^prec with trailing fractional zeros (and a bare '.') removed. */
function fixedPoint(v: bigint, prec: number): string {
  if (prec === 0) return v.toString();
  const scale = 10n ** BigInt(prec);
  const whole = v / scale;
  const frac = (v % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', NANOSECOND],
  ['us', MICROSECOND],
  ['µs', MICROSECOND], // U+00B5 micro sign
  ['μs', MICROSECOND], // U+03BC Greek mu
  ['ms', MILLISECOND],
  ['s', SECOND],
  ['m', MINUTE],
  ['h', HOUR],
]);

const TWO_63 = 1n << 63n;

/** Go's time.ParseDuration; throws GoDurationError carrying Go's message. */
export function parseDuration(input: string): bigint {
  const invalid = (): GoDurationError => new GoDurationError(`time: invalid duration ${quoteGoTimeString(input)}`);
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const c = s[0] as string;
    if (!(c === '.' || isAsciiDigit(c))) throw invalid();
    // Integer part.
    let i = 0;
    let v = 0n;
    while (i < s.length && isAsciiDigit(s[i] as string)) {
      if (v > TWO_63 / 10n) throw invalid();
      v = v * 10n + BigInt((s.charCodeAt(i) - 48) as number);
      if (v > TWO_63) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction part: digits past the point of overflow are consumed but ignored.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (j < s.length && isAsciiDigit(s[j] as string)) {
        if (!overflow) {
          if (f > (TWO_63 - 1n) / 10n) overflow = true;
          else {
            const next = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (next > TWO_63) overflow = true;
            else {
              f = next;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let k = 0;
    while (k < s.length && !(s[k] === '.' || isAsciiDigit(s[k] as string))) k++;
    if (k === 0) throw new GoDurationError(`time: missing unit in duration ${quoteGoTimeString(input)}`);
    const unitName = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS.get(unitName);
    if (unit === undefined) {
      throw new GoDurationError(
        `time: unknown unit ${quoteGoTimeString(unitName)} in duration ${quoteGoTimeString(input)}`,
      );
    }
    if (v > TWO_63 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes this term in float64 and truncates; do the same for nanosecond-identical results.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO_63) throw invalid();
    }
    total += v;
    if (total > TWO_63) throw invalid();
  }
  if (neg) return -total;
  if (total > TWO_63 - 1n) throw invalid();
  return total;
}

function isAsciiDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
