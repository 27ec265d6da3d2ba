import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriftDamper } from '../../../src/operator/externalsecret/drift-damper.js';

/** Repairs one key as soon as the damper lets it, each time it drifts again right away; returns repair times. */
function fight(damper: DriftDamper, from: number, until: number, stepMs = 100): number[] {
  const repairs: number[] = [];
  for (let now = from; now < until; ) {
    const { waitMs } = damper.admit('k', now);
    if (waitMs > 0) {
      now += waitMs;
      continue;
    }
    repairs.push(now);
    now += stepMs;
  }
  return repairs;
}

describe('DriftDamper', () => {
  it('repairs at once up to five times a minute, then spaces repairs 5 s doubling to 5 min', () => {
    const repairs = fight(new DriftDamper(), 0, 3_600_000);
    assert.deepEqual(repairs.slice(0, 5), [0, 100, 200, 300, 400], 'the first five at once');
    const gaps = repairs.slice(5).map((t, i) => t - repairs[i + 4]!);
    assert.deepEqual(gaps.slice(0, 8), [100, 5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000]);
    assert.ok(
      gaps.slice(7).every((g) => g === 300_000),
      'a steady fight settles at one repair per 5 min',
    );
    assert.ok(repairs.length < 25, `${repairs.length} repairs in an hour instead of about 36,000`);
  });

  it('says once when spacing starts', () => {
    const damper = new DriftDamper();
    const started = [0, 1, 2, 3, 4, 5, 6_000].map((t) => damper.admit('k', t).startedSpacing);
    assert.deepEqual(started, [false, false, false, false, false, true, false]);
  });

  it('leaves occasional edits alone and forgets a fight after ten quiet minutes', () => {
    const damper = new DriftDamper();
    for (let t = 0; t < 3_600_000; t += 15_000) assert.equal(damper.admit('slow', t).waitMs, 0, 'four a minute');
    fight(damper, 0, 120_000);
    assert.ok(damper.admit('k', 120_001).waitMs > 0, 'spaced while the fight goes on');
    const later = 120_000 + 11 * 60_000;
    assert.deepEqual(fight(damper, later, later + 450), [later, later + 100, later + 200, later + 300, later + 400]);
  });

  it('keeps keys apart and forgets a key on request', () => {
    const damper = new DriftDamper();
    fight(damper, 0, 60_000);
    assert.equal(damper.admit('other', 60_000).waitMs, 0);
    assert.ok(damper.admit('k', 60_000).waitMs > 0);
    damper.forget('k');
    assert.equal(damper.admit('k', 60_000).waitMs, 0);
  });
});
