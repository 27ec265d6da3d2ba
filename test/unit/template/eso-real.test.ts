// The recorded template corpus against ESO's real template engine: every case is rendered by ESO v0.16.2's own
// pkg/template/v2 function map (tools/eso-oracle/template, built from ESO's Go module) and must give the recorded
// answer -- which the TypeScript engine is held to by differential.test.ts. The recordings come from
// tools/template-oracle, a re-implementation of ESO v2.9's functions over Masterminds Sprig; this checks that
// re-implementation against ESO's code wherever v0.16.2 and v2.9 agree.
//
// Allowed differences, each a fact of the two versions rather than of Custos:
// - functions ESO added after v0.16.2: v0.16.2 answers `function "X" not defined`;
// - Sprig: v0.16.2 uses ESO's Sprig fork (camelcase gives lowerCamel, semver rejects "01.2.3", getHostByName is
//   defined), v2.9 vendors Masterminds Sprig (reference/eso.md section 3).
// Needs Go (to build ESO); skipped without it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEso } from '../../helpers/eso-oracle.js';
import { readCorpus, requestOf, sameResult } from '../../helpers/template-corpus.js';
import { goAvailable, runOracleBatch } from '../../helpers/template-oracle.js';

const addedAfterV0162 = [
  'certSANs',
  'sha512sum',
  'hexdec',
  'rsaDecrypt',
  'pemTruststoreToPKCS12',
  'pemTruststoreToPKCS12Pass',
];
const notDefined = new RegExp(`^template: t:1: function "(${addedAfterV0162.join('|')})" not defined$`);
const forkFunctions = /\b(camelcase|semver|getHostByName)\b/;

test(
  "the recorded template corpus agrees with ESO v0.16.2's own template engine",
  {
    skip: goAvailable() ? false : 'Go is not installed, so ESO cannot be built',
  },
  () => {
    const build = buildEso();
    assert.ok(build, 'tools/eso-oracle/build.sh gave no binaries');
    const cases = readCorpus().flatMap((file) => file.cases);
    const answers = runOracleBatch(build.templateBinary, cases.map(requestOf));
    let agreed = 0;
    let newerFunctions = 0;
    let sprigFork = 0;
    const unexplained: string[] = [];
    cases.forEach((c, i) => {
      const answer = answers[i];
      assert.ok(answer);
      if (sameResult(c.expect, answer)) agreed++;
      else if ('error' in answer && notDefined.test(answer.error)) newerFunctions++;
      else if (forkFunctions.test(c.template)) sprigFork++;
      else unexplained.push(`${c.name}: recorded ${JSON.stringify(c.expect)}, ESO ${JSON.stringify(answer)}`);
    });
    console.log(
      `${agreed} of ${cases.length} cases agree with ESO v0.16.2; ${newerFunctions} use functions added after it, ` +
        `${sprigFork} Sprig functions its fork answers differently`,
    );
    assert.deepEqual(unexplained, [], 'cases where ESO answers differently for no known reason');
    // The allowed differences stay a small, explained set: a broken build must not pass as "not defined".
    assert.ok(newerFunctions + sprigFork <= 150, `${newerFunctions + sprigFork} allowed differences`);
    assert.ok(agreed >= cases.length - 150);
  },
);
