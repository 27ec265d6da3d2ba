import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoDuration } from '../../../src/operator/duration.js';
import { resourceVersionOf } from '../../../src/operator/externalsecret/hash.js';
import {
  nextRefreshDelayMs,
  restartRefreshMs,
  retryBackoffCapMs,
  shouldRefresh,
} from '../../../src/operator/externalsecret/refresh.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function es(
  spec: Record<string, unknown>,
  synced: boolean,
  meta: { generation?: number; labels?: Record<string, string> } = {},
) {
  const metadata = { name: 'a', namespace: 'n', generation: meta.generation ?? 1, labels: meta.labels };
  return {
    metadata,
    spec,
    status: synced
      ? {
          refreshTime: new Date(NOW - 10 * 60_000).toISOString(),
          syncedResourceVersion: resourceVersionOf({ generation: 1, labels: undefined }),
        }
      : undefined,
  };
}

describe('parseGoDuration', () => {
  it('parses Go duration strings', () => {
    assert.equal(parseGoDuration('1h0m0s'), 3_600_000);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('300ms'), 300);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('0s'), 0);
  });
  it('rejects bad input naming the accepted form', () => {
    assert.throws(() => parseGoDuration('10'), /Go duration/);
    assert.throws(() => parseGoDuration('1d'), /invalid duration "1d"/);
    assert.throws(() => parseGoDuration(''), /invalid duration/);
  });
  it('answers repeats the same and keeps rejecting bad input (only good values are remembered)', () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(parseGoDuration('2m30s'), 150_000);
      assert.throws(() => parseGoDuration('2 minutes'), /invalid duration "2 minutes"/);
    }
    // More distinct values than are remembered: still each its own answer.
    for (let i = 0; i < 1500; i++) assert.equal(parseGoDuration(`${i}s`), i * 1000);
    assert.equal(parseGoDuration(' 1m '), 60_000);
  });
});

describe('shouldRefresh (ESO 2.2)', () => {
  const last = NOW - 10 * 60_000;
  it('Periodic: refreshes a never-synced object', () => {
    assert.equal(
      shouldRefresh({ es: es({ refreshInterval: '1h' }, false), nowMs: NOW, lastRefreshMs: undefined }),
      true,
    );
  });
  it('Periodic: waits for the interval', () => {
    assert.equal(shouldRefresh({ es: es({ refreshInterval: '1h' }, true), nowMs: NOW, lastRefreshMs: last }), false);
    assert.equal(shouldRefresh({ es: es({ refreshInterval: '5m' }, true), nowMs: NOW, lastRefreshMs: last }), true);
  });
  it('Periodic: refreshes when spec or labels changed', () => {
    assert.equal(
      shouldRefresh({ es: es({ refreshInterval: '1h' }, true, { generation: 2 }), nowMs: NOW, lastRefreshMs: last }),
      true,
    );
    assert.equal(
      shouldRefresh({
        es: es({ refreshInterval: '1h' }, true, { labels: { 'force-sync': '1' } }),
        nowMs: NOW,
        lastRefreshMs: last,
      }),
      true,
    );
  });
  it('Periodic with interval 0: a synced object never refreshes, even after a spec change', () => {
    assert.equal(
      shouldRefresh({ es: es({ refreshInterval: '0' }, true, { generation: 5 }), nowMs: NOW, lastRefreshMs: last }),
      false,
    );
    assert.equal(
      shouldRefresh({ es: es({ refreshInterval: '0' }, false), nowMs: NOW, lastRefreshMs: undefined }),
      true,
    );
  });
  it('Periodic: a refresh time in the future refreshes', () => {
    assert.equal(
      shouldRefresh({ es: es({ refreshInterval: '1h' }, true), nowMs: NOW, lastRefreshMs: NOW + 60_000 }),
      true,
    );
  });
  it('OnChange: only on spec/metadata change', () => {
    assert.equal(
      shouldRefresh({
        es: es({ refreshPolicy: 'OnChange', refreshInterval: '1s' }, true),
        nowMs: NOW,
        lastRefreshMs: last,
      }),
      false,
    );
    assert.equal(
      shouldRefresh({
        es: es({ refreshPolicy: 'OnChange' }, true, { generation: 2 }),
        nowMs: NOW,
        lastRefreshMs: last,
      }),
      true,
    );
  });
  it('CreatedOnce: only before the first sync', () => {
    assert.equal(
      shouldRefresh({
        es: es({ refreshPolicy: 'CreatedOnce' }, true, { generation: 9 }),
        nowMs: NOW,
        lastRefreshMs: last,
      }),
      false,
    );
    assert.equal(
      shouldRefresh({ es: es({ refreshPolicy: 'CreatedOnce' }, false), nowMs: NOW, lastRefreshMs: undefined }),
      true,
    );
  });
});

describe('nextRefreshDelayMs', () => {
  const input = (spec: Record<string, unknown>) => ({
    es: es(spec, true),
    nowMs: NOW,
    lastRefreshMs: NOW - 10 * 60_000,
  });
  it('is the rest of the interval without jitter', () => {
    assert.equal(nextRefreshDelayMs(input({ refreshInterval: '1h' }), 0), 50 * 60_000);
  });
  it('adds at most 10 % of the interval (capped at 5 minutes) of jitter', () => {
    assert.equal(nextRefreshDelayMs(input({ refreshInterval: '20m' }), 0.5), 10 * 60_000 + 60_000);
    assert.equal(nextRefreshDelayMs(input({ refreshInterval: '24h' }), 0.999), 1430 * 60_000 + 0.999 * 300_000);
  });
  it('does not requeue with interval 0, OnChange or CreatedOnce', () => {
    assert.equal(nextRefreshDelayMs(input({ refreshInterval: '0s' }), 0), undefined);
    assert.equal(nextRefreshDelayMs(input({ refreshPolicy: 'OnChange' }), 0), undefined);
    assert.equal(nextRefreshDelayMs(input({ refreshPolicy: 'CreatedOnce' }), 0), undefined);
  });
});

describe('retryBackoffCapMs', () => {
  it("keeps ESO's 7 minutes up to a 70 min interval, then lets retries back off to a tenth of the interval", () => {
    assert.equal(retryBackoffCapMs(es({ refreshInterval: '1h' }, true)), undefined);
    assert.equal(retryBackoffCapMs(es({}, true)), undefined, 'the default interval is 1 h');
    assert.equal(retryBackoffCapMs(es({ refreshInterval: '24h' }, true)), 2.4 * 3_600_000);
    assert.equal(retryBackoffCapMs(es({ refreshInterval: '0s' }, true)), undefined);
    assert.equal(retryBackoffCapMs(es({ refreshInterval: '24h', refreshPolicy: 'OnChange' }, true)), undefined);
  });
});

describe('restartRefreshMs', () => {
  const overdue = (spec: Record<string, unknown>, synced = true) => ({
    es: es(spec, synced),
    nowMs: NOW,
    lastRefreshMs: NOW - 10 * 60_000,
  });
  it('gives an overdue, synced, unchanged object a stable slot within 10 % of its interval', () => {
    const a = restartRefreshMs(overdue({ refreshInterval: '5m' }), 'uid-a');
    const b = restartRefreshMs(overdue({ refreshInterval: '5m' }), 'uid-b');
    assert.ok(a !== undefined && b !== undefined);
    for (const assumed of [a, b]) {
      const dueIn = assumed + 5 * 60_000 - NOW;
      assert.ok(dueIn >= 1 && dueIn < 30_000, `due within the 30 s window, got ${dueIn} ms`);
      assert.equal(
        shouldRefresh({ es: es({ refreshInterval: '5m' }, true), nowMs: NOW, lastRefreshMs: assumed }),
        false,
      );
    }
    assert.notEqual(a, b, 'objects are spread');
    assert.equal(restartRefreshMs(overdue({ refreshInterval: '5m' }), 'uid-a'), a, 'the same object keeps its slot');
  });
  it('spreads many objects over the window, with at most five minutes for long intervals', () => {
    const dayOld = { es: es({ refreshInterval: '24h' }, true), nowMs: NOW, lastRefreshMs: NOW - 25 * 3_600_000 };
    const dues = Array.from({ length: 1000 }, (_, i) => restartRefreshMs(dayOld, `u-${i}`)! + 24 * 3_600_000 - NOW);
    assert.ok(Math.max(...dues) < 300_000);
    const firstMinute = dues.filter((d) => d < 60_000).length;
    assert.ok(firstMinute > 100 && firstMinute < 300, `about a fifth in the first minute, got ${firstMinute}`);
  });
  it('refreshes at once what is not overdue-and-unchanged: never synced, spec changed, not due, other policies', () => {
    assert.equal(restartRefreshMs(overdue({ refreshInterval: '5m' }, false), 'u'), undefined);
    const changed = {
      es: es({ refreshInterval: '5m' }, true, { generation: 2 }),
      nowMs: NOW,
      lastRefreshMs: NOW - 600_000,
    };
    assert.equal(restartRefreshMs(changed, 'u'), undefined);
    assert.equal(restartRefreshMs(overdue({ refreshInterval: '1h' }), 'u'), undefined, 'not due yet');
    assert.equal(restartRefreshMs(overdue({ refreshInterval: '5m', refreshPolicy: 'OnChange' }), 'u'), undefined);
    assert.equal(restartRefreshMs(overdue({ refreshInterval: '0s' }), 'u'), undefined);
  });
});
