// Long randomized differential run of the TypeScript template engine against Go (needs Go and src/template):
//
//   npx tsx test/helpers/template-fuzz.ts --cases 100000 --seed 7 [--strict-errors] [--shrink 10] [--start I]
//                                         [--without toYaml,fromJson]
//
// Prints each disagreement shrunk to a small template + data, and a summary; exits 1 if any case disagrees.
// Reproduce one case with --start <index> --cases 1 and the same seed.

import { parseArgs } from 'node:util';
import { loadEngine } from './template-engine.js';
import { describe, fuzz } from './template-fuzz-run.js';
import { buildOracle, OracleProcess } from './template-oracle.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    shrink: { type: 'string', default: '10' },
    'strict-errors': { type: 'boolean', default: false },
    without: { type: 'string', default: '' },
  },
});

const engine = await loadEngine();
if (!engine) {
  console.error('template-fuzz: src/template/index.ts does not exist yet');
  process.exit(3);
}
const bin = buildOracle();
if (!bin) {
  console.error('template-fuzz: Go is not installed, so there is no oracle to compare with');
  process.exit(3);
}
const oracle = new OracleProcess(bin);
const cases = Number(values.cases);
const started = Date.now();
const report = await fuzz(engine, oracle, {
  seed: Number(values.seed),
  cases,
  start: Number(values.start),
  strictErrors: values['strict-errors'],
  without: new Set(values.without.split(',').filter((x) => x !== '')),
  shrinkLimit: Number(values.shrink),
  onProgress: (done) => {
    if (done % 5000 < 200) process.stderr.write(`template-fuzz: ${done}/${cases}\n`);
  },
});
oracle.close();
for (const d of report.disagreements.filter((x) => x.shrunk && !x.duplicate)) console.log(describe(d));
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `template-fuzz: seed ${values.seed}: ${report.agreed}/${report.ran} agree, ${report.disagreements.length} disagree, ` +
    `${report.errorTextDiffs} with different error texts (${secs}s)`,
);
if (report.disagreements.length > 0) {
  console.log(
    `first disagreeing indexes: ${report.disagreements
      .slice(0, 20)
      .map((d) => d.index)
      .join(' ')}`,
  );
  process.exit(1);
}
