// The template corpus: JSONL files of Go-template cases whose expected results were recorded from the Go oracle
// (tools/template-oracle). This module knows the file format and nothing else.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type MissingKey = 'default' | 'zero' | 'error';

/** One request of the `custos template eval` / oracle protocol. */
export interface TemplateRequest {
  template: string;
  data: unknown;
  missingkey?: MissingKey;
  leftDelim?: string;
  rightDelim?: string;
}

export type TemplateResult = { output: string } | { error: string };

export interface CorpusCase extends TemplateRequest {
  name: string;
  expect: TemplateResult;
}

export interface CorpusFile {
  /** File name without directory, e.g. "actions.jsonl". */
  file: string;
  cases: CorpusCase[];
}

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const corpusDir = join(repoRoot, 'test', 'unit', 'template', 'corpus');
export const fixturesPath = join(corpusDir, 'fixtures.json');

export function listCorpusFiles(dir = corpusDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
}

/** Reads every corpus file; a line that is not JSON throws with its file and line number. */
export function readCorpus(dir = corpusDir): CorpusFile[] {
  return listCorpusFiles(dir).map((file) => {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    const cases: CorpusCase[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        cases.push(JSON.parse(line) as CorpusCase);
      } catch (err) {
        throw new Error(`${file}:${i + 1}: not JSON: ${(err as Error).message}`);
      }
    });
    return { file, cases };
  });
}

const caseKeys = new Set(['name', 'template', 'data', 'missingkey', 'leftDelim', 'rightDelim', 'expect']);

/** Problems with one parsed corpus line, as readable sentences; empty when the line is well formed. */
export function caseProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['is not a JSON object'];
  const c = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(c)) if (!caseKeys.has(key)) problems.push(`has unknown field "${key}"`);
  if (typeof c['name'] !== 'string' || c['name'] === '') problems.push('has no name');
  if (typeof c['template'] !== 'string') problems.push('has no template string');
  if (!('data' in c)) problems.push('has no data (use null for none)');
  if ('missingkey' in c && !['default', 'zero', 'error'].includes(c['missingkey'] as string)) {
    problems.push('has a missingkey other than default, zero or error');
  }
  for (const key of ['leftDelim', 'rightDelim']) {
    if (key in c && typeof c[key] !== 'string') problems.push(`has a non-string ${key}`);
  }
  if (resultProblem(c['expect']) !== undefined) problems.push(`expect ${resultProblem(c['expect'])}`);
  return problems;
}

/** Why a value is not a protocol result ({output} or {error}), or undefined when it is one. */
export function resultProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const keys = Object.keys(value);
  if (keys.length !== 1) return 'must have exactly one of "output" or "error"';
  const r = value as Record<string, unknown>;
  if ('output' in r && typeof r['output'] === 'string') return undefined;
  if ('error' in r && typeof r['error'] === 'string') return undefined;
  return 'must be {"output": string} or {"error": string}';
}

/** The protocol request of a case (what is sent to an engine), without name and expectation. */
export function requestOf(c: TemplateRequest): TemplateRequest {
  const req: TemplateRequest = { template: c.template, data: c.data };
  if (c.missingkey !== undefined) req.missingkey = c.missingkey;
  if (c.leftDelim !== undefined) req.leftDelim = c.leftDelim;
  if (c.rightDelim !== undefined) req.rightDelim = c.rightDelim;
  return req;
}

export function sameResult(a: TemplateResult, b: TemplateResult): boolean {
  if ('output' in a) return 'output' in b && a.output === b.output;
  return 'error' in b && a.error === b.error;
}

export function isError(r: TemplateResult): r is { error: string } {
  return 'error' in r;
}

/** The category of a case, i.e. its name up to the first slash ("sprig-strings/trim/2" -> "sprig-strings"). */
export function categoryOf(name: string): string {
  const slash = name.indexOf('/');
  return slash < 0 ? name : name.slice(0, slash);
}
