// Go's fmt package for template values: Sprint, Sprintln and Sprintf with the verbs, flags, width, precision,
// argument indexes and error forms (%!d(string=x), %!d(MISSING), %!(EXTRA ...)) that templates can observe.
// Also formatValue, the %v of one value, which the evaluator uses to print action results.

import { GoComplex } from './complex.js';
import { goQuote, isPrintRune, quoteRune } from './lexer.js';
import { utf8Decode, utf8Encode } from './literals.js';
import { isPlainMap, sortedKeys, sortedMapEntries, typeName } from './types.js';
import { GoNumber, isGoObject } from './values.js';

// --- float formatting (strconv.FormatFloat) ---

/** Exact decimal digits of |v| (no leading/trailing zeros) and decimal point position. */
function exactDecimal(v: number): { d: string; dp: number } {
  v = Math.abs(v);
  if (v === 0) return { d: '', dp: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let s: string;
  let dp: number;
  if (e >= 0) {
    s = (mant << BigInt(e)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e)).toString();
    dp = s.length + e; // value = s * 10^e
  }
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x30) end--;
  return { d: s.slice(0, end), dp };
}

/** Rounds decimal digits to n digits, half to even on exact ties (like strconv's decimal rounding). */
function roundDigits(x: { d: string; dp: number }, n: number): { d: string; dp: number } {
  const { d } = x;
  let { dp } = x;
  if (n < 0) return { d: '', dp };
  if (n >= d.length) return x;
  if (n === 0)
    return d.charCodeAt(0) >= 0x35 && (d.charCodeAt(0) > 0x35 || d.length > 1)
      ? { d: '1', dp: dp + 1 }
      : { d: '', dp: 0 };
  const next = d.charCodeAt(n) - 0x30;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (n + 1 < d.length)
    up = true; // more nonzero digits follow (d has no trailing zeros)
  else up = n > 0 && (d.charCodeAt(n - 1) - 0x30) % 2 === 1;
  let digits = d.slice(0, n);
  if (up) {
    let i = n - 1;
    const arr = digits.split('');
    while (i >= 0 && arr[i] === '9') {
      arr[i] = '0';
      i--;
    }
    if (i < 0) {
      arr.unshift('1');
      dp++;
      arr.length = n; // keep n digits (the dropped one is a zero)
    } else {
      arr[i] = String.fromCharCode(arr[i]!.charCodeAt(0) + 1);
    }
    digits = arr.join('');
  }
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 0x30) end--;
  return { d: digits.slice(0, end), dp: end === 0 ? 0 : dp };
}

/** Parses JS exponent notation ("1.25e+3") into digits without trailing zeros and a decimal point position. */
function parseExponential(s: string): { d: string; dp: number } {
  const ei = s.indexOf('e');
  let d = s.charCodeAt(1) === 0x2e ? s[0]! + s.slice(2, ei) : s.slice(0, ei);
  let end = d.length;
  while (end > 0 && d.charCodeAt(end - 1) === 0x30) end--;
  d = d.slice(0, end);
  return d.length === 0 ? { d: '', dp: 0 } : { d, dp: Number(s.slice(ei + 1)) + 1 };
}

/** Parses JS fixed notation ("0012.50") into digits and decimal point position. */
function parseFixed(s: string): { d: string; dp: number } {
  const point = s.indexOf('.');
  const intPart = point < 0 ? s : s.slice(0, point);
  let d = intPart + (point < 0 ? '' : s.slice(point + 1));
  let dp = intPart.length;
  let start = 0;
  while (start < d.length && d.charCodeAt(start) === 0x30) start++;
  d = d.slice(start);
  dp -= start;
  let end = d.length;
  while (end > 0 && d.charCodeAt(end - 1) === 0x30) end--;
  d = d.slice(0, end);
  return d.length === 0 ? { d: '', dp: 0 } : { d, dp };
}

const MIN_NORMAL = 2.2250738585072014e-308;

/** Whether the shortest digits of |v| are its exact value (true for values like 2.5, 0.125, 42). */
function isExact(abs: number, sh: { d: string; dp: number }): boolean {
  const frac = sh.d.length - sh.dp;
  if (frac <= 0) return Number.isInteger(abs) && abs <= 2 ** 53;
  return Number.isInteger(abs * 2 ** frac);
}

/**
 * |v| rounded to n significant digits, half to even on exact ties like Go (JS's toExponential rounds ties up).
 * A tie needs an exact expansion of n+1 digits; such a value's shortest form is that expansion.
 */
function sigDigits(abs: number, n: number): { d: string; dp: number } {
  if (abs === 0) return { d: '', dp: 0 };
  const sh = shortestDigits(abs, 64);
  const k = sh.d.length;
  if (k <= n && n <= 15 && abs >= MIN_NORMAL) return sh; // the decimal grid is coarser than the binary precision
  if (k > n + 1 && n <= 100) return parseExponential(abs.toExponential(n - 1));
  if (isExact(abs, sh)) return roundDigits(sh, n);
  if (k === n + 1) return parseExponential(abs.toExponential(n - 1));
  return roundDigits(exactDecimal(abs), n);
}

/** |v| rounded to n digits after the point, with the same tie rule as sigDigits. */
function fracDigits(abs: number, n: number): { d: string; dp: number } {
  if (abs === 0) return { d: '', dp: 0 };
  const small = n <= 100 && abs < 1e21;
  if (small && Number.isInteger(abs)) return parseFixed(abs.toFixed(0));
  const sh = shortestDigits(abs, 64);
  const k = sh.d.length - sh.dp;
  if (k <= n && sh.dp + n <= 15 && abs >= MIN_NORMAL) return sh;
  if (small && k > n + 1) return parseFixed(abs.toFixed(n));
  if (isExact(abs, sh)) return roundDigits(sh, sh.dp + n);
  if (small && k === n + 1) return parseFixed(abs.toFixed(n));
  const exact = exactDecimal(abs);
  return roundDigits(exact, exact.dp + n);
}

/** Shortest digits that round-trip (float64, or float32 when size is 32). */
function shortestDigits(v: number, size: number): { d: string; dp: number } {
  v = Math.abs(v);
  if (v === 0) return { d: '', dp: 0 };
  let s: string;
  if (size === 32) {
    s = v.toExponential(8);
    for (let p = 0; p <= 8; p++) {
      const t = v.toExponential(p);
      if (Math.fround(Number(t)) === v) {
        s = t;
        break;
      }
    }
  } else {
    s = v.toExponential();
  }
  const ei = s.indexOf('e');
  const mant = s.slice(0, ei).replace('.', '');
  let end = mant.length;
  while (end > 1 && mant.charCodeAt(end - 1) === 0x30) end--;
  return { d: mant.slice(0, end), dp: Number(s.slice(ei + 1)) + 1 };
}

function fmtE(d: string, dp: number, prec: number, e: string): string {
  let s = d.length > 0 ? d[0]! : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += i < d.length ? d[i]! : '0';
  }
  let exp = d.length === 0 ? 0 : dp - 1;
  s += e;
  if (exp < 0) {
    s += '-';
    exp = -exp;
  } else s += '+';
  return s + (exp < 10 ? '0' + exp : String(exp));
}

function fmtF(d: string, dp: number, prec: number): string {
  let s = '';
  if (dp > 0) {
    for (let i = 0; i < dp; i++) s += i < d.length ? d[i]! : '0';
  } else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      const j = dp + i;
      s += j >= 0 && j < d.length ? d[j]! : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat(v, fmt, prec, size) for fmt in e E f F g G (and b x X approximately). */
export function formatFloat(v: number, verb: string, prec: number, size: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const sign = neg ? '-' : '';
  if (verb === 'x' || verb === 'X') return sign + hexFloat(Math.abs(v), prec, verb === 'X');
  if (verb === 'b') return sign + binaryFloat(Math.abs(v), size);
  if (prec === 0 && (verb === 'g' || verb === 'G')) prec = 1;
  if ((verb === 'f' || verb === 'F') && prec >= 0 && prec <= 100) {
    // toFixed is exact except on ties (rounded up, Go rounds to even); a tie needs |v|·2^(prec+1) integral.
    const abs = Math.abs(v);
    if (abs < 1e21 && (Number.isInteger(abs) || !Number.isInteger(abs * 2 ** (prec + 1)))) {
      return sign + abs.toFixed(prec);
    }
  }
  const shortest = prec < 0;
  let digs: { d: string; dp: number };
  if (shortest) digs = shortestDigits(v, size);
  else if (verb === 'f' || verb === 'F') digs = fracDigits(Math.abs(v), prec);
  else digs = sigDigits(Math.abs(v), verb === 'e' || verb === 'E' ? prec + 1 : prec === 0 ? 1 : prec);
  switch (verb) {
    case 'e':
    case 'E':
      return sign + fmtE(digs.d, digs.dp, shortest ? Math.max(digs.d.length - 1, 0) : prec, verb);
    case 'f':
    case 'F':
      return sign + fmtF(digs.d, digs.dp, shortest ? Math.max(digs.d.length - digs.dp, 0) : prec);
  }
  // %g
  let eprec = prec;
  const nd = digs.d.length;
  if (eprec > nd && nd >= digs.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  const e = verb === 'G' ? 'E' : 'e';
  if (exp < -4 || exp >= eprec) {
    let p = prec;
    if (shortest || p > nd) p = nd;
    return sign + fmtE(digs.d, digs.dp, p - 1, e);
  }
  let p = prec;
  if (shortest || p > digs.dp) p = nd;
  return sign + fmtF(digs.d, digs.dp, Math.max(p - digs.dp, 0));
}

function hexFloat(v: number, prec: number, upper: boolean): string {
  let s: string;
  if (v === 0) {
    s = '0x0' + (prec > 0 ? '.' + '0'.repeat(prec) : '') + 'p+00';
  } else {
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, v);
    const hi = buf.getUint32(0);
    const expBits = (hi >>> 20) & 0x7ff;
    let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(buf.getUint32(4));
    let exp: number;
    if (expBits === 0) {
      // Subnormal: normalize so that the leading 1 is at bit 52.
      exp = -1022;
      while (mant < 1n << 52n) {
        mant <<= 1n;
        exp--;
      }
    } else {
      mant |= 1n << 52n;
      exp = expBits - 1023;
    }
    let digits: string;
    if (prec >= 0 && prec < 13) {
      // Round the 53-bit mantissa (leading 1 included) to prec hex digits, half to even.
      const shift = BigInt((13 - prec) * 4);
      const half = 1n << (shift - 1n);
      const rem = mant & ((1n << shift) - 1n);
      let kept = mant >> shift;
      if (rem > half || (rem === half && (kept & 1n) === 1n)) kept++;
      const one = 1n << BigInt(prec * 4);
      if (kept >= one << 1n) {
        kept = one;
        exp++;
      }
      digits = prec === 0 ? '' : (kept - one).toString(16).padStart(prec, '0');
    } else {
      digits = (mant & ((1n << 52n) - 1n)).toString(16).padStart(13, '0');
      let end = digits.length;
      while (end > 0 && digits.charCodeAt(end - 1) === 0x30) end--;
      digits = digits.slice(0, end);
      if (prec > 13) digits = digits.padEnd(prec, '0');
    }
    const e = Math.abs(exp);
    s = '0x1' + (digits.length > 0 ? '.' + digits : '') + 'p' + (exp < 0 ? '-' : '+') + (e < 10 ? '0' + e : e);
  }
  return upper ? s.toUpperCase() : s;
}

function binaryFloat(v: number, size: number): string {
  if (v === 0) return size === 32 ? '0p-149' : '0p-1074';
  const buf = new DataView(new ArrayBuffer(8));
  if (size === 32) {
    buf.setFloat32(0, v);
    const bits = buf.getUint32(0);
    const expBits = (bits >>> 23) & 0xff;
    let mant = bits & 0x7fffff;
    let e = expBits - 150;
    if (expBits === 0) e = -149;
    else mant |= 0x800000;
    return `${mant}p${e < 0 ? '-' : '+'}${Math.abs(e)}`;
  }
  buf.setFloat64(0, v);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = expBits - 1075;
  if (expBits === 0) e = -1074;
  else mant |= 1n << 52n;
  return `${mant}p${e < 0 ? '-' : '+'}${Math.abs(e)}`;
}

/** Go's %v of a float64: shortest 'g'. Fast path for the common cases. */
export function formatFloat64(v: number): string {
  // In [1e-4, 1e6) Go prints the shortest digits without exponent, exactly as JS's String does.
  const abs = Math.abs(v);
  if (abs >= 1e-4 && abs < 1e6) return String(v);
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  return formatFloat(v, 'g', -1, 64);
}

// --- the printer ---

class Printer {
  buf = '';
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  widPresent = false;
  prec = 0;
  precPresent = false;
  erroring = false;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = false;
    this.widPresent = this.precPresent = false;
    this.wid = this.prec = 0;
  }

  /** Writes s padded to the width (counted in runes). */
  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const n = runeCount(s);
    const width = this.wid - n;
    if (width <= 0) {
      this.buf += s;
      return;
    }
    if (this.minus) this.buf += s + ' '.repeat(width);
    else this.buf += (this.zero ? '0' : ' ').repeat(width) + s;
  }

  writePadding(n: number): void {
    if (n > 0) this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  truncate(s: string): string {
    if (this.precPresent) {
      let n = 0;
      for (let i = 0; i < s.length; i++) {
        if (n === this.prec) return s.slice(0, i);
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff) i++;
        n++;
      }
    }
    return s;
  }

  badVerb(verb: string, v: unknown): void {
    this.erroring = true;
    this.buf += '%!' + verb + '(';
    if (v === null || v === undefined) this.buf += '<nil>';
    else {
      this.buf += typeName(v) + '=';
      this.printValue(v, 'v', 0);
    }
    this.buf += ')';
    this.erroring = false;
  }

  fmtBool(b: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.pad(b ? 'true' : 'false');
    else this.badVerb(verb, b);
  }

  /** Formats an integer in a base with Go's precision/zero-padding/sign/prefix rules. */
  fmtInteger(u: bigint, base: number, verb: string, upper: boolean): void {
    const negative = u < 0n;
    if (negative) u = -u;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const z = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = z;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (this.plus) digits = '+' + digits;
    else if (this.space) digits = ' ' + digits;
    const z = this.zero;
    this.zero = false;
    this.pad(digits);
    this.zero = z;
  }

  fmtInt(v: bigint, unsigned: boolean, verb: string, value: unknown): void {
    switch (verb) {
      case 'v':
        if (this.sharpV && unsigned) {
          this.sharp = true;
          this.fmtInteger(v, 16, verb, false);
          this.sharp = false;
        } else this.fmtInteger(v, 10, verb, false);
        return;
      case 'd':
        this.fmtInteger(v, 10, verb, false);
        return;
      case 'b':
        this.fmtInteger(v, 2, verb, false);
        return;
      case 'o':
      case 'O':
        this.fmtInteger(v, 8, verb, false);
        return;
      case 'x':
        this.fmtInteger(v, 16, verb, false);
        return;
      case 'X':
        this.fmtInteger(v, 16, verb, true);
        return;
      case 'c':
        this.pad(runeString(v));
        return;
      case 'q':
        this.pad(quoteRuneLiteral(v, this.plus));
        return;
      case 'U': {
        const hex = (v < 0n ? BigInt.asUintN(64, v) : v).toString(16).toUpperCase();
        const digits = this.precPresent && this.prec > 4 ? this.prec : 4;
        let s = 'U+' + (hex.length < digits ? hex.padStart(digits, '0') : hex);
        if (this.sharp && v >= 0n && v <= 0x10ffffn && isPrintRune(Number(v))) {
          s += " '" + String.fromCodePoint(Number(v)) + "'";
        }
        this.pad(s);
        return;
      }
    }
    this.badVerb(verb, value);
  }

  fmtFloat(v: number, size: number, verb: string, value: unknown): void {
    let prec: number;
    switch (verb) {
      case 'v':
        verb = 'g';
        prec = -1;
        break;
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        prec = -1;
        break;
      case 'f':
      case 'e':
      case 'E':
      case 'F':
        prec = 6;
        break;
      default:
        this.badVerb(verb, value);
        return;
    }
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb === 'F' ? 'f' : verb, prec, size);
    if (this.sharp && verb !== 'b') num = sharpFloat(num, verb, prec);
    let sign = '+';
    if (num[0] === '-' || num[0] === '+') {
      sign = num[0];
      num = num.slice(1);
    }
    if (this.space && sign === '+' && !this.plus) sign = ' ';
    if (num === 'Inf' || num === 'NaN') {
      const z = this.zero;
      this.zero = false;
      if (num === 'NaN' && !this.space && !this.plus) this.pad(num);
      else this.pad(sign + num);
      this.zero = z;
      return;
    }
    if (this.plus || sign !== '+') {
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length + 1) {
        this.buf += sign;
        this.writePadding(this.wid - num.length - 1);
        this.buf += num;
        return;
      }
      this.pad(sign + num);
      return;
    }
    this.pad(num);
  }

  /** "(re+imi)": each part formatted with the verb, the imaginary part always signed. */
  fmtComplex(v: GoComplex, verb: string): void {
    switch (verb) {
      case 'v':
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
      case 'f':
      case 'F':
      case 'e':
      case 'E': {
        const plus = this.plus;
        this.buf += '(';
        this.fmtFloat(v.re, 64, verb, v);
        this.plus = true;
        this.fmtFloat(v.im, 64, verb, v);
        this.buf += 'i)';
        this.plus = plus;
        return;
      }
    }
    this.badVerb(verb, v);
  }

  fmtString(s: string, verb: string, value: unknown): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.pad(goQuote(this.truncate(s)));
        else this.pad(this.truncate(s));
        return;
      case 's':
        this.pad(this.truncate(s));
        return;
      case 'x':
      case 'X': {
        const b = utf8Encode(s);
        this.fmtSbx(this.precPresent && this.prec < b.length ? b.subarray(0, this.prec) : b, verb === 'X');
        return;
      }
      case 'q':
        this.pad(this.quote(this.truncate(s)));
        return;
    }
    this.badVerb(verb, value);
  }

  quote(s: string): string {
    if (this.sharp && canBackquote(s)) return '`' + s + '`';
    if (this.plus) {
      let out = '"';
      for (const ch of s) {
        const c = ch.codePointAt(0)!;
        out += c < 0x80 ? quoteRune(c, 0x22) : c < 0x10000 ? '\\u' + hex4(c) : '\\U' + c.toString(16).padStart(8, '0');
      }
      return out + '"';
    }
    return goQuote(s);
  }

  /** Hex encoding of bytes, with Go's space and sharp flag behaviour. */
  fmtSbx(b: Uint8Array, upper: boolean): void {
    const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
    let s = '';
    for (let i = 0; i < b.length; i++) {
      if (this.space && i > 0) s += ' ';
      if (this.sharp && (this.space || i === 0)) s += upper ? '0X' : '0x';
      s += digits[b[i]! >> 4]! + digits[b[i]! & 15]!;
    }
    if (b.length === 0 && this.widPresent) {
      this.writePadding(this.wid);
      return;
    }
    this.pad(s);
  }

  fmtBytes(b: Uint8Array, verb: string, type: string): void {
    switch (verb) {
      case 'v':
      case 'd': {
        if (this.sharpV) {
          this.buf += type + '{';
          const sharp = this.sharp;
          this.sharp = true;
          for (let i = 0; i < b.length; i++) {
            if (i > 0) this.buf += ', ';
            this.fmtInteger(BigInt(b[i]!), 16, 'v', false);
          }
          this.sharp = sharp;
          this.buf += '}';
          return;
        }
        this.buf += '[';
        for (let i = 0; i < b.length; i++) {
          if (i > 0) this.buf += ' ';
          this.fmtInteger(BigInt(b[i]!), 10, verb, false);
        }
        this.buf += ']';
        return;
      }
      case 's':
        this.pad(this.truncate(utf8Decode(b)));
        return;
      case 'x':
      case 'X':
        this.fmtSbx(this.precPresent ? b.subarray(0, this.prec) : b, verb === 'X');
        return;
      case 'q':
        this.pad(this.quote(this.truncate(utf8Decode(b))));
        return;
    }
    this.buf += '[';
    for (let i = 0; i < b.length; i++) {
      if (i > 0) this.buf += ' ';
      this.printValue(new GoNumber('uint8', b[i]!), verb, 1);
    }
    this.buf += ']';
  }

  /** Prints one argument of a Printf-family call. */
  printArg(arg: unknown, verb: string): void {
    if (arg === null || arg === undefined) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.fmtString(typeName(arg), 's', arg);
      return;
    }
    if (verb === 'p') {
      this.badVerb(verb, arg);
      return;
    }
    this.printValue(arg, verb, 0);
  }

  printValue(v: unknown, verb: string, depth: number): void {
    switch (typeof v) {
      case 'string':
        this.fmtString(v, verb, v);
        return;
      case 'bigint':
        this.fmtInt(v, false, verb, v);
        return;
      case 'number':
        this.fmtFloat(v, 64, verb, v);
        return;
      case 'boolean':
        this.fmtBool(v, verb);
        return;
      case 'undefined':
        this.buf += depth === 0 ? '<nil>' : '<nil>';
        return;
      case 'function':
        this.buf += '0x0';
        return;
    }
    if (v === null) {
      if (depth === 0) this.printArg(v, verb);
      else this.buf += '<nil>';
      return;
    }
    if (v instanceof GoNumber) {
      if (v.kind === 'float32') this.fmtFloat(Number(v.value), 32, verb, v);
      else {
        const n = typeof v.value === 'bigint' ? v.value : BigInt(Math.trunc(v.value));
        this.fmtInt(n, v.kind.startsWith('u'), verb, v);
      }
      return;
    }
    if (v instanceof GoComplex) {
      this.fmtComplex(v, verb);
      return;
    }
    if (Array.isArray(v)) {
      if (this.sharpV) {
        this.buf += typeName(v) + '{';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) this.buf += ', ';
          this.printElem(v[i], verb, depth);
        }
        this.buf += '}';
        return;
      }
      this.buf += '[';
      for (let i = 0; i < v.length; i++) {
        if (i > 0) this.buf += ' ';
        this.printElem(v[i], verb, depth);
      }
      this.buf += ']';
      return;
    }
    if (v instanceof Uint8Array) {
      this.fmtBytes(v, verb, '[]byte');
      return;
    }
    if (isGoObject(v)) {
      if (!this.erroring && v.goString !== undefined && !this.sharpV) {
        if (verb === 'v' || verb === 's' || verb === 'x' || verb === 'X' || verb === 'q') {
          this.fmtString(v.goString(), verb, v);
          return;
        }
      }
      this.buf += '{}';
      return;
    }
    if (v instanceof Map) {
      this.buf += this.sharpV ? typeName(v) + '{' : 'map[';
      let first = true;
      for (const [k, val] of sortedMapEntries(v)) {
        if (!first) this.buf += this.sharpV ? ', ' : ' ';
        first = false;
        this.printElem(k, verb, depth);
        this.buf += ':';
        this.printElem(val, verb, depth);
      }
      this.buf += this.sharpV ? '}' : ']';
      return;
    }
    if (typeof v === 'object' && isPlainMap(v)) {
      this.buf += this.sharpV ? typeName(v) + '{' : 'map[';
      let first = true;
      for (const k of sortedKeys(v)) {
        if (!first) this.buf += this.sharpV ? ', ' : ' ';
        first = false;
        this.printElem(k, verb, depth);
        this.buf += ':';
        this.printElem(v[k], verb, depth);
      }
      this.buf += this.sharpV ? '}' : ']';
      return;
    }
    this.buf += '?';
  }

  /** An element of a container: nil prints as <nil> without padding. */
  private printElem(v: unknown, verb: string, depth: number): void {
    if (v === null || v === undefined) {
      this.buf += this.sharpV ? 'interface {}(nil)' : '<nil>';
      return;
    }
    this.printValue(v, verb, depth + 1);
  }
}

/**
 * The # flag on floats: always a decimal point, and for %g/%x (verb after %v became %g) trailing zeros up to the
 * precision (6 when none). The 'x' of a hex prefix counts as a significant digit, as it does in Go.
 */
function sharpFloat(num: string, verb: string, prec: number): string {
  if (num.endsWith('Inf') || num.endsWith('NaN')) return num;
  let digits = verb === 'g' || verb === 'G' || verb === 'x' ? (prec === -1 ? 6 : prec) : 0;
  const signed = num[0] === '-' || num[0] === '+';
  let body = signed ? num.slice(1) : num;
  let tail = '';
  let hasPoint = false;
  let sawNonzero = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '.') {
      hasPoint = true;
      continue;
    }
    if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
      tail = body.slice(i);
      body = body.slice(0, i);
      break;
    }
    if (c !== '0') sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!hasPoint) {
    if (body === '0') digits--;
    body += '.';
  }
  if (digits > 0) body += '0'.repeat(digits);
  return (signed ? num[0] : '') + body + tail;
}

function hex4(c: number): string {
  return c.toString(16).padStart(4, '0');
}

function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}

function runeString(v: bigint): string {
  if (v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn)) return '\ufffd';
  return String.fromCodePoint(Number(v));
}

function quoteRuneLiteral(v: bigint, asciiOnly: boolean): string {
  const c = v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v);
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  if (asciiOnly && c >= 0x80) {
    return c < 0x10000 ? `'\\u${hex4(c)}'` : `'\\U${c.toString(16).padStart(8, '0')}'`;
  }
  return "'" + quoteRune(c, 0x27) + "'";
}

function canBackquote(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x60 || c === 0xfeff) return false;
    if (c >= 0xdc80 && c <= 0xdcff) return false; // a byte that is not UTF-8
    if (c < 0x20 && c !== 0x09) return false;
    if (c === 0x7f) return false;
  }
  return true;
}

// --- public entry points ---

/** %v of one value as an action prints it (undefined is printed by the caller as <no value>). */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      return formatFloat64(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null || v === undefined) return '<nil>';
  const p = new Printer();
  p.printValue(v, 'v', 0);
  return p.buf;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatValue(a);
    prevString = isString;
  }
  return out;
}

/** fmt.Sprintln: spaces between all operands and a final newline. */
export function sprintln(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0) out += ' ';
    out += formatValue(args[i]);
  }
  return out + '\n';
}

/** Parses an int operand for `*` width or precision; sets p.wid/p.prec via the callback's result. */
function intFromArg(a: readonly unknown[], argNum: number): number | undefined {
  if (argNum >= a.length) return undefined;
  const v = a[argNum];
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (v instanceof GoNumber && v.kind !== 'float32') n = BigInt(v.value);
  if (n === undefined || n > 1000000n || n < -1000000n) return undefined;
  return Number(n);
}

class Formatter extends Printer {
  private argNum = 0;
  private reordered = false;
  private goodArgNum = true;
  private afterIndex = false;
  private pos = 0;

  constructor(
    private readonly format: string,
    private readonly a: readonly unknown[],
  ) {
    super();
  }

  /** Parses an optional [n] argument index at pos. */
  private argNumber(): void {
    this.afterIndex = false;
    const f = this.format;
    if (this.pos >= f.length || f.charCodeAt(this.pos) !== 0x5b) return;
    this.reordered = true;
    const close = f.indexOf(']', this.pos + 1);
    if (close < 0) {
      this.goodArgNum = false;
      this.pos = f.length;
      return;
    }
    let n = 0;
    let ok = close > this.pos + 1;
    for (let i = this.pos + 1; i < close; i++) {
      const c = f.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) ok = false;
      n = n * 10 + c;
    }
    if (ok && n >= 1 && n <= this.a.length) {
      this.argNum = n - 1;
      this.afterIndex = true;
    } else {
      this.goodArgNum = false;
    }
    this.pos = close + 1;
  }

  /** Parses a decimal number at pos; returns -1 when there is none. */
  private parseNum(): number {
    const f = this.format;
    const start = this.pos;
    let n = 0;
    while (this.pos < f.length) {
      const c = f.charCodeAt(this.pos) - 0x30;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      if (n > 1e6) {
        this.pos = f.length;
        return -1;
      }
      this.pos++;
    }
    return this.pos > start ? n : -1;
  }

  run(): string {
    const f = this.format;
    const a = this.a;
    const end = f.length;
    while (this.pos < end) {
      this.goodArgNum = true;
      const pct = f.indexOf('%', this.pos);
      if (pct < 0) {
        this.buf += this.pos === 0 ? f : f.slice(this.pos);
        break;
      }
      if (pct > this.pos) this.buf += f.slice(this.pos, pct);
      this.pos = pct + 1;
      this.clearFlags();
      flags: for (; this.pos < end; this.pos++) {
        switch (f.charCodeAt(this.pos)) {
          case 0x23: // #
            this.sharp = true;
            break;
          case 0x30: // 0
            this.zero = !this.minus;
            break;
          case 0x2b: // +
            this.plus = true;
            break;
          case 0x2d: // -
            this.minus = true;
            this.zero = false;
            break;
          case 0x20:
            this.space = true;
            break;
          default:
            break flags;
        }
      }
      this.argNumber();
      if (this.pos < end && f.charCodeAt(this.pos) === 0x2a) {
        this.pos++;
        const w = intFromArg(a, this.argNum);
        if (this.argNum < a.length) this.argNum++;
        if (w === undefined) {
          this.buf += '%!(BADWIDTH)';
        } else {
          this.widPresent = true;
          this.wid = w;
          if (w < 0) {
            this.wid = -w;
            this.minus = true;
            this.zero = false;
          }
        }
        this.afterIndex = false;
      } else {
        const w = this.parseNum();
        if (w >= 0) {
          this.wid = w;
          this.widPresent = true;
          if (this.afterIndex) this.goodArgNum = false;
        }
      }
      if (this.pos + 1 < end && f.charCodeAt(this.pos) === 0x2e) {
        this.pos++;
        if (this.afterIndex) this.goodArgNum = false;
        this.argNumber();
        if (this.pos < end && f.charCodeAt(this.pos) === 0x2a) {
          this.pos++;
          const p = intFromArg(a, this.argNum);
          if (this.argNum < a.length) this.argNum++;
          if (p === undefined || p < 0) {
            this.prec = 0;
            this.precPresent = false;
            this.buf += '%!(BADPREC)';
          } else {
            this.prec = p;
            this.precPresent = true;
          }
          this.afterIndex = false;
        } else {
          const p = this.parseNum();
          this.prec = Math.max(p, 0);
          this.precPresent = true;
        }
      }
      if (!this.afterIndex) this.argNumber();
      if (this.pos >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      const cp = f.charCodeAt(this.pos);
      const verb = cp >= 0xd800 && cp <= 0xdbff ? f.slice(this.pos, this.pos + 2) : f[this.pos]!;
      this.pos += verb.length;
      if (verb === '%') {
        this.buf += '%';
      } else if (!this.goodArgNum) {
        this.buf += '%!' + verb + '(BADINDEX)';
      } else if (this.argNum >= a.length) {
        this.buf += '%!' + verb + '(MISSING)';
      } else {
        if (verb === 'v') {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(a[this.argNum], verb);
        this.argNum++;
      }
    }
    if (!this.reordered && this.argNum < a.length) {
      this.clearFlags();
      this.buf += '%!(EXTRA ';
      for (let j = this.argNum; j < a.length; j++) {
        if (j > this.argNum) this.buf += ', ';
        const arg = a[j];
        if (arg === null || arg === undefined) this.buf += '<nil>';
        else {
          this.buf += typeName(arg) + '=';
          this.printArg(arg, 'v');
        }
      }
      this.buf += ')';
    }
    return this.buf;
  }
}

/** fmt.Sprintf. */
export function sprintf(format: string, a: readonly unknown[]): string {
  return new Formatter(format, a).run();
}
