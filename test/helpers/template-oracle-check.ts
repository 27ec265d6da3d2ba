// Oracle freshness: renders every committed corpus case through the Go oracle (built from tools/template-oracle)
// and lists the cases whose recorded expectation differs from what Go answers today.
//
//   npx tsx test/helpers/template-oracle-check.ts     (tools/template-oracle/check.sh runs it when Go is present)
// Exit codes: 0 all fresh, 1 stale recordings (named on stderr), 3 the oracle could not be built.

import { readCorpus, requestOf, sameResult } from './template-corpus.js';
import { buildOracle, runOracleBatch } from './template-oracle.js';

const bin = buildOracle();
if (!bin) {
  console.error('template-oracle check: the oracle could not be built (is Go installed?)');
  process.exit(3);
}
// --corpus DIR checks another copy of the corpus (used to test this script itself).
const dirArg = process.argv.indexOf('--corpus');
const cases = readCorpus(dirArg >= 0 ? process.argv[dirArg + 1] : undefined).flatMap((f) => f.cases);
const started = Date.now();
const results = runOracleBatch(
  bin,
  cases.map((c) => requestOf(c)),
);
let stale = 0;
cases.forEach((c, i) => {
  if (sameResult(results[i]!, c.expect)) return;
  stale++;
  console.error(`stale: ${c.name}\n  recorded: ${JSON.stringify(c.expect)}\n  go now:   ${JSON.stringify(results[i])}`);
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (stale > 0) {
  console.error(`template-oracle check: ${stale} of ${cases.length} recordings are stale (${seconds} s);`);
  console.error('re-record with tools/template-oracle/record.sh after checking the differences above');
  process.exit(1);
}
console.log(`template-oracle check: all ${cases.length} recordings match the Go oracle (${seconds} s)`);
