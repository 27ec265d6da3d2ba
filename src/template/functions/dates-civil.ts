// Proleptic Gregorian calendar arithmetic on whole days since 1970-01-01, valid for any year (Go's time package
// uses the same calendar for all dates, including years before 1 and after 9999).

export interface CivilDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

export const SECONDS_PER_DAY = 86_400;

export const LONG_MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

export const LONG_DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function floorMod(a: number, b: number): number {
  return a - Math.floor(a / b) * b;
}

export function isLeapYear(year: number): boolean {
  return floorMod(year, 4) === 0 && (floorMod(year, 100) !== 0 || floorMod(year, 400) === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(month: number, year: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}

/** Days since 1970-01-01 of a civil date (era-based: 400-year cycles of 146097 days). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = floorDiv(153 * mp + 2, 5) + day - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = floorDiv(z, 146_097);
  const doe = z - era * 146_097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36_524) - floorDiv(doe, 146_096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** 0 = Sunday. 1970-01-01 was a Thursday. */
export function weekdayFromDays(days: number): number {
  return floorMod(days + 4, 7);
}

/** Day of the year, 1..366. */
export function yearDay(date: CivilDate): number {
  return daysFromCivil(date.year, date.month, date.day) - daysFromCivil(date.year, 1, 1) + 1;
}

/**
 * Seconds since the epoch of a wall-clock time, normalising out-of-range fields like Go's time.Date
 * (month 13 is January of the next year, day 0 the last day of the previous month, and so on).
 */
export function wallToUnixSeconds(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  const m0 = month - 1;
  const y = year + floorDiv(m0, 12);
  const m = floorMod(m0, 12) + 1;
  const days = daysFromCivil(y, m, 1) + day - 1;
  return days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
}
