// Lists the corpus cases where the TypeScript engine disagrees with the Go recordings, for engine developers.
//
//   npx tsx test/helpers/template-diff-report.ts [name-prefix] [--all]
//
// By default only real disagreements are listed (different output, or error vs success); --all also lists cases
// where both fail with different error texts.

import { isError, readCorpus, requestOf, sameResult } from './template-corpus.js';
import { loadEngine, renderWithEngine } from './template-engine.js';

const args = process.argv.slice(2);
const all = args.includes('--all');
const prefix = args.find((a) => !a.startsWith('--')) ?? '';
const engine = await loadEngine();
if (!engine) {
  console.error('src/template/index.ts does not exist yet');
  process.exit(3);
}
let shown = 0;
for (const file of readCorpus()) {
  for (const c of file.cases) {
    if (!c.name.startsWith(prefix)) continue;
    const got = await renderWithEngine(engine, requestOf(c));
    const agrees = isError(got) ? isError(c.expect) : sameResult(got, c.expect);
    if (agrees && !(all && !sameResult(got, c.expect))) continue;
    shown++;
    console.log(`${c.name}  ${JSON.stringify(c.template)}`);
    console.log(`  go: ${JSON.stringify(c.expect)}`);
    console.log(`  ts: ${JSON.stringify(got)}`);
  }
}
console.log(`${shown} case(s) listed`);
