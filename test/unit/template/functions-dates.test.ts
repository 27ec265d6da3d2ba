// Sprig's date functions against outputs recorded from Go (text/template + Sprig v3.3.0, TZ=UTC) for the same
// calls; see go-recorded/dates.json: hand-picked cases, then 600 generated ones (random layouts, instants
// and zones, and Go-formatted values parsed back). Each case calls the function directly, as the engine would.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TemplateFunctionError } from '../../../src/template/functions/contract.js';
import { dateFunctions, GoDuration, type GoTime } from '../../../src/template/functions/dates.js';
import { GoNumber, isGoObject } from '../../../src/template/values.js';

type Arg =
  | string
  | { int: string }
  | { int64: string }
  | { time: [string, string] }
  | { fmt: [string, string, string] };
interface RecordedCase {
  fn?: string;
  field?: string;
  method?: string;
  on?: Arg;
  args?: Arg[];
  want?: string;
  error?: string;
}

const cases = JSON.parse(readFileSync(new URL('./go-recorded/dates.json', import.meta.url), 'utf8')) as RecordedCase[];

function call(name: string, ...args: unknown[]): unknown {
  const f = dateFunctions[name];
  assert.ok(f, `function ${name} exists`);
  return (f.fn as (...a: unknown[]) => unknown)(...args);
}

function arg(a: Arg): unknown {
  if (typeof a === 'string') return a;
  if ('int' in a) return BigInt(a.int);
  if ('int64' in a) return new GoNumber('int64', BigInt(a.int64));
  // A value Go formatted (layout, Unix seconds, zone), to be parsed back.
  if ('fmt' in a) return call('dateInZone', a.fmt[0], new GoNumber('int64', BigInt(a.fmt[1])), a.fmt[2]);
  return call('mustToDate', a.time[0], a.time[1]);
}

/** What Go's fmt prints for a value in {{ }}. */
function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof GoNumber) return String(v.value);
  if (isGoObject(v) && v.goString) return v.goString();
  throw new Error(`cannot show ${String(v)}`);
}

function run(c: RecordedCase): unknown {
  if (c.fn) return call(c.fn, ...(c.args ?? []).map(arg));
  const on = arg(c.on as Arg) as GoTime;
  if (c.field) return on.goField(c.field);
  const method = on.goMethod(c.method as string);
  assert.ok(method);
  return method(...(c.args ?? []).map(arg));
}

function label(c: RecordedCase): string {
  return `${c.fn ?? c.field ?? c.method} ${JSON.stringify(c.args ?? [])}${c.on ? ` on ${JSON.stringify(c.on)}` : ''}`;
}

describe('date functions agree with Go', () => {
  for (const c of cases) {
    it(label(c), () => {
      if (c.error !== undefined) {
        assert.throws(
          () => run(c),
          (e: unknown) => e instanceof TemplateFunctionError && e.message === c.error,
        );
      } else {
        assert.equal(show(run(c)), c.want);
      }
    });
  }
});

describe('date functions that read the clock', () => {
  it('now prints like Go, with a monotonic clock reading', () => {
    const printed = show(call('now'));
    assert.match(printed, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC m=\+\d+\.\d{9}$/);
  });

  it('ago of a moment just past is 0s, of an hour ago is 1h0m0s', () => {
    const now = call('now') as GoTime;
    assert.equal(call('ago', now), '0s');
    assert.equal(call('ago', now.add(-3_600_000_000_000n)), '1h0m0s');
    assert.equal(call('ago', now.add(3_600_000_000_000n)), '-1h0m0s');
  });

  it('date with a value that is not a time or an integer formats now, like Sprig', () => {
    const year = new Date().getUTCFullYear();
    assert.equal(call('date', '2006', 'not a date'), String(year));
    assert.equal(call('date', '2006', new GoNumber('uint32', 5n)), String(year));
  });

  it('dateModify keeps the monotonic reading of now, as Go Add does', () => {
    const now = call('now') as GoTime;
    const later = call('dateModify', '1h', now) as GoTime;
    const reading = (t: GoTime) => {
      const m = / m=\+(\d+)\.(\d{9})$/.exec(show(t));
      assert.ok(m, `monotonic reading in ${show(t)}`);
      return BigInt(m[1] as string) * 1_000_000_000n + BigInt(m[2] as string);
    };
    assert.equal(reading(later) - reading(now), 3_600_000_000_000n);
    // Like Go, converting to UTC drops the reading.
    assert.doesNotMatch(show(now.goField('UTC')), / m=/);
  });

  it('a time.Time marshals to JSON as RFC 3339 with nanoseconds', () => {
    const t = call('mustToDate', '2006-01-02 15:04:05.000 -0700', '2024-02-29 13:04:05.120 +0530');
    assert.equal(JSON.stringify({ t }), '{"t":"2024-02-29T13:04:05.12+05:30"}');
    assert.equal(JSON.stringify(new GoDuration(1_500_000_000n)), '1500000000');
  });
});
