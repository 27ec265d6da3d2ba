// Runs table rows against sprigFunctions. A row is [function, arguments, expected, Go type?, options?]; the
// expected values were recorded from real Go + Sprig (see the header of each functions-*.test.ts file).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TemplateFunctionError } from '../../../src/template/functions/contract.js';
import { toValidUtf8 } from '../../../src/template/functions/crypto-bytes.js';
import { sprigFunctions } from '../../../src/template/functions/sprig.js';
import { goTypeOf, withGoType } from '../../../src/template/functions/support.js';
import { GoNumber, type GoNumericKind, isGoMap, isGoObject, newGoMap } from '../../../src/template/values.js';

/** The function must fail with exactly this message (Go's error text or panic value). */
export interface Failure {
  fails: string;
}

export interface VersionFields {
  original: string;
  str: string;
  major: number;
  minor: number;
  patch: number;
  pre: string;
  meta: string;
}

class ExpectedVersion {
  constructor(readonly version: VersionFields) {}
}

export type Row = [
  name: string,
  args: unknown[],
  expected: unknown,
  goType?: string,
  options?: { unordered?: boolean },
];

export const fails = (message: string): Failure => ({ fails: message });
export const i64 = (value: bigint) => new GoNumber('int64', value);
export const gn = (kind: GoNumericKind, value: bigint | number) => new GoNumber(kind, value);
export const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));
export const strs = (items: string[]) => withGoType([...items], '[]string');
export const ints = (items: bigint[]) => withGoType([...items], '[]int');
export const imap = () => new Map<unknown, unknown>([[1n, 'a']]);
export const version = (fields: VersionFields): ExpectedVersion => new ExpectedVersion(fields);

/** A map value as templates see it (no prototype). */
export function m(entries: Record<string, unknown>): Record<string, unknown> {
  const map = newGoMap();
  for (const [k, v] of Object.entries(entries)) map[k] = v;
  return map;
}

/** A *semver.Version argument, built by the library's own parser. */
export function semverOf(text: string): unknown {
  const fn = sprigFunctions.semver;
  if (!fn) throw new Error('semver is not registered');
  return (fn.fn as (s: string) => unknown)(text);
}

/** A comparable description of a value, keeping the distinctions Go makes (int vs int64 vs float64...). */
export function canon(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return { int: value.toString() };
    case 'number':
      return { float64: Object.is(value, -0) ? '-0' : String(value) };
    case 'string':
      // Go's recordings went through encoding/json, which writes each byte that is not UTF-8 as U+FFFD.
      return toValidUtf8(value);
    case 'boolean':
      return value;
  }
  if (value instanceof GoNumber) return { [value.kind]: String(value.value) };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(canon);
  if (value instanceof ExpectedVersion) return { version: { ...value.version } };
  if (value instanceof Map) return { gomap: [...value.entries()].map(([k, v]) => [canon(k), canon(v)]) };
  if (isGoObject(value)) {
    if (value.goTypeName() === '*semver.Version') {
      const field = (name: string) => value.goField?.(name);
      const number = (name: string) => {
        const n = field(name);
        return n instanceof GoNumber ? Number(n.value) : Number.NaN;
      };
      return {
        version: {
          original: value.goMethod?.('Original')?.(),
          str: value.goString?.(),
          major: number('Major'),
          minor: number('Minor'),
          patch: number('Patch'),
          pre: field('Prerelease'),
          meta: field('Metadata'),
        },
      };
    }
    return { object: value.goTypeName(), text: value.goString?.() };
  }
  if (isGoMap(value)) {
    return {
      map: Object.keys(value)
        .sort()
        .map((k) => [k, canon(value[k])]),
    };
  }
  return { unknown: String(value) };
}

function call(name: string, args: unknown[]): unknown {
  const fn = sprigFunctions[name];
  assert.ok(fn, `${name} is registered`);
  return (fn.fn as (...a: unknown[]) => unknown)(...args);
}

function describeArgs(args: unknown[]): string {
  return args
    .map((a) => {
      try {
        return JSON.stringify(canon(a));
      } catch {
        return String(a);
      }
    })
    .join(' ')
    .slice(0, 120);
}

function sortedCanon(value: unknown): unknown {
  const c = canon(value);
  return Array.isArray(c) ? c.map((x) => JSON.stringify(x)).sort() : c;
}

/** Checks one row; returns a description of the mismatch, or undefined when Go and we agree. */
function checkRow([name, args, expected, goType, options]: Row): string | undefined {
  const where = `${name} ${describeArgs(args)}`;
  if (expected !== null && typeof expected === 'object' && 'fails' in expected) {
    const message = (expected as Failure).fails;
    try {
      const result = call(name, args);
      return `${where}: expected failure ${JSON.stringify(message)}, got ${JSON.stringify(canon(result))}`;
    } catch (error) {
      if (!(error instanceof TemplateFunctionError)) return `${where}: expected a TemplateFunctionError, got ${error}`;
      return error.message === message
        ? undefined
        : `${where}: message ${JSON.stringify(error.message)} != ${JSON.stringify(message)}`;
    }
  }
  let actual: unknown;
  try {
    actual = call(name, args);
  } catch (error) {
    return `${where}: unexpected ${error}`;
  }
  try {
    if (options?.unordered) assert.deepEqual(sortedCanon(actual), sortedCanon(expected));
    else assert.deepEqual(canon(actual), canon(expected));
  } catch {
    return `${where}: got ${JSON.stringify(canon(actual))}, Go returned ${JSON.stringify(canon(expected))}`;
  }
  if (goType !== undefined && goTypeOf(actual) !== goType) return `${where}: Go type ${goTypeOf(actual)} != ${goType}`;
  return undefined;
}

/** One test per function, covering all its rows; a failure lists every row that disagrees with Go. */
export function runRows(rows: Row[]): void {
  const byName = new Map<string, Row[]>();
  for (const row of rows) byName.set(row[0], [...(byName.get(row[0]) ?? []), row]);
  for (const [name, group] of byName) {
    test(`${name} agrees with Go on ${group.length} cases`, () => {
      const mismatches = group.map(checkRow).filter((m): m is string => m !== undefined);
      assert.deepEqual(mismatches, []);
    });
  }
}
