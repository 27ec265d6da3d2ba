import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceVersionOf } from '../../../src/operator/externalsecret/hash.js';
import { nextRefreshDelayMs, shouldRefresh } from '../../../src/operator/externalsecret/refresh.js';
import { parseSchedule, syncWindowsAllow, windowActive } from '../../../src/operator/externalsecret/syncwindows.js';

const at = (iso: string) => Date.parse(iso);

describe('sync window schedules', () => {
  it('a daily window is open for its duration after the fire time (UTC)', () => {
    const daily = parseSchedule('0 2 * * *');
    assert.equal(windowActive(daily, 3_600_000, at('2026-03-10T02:00:00Z')), true);
    assert.equal(windowActive(daily, 3_600_000, at('2026-03-10T02:59:59Z')), true);
    assert.equal(windowActive(daily, 3_600_000, at('2026-03-10T03:00:00Z')), false);
    assert.equal(windowActive(daily, 3_600_000, at('2026-03-10T01:59:00Z')), false);
  });
  it('understands descriptors, names, ranges, lists and steps', () => {
    assert.equal(windowActive(parseSchedule('@hourly'), 60_000, at('2026-03-10T05:00:30Z')), true);
    const weekdays = parseSchedule('*/15 9-17 * * MON-FRI');
    assert.equal(windowActive(weekdays, 60_000, at('2026-03-10T09:30:10Z')), true); // a Tuesday
    assert.equal(windowActive(weekdays, 60_000, at('2026-03-14T09:30:10Z')), false); // a Saturday
    assert.equal(windowActive(parseSchedule('0 0 1 JAN,JUL *'), 86_400_000, at('2026-07-01T12:00:00Z')), true);
  });
  it('day of month and day of week: either matches when both are restricted (robfig/cron)', () => {
    const s = parseSchedule('0 0 13 * FRI');
    assert.equal(windowActive(s, 60_000, at('2026-03-13T00:00:00Z')), true); // the 13th (a Friday anyway)
    assert.equal(windowActive(s, 60_000, at('2026-03-06T00:00:00Z')), true); // a Friday
    assert.equal(windowActive(s, 60_000, at('2026-04-13T00:00:00Z')), true); // the 13th, a Monday
    assert.equal(windowActive(s, 60_000, at('2026-04-14T00:00:00Z')), false);
  });
  it('rejects malformed schedules', () => {
    for (const bad of ['* * *', '61 * * * *', '0 0 * * FUNDAY', '*/0 * * * *']) assert.throws(() => parseSchedule(bad));
  });
});

describe('syncWindowsAllow', () => {
  const night = { schedule: '0 2 * * *', duration: '1h' };
  it('allow: only inside a window; deny: only outside', () => {
    assert.equal(syncWindowsAllow({ kind: 'allow', windows: [night] }, at('2026-03-10T02:30:00Z')), true);
    assert.equal(syncWindowsAllow({ kind: 'allow', windows: [night] }, at('2026-03-10T12:00:00Z')), false);
    assert.equal(syncWindowsAllow({ kind: 'deny', windows: [night] }, at('2026-03-10T02:30:00Z')), false);
    assert.equal(syncWindowsAllow({ kind: 'deny', windows: [night] }, at('2026-03-10T12:00:00Z')), true);
  });
  it('ignores windows it cannot parse', () => {
    const bad = { schedule: 'not a schedule', duration: '1h' };
    assert.equal(syncWindowsAllow({ kind: 'deny', windows: [bad] }, at('2026-03-10T02:30:00Z')), true);
  });
});

describe('refresh with sync windows', () => {
  const now = at('2026-03-10T12:00:30Z');
  const es = {
    metadata: { name: 'a', generation: 1 },
    spec: {
      refreshInterval: '1m',
      syncWindows: { kind: 'allow' as const, windows: [{ schedule: '0 2 * * *', duration: '1h' }] },
    },
    status: {
      refreshTime: new Date(now - 10 * 60_000).toISOString(),
      syncedResourceVersion: resourceVersionOf({ generation: 1 }),
    },
  };
  it('blocks a due periodic refresh outside an allow window and looks again at the next minute', () => {
    const input = { es, nowMs: now, lastRefreshMs: now - 10 * 60_000 };
    assert.equal(shouldRefresh(input), false);
    assert.equal(nextRefreshDelayMs(input, 0), 30_000 + 1000);
  });
  it('never blocks a spec change', () => {
    const changed = { ...es, metadata: { ...es.metadata, generation: 2 } };
    assert.equal(shouldRefresh({ es: changed, nowMs: now, lastRefreshMs: now - 10 * 60_000 }), true);
  });
});
