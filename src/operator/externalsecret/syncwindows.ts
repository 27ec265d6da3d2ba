// spec.syncWindows: periodic refreshes only inside (allow) or outside (deny) windows. A window opens at each fire
// time of a cron schedule (5 fields as robfig/cron parses them, or a descriptor such as @daily or @every 2h;
// times in UTC) and stays open for `duration`. A schedule or duration that does not parse is ignored, as ESO does.
// Only Periodic refreshes are gated; changes, drift and first syncs are never blocked.
import type { SyncWindows } from '../../api/generated/types.js';
import { parseGoDuration } from '../duration.js';

interface CronFields {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
}

type Schedule = { kind: 'cron'; fields: CronFields } | { kind: 'every'; ms: number };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function parseValue(text: string, names: string[] | undefined, offset: number): number {
  const index = names?.indexOf(text.toLowerCase()) ?? -1;
  if (index !== -1) return index + offset;
  if (!/^\d+$/.test(text)) throw new Error(`bad value ${text}`);
  return Number(text);
}

/** One cron field: "*", "a", "a-b", lists and "/step" (robfig's syntax; "?" is "*"). */
function parseField(
  text: string,
  min: number,
  max: number,
  names?: string[],
  offset = 0,
): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in ${part}`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [min, max];
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [lo, hi] = [parseValue(a, names, offset), parseValue(b, names, offset)];
    } else {
      lo = parseValue(range, names, offset);
      hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`value out of range in ${part}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

export function parseSchedule(text: string): Schedule {
  const trimmed = text.trim();
  if (trimmed.startsWith('@every ')) {
    const ms = parseGoDuration(trimmed.slice('@every '.length));
    if (!(ms > 0)) throw new Error('@every needs a positive duration');
    return { kind: 'every', ms };
  }
  const spec = DESCRIPTORS[trimmed] ?? trimmed;
  const parts = spec.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields, got ${parts.length}`);
  const [mi = '', h = '', dom = '', mon = '', dow = ''] = parts;
  const d = parseField(dom, 1, 31);
  const w = parseField(dow, 0, 7, DAYS);
  if (w.set.has(7)) w.set.add(0); // 7 is Sunday too
  return {
    kind: 'cron',
    fields: {
      minute: parseField(mi, 0, 59).set,
      hour: parseField(h, 0, 23).set,
      dom: d.set,
      month: parseField(mon, 1, 12, MONTHS, 1).set,
      dow: w.set,
      domStar: d.star,
      dowStar: w.star,
    },
  };
}

function cronMatches(f: CronFields, t: Date): boolean {
  if (!f.minute.has(t.getUTCMinutes()) || !f.hour.has(t.getUTCHours()) || !f.month.has(t.getUTCMonth() + 1))
    return false;
  const dom = f.dom.has(t.getUTCDate());
  const dow = f.dow.has(t.getUTCDay());
  // robfig/cron: if either day field is "*", both must match; otherwise either may.
  return f.domStar || f.dowStar ? dom && dow : dom || dow;
}

const MINUTE = 60_000;
/** Longest window looked back over (a fire time older than this cannot keep a window open longer). */
const MAX_LOOKBACK_MINUTES = 366 * 24 * 60;

/** True if a window of `schedule` opened in (now - duration, now]. */
export function windowActive(schedule: Schedule, durationMs: number, nowMs: number): boolean {
  if (!(durationMs > 0)) return false;
  if (schedule.kind === 'every') return schedule.ms <= durationMs;
  const minutes = Math.min(Math.ceil(durationMs / MINUTE), MAX_LOOKBACK_MINUTES);
  const start = Math.floor(nowMs / MINUTE) * MINUTE;
  for (let i = 0; i < minutes; i++) {
    const fire = start - i * MINUTE;
    if (fire <= nowMs - durationMs) break;
    if (cronMatches(schedule.fields, new Date(fire))) return true;
  }
  return false;
}

/** Whether a periodic refresh may run now. */
export function syncWindowsAllow(windows: SyncWindows | undefined, nowMs: number): boolean {
  if (!windows || (windows.windows ?? []).length === 0) return true;
  let anyActive = false;
  for (const w of windows.windows) {
    let schedule: Schedule;
    let duration: number;
    try {
      schedule = parseSchedule(w.schedule);
      duration = parseGoDuration(w.duration);
    } catch {
      continue; // ESO ignores windows it cannot parse
    }
    if (windowActive(schedule, duration, nowMs)) {
      anyActive = true;
      break;
    }
  }
  return windows.kind === 'deny' ? !anyActive : anyActive;
}
