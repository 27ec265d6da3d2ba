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

/** Longest wait between retries of a failing object as ESO configures its work queue (1 s doubling to 7 min). */
export const ESO_RETRY_CAP_MS = 7 * 60_000;

/**
 * How long the retries of a failing ExternalSecret may back off to, when longer than ESO's 7 minutes: a tenth of
 * its refresh interval. ESO retries every 7 minutes whatever the interval, so one failing ExternalSecret with a
 * 24 h interval costs about 200 provider calls a day (users' complaint: error retries ignore the refresh policy);
 * here it costs about 10 once backed off, and recovery is still noticed within a tenth of the interval.
 */
export function retryBackoffCapMs(es: RefreshInput['es']): number | undefined {
  if ((es.spec?.refreshPolicy ?? 'Periodic') !== 'Periodic') return undefined;
  const tenth = refreshIntervalMs(es.spec?.refreshInterval) / 10;
  return tenth > ESO_RETRY_CAP_MS ? tenth : undefined;
}

/**
 * The refresh time to assume for an object this process has not refreshed yet (after a restart or a leader
 * change) when its stored refreshTime is overdue, or undefined to refresh it now. refreshTime moves only when a
 * refresh changed something, so after a restart every unchanged ExternalSecret older than its interval would be
 * due at the same moment, a burst of provider reads. A synced object with an unchanged spec gets a stable slot in
 * the jitter window (10 % of the interval, at most five minutes) from its uid instead; never-synced or changed
 * objects, and broken targets (the caller checks), go at once.
 */
export function restartRefreshMs(input: RefreshInput, uid: string): number | undefined {
  const { es, nowMs } = input;
  if ((es.spec?.refreshPolicy ?? 'Periodic') !== 'Periodic') return undefined;
  const interval = refreshIntervalMs(es.spec?.refreshInterval);
  if (interval <= 0 || neverSynced(es) || specChanged(es) || !shouldRefresh(input)) return undefined;
  const window = Math.min(interval * 0.1, 300_000);
  return nowMs - interval + Math.max(1, window * unitFraction(uid));
}

/** A stable number in [0, 1) from a string (FNV-1a, 32 bits): the same object keeps its slot across restarts. */
function unitFraction(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}
