// Webhook generator, the parts without a network: the JSONPath subset, and how an answer becomes generated keys
// (ESO's GetByteValue rules: strings as they are, numbers as strconv.FormatFloat(f, 'f', -1, 64), booleans,
// objects and arrays as Go's JSON with sorted keys, null as empty).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeneratorError, webhookResultMap } from '../../../src/operator/generators/index.js';
import { formatFloatNoExponent } from '../../../src/providers/gojson.js';
import { JsonPathError, jsonPathGet, parseJsonPath } from '../../../src/providers/webhook/jsonpath.js';
import { answerAsValue, WebhookAnswerError } from '../../../src/providers/webhook/values.js';

const text = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));

describe('webhook jsonPath subset', () => {
  const doc = { data: { 'a.b': 1, list: [{ x: 'first' }, { x: 'last' }], nested: { deep: 'yes' } } };

  it('reads members by dot and bracket, and array entries by index (negative from the end)', () => {
    assert.deepEqual(jsonPathGet('$', doc), doc);
    assert.equal(jsonPathGet('$.data.nested.deep', doc), 'yes');
    assert.equal(jsonPathGet("$['data']['a.b']", doc), 1);
    assert.equal(jsonPathGet('$["data"].list[0].x', doc), 'first');
    assert.equal(jsonPathGet('$.data.list[-1].x', doc), 'last');
    assert.deepEqual(parseJsonPath('$.a[2]'), [
      { kind: 'member', name: 'a' },
      { kind: 'index', index: 2 },
    ]);
  });

  it('names the missing member, the bad index or the unsupported syntax', () => {
    const check = (path: string, pattern: RegExp) =>
      assert.throws(
        () => jsonPathGet(path, doc),
        (e: unknown) => e instanceof JsonPathError && pattern.test(e.message),
      );
    check('data', /must start with \$/);
    check('$.data.missing', /\$\.data has no member "missing"/);
    check('$.data.list[5]', /index 5 is out of range for \$\.data\.list \(2 entries\)/);
    check('$.data.nested.deep.more', /\$\.data\.nested\.deep is not an object/);
    check('$..x', /recursive descent/);
    check('$.data.list[*]', /wildcard/);
    check('$.data.list[?(@.x)]', /filter/);
    check('$.data.list[0:1]', /slice or union/);
    check('$.data[', /not closed/);
  });
});

describe('webhook answers as generated keys', () => {
  it("writes values as ESO's GetByteValue does", () => {
    const body = JSON.stringify({
      s: 'plain',
      n: 42,
      f: 1.5,
      big: 1e21,
      small: 1e-7,
      t: true,
      nil: null,
      obj: { z: 1, a: '<&>' },
      arr: [1, 'two'],
    });
    assert.deepEqual(text(webhookResultMap(body, undefined)), {
      s: 'plain',
      n: '42',
      f: '1.5',
      big: '1000000000000000000000',
      small: '0.0000001',
      t: 'true',
      nil: '',
      obj: '{"a":"\\u003c\\u0026\\u003e","z":1}',
      arr: '[1,"two"]',
    });
  });

  it("formats floats like strconv.FormatFloat(f, 'f', -1, 64)", () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '-0'],
      [123456789012345680000, '123456789012345680000'],
      [1.2345e-10, '0.00000000012345'],
      [-2.5e25, '-25000000000000000000000000'],
      [0.1, '0.1'],
    ];
    for (const [n, expected] of cases) assert.equal(formatFloatNoExponent(n), expected, String(n));
  });

  it('follows result.jsonPath and parses a JSON string found there', () => {
    const body = JSON.stringify({ result: { creds: '{"user":"u","pass":"p"}' }, other: 1 });
    assert.deepEqual(text(webhookResultMap(body, '$.result.creds')), { user: 'u', pass: 'p' });
  });

  it('refuses answers that are not a JSON object, without quoting them', () => {
    const check = (body: string, path: string | undefined, pattern: RegExp) =>
      assert.throws(
        () => webhookResultMap(body, path),
        (e: unknown) =>
          e instanceof GeneratorError &&
          e.code === 'Invalid' &&
          pattern.test(e.message) &&
          !e.message.includes('s3cr3t'),
      );
    check('s3cr3t', undefined, /did not answer with JSON/);
    check('["s3cr3t"]', undefined, /is an array; it must be a JSON object/);
    check('{"v":"s3cr3t"}', '$.v', /is a string that is not a JSON object/);
    check('{"v":{"a":"s3cr3t"}}', '$.w', /result\.jsonPath "\$\.w": \$ has no member "w"/);
  });
});

describe('webhook store answers as one value', () => {
  const value = (body: unknown, path?: string) =>
    Buffer.from(answerAsValue(typeof body === 'string' ? body : JSON.stringify(body), path)).toString('utf8');

  it('is the body itself without result.jsonPath', () => {
    assert.equal(value('plain text, not JSON'), 'plain text, not JSON');
  });

  it("writes the value at result.jsonPath as ESO's extractSecretData does", () => {
    assert.equal(value({ v: 'text' }, '$.v'), 'text');
    assert.equal(value({ v: true }, '$.v'), 'true');
    assert.equal(value({ v: null }, '$.v'), '');
    assert.equal(value({ v: { b: 1, a: '<x>' } }, '$.v'), '{"a":"\\u003cx\\u003e","b":1}');
    assert.equal(value({ v: ['first', 'second'] }, '$.v'), 'first');
    // strconv.FormatFloat(f, 'f', 0, 64) rounds half to even.
    for (const [n, expected] of [
      [42.6, '43'],
      [2.5, '2'],
      [3.5, '4'],
      [-0.4, '-0'],
      [1e21, '1000000000000000000000'],
    ] as const) {
      assert.equal(value({ v: n }, '$.v'), expected, String(n));
    }
    assert.throws(() => value({ v: [] }, '$.v'), WebhookAnswerError);
  });
});
