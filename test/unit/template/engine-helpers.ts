// Shared helpers for the engine tests: a small function map with the same Go signatures as the throwaway Go
// program the expected results were recorded with, and a table runner. Expected outputs and error messages
// in the engine-*.test.ts tables are what Go 1.26 text/template produced for the same template and JSON data.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sprint } from '../../../src/template/fmt.js';
import { type FunctionMap, TemplateFunctionError } from '../../../src/template/functions/contract.js';
import { toValidUtf8 } from '../../../src/template/functions/crypto-bytes.js';
import { fromJsonData, type MissingKeyOption, renderTemplate } from '../../../src/template/index.js';
import { GoNumber, newGoMap } from '../../../src/template/values.js';

const goType = Symbol.for('custos.template.goType');

function tagged<T extends object>(v: T, type: string): T {
  Object.defineProperty(v, goType, { value: type, enumerable: false, configurable: true });
  return v;
}

/** Test functions, each mirroring a Go func with the same parameter types. */
export const testFunctions: FunctionMap = {
  strfn: { params: ['string'], fn: (s: string) => `<${s}>` },
  intfn: { params: ['int'], fn: (i: bigint) => BigInt.asIntN(64, i * 2n) },
  i64fn: { params: ['int64'], fn: (i: bigint) => new GoNumber('int64', BigInt.asIntN(64, i * 2n)) },
  u32fn: { params: ['uint32'], fn: (i: bigint) => new GoNumber('uint32', BigInt.asUintN(32, i + 1n)) },
  floatfn: { params: ['float64'], fn: (f: number) => f / 2 },
  boolfn: { params: ['bool'], fn: (b: boolean) => !b },
  bytesfn: { params: ['bytes'], fn: (b: Uint8Array) => BigInt(b.length) },
  strsfn: { params: ['strings'], fn: (s: string[]) => s.join(',') },
  slicefn: { params: ['slice'], fn: (s: unknown[]) => BigInt(s.length) },
  mapfn: { params: ['map'], fn: (m: Record<string, unknown>) => BigInt(Object.keys(m).length) },
  varfn: {
    params: ['string'],
    variadic: 'any',
    fn: (s: string, ...rest: unknown[]) => sprint([s, BigInt(rest.length), rest]),
  },
  failfn: {
    params: ['string'],
    fn: (s: string) => {
      throw new TemplateFunctionError('boom ' + s);
    },
  },
  nilfn: { params: [], fn: () => null },
  i64: { params: ['int'], fn: (i: bigint) => new GoNumber('int64', i) },
  u8: { params: ['int'], fn: (i: bigint) => new GoNumber('uint8', Number(BigInt.asUintN(8, i))) },
  f32: { params: ['float64'], fn: (f: number) => new GoNumber('float32', Math.fround(f)) },
  bytes: { params: ['string'], fn: (s: string) => new TextEncoder().encode(s) },
  strs: { params: [], variadic: 'string', fn: (...s: string[]) => tagged(s, '[]string') },
  lst: { params: [], variadic: 'any', fn: (...s: unknown[]) => s },
  smap: {
    params: [],
    variadic: 'string',
    fn: (...kv: string[]) => {
      const m = newGoMap();
      for (let i = 0; i + 1 < kv.length; i += 2) m[kv[i]!] = kv[i + 1];
      return tagged(m, 'map[string]string');
    },
  },
  dict: {
    params: [],
    variadic: 'any',
    fn: (...kv: unknown[]) => {
      const m = newGoMap();
      for (let i = 0; i + 1 < kv.length; i += 2) m[kv[i] as string] = kv[i + 1];
      return m;
    },
  },
};

export interface EngineCase {
  name: string;
  template: string;
  data?: unknown;
  /** Data as JSON text, for keys a JS object literal cannot hold (such as "__proto__"). */
  dataJson?: string;
  missingKey?: MissingKeyOption;
  leftDelim?: string;
  rightDelim?: string;
  /** Exact expected output, or exact expected error message. */
  output?: string;
  error?: string;
}

/** Renders a case with JSON data converted as Go's encoding/json would; returns output or error text. */
export function runCase(c: EngineCase): { output?: string; error?: string } {
  try {
    const output = renderTemplate(
      't',
      c.template,
      fromJsonData(c.dataJson !== undefined ? JSON.parse(c.dataJson) : (c.data ?? null)),
      {
        functions: testFunctions,
        missingKey: c.missingKey,
        leftDelim: c.leftDelim,
        rightDelim: c.rightDelim,
      },
    );
    // Go's expectations went through encoding/json, which writes each byte that is not UTF-8 as U+FFFD.
    return { output: toValidUtf8(output) };
  } catch (e) {
    return { error: toValidUtf8((e as Error).message) };
  }
}

/** Whether the engine's result is the expected one. */
function agrees(c: EngineCase, got: { output?: string; error?: string }): boolean {
  return c.error !== undefined ? got.error === c.error : got.error === undefined && got.output === c.output;
}

/** Registers one node:test test for a whole table of generated cases, listing every disagreement. */
export function runGroupedTable(title: string, cases: readonly EngineCase[]): void {
  test(`${title}: ${cases.length} cases agree with Go`, () => {
    const failures: string[] = [];
    for (const c of cases) {
      const got = runCase(c);
      if (!agrees(c, got)) {
        failures.push(`${c.name} ${JSON.stringify(c.template)}: want ${JSON.stringify(c)}, got ${JSON.stringify(got)}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}

/** Registers one node:test test per case. */
export function runTable(title: string, cases: readonly EngineCase[]): void {
  for (const c of cases) {
    test(`${title}: ${c.name}`, () => {
      const got = runCase(c);
      if (c.error !== undefined) {
        assert.equal(got.error, c.error, `expected an error for ${JSON.stringify(c.template)}`);
      } else {
        assert.equal(got.error, undefined, `unexpected error for ${JSON.stringify(c.template)}`);
        assert.equal(got.output, c.output);
      }
    });
  }
}
