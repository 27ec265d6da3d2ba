// Expectations recorded from github.com/tidwall/gjson v1.18.0 (the version ESO v2.9 builds with): a throwaway Go
// program ran gjson.Get(json, path) for every row and printed Exists() and String(). Columns: path, exists, String().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeGjsonKey, formatFloatPlain, GjsonPathError, gjsonGet } from '../../../src/providers/gjson.js';

type Row = [path: string, exists: boolean, value: string];

// The example document of gjson's README.
const README = `{
  "name": {"first": "Tom", "last": "Anderson"},
  "age":37,
  "children": ["Sara","Alex","Jack"],
  "fav.movie": "Deer Hunter",
  "friends": [
    {"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]},
    {"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]},
    {"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]}
  ]
}`;

const README_ROWS: Row[] = [
  ['name.last', true, 'Anderson'],
  ['age', true, '37'],
  ['children', true, '["Sara","Alex","Jack"]'],
  ['children.#', true, '3'],
  ['children.1', true, 'Alex'],
  ['child*.2', true, 'Jack'],
  ['c?ildren.0', true, 'Sara'],
  ['fav\\.movie', true, 'Deer Hunter'],
  ['fav.movie', false, ''],
  ['friends.#.first', true, '["Dale","Roger","Jane"]'],
  ['friends.1.last', true, 'Craig'],
  ['friends.#.nets', true, '[["ig", "fb", "tw"],["fb", "tw"],["ig", "tw"]]'],
  ['friends.#.nets.#', true, '[3,2,2]'],
  ['friends.#.nets.0', true, '["ig","fb","ig"]'],
  ['friends.#.age', true, '[44,68,47]'],
  ['name', true, '{"first": "Tom", "last": "Anderson"}'],
  ['friends.1', true, '{"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]}'],
  ['friends.01.first', true, 'Roger'],
  ['friends.-1', false, ''],
  ['friends.3', false, ''],
  ['friends.#', true, '3'],
  ['friends.#.nonexistent', true, '[]'],
  ['friends.#.name.first', true, '[]'],
  ['children.#.x', true, '[]'],
  ['name.#', false, ''],
  ['children.first', false, ''],
  ['', false, ''],
  ['name.', false, ''],
  ['.name', false, ''],
  ['name..first', false, ''],
  ['age.x', false, ''],
  ['name.first.x', false, ''],
  ['*', true, '{"first": "Tom", "last": "Anderson"}'],
  ['?ame.first', true, 'Tom'],
  ['n*e.last', true, 'Anderson'],
  ['friends.?', false, ''],
  ['friends.*', false, ''],
  ['n\\ame.first', true, 'Tom'],
];

const SCALARS =
  '{"i":10,"neg":-5,"f":1.50,"e":1e3,"big":12345678901234567890,"tiny":1.5e-7,"huge":1e21,"nz":-0.0,' +
  '"t":true,"f2":false,"n":null,"s":"a\\"b\\\\c\\u00e9\\ud83d\\ude00","u":"\\u2028x","obj":{ "x" : [1, 2] },' +
  ' "dup":1, "dup":2, "1":"one", "#":"hash", "a.b":"dotted", "a":{"b":"nested"}, "kx":1, "k*":2,' +
  ' "e\\u0073c":"escaped key", "z":0.1, "z2":100.0, "z3":-1.25e2, "z4":5e-324}';

const SCALAR_ROWS: Row[] = [
  ['i', true, '10'],
  ['neg', true, '-5'],
  ['f', true, '1.5'],
  ['e', true, '1000'],
  ['big', true, '12345678901234567890'],
  ['tiny', true, '0.00000015'],
  ['huge', true, '1000000000000000000000'],
  ['nz', true, '-0'],
  ['t', true, 'true'],
  ['f2', true, 'false'],
  ['n', true, ''],
  ['s', true, 'a"b\\cé😀'],
  ['u', true, '\u2028x'],
  ['obj', true, '{ "x" : [1, 2] }'],
  ['obj.x', true, '[1, 2]'],
  ['obj.x.#', true, '2'],
  ['obj.x.1', true, '2'],
  ['dup', true, '1'],
  ['1', true, 'one'],
  ['#', true, 'hash'],
  ['a.b', true, 'nested'],
  ['a\\.b', true, 'dotted'],
  ['k\\*', true, '2'],
  ['k*', true, '1'],
  ['esc', true, 'escaped key'],
  ['z', true, '0.1'],
  ['z2', true, '100'],
  ['z3', true, '-125'],
  ['z4', true, `0.${'0'.repeat(323)}5`],
  ['n.x', false, ''],
  ['s.x', false, ''],
];

const ARRAY_ROOT = '[1,"two",{"three":3}, [4,5]]';
const ARRAY_ROWS: Row[] = [
  ['0', true, '1'],
  ['1', true, 'two'],
  ['2.three', true, '3'],
  ['#', true, '4'],
  ['3', true, '[4,5]'],
  ['4', false, ''],
  ['3.1', true, '5'],
  ['#.three', true, '[3]'],
  ['#.0', true, '[4]'],
];

const NESTED = '{"m":[[1,2],[3]], "e":[], "o":{}}';
const NESTED_ROWS: Row[] = [
  ['m.#.0', true, '[1,3]'],
  ['m.#.#', true, '[2,1]'],
  ['m.1.0', true, '3'],
  ['m.#.5', true, '[]'],
  ['e.#', true, '0'],
  ['e.#.x', true, '[]'],
  ['o.#', false, ''],
  ['e', true, '[]'],
  ['o', true, '{}'],
];

function table(name: string, json: string, rows: Row[]): void {
  describe(name, () => {
    for (const [path, exists, value] of rows) {
      it(`${JSON.stringify(path)} -> ${exists ? JSON.stringify(value) : 'does not exist'}`, () => {
        const result = gjsonGet(json, path);
        assert.equal(result.exists, exists);
        assert.equal(result.value, value);
      });
    }
  });
}

describe('gjson path subset (facts from gjson v1.18.0)', () => {
  table('the gjson README document', README, README_ROWS);
  table('scalars, escapes and key matching', SCALARS, SCALAR_ROWS);
  table('an array at the root', ARRAY_ROOT, ARRAY_ROWS);
  table('nested and empty arrays', NESTED, NESTED_ROWS);

  it('treats a document that is not JSON as having no properties', () => {
    for (const doc of ['plain text', '42', '"str"', 'null', '{"a":']) {
      for (const path of ['x', 'a', '0']) assert.equal(gjsonGet(doc, path).exists, false, `${doc} ${path}`);
    }
  });

  it('reads the first value and ignores trailing text, as gjson does', () => {
    assert.equal(gjsonGet('{"a":1} trailing', 'a').value, '1');
    assert.equal(gjsonGet('{"a":1} trailing', 'x').exists, false);
  });

  it('keeps the quotes in raw for strings, so #.field results are valid JSON', () => {
    const r = gjsonGet('{"a":"x\\ny"}', 'a');
    assert.equal(r.raw, '"x\\ny"');
    assert.equal(r.value, 'x\ny');
    assert.equal(r.type, 'String');
  });

  it('refuses queries, modifiers, pipes, multipaths and JSON lines with a message naming the property', () => {
    for (const path of [
      'friends.#(last=="Murphy").first',
      '@reverse',
      'children.@reverse',
      'a|b',
      '[a,b]',
      '{a}',
      '..0',
    ]) {
      assert.throws(
        () => gjsonGet(README, path),
        (e: unknown) => e instanceof GjsonPathError && e.message.includes(path),
      );
    }
  });

  it('treats @name that is not a gjson modifier as a plain key', () => {
    assert.equal(gjsonGet('{"@foo":{"b":1}}', '@foo.b').value, '1');
  });

  it('escapes a literal key so it reads back as one component', () => {
    const json = '{"a.b*?":{"#":"v"}}';
    assert.equal(gjsonGet(json, `${escapeGjsonKey('a.b*?')}.${escapeGjsonKey('#')}`).value, 'v');
  });

  it("formats numbers like Go strconv.FormatFloat(f, 'f', -1, 64)", () => {
    assert.equal(formatFloatPlain(1e21), '1000000000000000000000');
    assert.equal(formatFloatPlain(1.5e-7), '0.00000015');
    assert.equal(formatFloatPlain(-2.5e-3), '-0.0025');
    assert.equal(formatFloatPlain(1.25e22), '12500000000000000000000');
    assert.equal(formatFloatPlain(123.456), '123.456');
  });
});
