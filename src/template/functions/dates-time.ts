// Go's time.Time as a template value: an instant (whole Unix seconds + nanoseconds), a location, and for values
// from `now` a monotonic clock reading, which Go prints as " m=+0.000123456".

import type { GoObject } from '../values.js';
import { GoNumber } from '../values.js';
import {
  civilFromDays,
  floorDiv,
  LONG_DAY_NAMES,
  LONG_MONTH_NAMES,
  SECONDS_PER_DAY,
  wallToUnixSeconds,
  weekdayFromDays,
  yearDay,
} from './dates-civil.js';
import { durationArg, GoDuration, roundDuration, SECOND } from './dates-duration.js';
import { formatLayout, padInt, type WallTime } from './dates-layout.js';
import { type GoLocation, LOCAL_LOCATION, UTC_LOCATION } from './dates-zone.js';

const NANOS_PER_SECOND = 1_000_000_000;
/** Unix seconds of Go's zero Time, January 1, year 1, 00:00:00 UTC. */
export const ZERO_TIME_UNIX = -62_135_596_800;

export const STRING_LAYOUT = '2006-01-02 15:04:05.999999999 -0700 MST';
export const RFC3339_NANO_LAYOUT = '2006-01-02T15:04:05.999999999Z07:00';

const processStart = process.hrtime.bigint();

/** time.Month and time.Weekday: integers that print as names. */
export class GoNamedInt implements GoObject {
  constructor(
    private readonly typeName: 'time.Month' | 'time.Weekday',
    readonly value: number,
    private readonly label: string,
  ) {}
  goTypeName(): string {
    return this.typeName;
  }
  goString(): string {
    return this.label;
  }
  goField(name: string): unknown {
    return name === 'String' ? this.label : undefined;
  }
  toJSON(): number {
    return this.value;
  }
}

export class GoTime implements GoObject {
  constructor(
    readonly unixSeconds: number,
    readonly nanosecond: number,
    readonly location: GoLocation = UTC_LOCATION,
    /** Nanoseconds since process start, for values that carry a monotonic reading. */
    readonly monotonic?: bigint,
  ) {}

  static now(): GoTime {
    const ms = Date.now();
    const mono = process.hrtime.bigint() - processStart;
    const sub = Number(mono % 1_000_000n); // sub-millisecond digits, so values are not all round
    return new GoTime(floorDiv(ms, 1000), (ms - floorDiv(ms, 1000) * 1000) * 1_000_000 + sub, LOCAL_LOCATION, mono);
  }

  static fromUnix(seconds: number, location: GoLocation = LOCAL_LOCATION): GoTime {
    return new GoTime(seconds, 0, location);
  }

  /** Go's time.Date in a location, with overflowing fields normalised. */
  static fromWall(
    location: GoLocation,
    year: number,
    month: number,
    day: number,
    hour: number,
    minute: number,
    second: number,
    nanosecond: number,
  ): GoTime {
    const extraSeconds = floorDiv(nanosecond, NANOS_PER_SECOND);
    const nanos = nanosecond - extraSeconds * NANOS_PER_SECOND;
    const wall = wallToUnixSeconds(year, month, day, hour, minute, second + extraSeconds);
    // The offset at the guessed instant, corrected once if that guess fell on the other side of a transition.
    let offset = location.lookup(wall).offset;
    const second_ = location.lookup(wall - offset).offset;
    if (second_ !== offset) offset = second_;
    return new GoTime(wall - offset, nanos, location);
  }

  totalNanos(): bigint {
    return BigInt(this.unixSeconds) * 1_000_000_000n + BigInt(this.nanosecond);
  }

  static fromTotalNanos(total: bigint, location: GoLocation, monotonic?: bigint): GoTime {
    let seconds = total / 1_000_000_000n;
    let nanos = total % 1_000_000_000n;
    if (nanos < 0n) {
      nanos += 1_000_000_000n;
      seconds -= 1n;
    }
    return new GoTime(Number(seconds), Number(nanos), location, monotonic);
  }

  wall(): WallTime {
    const zone = this.location.lookup(this.unixSeconds);
    const local = this.unixSeconds + zone.offset;
    const days = floorDiv(local, SECONDS_PER_DAY);
    const secondOfDay = local - days * SECONDS_PER_DAY;
    const date = civilFromDays(days);
    return {
      year: date.year,
      month: date.month,
      day: date.day,
      yearDay: yearDay(date),
      weekday: weekdayFromDays(days),
      hour: Math.floor(secondOfDay / 3600),
      minute: Math.floor((secondOfDay % 3600) / 60),
      second: secondOfDay % 60,
      nanosecond: this.nanosecond,
      zoneName: zone.abbreviation,
      zoneOffset: zone.offset,
    };
  }

  format(layout: string): string {
    return formatLayout(layout, this.wall());
  }

  in(location: GoLocation): GoTime {
    return new GoTime(this.unixSeconds, this.nanosecond, location);
  }

  add(nanos: bigint): GoTime {
    return GoTime.fromTotalNanos(
      this.totalNanos() + nanos,
      this.location,
      this.monotonic === undefined ? undefined : this.monotonic + nanos,
    );
  }

  isZero(): boolean {
    return this.unixSeconds === ZERO_TIME_UNIX && this.nanosecond === 0;
  }

  /** Go's Time.String(). */
  goString(): string {
    let out = this.format(STRING_LAYOUT);
    if (this.monotonic !== undefined) {
      const neg = this.monotonic < 0n;
      const m = neg ? -this.monotonic : this.monotonic;
      const whole = m / 1_000_000_000n;
      out += ` m=${neg ? '-' : '+'}${whole}.${padInt(Number(m % 1_000_000_000n), 9)}`;
    }
    return out;
  }

  goTypeName(): string {
    return 'time.Time';
  }

  /** encoding/json renders a time.Time as an RFC 3339 string with nanoseconds; JSON.stringify calls this. */
  toJSON(): string {
    return this.format(RFC3339_NANO_LAYOUT);
  }

  goField(name: string): unknown {
    const w = (): WallTime => this.wall();
    switch (name) {
      case 'Year':
        return BigInt(w().year);
      case 'Month': {
        const month = w().month;
        return new GoNamedInt('time.Month', month, LONG_MONTH_NAMES[month - 1] as string);
      }
      case 'Day':
        return BigInt(w().day);
      case 'YearDay':
        return BigInt(w().yearDay);
      case 'Weekday': {
        const weekday = w().weekday;
        return new GoNamedInt('time.Weekday', weekday, LONG_DAY_NAMES[weekday] as string);
      }
      case 'Hour':
        return BigInt(w().hour);
      case 'Minute':
        return BigInt(w().minute);
      case 'Second':
        return BigInt(w().second);
      case 'Nanosecond':
        return BigInt(this.nanosecond);
      case 'Unix':
        return new GoNumber('int64', BigInt(this.unixSeconds));
      case 'UnixMilli':
        return new GoNumber('int64', floorBig(this.totalNanos(), 1_000_000n));
      case 'UnixMicro':
        return new GoNumber('int64', floorBig(this.totalNanos(), 1000n));
      case 'UnixNano':
        return new GoNumber('int64', BigInt.asIntN(64, this.totalNanos()));
      case 'UTC':
        return this.in(UTC_LOCATION);
      case 'Local':
        return this.in(LOCAL_LOCATION);
      case 'Location':
        return this.location;
      case 'IsZero':
        return this.isZero();
      case 'IsDST':
        return false;
      case 'String':
        return this.goString();
      default:
        return undefined;
    }
  }

  goMethod(name: string): ((...args: unknown[]) => unknown) | undefined {
    switch (name) {
      case 'Format':
        return (layout: unknown) => this.format(String(layout));
      case 'Add':
        return (d: unknown) => this.add(durationArg(d));
      case 'AddDate':
        return (years: unknown, months: unknown, days: unknown) => {
          const t = this.wall();
          return GoTime.fromWall(
            this.location,
            t.year + Number(years),
            t.month + Number(months),
            t.day + Number(days),
            t.hour,
            t.minute,
            t.second,
            t.nanosecond,
          );
        };
      case 'Sub':
        return (u: unknown) => new GoDuration(clampInt64(this.totalNanos() - timeArg(u).totalNanos()));
      case 'After':
        return (u: unknown) => this.totalNanos() > timeArg(u).totalNanos();
      case 'Before':
        return (u: unknown) => this.totalNanos() < timeArg(u).totalNanos();
      case 'Equal':
        return (u: unknown) => this.totalNanos() === timeArg(u).totalNanos();
      case 'Compare':
        return (u: unknown) => {
          const a = this.totalNanos();
          const b = timeArg(u).totalNanos();
          return a < b ? -1n : a > b ? 1n : 0n;
        };
      case 'Round':
        return (d: unknown) => this.roundTo(durationArg(d), true);
      case 'Truncate':
        return (d: unknown) => this.roundTo(durationArg(d), false);
      default:
        return undefined;
    }
  }

  /** Go's Time.Round/Truncate: relative to the zero time, dropping the monotonic reading. */
  private roundTo(d: bigint, round: boolean): GoTime {
    const stripped = new GoTime(this.unixSeconds, this.nanosecond, this.location);
    if (d <= 0n) return stripped;
    const sinceZero = stripped.totalNanos() - BigInt(ZERO_TIME_UNIX) * 1_000_000_000n;
    let r = sinceZero % d;
    if (r < 0n) r += d;
    if (round && r + r >= d) return stripped.add(d - r);
    return stripped.add(-r);
  }
}

function floorBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

function clampInt64(v: bigint): bigint {
  const max = (1n << 63n) - 1n;
  const min = -(1n << 63n);
  return v > max ? max : v < min ? min : v;
}

function timeArg(value: unknown): GoTime {
  if (value instanceof GoTime) return value;
  throw new TypeError('wrong type for value; expected time.Time');
}

/** time.Since(t) rounded as Sprig's `ago` does. */
export function sinceRoundedToSecond(t: GoTime): GoDuration {
  const elapsed = GoTime.now().totalNanos() - t.totalNanos();
  return new GoDuration(roundDuration(clampInt64(elapsed), SECOND));
}
