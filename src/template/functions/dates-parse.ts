// Go's time.ParseInLocation: reading a value with a layout, with Go's leniencies (one- or two-digit fields,
// fractional seconds after "05" even when the layout has none, case-insensitive names) and its error messages.

import { quoteGoTimeString } from './crypto-bytes.js';
import { daysInMonth, isLeapYear, LONG_DAY_NAMES, LONG_MONTH_NAMES } from './dates-civil.js';
import { type FractionElement, type LayoutElement, nextChunk } from './dates-layout.js';
import { GoTime } from './dates-time.js';
import { fixedZone, type GoLocation, UTC_LOCATION } from './dates-zone.js';

export class GoTimeParseError extends Error {}

class Bad extends Error {}

const SHORT_MONTHS = LONG_MONTH_NAMES.map((m) => m.slice(0, 3));
const SHORT_DAYS = LONG_DAY_NAMES.map((d) => d.slice(0, 3));
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function isCommaOrPeriod(c: string | undefined): boolean {
  return c === '.' || c === ',';
}

/** One or two digits (exactly two when `fixed`). */
function getNum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new Bad();
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new Bad();
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

/** One to three digits (exactly three when `fixed`). */
function getNum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + (s.charCodeAt(i) - 48);
  if (i === 0 || (fixed && i !== 3)) throw new Bad();
  return [n, s.slice(i)];
}

/** Case-insensitive (ASCII) prefix match against a table; first match wins. */
function lookupName(table: readonly string[], value: string): [number, string] {
  for (let i = 0; i < table.length; i++) {
    const name = table[i] as string;
    if (value.length >= name.length && value.slice(0, name.length).toLowerCase() === name.toLowerCase()) {
      // toLowerCase is only ASCII-safe here because every table entry is ASCII.
      return [i, value.slice(name.length)];
    }
  }
  throw new Bad();
}

/** Go's strconv-free atoi used by time: optional sign, then digits only. */
function atoi(s: string): number {
  let neg = false;
  let t = s;
  if (t !== '' && (t[0] === '-' || t[0] === '+')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  if (t === '' || !/^[0-9]+$/.test(t)) throw new Bad();
  const n = Number(t);
  return neg ? -n : n;
}

function skipPrefix(value: string, prefix: string): string {
  let v = value;
  let p = prefix;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') throw new Bad();
      p = p.replace(/^ +/, '');
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) throw new Bad();
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

/** Digits after a separator, scaled to nanoseconds; [nanos, range error]. */
function parseNanoseconds(value: string, nbytes: number): [number, string] {
  if (!isCommaOrPeriod(value[0])) throw new Bad();
  const n = Math.min(nbytes, 10);
  const ns = atoi(value.slice(1, n));
  if (ns < 0) return [0, 'fractional second'];
  return [ns * 10 ** (10 - n), ''];
}

function parseSignedOffset(value: string): number {
  const sign = value[0];
  if (sign !== '-' && sign !== '+') return 0;
  const m = /^[0-9]+/.exec(value.slice(1));
  if (m === null) return 0;
  if (Number(m[0]) > 23) return 0;
  return 1 + m[0].length;
}

/** Length of a time-zone abbreviation at the start of value, or 0. */
function timeZoneLength(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) return value.length === 3 ? 3 : 3 + parseSignedOffset(value.slice(3));
  if (value[0] === '+' || value[0] === '-') return parseSignedOffset(value);
  let upper = 0;
  while (upper < 6 && upper < value.length) {
    const c = value.charCodeAt(upper);
    if (c < 0x41 || c > 0x5a) break;
    upper++;
  }
  switch (upper) {
    case 3:
      return 3;
    case 4:
      return value[3] === 'T' || value.startsWith('WITA') ? 4 : 0;
    case 5:
      return value[4] === 'T' ? 5 : 0;
    default:
      return 0;
  }
}

function elementText(element: LayoutElement): string {
  if (typeof element === 'string') return element;
  return element.separator + (element.kind === 'frac0' ? '0' : '9').repeat(element.digits);
}

/** Go's time.ParseInLocation(layout, value, location); `location` also plays Go's `local`. */
export function parseTime(layout: string, value: string, location: GoLocation): GoTime {
  const fullLayout = layout;
  const fullValue = value;
  const fail = (layoutElem: string, valueElem: string): GoTimeParseError =>
    new GoTimeParseError(
      `parsing time ${quoteGoTimeString(fullValue)} as ${quoteGoTimeString(fullLayout)}: cannot parse ${quoteGoTimeString(valueElem)} as ${quoteGoTimeString(layoutElem)}`,
    );
  const failWith = (message: string): GoTimeParseError =>
    new GoTimeParseError(`parsing time ${quoteGoTimeString(fullValue)}${message}`);

  let rest = layout;
  let v = value;
  let amSet = false;
  let pmSet = false;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let zone: GoLocation | undefined;
  let zoneOffset = -1;
  let zoneName = '';

  for (;;) {
    const { prefix, element, suffix } = nextChunk(rest);
    try {
      v = skipPrefix(v, prefix);
    } catch {
      throw fail(prefix, v);
    }
    if (element === undefined) {
      if (v.length !== 0) throw failWith(`: extra text: ${quoteGoTimeString(v)}`);
      break;
    }
    rest = suffix;
    const hold = v;
    let rangeError = '';
    try {
      if (typeof element === 'object') {
        [nsec, rangeError, v] = parseFraction(element, v, nsec);
      } else {
        switch (element) {
          case '06': {
            if (v.length < 2) throw new Bad();
            year = atoi(v.slice(0, 2));
            v = v.slice(2);
            year += year >= 69 ? 1900 : 2000;
            break;
          }
          case '2006':
            if (v.length < 4 || !isDigitAt(v, 0)) throw new Bad();
            year = atoi(v.slice(0, 4));
            v = v.slice(4);
            break;
          case 'Jan':
            [month, v] = lookupName(SHORT_MONTHS, v);
            month++;
            break;
          case 'January':
            [month, v] = lookupName(LONG_MONTH_NAMES, v);
            month++;
            break;
          case '1':
          case '01':
            [month, v] = getNum(v, element === '01');
            if (month <= 0 || month > 12) rangeError = 'month';
            break;
          case 'Mon':
            [, v] = lookupName(SHORT_DAYS, v);
            break;
          case 'Monday':
            [, v] = lookupName(LONG_DAY_NAMES, v);
            break;
          case '2':
          case '_2':
          case '02':
            if (element === '_2' && v[0] === ' ') v = v.slice(1);
            [day, v] = getNum(v, element === '02');
            break;
          case '__2':
          case '002':
            for (let i = 0; i < 2; i++) if (element === '__2' && v[0] === ' ') v = v.slice(1);
            [yday, v] = getNum3(v, element === '002');
            break;
          case '15':
            [hour, v] = getNum(v, false);
            if (hour < 0 || hour >= 24) rangeError = 'hour';
            break;
          case '3':
          case '03':
            [hour, v] = getNum(v, element === '03');
            if (hour < 0 || hour > 12) rangeError = 'hour';
            break;
          case '4':
          case '04':
            [min, v] = getNum(v, element === '04');
            if (min < 0 || min >= 60) rangeError = 'minute';
            break;
          case '5':
          case '05': {
            [sec, v] = getNum(v, element === '05');
            if (sec < 0 || sec >= 60) {
              rangeError = 'second';
              break;
            }
            // A fraction in the value but not in the layout is accepted here.
            if (v.length >= 2 && isCommaOrPeriod(v[0]) && isDigitAt(v, 1)) {
              const next = nextChunk(rest).element;
              if (typeof next === 'object') break;
              let n = 2;
              while (n < v.length && isDigitAt(v, n)) n++;
              [nsec, rangeError] = parseNanoseconds(v, n);
              v = v.slice(n);
            }
            break;
          }
          case 'PM':
          case 'pm': {
            if (v.length < 2) throw new Bad();
            const p = v.slice(0, 2);
            v = v.slice(2);
            const [am, pm] = element === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
            if (p === pm) pmSet = true;
            else if (p === am) amSet = true;
            else throw new Bad();
            break;
          }
          case 'MST': {
            if (v.startsWith('UTC')) {
              zone = UTC_LOCATION;
              v = v.slice(3);
              break;
            }
            const n = timeZoneLength(v);
            if (n === 0) throw new Bad();
            zoneName = v.slice(0, n);
            v = v.slice(n);
            break;
          }
          default: {
            if (element.startsWith('Z') && v[0] === 'Z') {
              v = v.slice(1);
              zone = UTC_LOCATION;
              break;
            }
            [zoneOffset, rangeError, v] = parseOffset(element, v);
          }
        }
      }
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      throw fail(elementText(element), hold);
    }
    if (rangeError !== '') {
      throw failWith(`: ${rangeError} out of range`);
    }
  }

  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;

  if (yday >= 0) {
    let d = 0;
    let m = 0;
    let yd = yday;
    if (isLeapYear(year)) {
      if (yd === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yd > 31 + 29) {
        yd--;
      }
    }
    if (yd < 1 || yd > 365) throw failWith(': day-of-year out of range');
    if (m === 0) {
      m = Math.floor((yd - 1) / 31) + 1;
      if ((DAYS_BEFORE[m] as number) < yd) m++;
      d = yd - (DAYS_BEFORE[m - 1] as number);
    }
    if (month >= 0 && month !== m) throw failWith(': day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) throw failWith(': day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }

  if (day < 1 || day > daysInMonth(month, year)) throw failWith(': day out of range');

  if (zone !== undefined) return GoTime.fromWall(zone, year, month, day, hour, min, sec, nsec);

  if (zoneOffset !== -1) {
    const utc = GoTime.fromWall(UTC_LOCATION, year, month, day, hour, min, sec, nsec);
    const unix = utc.unixSeconds - zoneOffset;
    const local = location.lookup(unix);
    if (local.offset === zoneOffset && (zoneName === '' || local.abbreviation === zoneName)) {
      return new GoTime(unix, utc.nanosecond, location);
    }
    return new GoTime(unix, utc.nanosecond, fixedZone(zoneName, zoneOffset));
  }

  if (zoneName !== '') {
    const utc = GoTime.fromWall(UTC_LOCATION, year, month, day, hour, min, sec, nsec);
    const offset = location.offsetOfAbbreviation(zoneName, utc.unixSeconds);
    if (offset !== undefined) return new GoTime(utc.unixSeconds - offset, utc.nanosecond, location);
    let fakeOffset = 0;
    if (zoneName.length > 3 && zoneName.startsWith('GMT')) fakeOffset = atoi(zoneName.slice(3)) * 3600;
    return new GoTime(utc.unixSeconds, utc.nanosecond, fixedZone(zoneName, fakeOffset));
  }

  return GoTime.fromWall(location, year, month, day, hour, min, sec, nsec);
}

function parseFraction(element: FractionElement, v: string, current: number): [number, string, string] {
  if (element.kind === 'frac0') {
    const ndigit = 1 + element.digits;
    if (v.length < ndigit) throw new Bad();
    const [ns, rangeError] = parseNanoseconds(v, ndigit);
    return [ns, rangeError, v.slice(ndigit)];
  }
  if (v.length < 2 || !isCommaOrPeriod(v[0]) || !isDigitAt(v, 1)) return [current, '', v];
  let i = 0;
  while (i + 1 < v.length && isDigitAt(v, i + 1)) i++;
  const [ns, rangeError] = parseNanoseconds(v, 1 + i);
  return [ns, rangeError, v.slice(1 + i)];
}

/** A numeric zone offset ("-0700", "+05:30", "Z07" after a non-Z...): [seconds, range error, rest]. */
function parseOffset(element: string, v: string): [number, string, string] {
  const shape = element.startsWith('Z') ? `-${element.slice(1)}` : element;
  let sign: string;
  let hh: string;
  let mm = '00';
  let ss = '00';
  let rest: string;
  switch (shape) {
    case '-07:00':
      if (v.length < 6 || v[3] !== ':') throw new Bad();
      [sign, hh, mm, rest] = [v.slice(0, 1), v.slice(1, 3), v.slice(4, 6), v.slice(6)];
      break;
    case '-07':
      if (v.length < 3) throw new Bad();
      [sign, hh, rest] = [v.slice(0, 1), v.slice(1, 3), v.slice(3)];
      break;
    case '-07:00:00':
      if (v.length < 9 || v[3] !== ':' || v[6] !== ':') throw new Bad();
      [sign, hh, mm, ss, rest] = [v.slice(0, 1), v.slice(1, 3), v.slice(4, 6), v.slice(7, 9), v.slice(9)];
      break;
    case '-070000':
      if (v.length < 7) throw new Bad();
      [sign, hh, mm, ss, rest] = [v.slice(0, 1), v.slice(1, 3), v.slice(3, 5), v.slice(5, 7), v.slice(7)];
      break;
    default:
      if (v.length < 5) throw new Bad();
      [sign, hh, mm, rest] = [v.slice(0, 1), v.slice(1, 3), v.slice(3, 5), v.slice(5)];
  }
  const [h] = getNum(hh, true);
  const [m] = getNum(mm, true);
  const [s] = getNum(ss, true);
  let rangeError = '';
  if (h > 24) rangeError = 'time zone offset hour';
  if (m > 60) rangeError = 'time zone offset minute';
  if (s > 60) rangeError = 'time zone offset second';
  let offset = (h * 60 + m) * 60 + s;
  if (sign === '-') offset = -offset;
  else if (sign !== '+' && rangeError === '') throw new Bad(); // Go reports a range error first
  return [offset, rangeError, rest];
}
