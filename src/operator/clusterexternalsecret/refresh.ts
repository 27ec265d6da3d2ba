// spec.refreshTime of a ClusterExternalSecret (JSON name; ESO's Go field is RefreshInterval): how often the
// namespaces are re-evaluated and the children re-applied even without a watch event. Unset means 1 hour;
// "0" (or any zero duration) means only on events.
import { parseDuration } from '../../template/functions/dates-duration.js';

export const DEFAULT_REFRESH_MS = 60 * 60 * 1000;

export type RefreshInterval = { ms: number } | { error: string };

export function refreshInterval(refreshTime: string | undefined): RefreshInterval {
  if (refreshTime === undefined || refreshTime === '') return { ms: DEFAULT_REFRESH_MS };
  try {
    const nanos = parseDuration(refreshTime);
    if (nanos < 0n) return { error: `spec.refreshTime "${refreshTime}" is negative; use a duration such as "1h"` };
    return { ms: Number(nanos / 1_000_000n) };
  } catch {
    return { error: `spec.refreshTime "${refreshTime}" is not a Go duration; use e.g. "1h", "30m" or "15s"` };
  }
}
