// Records the template corpus: builds every case input (template-cases-*.ts), renders each through the Go oracle
// three times and writes test/unit/template/corpus/<file>.jsonl with the oracle's result as `expect`.
// Cases whose result is not stable across the runs (map order, randomness) or that crash the oracle are left
// out and listed, so a nondeterministic case can never become a flaky expectation.
//
//   npx tsx test/helpers/template-corpus-record.ts            (or tools/template-oracle/record.sh)
//   npx tsx test/helpers/template-corpus-record.ts --check    exits 1 if a committed recording differs

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseInput, CaseSet } from './template-case-builder.js';
import { actionCases, builtinCases, errorCases, printfCases } from './template-cases-core.js';
import { esoCases, esoStyleCases } from './template-cases-eso.js';
import { sprigCaseSets } from './template-cases-sprig.js';
import {
  type CorpusCase,
  corpusDir,
  fixturesPath,
  listCorpusFiles,
  requestOf,
  sameResult,
  type TemplateResult,
} from './template-corpus.js';
import { buildOracle, runOracleBatch } from './template-oracle.js';

export function allCaseSets(): CaseSet[] {
  const fixtures = JSON.parse(readFileSync(fixturesPath, 'utf8')) as Record<string, string>;
  return [
    actionCases(),
    builtinCases(),
    printfCases(),
    errorCases(),
    ...sprigCaseSets(fixtures),
    esoCases(fixtures),
    esoStyleCases(),
  ];
}

function unstable(runs: TemplateResult[][], i: number): boolean {
  const first = runs[0]![i]!;
  return runs.some((r) => !sameResult(r[i]!, first));
}

function crashed(r: TemplateResult): boolean {
  return 'error' in r && /^oracle: (panic|timeout|bad request)/.test(r.error);
}

function main(): void {
  const check = process.argv.includes('--check');
  const bin = buildOracle();
  if (!bin) {
    console.error('template-corpus-record: Go is not installed, cannot record');
    process.exit(3);
  }
  const sets = allCaseSets();
  const inputs: CaseInput[] = sets.flatMap((s) => s.cases);
  const seen = new Set<string>();
  for (const c of inputs) {
    if (seen.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
    seen.add(c.name);
  }
  const requests = inputs.map((c) => requestOf(c));
  const runs = [runOracleBatch(bin, requests), runOracleBatch(bin, requests), runOracleBatch(bin, requests)];

  const dropped: string[] = [];
  const files = new Map<string, CorpusCase[]>();
  inputs.forEach((c, i) => {
    const result = runs[0]![i]!;
    if (unstable(runs, i)) dropped.push(`${c.name}: result differs between runs`);
    else if (crashed(result)) dropped.push(`${c.name}: ${'error' in result ? result.error : ''}`);
    else {
      const file = c.name.slice(0, c.name.indexOf('/'));
      const list = files.get(file) ?? [];
      list.push({ ...c, expect: result });
      files.set(file, list);
    }
  });

  let stale = 0;
  for (const [file, cases] of files) {
    const text = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
    const path = join(corpusDir, `${file}.jsonl`);
    if (check) {
      let old = '';
      try {
        old = readFileSync(path, 'utf8');
      } catch {}
      if (old !== text) {
        stale++;
        console.error(`stale: ${file}.jsonl`);
      }
    } else writeFileSync(path, text);
  }
  if (!check) {
    // Remove files of categories that no longer exist.
    for (const f of listCorpusFiles()) if (!files.has(f.replace(/\.jsonl$/, ''))) rmSync(join(corpusDir, f));
  }
  for (const d of dropped) console.error(`dropped ${d}`);
  const total = [...files.values()].reduce((n, c) => n + c.length, 0);
  const errors = [...files.values()].flat().filter((c) => 'error' in c.expect).length;
  for (const [file, cases] of [...files].sort()) console.log(`${file}: ${cases.length}`);
  console.log(`total: ${total} cases (${errors} expecting an error), ${dropped.length} dropped`);
  if (check && stale > 0) process.exit(1);
}

main();
