// Randomized differential testing of the TypeScript template engine against the Go oracle: generate seeded
// cases, render them in both, and shrink each disagreement to a small reproducer.

import { createHash } from 'node:crypto';
import { isError, sameResult, type TemplateRequest, type TemplateResult } from './template-corpus.js';
import { renderWithEngine } from './template-engine.js';
import type { EvalEngine } from './template-eval-line.js';
import { type FuzzCase, generateCase, Rng, shrink, toRequest } from './template-fuzz-gen.js';
import type { OracleProcess } from './template-oracle.js';

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** First case index (to reproduce one case: start = i, cases = 1). */
  start?: number;
  /** Function names the generator must not use. */
  without?: ReadonlySet<string>;
  /** Count different error texts as disagreements too. */
  strictErrors?: boolean;
  /** Shrink at most this many disagreements (each costs up to `shrinkBudget` renders). */
  shrinkLimit?: number;
  shrinkBudget?: number;
  /** Disagreements for which this returns true are counted as excused and not shrunk or reported. */
  excused?: (request: TemplateRequest) => boolean;
  onProgress?: (done: number) => void;
}

export interface Rendered {
  request: TemplateRequest;
  go: TemplateResult;
  ts: TemplateResult;
}

export interface Disagreement extends Rendered {
  index: number;
  shrunk?: Rendered;
  /** Its shrunk form equals one reported before. */
  duplicate?: boolean;
}

export interface FuzzReport {
  ran: number;
  agreed: number;
  disagreements: Disagreement[];
  excused: number;
  /** Both failed, with different messages (not a disagreement unless strictErrors). */
  errorTextDiffs: number;
}

/** The generator input of case `index` for a run seeded with `seed` (each case reproducible on its own). */
export function caseFor(seed: number, index: number, without?: ReadonlySet<string>): FuzzCase {
  return generateCase(new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0), without);
}

export function disagree(go: TemplateResult, ts: TemplateResult, strictErrors = false): boolean {
  if (isError(go)) return !isError(ts) || (strictErrors && go.error !== ts.error);
  return !sameResult(go, ts);
}

/** A short stable id of a request, for lists of excused cases. */
export function requestId(request: TemplateRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 16);
}

export async function fuzz(engine: EvalEngine, oracle: OracleProcess, options: FuzzOptions): Promise<FuzzReport> {
  const { seed, cases, start = 0, strictErrors = false, shrinkLimit = 5, shrinkBudget = 1500 } = options;
  const report: FuzzReport = { ran: 0, agreed: 0, disagreements: [], excused: 0, errorTextDiffs: 0 };
  const render = async (request: TemplateRequest): Promise<Rendered> => {
    const [go, ts] = await Promise.all([oracle.render(request), renderWithEngine(engine, request)]);
    return { request, go, ts };
  };
  const seenShrunk = new Set<string>();
  let shrunkCount = 0;
  const chunk = 200;
  for (let base = start; base < start + cases; base += chunk) {
    const indexes = Array.from({ length: Math.min(chunk, start + cases - base) }, (_, i) => base + i);
    const generated = indexes.map((i) => caseFor(seed, i, options.without));
    // Send the whole chunk to the oracle at once (it answers in order), then render in TS.
    const goResults = await Promise.all(generated.map((c) => oracle.render(toRequest(c))));
    for (let j = 0; j < generated.length; j++) {
      const request = toRequest(generated[j]!);
      const go = goResults[j]!;
      const ts = await renderWithEngine(engine, request);
      report.ran++;
      if (isError(go) && isError(ts) && go.error !== ts.error) report.errorTextDiffs++;
      if (!disagree(go, ts, strictErrors)) {
        report.agreed++;
        continue;
      }
      if (options.excused?.(request)) {
        report.excused++;
        continue;
      }
      const d: Disagreement = { index: indexes[j]!, request, go, ts };
      if (shrunkCount < shrinkLimit) {
        const small = await shrink(
          generated[j]!,
          async (candidate) => {
            const r = await render(toRequest(candidate));
            return disagree(r.go, r.ts, strictErrors);
          },
          shrinkBudget,
        );
        d.shrunk = await render(toRequest(small));
        // Report each distinct reproducer once; keep shrinking others until the limit of distinct ones.
        const key = JSON.stringify(d.shrunk.request);
        if (seenShrunk.has(key)) d.duplicate = true;
        else {
          seenShrunk.add(key);
          shrunkCount++;
        }
      }
      report.disagreements.push(d);
    }
    options.onProgress?.(report.ran);
  }
  return report;
}

export function describe(d: Disagreement): string {
  const show = (r: Rendered) =>
    [
      `  template: ${JSON.stringify(r.request.template)}`,
      `  data: ${JSON.stringify(r.request.data)}`,
      ...(r.request.missingkey ? [`  missingkey: ${r.request.missingkey}`] : []),
      `  go: ${JSON.stringify(r.go)}`,
      `  ts: ${JSON.stringify(r.ts)}`,
    ].join('\n');
  const head = `case ${d.index}${d.shrunk ? ' (shrunk)' : ''}:`;
  return `${head}\n${show(d.shrunk ?? d)}`;
}
