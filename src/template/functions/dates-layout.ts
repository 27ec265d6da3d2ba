// Go's time layouts (reference time "Mon Jan 2 15:04:05 MST 2006"): splitting a layout into elements, and
// formatting a broken-down time with it. Parsing lives in dates-parse.ts.

import { LONG_DAY_NAMES, LONG_MONTH_NAMES } from './dates-civil.js';

/** One layout element. Fractional seconds carry their digit count and separator. */
export type LayoutElement =
  | 'Jan'
  | 'January'
  | '1'
  | '01'
  | 'Mon'
  | 'Monday'
  | '2'
  | '_2'
  | '02'
  | '__2'
  | '002'
  | '15'
  | '3'
  | '03'
  | '4'
  | '04'
  | '5'
  | '05'
  | '2006'
  | '06'
  | 'PM'
  | 'pm'
  | 'MST'
  | 'Z0700'
  | 'Z070000'
  | 'Z07'
  | 'Z07:00'
  | 'Z07:00:00'
  | '-0700'
  | '-070000'
  | '-07'
  | '-07:00'
  | '-07:00:00'
  | FractionElement;

export interface FractionElement {
  kind: 'frac0' | 'frac9';
  digits: number;
  separator: '.' | ',';
}

export interface LayoutChunk {
  prefix: string;
  element: LayoutElement | undefined;
  suffix: string;
}

const ZERO_ELEMENTS: readonly LayoutElement[] = ['01', '02', '03', '04', '05', '06'];
const NUM_TZ: readonly LayoutElement[] = ['-070000', '-07:00:00', '-0700', '-07:00', '-07'];
const ISO_TZ: readonly LayoutElement[] = ['Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07'];

function isLowerAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x61 && c <= 0x7a;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** Go's nextStdChunk: the text before the first layout element, the element, and the rest. */
export function nextChunk(layout: string): LayoutChunk {
  for (let i = 0; i < layout.length; i++) {
    const found = elementAt(layout, i);
    if (found !== undefined) {
      return {
        prefix: layout.slice(0, found.start),
        element: found.element,
        suffix: layout.slice(found.end),
      };
    }
  }
  return { prefix: layout, element: undefined, suffix: '' };
}

function elementAt(layout: string, i: number): { start: number; end: number; element: LayoutElement } | undefined {
  const at = (s: string): boolean => layout.startsWith(s, i);
  const hit = (element: LayoutElement, length: number) => ({ start: i, end: i + length, element });
  switch (layout[i]) {
    case 'J':
      if (at('Jan')) {
        if (at('January')) return hit('January', 7);
        if (!isLowerAt(layout, i + 3)) return hit('Jan', 3);
      }
      return undefined;
    case 'M':
      if (at('Mon')) {
        if (at('Monday')) return hit('Monday', 6);
        if (!isLowerAt(layout, i + 3)) return hit('Mon', 3);
      }
      if (at('MST')) return hit('MST', 3);
      return undefined;
    case '0': {
      const next = layout.charCodeAt(i + 1);
      if (next >= 0x31 && next <= 0x36) return hit(ZERO_ELEMENTS[next - 0x31] as LayoutElement, 2);
      if (at('002')) return hit('002', 3);
      return undefined;
    }
    case '1':
      if (at('15')) return hit('15', 2);
      return hit('1', 1);
    case '2':
      if (at('2006')) return hit('2006', 4);
      return hit('2', 1);
    case '_':
      if (layout[i + 1] === '2') {
        // "_2006" is a literal underscore followed by the year.
        if (layout.startsWith('2006', i + 1)) return { start: i + 1, end: i + 5, element: '2006' };
        return hit('_2', 2);
      }
      if (at('__2')) return hit('__2', 3);
      return undefined;
    case '3':
      return hit('3', 1);
    case '4':
      return hit('4', 1);
    case '5':
      return hit('5', 1);
    case 'P':
      if (layout[i + 1] === 'M') return hit('PM', 2);
      return undefined;
    case 'p':
      if (layout[i + 1] === 'm') return hit('pm', 2);
      return undefined;
    case '-':
      for (const e of NUM_TZ) if (at(e as string)) return hit(e, (e as string).length);
      return undefined;
    case 'Z':
      for (const e of ISO_TZ) if (at(e as string)) return hit(e, (e as string).length);
      return undefined;
    case '.':
    case ',': {
      const ch = layout[i + 1];
      if (ch === '0' || ch === '9') {
        let j = i + 1;
        while (j < layout.length && layout[j] === ch) j++;
        // Only a fractional second when the run of digits ends here.
        if (!isDigitAt(layout, j)) {
          return {
            start: i,
            end: j,
            element: {
              kind: ch === '0' ? 'frac0' : 'frac9',
              digits: j - (i + 1),
              separator: layout[i] as '.' | ',',
            },
          };
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The broken-down time a layout is formatted from. */
export interface WallTime {
  year: number;
  month: number; // 1..12
  day: number;
  yearDay: number; // 1..366
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  zoneName: string;
  zoneOffset: number; // seconds east of UTC
}

/** Go's appendInt: decimal with zero padding to `width`, a minus sign before the padding. */
export function padInt(value: number, width: number): string {
  const digits = Math.abs(value).toString().padStart(width, '0');
  return value < 0 ? `-${digits}` : digits;
}

export function formatLayout(layout: string, t: WallTime): string {
  let out = '';
  let rest = layout;
  for (;;) {
    const { prefix, element, suffix } = nextChunk(rest);
    out += prefix;
    if (element === undefined) return out;
    rest = suffix;
    out += formatElement(element, t);
  }
}

function formatElement(element: LayoutElement, t: WallTime): string {
  if (typeof element === 'object') return formatFraction(element, t.nanosecond);
  switch (element) {
    case '06':
      return padInt(Math.abs(t.year) % 100, 2);
    case '2006':
      return padInt(t.year, 4);
    case 'Jan':
      return (LONG_MONTH_NAMES[t.month - 1] as string).slice(0, 3);
    case 'January':
      return LONG_MONTH_NAMES[t.month - 1] as string;
    case '1':
      return padInt(t.month, 0);
    case '01':
      return padInt(t.month, 2);
    case 'Mon':
      return (LONG_DAY_NAMES[t.weekday] as string).slice(0, 3);
    case 'Monday':
      return LONG_DAY_NAMES[t.weekday] as string;
    case '2':
      return padInt(t.day, 0);
    case '_2':
      return (t.day < 10 ? ' ' : '') + padInt(t.day, 0);
    case '02':
      return padInt(t.day, 2);
    case '__2':
      return (t.yearDay < 100 ? ' ' : '') + (t.yearDay < 10 ? ' ' : '') + padInt(t.yearDay, 0);
    case '002':
      return padInt(t.yearDay, 3);
    case '15':
      return padInt(t.hour, 2);
    case '3':
      return padInt(t.hour % 12 === 0 ? 12 : t.hour % 12, 0);
    case '03':
      return padInt(t.hour % 12 === 0 ? 12 : t.hour % 12, 2);
    case '4':
      return padInt(t.minute, 0);
    case '04':
      return padInt(t.minute, 2);
    case '5':
      return padInt(t.second, 0);
    case '05':
      return padInt(t.second, 2);
    case 'PM':
      return t.hour >= 12 ? 'PM' : 'AM';
    case 'pm':
      return t.hour >= 12 ? 'pm' : 'am';
    case 'MST':
      if (t.zoneName !== '') return t.zoneName;
      return formatOffset('-0700', t.zoneOffset);
    default:
      return formatOffset(element, t.zoneOffset);
  }
}

function formatOffset(element: LayoutElement, offset: number): string {
  const iso = typeof element === 'string' && element.startsWith('Z');
  if (iso && offset === 0) return 'Z';
  const shape = iso ? `-${(element as string).slice(1)}` : (element as string);
  let minutes = Math.trunc(offset / 60);
  let absOffset = offset;
  let out: string;
  if (minutes < 0) {
    out = '-';
    minutes = -minutes;
    absOffset = -absOffset;
  } else {
    out = '+';
  }
  out += padInt(Math.floor(minutes / 60), 2);
  if (shape === '-07:00' || shape === '-07:00:00') out += ':';
  if (shape !== '-07') out += padInt(minutes % 60, 2);
  if (shape === '-070000' || shape === '-07:00:00') {
    if (shape === '-07:00:00') out += ':';
    out += padInt(absOffset % 60, 2);
  }
  return out;
}

function formatFraction(element: FractionElement, nanosecond: number): string {
  const trim = element.kind === 'frac9';
  if (trim && (element.digits === 0 || nanosecond === 0)) return '';
  let digits = padInt(nanosecond, 9);
  if (element.digits < 9) digits = digits.slice(0, element.digits);
  let out = element.separator + digits;
  if (trim) {
    out = out.replace(/0+$/, '');
    if (out === element.separator) out = '';
  }
  return out;
}
