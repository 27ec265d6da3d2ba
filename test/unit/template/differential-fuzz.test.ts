// Bounded randomized differential test: a few hundred seeded random templates and data rendered by the TypeScript
// engine and by the Go oracle must agree (same output, or both failing). Any disagreement is reported shrunk to a
// small reproducer. Needs Go (for the oracle); the long run is `npx tsx test/helpers/template-fuzz.ts`.
//
// corpus/pending-fuzz.json lists ids of generated cases that do not agree yet (a ratchet while the engine is being
// completed); rewrite it with CUSTOS_TEMPLATE_PENDING=write.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusDir } from '../../helpers/template-corpus.js';
import { engineAvailable, loadEngine } from '../../helpers/template-engine.js';
import { describe, fuzz, requestId } from '../../helpers/template-fuzz-run.js';
import { buildOracle, goAvailable, OracleProcess } from '../../helpers/template-oracle.js';

const seed = 20261122;
const cases = 400;
const pendingPath = join(corpusDir, 'pending-fuzz.json');

function skipReason(): string | false {
  if (!engineAvailable()) return 'src/template/index.ts does not exist yet';
  if (!goAvailable()) return 'Go is not installed, so there is no oracle to compare with';
  return false;
}

test(`${cases} random templates render the same in TypeScript and Go`, { skip: skipReason() }, async () => {
  const engine = await loadEngine();
  const bin = buildOracle();
  assert.ok(engine && bin);
  const writing = process.env['CUSTOS_TEMPLATE_PENDING'] === 'write';
  const pending = new Set(writing ? [] : (JSON.parse(readFileSync(pendingPath, 'utf8')) as string[]));
  const oracle = new OracleProcess(bin);
  try {
    const report = await fuzz(engine, oracle, {
      seed,
      cases,
      shrinkLimit: writing ? 0 : 3,
      shrinkBudget: 800,
      excused: (request) => pending.has(requestId(request)),
    });
    console.log(
      `template fuzz (seed ${seed}): ${report.agreed}/${report.ran} agree, ${report.excused} pending, ` +
        `${report.disagreements.length} new disagreements, ${report.errorTextDiffs} with different error texts`,
    );
    if (writing) {
      const ids = report.disagreements.map((d) => requestId(d.request));
      writeFileSync(pendingPath, JSON.stringify(ids, null, 1) + '\n');
      console.log(`wrote ${ids.length} ids to ${pendingPath}`);
      return;
    }
    assert.equal(
      report.disagreements.length,
      0,
      `TypeScript disagrees with Go:\n${report.disagreements
        .filter((d) => d.shrunk)
        .map(describe)
        .join('\n')}`,
    );
  } finally {
    oracle.close();
  }
});
