// Sprig's date functions. Behaviour follows Sprig v3 as vendored by ESO: dates given as time.Time or as Unix
// seconds in an int, int64 or int32 (anything else means "now"), zone names resolved with Go's
// time.LoadLocation rules (unknown names fall back to UTC), and Local being UTC (see dates-zone.ts).

import { GoNumber } from '../values.js';
import { type FunctionMap, TemplateFunctionError } from './contract.js';
import { formatDuration, GoDurationError, HOUR, MINUTE, parseDuration, SECOND } from './dates-duration.js';
import { GoTimeParseError, parseTime } from './dates-parse.js';
import { GoTime, sinceRoundedToSecond, ZERO_TIME_UNIX } from './dates-time.js';
import { LOCAL_LOCATION, loadLocation, UTC_LOCATION } from './dates-zone.js';

export { GoDuration } from './dates-duration.js';
export { GoTime } from './dates-time.js';

/** Sprig's reading of a date argument: time.Time, or Unix seconds as int/int64/int32; otherwise now. */
function toTime(value: unknown, acceptInt32: boolean): GoTime {
  if (value instanceof GoTime) return value;
  if (typeof value === 'bigint') return GoTime.fromUnix(Number(value));
  if (value instanceof GoNumber && typeof value.value === 'bigint') {
    if (value.kind === 'int64' || (acceptInt32 && value.kind === 'int32')) return GoTime.fromUnix(Number(value.value));
  }
  return GoTime.now();
}

function dateInZone(layout: string, date: unknown, zone: string): string {
  const location = loadLocation(zone) ?? UTC_LOCATION;
  return toTime(date, true).in(location).format(layout);
}

/** Go's strconv.ParseInt(s, 10, 64) as Sprig uses it: errors ignored, out-of-range values clamped. */
function parseInt64Lenient(value: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(value)) return 0n;
  const n = BigInt(value);
  const max = (1n << 63n) - 1n;
  const min = -(1n << 63n);
  return n > max ? max : n < min ? min : n;
}

function durationOfSeconds(value: unknown): string {
  let n = 0n;
  if (typeof value === 'string') n = parseInt64Lenient(value);
  else if (value instanceof GoNumber && value.kind === 'int64' && typeof value.value === 'bigint') n = value.value;
  // time.Duration(n) * time.Second wraps around like any int64 product.
  return formatDuration(BigInt.asIntN(64, n * SECOND));
}

function clampToInt64(v: bigint): bigint {
  const max = (1n << 63n) - 1n;
  const min = -(1n << 63n);
  return v > max ? max : v < min ? min : v;
}

const DAY = 24n * HOUR;
const ROUND_UNITS: readonly [bigint, string][] = [
  [DAY * 365n, 'y'],
  [DAY * 30n, 'mo'],
  [DAY, 'd'],
  [HOUR, 'h'],
  [MINUTE, 'm'],
  [SECOND, 's'],
];

function durationRound(value: unknown): string {
  let d = 0n;
  if (typeof value === 'string') {
    try {
      d = parseDuration(value);
    } catch {
      d = 0n;
    }
  } else if (value instanceof GoNumber && value.kind === 'int64' && typeof value.value === 'bigint') {
    d = value.value;
  } else if (value instanceof GoTime) {
    d = clampToInt64(GoTime.now().totalNanos() - value.totalNanos()); // time.Since saturates
  }
  const u = d < 0n ? -d : d;
  for (const [size, suffix] of ROUND_UNITS) if (u > size) return `${u / size}${suffix}`;
  return '0s';
}

function dateModify(spec: string, date: GoTime): GoTime {
  try {
    return date.add(parseDuration(spec));
  } catch (e) {
    if (e instanceof GoDurationError) return date;
    throw e;
  }
}

function mustDateModify(spec: string, date: GoTime): GoTime {
  try {
    return date.add(parseDuration(spec));
  } catch (e) {
    if (e instanceof GoDurationError) throw new TemplateFunctionError(e.message);
    throw e;
  }
}

function zeroTime(): GoTime {
  return new GoTime(ZERO_TIME_UNIX, 0, UTC_LOCATION);
}

function mustToDate(layout: string, value: string): GoTime {
  try {
    return parseTime(layout, value, LOCAL_LOCATION);
  } catch (e) {
    if (e instanceof GoTimeParseError) throw new TemplateFunctionError(e.message);
    throw e;
  }
}

function toDate(layout: string, value: string): GoTime {
  try {
    return parseTime(layout, value, LOCAL_LOCATION);
  } catch (e) {
    if (e instanceof GoTimeParseError) return zeroTime();
    throw e;
  }
}

function ago(date: unknown): string {
  let t: GoTime;
  if (date instanceof GoTime) t = date;
  else if (typeof date === 'bigint') t = GoTime.fromUnix(Number(date));
  else if (date instanceof GoNumber && date.kind === 'int64' && typeof date.value === 'bigint') {
    t = GoTime.fromUnix(Number(date.value));
  } else t = GoTime.now();
  return sinceRoundedToSecond(t).goString();
}

export const dateFunctions: FunctionMap = {
  now: { params: [], fn: () => GoTime.now() },
  ago: { params: ['any'], fn: ago },
  date: { params: ['string', 'any'], fn: (layout: string, date: unknown) => dateInZone(layout, date, 'Local') },
  dateInZone: { params: ['string', 'any', 'string'], fn: dateInZone },
  date_in_zone: { params: ['string', 'any', 'string'], fn: dateInZone },
  htmlDate: { params: ['any'], fn: (date: unknown) => dateInZone('2006-01-02', date, 'Local') },
  htmlDateInZone: {
    params: ['any', 'string'],
    fn: (date: unknown, zone: string) => dateInZone('2006-01-02', date, zone),
  },
  dateModify: { params: ['string', 'time'], fn: dateModify },
  date_modify: { params: ['string', 'time'], fn: dateModify },
  mustDateModify: { params: ['string', 'time'], fn: mustDateModify },
  must_date_modify: { params: ['string', 'time'], fn: mustDateModify },
  duration: { params: ['any'], fn: durationOfSeconds },
  durationRound: { params: ['any'], fn: durationRound },
  toDate: { params: ['string', 'string'], fn: toDate },
  mustToDate: { params: ['string', 'string'], fn: mustToDate },
  unixEpoch: { params: ['time'], fn: (date: GoTime) => String(date.unixSeconds) },
};
