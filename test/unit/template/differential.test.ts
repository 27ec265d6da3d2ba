// The template corpus: cases whose expected results were recorded from Go's text/template + Sprig + ESO's
// functions (tools/template-oracle). Checks the corpus itself (shape, size, coverage of every action, builtin and
// function), then that the TypeScript engine agrees with every recording, and, with Go installed and
// CUSTOS_CHECK_ORACLE=1, that no recording is stale.
//
// Re-record after changing case inputs: tools/template-oracle/record.sh
//
// Two lists excuse a disagreement: corpus/known-differences.json (deliberate, {name: reason}, documented in
// docs/templates.md) and corpus/pending-differences.json (not matching yet: a ratchet while the engine is being
// completed; any *other* case that disagrees fails the test). Rewrite the pending list from the current engine with
// CUSTOS_TEMPLATE_PENDING=write; cases that start agreeing are reported so the list only shrinks.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type CorpusCase,
  caseProblems,
  categoryOf,
  corpusDir,
  fixturesPath,
  isError,
  readCorpus,
  requestOf,
  sameResult,
  type TemplateResult,
} from '../../helpers/template-corpus.js';
import { engineAvailable, loadEngine, renderWithEngine } from '../../helpers/template-engine.js';
import { type EvalEngine, evalLine } from '../../helpers/template-eval-line.js';
import { buildOracle, goAvailable, runOracleBatch } from '../../helpers/template-oracle.js';

const corpus = readCorpus();
const cases: CorpusCase[] = corpus.flatMap((f) => f.cases);
const knownDifferences = JSON.parse(readFileSync(join(corpusDir, 'known-differences.json'), 'utf8')) as Record<
  string,
  string
>;
const pendingPath = join(corpusDir, 'pending-differences.json');
const pending = new Set(JSON.parse(readFileSync(pendingPath, 'utf8')) as string[]);

const builtins = ['and', 'or', 'not', 'len', 'index', 'slice', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const builtinsMore = ['print', 'printf', 'println', 'html', 'js', 'urlquery', 'call'];
const actions = ['if', 'else', 'with', 'range', 'break', 'continue', 'define', 'template', 'block', 'end'];
const esoFunctions = [
  'pkcs12key',
  'pkcs12keyPass',
  'pkcs12cert',
  'pkcs12certPass',
  'pemToPkcs12',
  'pemToPkcs12Pass',
  'fullPemToPkcs12',
  'fullPemToPkcs12Pass',
  'pemTruststoreToPKCS12',
  'pemTruststoreToPKCS12Pass',
  'filterPEM',
  'filterCertChain',
  'certSANs',
  'jwkPublicKeyPem',
  'jwkPrivateKeyPem',
  'toYaml',
  'fromYaml',
  'rsaDecrypt',
  'hexdec',
];
// Sprig v3.3.0's text functions without env, expandenv and getHostByName.
const sprigFunctions = `abbrev abbrevboth add add1 add1f addf adler32sum ago all any append atoi b32dec b32enc b64dec
  b64enc base bcrypt biggest buildCustomCert camelcase cat ceil chunk clean coalesce compact concat contains date
  dateInZone dateModify date_in_zone date_modify decryptAES deepCopy deepEqual default derivePassword dict dig dir div
  divf duration durationRound empty encryptAES ext fail first float64 floor fromJson genCA genCAWithKey genPrivateKey
  genSelfSignedCert genSelfSignedCertWithKey genSignedCert genSignedCertWithKey get has hasKey hasPrefix hasSuffix
  hello htmlDate htmlDateInZone htpasswd indent initial initials int int64 isAbs join kebabcase keys kindIs kindOf last
  list lower max maxf merge mergeOverwrite min minf mod mul mulf mustAppend mustChunk mustCompact mustDateModify
  mustDeepCopy mustFirst mustFromJson mustHas mustInitial mustLast mustMerge mustMergeOverwrite mustPrepend mustPush
  mustRegexFind mustRegexFindAll mustRegexMatch mustRegexReplaceAll mustRegexReplaceAllLiteral mustRegexSplit mustRest
  mustReverse mustSlice mustToDate mustToJson mustToPrettyJson mustToRawJson mustUniq mustWithout must_date_modify
  nindent nospace now omit osBase osClean osDir osExt osIsAbs pick pluck plural prepend push quote randAlpha
  randAlphaNum randAscii randBytes randInt randNumeric regexFind regexFindAll regexMatch regexQuoteMeta regexReplaceAll
  regexReplaceAllLiteral regexSplit repeat replace rest reverse round semver semverCompare seq set sha1sum sha256sum
  sha512sum shuffle slice snakecase sortAlpha split splitList splitn squote sub subf substr swapcase ternary title
  toDate toDecimal toJson toPrettyJson toRawJson toString toStrings trim trimAll trimPrefix trimSuffix trimall trunc
  tuple typeIs typeIsLike typeOf uniq unixEpoch unset until untilStep untitle upper urlJoin urlParse uuidv4 values
  without wrap wrapWith`.split(/\s+/);

function templatesUsing(word: string): CorpusCase[] {
  const re = new RegExp(`(^|[^\\w.$])${word}($|[^\\w])`);
  return cases.filter((c) => re.test(c.template));
}

test('every corpus line is a well-formed case with a unique name matching its file', () => {
  const names = new Set<string>();
  for (const { file, cases: fileCases } of corpus) {
    assert.ok(fileCases.length > 0, `${file} is empty`);
    for (const c of fileCases) {
      assert.deepEqual(caseProblems(c), [], `${file}: case ${c.name}`);
      assert.equal(`${categoryOf(c.name)}.jsonl`, file, `${c.name} is filed in ${file}`);
      assert.ok(!names.has(c.name), `duplicate case name ${c.name}`);
      names.add(c.name);
    }
  }
});

test('the corpus has at least 2,000 cases, a fair share of them expecting errors', () => {
  assert.ok(cases.length >= 2000, `only ${cases.length} cases`);
  const errors = cases.filter((c) => isError(c.expect)).length;
  assert.ok(errors >= 200 && errors < cases.length / 2, `${errors} error cases of ${cases.length}`);
});

test('the corpus covers every action, builtin, Sprig function and ESO function', () => {
  const uncovered = [...actions, ...builtins, ...builtinsMore, ...sprigFunctions, ...esoFunctions].filter(
    (fn) => templatesUsing(fn).length === 0,
  );
  assert.deepEqual(uncovered, []);
  // Functions the engine must not offer are exercised as errors.
  for (const fn of ['env', 'expandenv', 'getHostByName']) {
    const uses = templatesUsing(fn);
    assert.ok(uses.length > 0 && uses.every((c) => isError(c.expect)), `${fn} must be undefined`);
  }
});

test('the corpus covers trimming, comments, custom delimiters and every missingkey mode', () => {
  assert.ok(cases.some((c) => c.template.includes('{{-') && c.template.includes('-}}')));
  assert.ok(cases.some((c) => c.template.includes('/*')));
  assert.ok(cases.filter((c) => c.leftDelim !== undefined).length >= 10);
  for (const mode of ['default', 'zero', 'error'] as const) {
    assert.ok(cases.filter((c) => c.missingkey === mode).length >= 20, `missingkey=${mode}`);
  }
});

test('fixtures.json holds only strings, and the difference lists name real cases', () => {
  const fixtures = JSON.parse(readFileSync(fixturesPath, 'utf8')) as Record<string, unknown>;
  assert.ok(Object.keys(fixtures).length > 10);
  for (const [k, v] of Object.entries(fixtures)) assert.equal(typeof v, 'string', `fixture ${k}`);
  const names = new Set(cases.map((c) => c.name));
  for (const [name, reason] of Object.entries(knownDifferences)) {
    assert.ok(names.has(name), `known difference ${name} is not a corpus case`);
    assert.ok(typeof reason === 'string' && reason.length > 0, `known difference ${name} needs a reason`);
  }
  for (const name of pending) assert.ok(names.has(name), `pending difference ${name} is not a corpus case`);
});

test('the template eval line handler answers every line, bad requests with an error', async () => {
  const seen: unknown[] = [];
  const stub: EvalEngine = {
    renderTemplate: (name, text, data, options) => {
      seen.push({ name, text, data, missingKey: options.missingKey, left: options.leftDelim });
      if (text === 'boom') throw new Error('template: t:1: boom');
      return `rendered ${text}`;
    },
    fromJsonData: (json) => ({ converted: json }),
    functions: {},
  };
  assert.equal(await evalLine(stub, '{"template":"x","data":1}'), '{"output":"rendered x"}');
  assert.deepEqual(seen.pop(), {
    name: 't',
    text: 'x',
    data: { converted: 1 },
    missingKey: 'default',
    left: undefined,
  });
  await evalLine(stub, '{"template":"y","data":null,"missingkey":"error","leftDelim":"<<","rightDelim":">>"}');
  assert.deepEqual(seen.pop(), { name: 't', text: 'y', data: { converted: null }, missingKey: 'error', left: '<<' });
  assert.equal(await evalLine(stub, '{"template":"boom","data":{}}'), '{"error":"template: t:1: boom"}');
  for (const bad of ['not json', '[1]', '{"data":1}', '{"template":"x","missingkey":"strict"}', '{"template":1}']) {
    const answer = JSON.parse(await evalLine(stub, bad)) as Record<string, unknown>;
    assert.match(String(answer['error']), /^bad request: /, bad);
  }
});

const pct = (n: number, d: number): string => (d === 0 ? '100.0' : ((100 * n) / d).toFixed(1));

test(
  'the TypeScript engine agrees with Go on every corpus case',
  {
    skip: engineAvailable() ? false : 'src/template/index.ts does not exist yet',
  },
  async () => {
    const engine = await loadEngine();
    assert.ok(engine);
    let identical = 0;
    let sameOutcome = 0;
    let bothErrors = 0;
    let sameErrorText = 0;
    const failures: string[] = [];
    const disagreeing: string[] = [];
    const nowAgreeing: string[] = [];
    const perCategory = new Map<string, { total: number; identical: number }>();
    for (const c of cases) {
      const got: TemplateResult = await renderWithEngine(engine, requestOf(c));
      // Agreement: the same output, or both failing (error texts are compared separately, as a softer metric).
      const agrees = isError(got) ? isError(c.expect) : sameResult(got, c.expect);
      const stats = perCategory.get(categoryOf(c.name)) ?? { total: 0, identical: 0 };
      perCategory.set(categoryOf(c.name), stats);
      stats.total++;
      if (sameResult(got, c.expect)) {
        identical++;
        stats.identical++;
      }
      if (agrees) sameOutcome++;
      if (isError(got) && isError(c.expect)) {
        bothErrors++;
        if (got.error === c.expect.error) sameErrorText++;
      }
      const excused = Object.hasOwn(knownDifferences, c.name) || pending.has(c.name);
      if (!agrees) disagreeing.push(c.name);
      if (!agrees && !excused) {
        failures.push(
          `${c.name}\n    template: ${JSON.stringify(c.template)}\n    go: ${JSON.stringify(c.expect)}\n    ts: ${JSON.stringify(got)}`,
        );
      }
      if (agrees && pending.has(c.name)) nowAgreeing.push(c.name);
    }
    const n = cases.length;
    console.log(`template corpus: ${identical}/${n} identical (${pct(identical, n)}%)`);
    console.log(`template corpus: ${sameOutcome}/${n} same output or both failing (${pct(sameOutcome, n)}%)`);
    console.log(
      `template corpus: ${sameErrorText}/${bothErrors} identical error text (${pct(sameErrorText, bothErrors)}%)`,
    );
    console.log(
      `function maps: ${engine.loadedMaps.join(', ') || 'none'}; missing: ${engine.missingMaps.join(', ') || 'none'}`,
    );
    for (const [cat, st] of [...perCategory].sort()) console.log(`  ${cat}: ${st.identical}/${st.total} identical`);
    if (process.env['CUSTOS_TEMPLATE_PENDING'] === 'write') {
      const stillPending = disagreeing.filter((name) => !Object.hasOwn(knownDifferences, name));
      writeFileSync(pendingPath, JSON.stringify(stillPending, null, 1) + '\n');
      console.log(`wrote ${stillPending.length} names to ${pendingPath}`);
      return;
    }
    console.log(
      `pending differences: ${pending.size - nowAgreeing.length} still disagree, ${nowAgreeing.length} now agree`,
    );
    if (nowAgreeing.length > 0) console.log('  shrink the list with CUSTOS_TEMPLATE_PENDING=write');
    assert.equal(failures.length, 0, `${failures.length} cases disagree with Go:\n${failures.slice(0, 40).join('\n')}`);
  },
);

test(
  'the recorded expectations are what the Go oracle answers today',
  {
    skip:
      process.env['CUSTOS_CHECK_ORACLE'] !== '1'
        ? 'set CUSTOS_CHECK_ORACLE=1 (with Go installed) to re-run the oracle'
        : goAvailable()
          ? false
          : 'Go is not installed',
  },
  () => {
    const bin = buildOracle();
    assert.ok(bin, 'the oracle could not be built');
    const results = runOracleBatch(
      bin,
      cases.map((c) => requestOf(c)),
    );
    const stale = cases.filter((c, i) => !sameResult(results[i]!, c.expect)).map((c) => c.name);
    assert.deepEqual(stale, [], 'stale recordings: run tools/template-oracle/record.sh');
  },
);
