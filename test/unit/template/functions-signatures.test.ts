// Each function declares the parameters of its Go counterpart, so the engine reports Go's arity and type errors
// ("wrong number of args for add1: want 1 got 2"). The signatures were printed by Go 1.26 with reflect from
// Sprig v3.3.0's TxtFuncMap (plus hexdec, which ESO's vendored copy adds).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParamType } from '../../../src/template/functions/contract.js';
import { sprigFunctions } from '../../../src/template/functions/sprig.js';

const goSignatures: [string, string][] = [
  ['abbrev', 'func(int, string) string'],
  ['abbrevboth', 'func(int, int, string) string'],
  ['add', 'func(...interface {}) int64'],
  ['add1', 'func(interface {}) int64'],
  ['add1f', 'func(interface {}) float64'],
  ['addf', 'func(...interface {}) float64'],
  ['adler32sum', 'func(string) string'],
  ['all', 'func(...interface {}) bool'],
  ['any', 'func(...interface {}) bool'],
  ['append', 'func(interface {}, interface {}) []interface {}'],
  ['atoi', 'func(string) int'],
  ['b32dec', 'func(string) string'],
  ['b32enc', 'func(string) string'],
  ['b64dec', 'func(string) string'],
  ['b64enc', 'func(string) string'],
  ['base', 'func(string) string'],
  ['biggest', 'func(interface {}, ...interface {}) int64'],
  ['camelcase', 'func(string) string'],
  ['cat', 'func(...interface {}) string'],
  ['ceil', 'func(interface {}) float64'],
  ['chunk', 'func(int, interface {}) [][]interface {}'],
  ['clean', 'func(string) string'],
  ['coalesce', 'func(...interface {}) interface {}'],
  ['compact', 'func(interface {}) []interface {}'],
  ['concat', 'func(...interface {}) interface {}'],
  ['contains', 'func(string, string) bool'],
  ['deepCopy', 'func(interface {}) interface {}'],
  ['deepEqual', 'func(interface {}, interface {}) bool'],
  ['default', 'func(interface {}, ...interface {}) interface {}'],
  ['dict', 'func(...interface {}) map[string]interface {}'],
  ['dig', 'func(...interface {}) (interface {}, error)'],
  ['dir', 'func(string) string'],
  ['div', 'func(interface {}, interface {}) int64'],
  ['divf', 'func(interface {}, ...interface {}) float64'],
  ['empty', 'func(interface {}) bool'],
  ['ext', 'func(string) string'],
  ['fail', 'func(string) (string, error)'],
  ['first', 'func(interface {}) interface {}'],
  ['float64', 'func(interface {}) float64'],
  ['floor', 'func(interface {}) float64'],
  ['fromJson', 'func(string) interface {}'],
  ['get', 'func(map[string]interface {}, string) interface {}'],
  ['has', 'func(interface {}, interface {}) bool'],
  ['hasKey', 'func(map[string]interface {}, string) bool'],
  ['hasPrefix', 'func(string, string) bool'],
  ['hasSuffix', 'func(string, string) bool'],
  ['hello', 'func() string'],
  ['hexdec', 'func(string) string'], // not in upstream v3.3.0: ESO's vendored Sprig adds it
  ['indent', 'func(int, string) string'],
  ['initial', 'func(interface {}) []interface {}'],
  ['initials', 'func(string) string'],
  ['int', 'func(interface {}) int'],
  ['int64', 'func(interface {}) int64'],
  ['isAbs', 'func(string) bool'],
  ['join', 'func(string, interface {}) string'],
  ['kebabcase', 'func(string) string'],
  ['keys', 'func(...map[string]interface {}) []string'],
  ['kindIs', 'func(string, interface {}) bool'],
  ['kindOf', 'func(interface {}) string'],
  ['last', 'func(interface {}) interface {}'],
  ['list', 'func(...interface {}) []interface {}'],
  ['lower', 'func(string) string'],
  ['max', 'func(interface {}, ...interface {}) int64'],
  ['maxf', 'func(interface {}, ...interface {}) float64'],
  ['merge', 'func(map[string]interface {}, ...map[string]interface {}) interface {}'],
  ['mergeOverwrite', 'func(map[string]interface {}, ...map[string]interface {}) interface {}'],
  ['min', 'func(interface {}, ...interface {}) int64'],
  ['minf', 'func(interface {}, ...interface {}) float64'],
  ['mod', 'func(interface {}, interface {}) int64'],
  ['mul', 'func(interface {}, ...interface {}) int64'],
  ['mulf', 'func(interface {}, ...interface {}) float64'],
  ['mustAppend', 'func(interface {}, interface {}) ([]interface {}, error)'],
  ['mustChunk', 'func(int, interface {}) ([][]interface {}, error)'],
  ['mustCompact', 'func(interface {}) ([]interface {}, error)'],
  ['mustDeepCopy', 'func(interface {}) (interface {}, error)'],
  ['mustFirst', 'func(interface {}) (interface {}, error)'],
  ['mustFromJson', 'func(string) (interface {}, error)'],
  ['mustHas', 'func(interface {}, interface {}) (bool, error)'],
  ['mustInitial', 'func(interface {}) ([]interface {}, error)'],
  ['mustLast', 'func(interface {}) (interface {}, error)'],
  ['mustMerge', 'func(map[string]interface {}, ...map[string]interface {}) (interface {}, error)'],
  ['mustMergeOverwrite', 'func(map[string]interface {}, ...map[string]interface {}) (interface {}, error)'],
  ['mustPrepend', 'func(interface {}, interface {}) ([]interface {}, error)'],
  ['mustPush', 'func(interface {}, interface {}) ([]interface {}, error)'],
  ['mustRegexFind', 'func(string, string) (string, error)'],
  ['mustRegexFindAll', 'func(string, string, int) ([]string, error)'],
  ['mustRegexMatch', 'func(string, string) (bool, error)'],
  ['mustRegexReplaceAll', 'func(string, string, string) (string, error)'],
  ['mustRegexReplaceAllLiteral', 'func(string, string, string) (string, error)'],
  ['mustRegexSplit', 'func(string, string, int) ([]string, error)'],
  ['mustRest', 'func(interface {}) ([]interface {}, error)'],
  ['mustReverse', 'func(interface {}) ([]interface {}, error)'],
  ['mustSlice', 'func(interface {}, ...interface {}) (interface {}, error)'],
  ['mustToJson', 'func(interface {}) (string, error)'],
  ['mustToPrettyJson', 'func(interface {}) (string, error)'],
  ['mustToRawJson', 'func(interface {}) (string, error)'],
  ['mustUniq', 'func(interface {}) ([]interface {}, error)'],
  ['mustWithout', 'func(interface {}, ...interface {}) ([]interface {}, error)'],
  ['nindent', 'func(int, string) string'],
  ['nospace', 'func(string) string'],
  ['omit', 'func(map[string]interface {}, ...string) map[string]interface {}'],
  ['osBase', 'func(string) string'],
  ['osClean', 'func(string) string'],
  ['osDir', 'func(string) string'],
  ['osExt', 'func(string) string'],
  ['osIsAbs', 'func(string) bool'],
  ['pick', 'func(map[string]interface {}, ...string) map[string]interface {}'],
  ['pluck', 'func(string, ...map[string]interface {}) []interface {}'],
  ['plural', 'func(string, string, int) string'],
  ['prepend', 'func(interface {}, interface {}) []interface {}'],
  ['push', 'func(interface {}, interface {}) []interface {}'],
  ['quote', 'func(...interface {}) string'],
  ['randAlpha', 'func(int) string'],
  ['randAlphaNum', 'func(int) string'],
  ['randAscii', 'func(int) string'],
  ['randBytes', 'func(int) (string, error)'],
  ['randInt', 'func(int, int) int'],
  ['randNumeric', 'func(int) string'],
  ['regexFind', 'func(string, string) string'],
  ['regexFindAll', 'func(string, string, int) []string'],
  ['regexMatch', 'func(string, string) bool'],
  ['regexQuoteMeta', 'func(string) string'],
  ['regexReplaceAll', 'func(string, string, string) string'],
  ['regexReplaceAllLiteral', 'func(string, string, string) string'],
  ['regexSplit', 'func(string, string, int) []string'],
  ['repeat', 'func(int, string) string'],
  ['replace', 'func(string, string, string) string'],
  ['rest', 'func(interface {}) []interface {}'],
  ['reverse', 'func(interface {}) []interface {}'],
  ['round', 'func(interface {}, int, ...float64) float64'],
  ['semver', 'func(string) (*semver.Version, error)'],
  ['semverCompare', 'func(string, string) (bool, error)'],
  ['seq', 'func(...int) string'],
  ['set', 'func(map[string]interface {}, string, interface {}) map[string]interface {}'],
  ['sha1sum', 'func(string) string'],
  ['sha256sum', 'func(string) string'],
  ['sha512sum', 'func(string) string'],
  ['shuffle', 'func(string) string'],
  ['slice', 'func(interface {}, ...interface {}) interface {}'],
  ['snakecase', 'func(string) string'],
  ['sortAlpha', 'func(interface {}) []string'],
  ['split', 'func(string, string) map[string]string'],
  ['splitList', 'func(string, string) []string'],
  ['splitn', 'func(string, int, string) map[string]string'],
  ['squote', 'func(...interface {}) string'],
  ['sub', 'func(interface {}, interface {}) int64'],
  ['subf', 'func(interface {}, ...interface {}) float64'],
  ['substr', 'func(int, int, string) string'],
  ['swapcase', 'func(string) string'],
  ['ternary', 'func(interface {}, interface {}, bool) interface {}'],
  ['title', 'func(string) string'],
  ['toDecimal', 'func(interface {}) int64'],
  ['toJson', 'func(interface {}) string'],
  ['toPrettyJson', 'func(interface {}) string'],
  ['toRawJson', 'func(interface {}) string'],
  ['toString', 'func(interface {}) string'],
  ['toStrings', 'func(interface {}) []string'],
  ['trim', 'func(string) string'],
  ['trimAll', 'func(string, string) string'],
  ['trimPrefix', 'func(string, string) string'],
  ['trimSuffix', 'func(string, string) string'],
  ['trimall', 'func(string, string) string'],
  ['trunc', 'func(int, string) string'],
  ['tuple', 'func(...interface {}) []interface {}'],
  ['typeIs', 'func(string, interface {}) bool'],
  ['typeIsLike', 'func(string, interface {}) bool'],
  ['typeOf', 'func(interface {}) string'],
  ['uniq', 'func(interface {}) []interface {}'],
  ['unset', 'func(map[string]interface {}, string) map[string]interface {}'],
  ['until', 'func(int) []int'],
  ['untilStep', 'func(int, int, int) []int'],
  ['untitle', 'func(string) string'],
  ['upper', 'func(string) string'],
  ['urlJoin', 'func(map[string]interface {}) string'],
  ['urlParse', 'func(string) map[string]interface {}'],
  ['uuidv4', 'func() string'],
  ['values', 'func(map[string]interface {}) []interface {}'],
  ['without', 'func(interface {}, ...interface {}) []interface {}'],
  ['wrap', 'func(int, string) string'],
  ['wrapWith', 'func(int, string, string) string'],
];

const paramTypes: Record<string, ParamType> = {
  string: 'string',
  int: 'int',
  'interface {}': 'any',
  '[]interface {}': 'slice',
  'map[string]interface {}': 'map',
  float64: 'float64',
  bool: 'bool',
};

/** Splits "func(int, ...interface {}) int64" into declared parameters and the variadic element type. */
function parseSignature(signature: string): { params: ParamType[]; variadic?: ParamType } {
  const inner = signature.slice(signature.indexOf('(') + 1, signature.indexOf(')'));
  const parts = inner === '' ? [] : inner.split(', ');
  const last = parts.at(-1);
  const variadic = last?.startsWith('...') ? paramTypes[last.slice(3)] : undefined;
  if (variadic !== undefined) parts.pop();
  const params = parts.map((p) => {
    const type = paramTypes[p];
    assert.ok(type, `unmapped Go type ${p}`);
    return type;
  });
  return variadic === undefined ? { params } : { params, variadic };
}

test('every function declares the same parameters as its Go signature', () => {
  const mismatches = goSignatures.flatMap(([name, signature]) => {
    const fn = sprigFunctions[name];
    if (!fn) return [`${name} is missing`];
    const expected = parseSignature(signature);
    const actual =
      fn.variadic === undefined ? { params: [...fn.params] } : { params: [...fn.params], variadic: fn.variadic };
    return JSON.stringify(actual) === JSON.stringify(expected)
      ? []
      : [`${name}: ${JSON.stringify(actual)} vs Go ${signature}`];
  });
  assert.deepEqual(mismatches, []);
});

test('the map holds no function that Sprig does not have', () => {
  assert.equal(Object.keys(sprigFunctions).length, goSignatures.length);
});
