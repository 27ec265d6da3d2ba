// Go's time.ParseDuration, which metav1.Duration uses for refreshInterval ("1h0m0s", "30s", "1.5h", "0").
// Returns milliseconds; throws an Error naming the bad value and the accepted form. The parsing itself is the
// template library's exact port of Go's time.ParseDuration.
import { formatDuration, parseDuration } from '../template/functions/dates-duration.js';

/**
 * Durations parsed so far: a few distinct refreshIntervals are read several times per reconcile, thousands of
 * reconciles a second. Bounded (cleared at 1,000 entries) since the texts come from users.
 */
const parsed = new Map<string, number>();

export function parseGoDuration(text: string): number {
  const known = parsed.get(text);
  if (known !== undefined) return known;
  let ms: number;
  try {
    ms = Number(parseDuration(text.trim())) / 1e6;
  } catch {
    throw new Error(
      `invalid duration "${text}": use a Go duration such as "1h0m0s", "15m" or "30s" (units ns, us, ms, s, m, h)`,
    );
  }
  if (parsed.size >= 1000) parsed.clear();
  parsed.set(text, ms);
  return ms;
}

/** A refreshInterval as ESO reads it: absent means the CRD default of one hour. */
export function refreshIntervalMs(value: string | undefined): number {
  if (value === undefined || value === null) return 3_600_000;
  return parseGoDuration(value);
}

/**
 * A duration as Go's metav1.Duration writes it back ("1h" becomes "1h0m0s", "90s" becomes "1m30s"): what a value
 * looks like after ESO copied it through its Go types. A value Go could not parse is returned unchanged.
 */
export function canonicalGoDuration(text: string): string {
  try {
    return formatDuration(parseDuration(text.trim()));
  } catch {
    return text;
  }
}
