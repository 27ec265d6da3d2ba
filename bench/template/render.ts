// Template render throughput: the TypeScript engine vs Go's text/template + Sprig (the oracle), same cases, same
// machine, same run. Reported as ns per render (parse + execute) and TS/Go ratios against two Go baselines:
//   go-eso    New(name).Funcs(map).Parse per render, exactly what ESO does per template key (the Funcs call copies
//             the ~220-function map into the new template every time and dominates small templates);
//   go-shared the function map bound once, so only parse + execute are timed (the pure engine cost).
//
//   npx tsx bench/template/render.ts [--iterations 10] [--repeat 3] [--json]
//
// Each side is measured --repeat times and the fastest run is kept (the machines are shared; the minimum is the
// least disturbed measurement).
//
// Needs Go (tools/template-oracle/build.sh builds the oracle into ~/.cache/custos/template-oracle). Cases: every
// corpus case (test/unit/template/corpus) that both engines render to the identical output, minus those whose
// cost is key generation or a deliberately slow KDF/hash (gen*, bcrypt, htpasswd, derivePassword, PKCS#12
// encoding and decoding) or randomness. Data is decoded once up front on both sides (Go: encoding/json; TS: fromJsonData);
// each timed render parses and executes the template with the full function map.

import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { TemplateOptions } from '../../src/template/index.js';
import {
  isError,
  readCorpus,
  requestOf,
  sameResult,
  type TemplateRequest,
} from '../../test/helpers/template-corpus.js';
import { loadEngine, renderWithEngine } from '../../test/helpers/template-engine.js';
import { buildOracle } from '../../test/helpers/template-oracle.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const iterations = Number(values.iterations);
const repeat = Number(values.repeat);
const fastest = (measure: () => number): number => Math.min(...Array.from({ length: repeat }, measure));

// PKCS#12 decoding (pkcs12key/pkcs12cert and their Pass forms) is excluded too: its cost is the archive's
// deliberately slow PKCS#12 KDF (thousands of hash rounds per key), not template rendering.
const excluded =
  /\b(genPrivateKey|genCA\w*|genSelfSigned\w*|genSigned\w*|bcrypt|htpasswd|derivePassword|buildCustomCert|pemToPkcs12\w*|fullPemToPkcs12\w*|pemTruststoreToPKCS12\w*|pkcs12key\w*|pkcs12cert\w*|now|ago|rand\w*|uuidv4|shuffle|encryptAES)\b/;

const engine = await loadEngine();
if (!engine) {
  console.error('bench/template: src/template/index.ts does not exist yet');
  process.exit(3);
}
const bin = buildOracle();
if (!bin) {
  console.error('bench/template: Go is not installed; the Go side of the comparison needs it');
  process.exit(3);
}

// Select the cases both engines render identically.
const selected = new Map<string, TemplateRequest[]>();
let considered = 0;
for (const file of readCorpus()) {
  const reqs: TemplateRequest[] = [];
  for (const c of file.cases) {
    if (isError(c.expect) || excluded.test(c.template)) continue;
    considered++;
    if (sameResult(await renderWithEngine(engine, requestOf(c)), c.expect)) reqs.push(requestOf(c));
  }
  if (reqs.length > 0) selected.set(file.file.replace(/\.jsonl$/, ''), reqs);
}

interface Prepared {
  template: string;
  data: unknown;
  options: TemplateOptions;
}

function prepare(req: TemplateRequest): Prepared {
  return {
    template: req.template,
    data: engine!.fromJsonData(req.data),
    options: {
      missingKey: req.missingkey ?? 'default',
      leftDelim: req.leftDelim || undefined,
      rightDelim: req.rightDelim || undefined,
      functions: engine!.functions as TemplateOptions['functions'],
    },
  };
}

function benchTs(reqs: TemplateRequest[]): number {
  const prepared = reqs.map(prepare);
  const renderOnce = (p: Prepared) => engine!.renderTemplate('t', p.template, p.data, p.options);
  for (const p of prepared) renderOnce(p); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) for (const p of prepared) renderOnce(p);
  return Number(process.hrtime.bigint() - start) / (iterations * prepared.length);
}

function benchGo(reqs: TemplateRequest[], mode: 'eso' | 'shared'): number {
  const input = reqs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const args = ['-bench', String(iterations), '-bench-mode', mode];
  const r = spawnSync(bin!, args, { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`oracle -bench failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { nsPerOp: number }).nsPerOp;
}

interface Row {
  category: string;
  cases: number;
  goEsoNs: number;
  goSharedNs: number;
  tsNs: number;
}
const measure = (category: string, reqs: TemplateRequest[]): Row => ({
  category,
  cases: reqs.length,
  goEsoNs: fastest(() => benchGo(reqs, 'eso')),
  goSharedNs: fastest(() => benchGo(reqs, 'shared')),
  tsNs: fastest(() => benchTs(reqs)),
});
const rows: Row[] = [];
for (const [category, reqs] of selected) rows.push(measure(category, reqs));
const all = [...selected.values()].flat();
const total = measure('ALL', all);

const goVersion = spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim();
const machine = `${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, node ${process.version}, ${goVersion}`;
if (values.json) {
  console.log(JSON.stringify({ iterations, repeat, considered, machine, rows: [...rows, total] }, null, 2));
} else {
  console.log(`template render benchmark: best of ${repeat} x ${iterations} iterations; ${machine}`);
  console.log(`${all.length} of ${considered} eligible successful corpus cases render identically in both engines`);
  console.log('category              cases  go-eso ns  go-shared ns   ts ns  ts/go-eso  ts/go-shared');
  const num = (n: number, w: number, d = 0) => n.toFixed(d).padStart(w);
  for (const r of [...rows, total]) {
    console.log(
      `${r.category.padEnd(20)} ${num(r.cases, 6)} ${num(r.goEsoNs, 10)} ${num(r.goSharedNs, 13)} ${num(r.tsNs, 7)} ` +
        `${num(r.tsNs / r.goEsoNs, 10, 2)} ${num(r.tsNs / r.goSharedNs, 13, 2)}`,
    );
  }
}
