// When an ExternalSecret reads its provider again (ESO's shouldRefresh / getRequeueResult, reference eso.md 2.2).
// Pure functions of the object and the clock so every rule is unit-testable.
//
// One difference: Custos does not rewrite status.refreshTime when a refresh changed nothing (no status write),
// so the caller passes `lastRefreshMs`, the later of status.refreshTime and the last refresh this process did.
// spec.syncWindows gate only the periodic case (interval passed), as in ESO.
import type { ExternalSecret } from '../../api/generated/types.js';
import { refreshIntervalMs } from '../duration.js';
import { resourceVersionOf } from './hash.js';
import { syncWindowsAllow } from './syncwindows.js';

export interface RefreshInput {
  es: Pick<ExternalSecret, 'metadata' | 'spec' | 'status'>;
  nowMs: number;
  /** Later of status.refreshTime and this process's last refresh of the object (ms), if any. */
  lastRefreshMs: number | undefined;
}

function metaOf(es: RefreshInput['es']) {
  return {
    generation: es.metadata.generation,
    labels: es.metadata.labels,
    annotations: es.metadata.annotations,
  };
}

/** True if the spec, labels or annotations changed since the last successful sync. */
export function specChanged(es: RefreshInput['es']): boolean {
  const synced = es.status?.syncedResourceVersion ?? '';
  return synced !== resourceVersionOf(metaOf(es));
}

export function neverSynced(es: RefreshInput['es']): boolean {
  return !es.status?.syncedResourceVersion || !es.status?.refreshTime;
}

export function lastRefreshOf(es: RefreshInput['es'], remembered: number | undefined): number | undefined {
  const fromStatus = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : Number.NaN;
  const values = [fromStatus, remembered ?? Number.NaN].filter((v) => Number.isFinite(v));
  return values.length === 0 ? undefined : Math.max(...values);
}

export function shouldRefresh({ es, nowMs, lastRefreshMs }: RefreshInput): boolean {
  const policy = es.spec?.refreshPolicy ?? 'Periodic';
  if (policy === 'CreatedOnce') return !es.status?.syncedResourceVersion || lastRefreshMs === undefined;
  if (policy === 'OnChange') return !es.status?.syncedResourceVersion || specChanged(es);
  const interval = refreshIntervalMs(es.spec?.refreshInterval);
  // ESO: with interval 0 a synced object is never refreshed, even when its spec changes.
  if (interval <= 0 && es.status?.syncedResourceVersion) return false;
  if (specChanged(es)) return true;
  if (lastRefreshMs === undefined) return true;
  if (lastRefreshMs > nowMs) return true;
  return lastRefreshMs + interval <= nowMs && syncWindowsAllow(es.spec?.syncWindows, nowMs);
}

/**
 * Delay until the next periodic refresh, or undefined when none is due (interval 0, OnChange, CreatedOnce:
 * those refresh only on change). `jitter` in [0, 1) spreads refreshes that would
 * otherwise line up after a restart by up to 10 % of the interval (at most five minutes).
 */
export function nextRefreshDelayMs(input: RefreshInput, jitter = 0): number | undefined {
  const interval = refreshIntervalMs(input.es.spec?.refreshInterval);
  if (interval <= 0) return undefined;
  const policy = input.es.spec?.refreshPolicy ?? 'Periodic';
  if (policy === 'CreatedOnce' || policy === 'OnChange') return undefined;
  const spread = Math.min(interval * 0.1, 300_000) * jitter;
  const last = input.lastRefreshMs;
  if (last === undefined || last > input.nowMs) return Math.max(1, spread);
  const remaining = last + interval - input.nowMs;
  // Due but outside its sync windows: look again at the next minute (windows open on minute boundaries).
  if (remaining <= 0 && !syncWindowsAllow(input.es.spec?.syncWindows, input.nowMs)) {
    return 60_000 - (input.nowMs % 60_000) + 1000;
  }
  return Math.max(1, remaining + spread);
}
