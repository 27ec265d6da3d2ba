import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNullBytes, decodeValue, validateKeys } from '../../../src/operator/externalsecret/decoding.js';
import { rewriteMap } from '../../../src/operator/externalsecret/rewrite.js';

const b = (s: string) => new TextEncoder().encode(s);
const s = (u: Uint8Array) => new TextDecoder().decode(u);
const text = (m: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, s(v)]));

describe('decoding strategies', () => {
  it('Base64 decodes padded standard base64 and rejects the rest naming the key', () => {
    assert.equal(s(decodeValue('Base64', 'k', b('aGVsbG8='))), 'hello');
    assert.throws(() => decodeValue('Base64', 'k', b('aGVsbG8')), /key k: value is not valid base64/);
    assert.throws(() => decodeValue('Base64', 'k', b('a_b-')), /not valid base64/);
  });
  it('Base64URL uses the URL alphabet', () => {
    assert.deepEqual([...decodeValue('Base64URL', 'k', b('_-8='))], [255, 239]);
    assert.throws(() => decodeValue('Base64URL', 'k', b('/+8=')), /base64url/);
  });
  it('Auto tries Base64, then Base64URL, then passes through', () => {
    assert.equal(s(decodeValue('Auto', 'k', b('aGVsbG8='))), 'hello');
    assert.deepEqual([...decodeValue('Auto', 'k', b('_-8='))], [255, 239]);
    assert.equal(s(decodeValue('Auto', 'k', b('not base64!'))), 'not base64!');
  });
  it('None and empty pass through', () => {
    assert.equal(s(decodeValue('None', 'k', b('aGVsbG8='))), 'aGVsbG8=');
    assert.equal(s(decodeValue(undefined, 'k', b('aGVsbG8='))), 'aGVsbG8=');
  });
  it('ignores line breaks inside base64 like Go', () => {
    assert.equal(s(decodeValue('Base64', 'k', b('aGVs\nbG8='))), 'hello');
  });
  it('nullBytePolicy Fail names the key, not the value', () => {
    assert.throws(
      () => checkNullBytes('Fail', 'token', new Uint8Array([115, 0, 116])),
      (e: Error) => e.message.includes('token') && !e.message.includes('s\u0000t'),
    );
    assert.doesNotThrow(() => checkNullBytes('Ignore', 'token', new Uint8Array([0])));
  });
  it('validateKeys drops empty keys and rejects invalid ones', () => {
    assert.deepEqual(Object.keys(validateKeys({ '': b('x'), ok: b('y') })), ['ok']);
    assert.throws(() => validateKeys({ 'a/b': b('x') }), /invalid character "\/"/);
    assert.throws(() => validateKeys({ ['k'.repeat(254)]: b('x') }), /max is 253/);
  });
});

describe('rewrite', () => {
  const input = () => ({ 'db-user': b('u'), 'db-pass': b('p'), other: b('o') });
  it('regexp replaces in keys with Go $1 expansion', () => {
    assert.deepEqual(text(rewriteMap([{ regexp: { source: '(.*)', target: 'my_$1' } }], input())), {
      'my_db-user': 'u',
      'my_db-pass': 'p',
      my_other: 'o',
    });
    assert.deepEqual(text(rewriteMap([{ regexp: { source: '^db-', target: '' } }], input())), {
      user: 'u',
      pass: 'p',
      other: 'o',
    });
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${1} expansion syntax, not a JS template
  it('regexp treats $1x as the (missing) group "1x" like Go, and ${1}x as group 1', () => {
    const m = { ab: b('v') };
    assert.deepEqual(Object.keys(rewriteMap([{ regexp: { source: '(a)b', target: '$1x' } }], m)), ['']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${1} expansion syntax, not a JS template
    assert.deepEqual(Object.keys(rewriteMap([{ regexp: { source: '(a)b', target: '${1}x' } }], m)), ['ax']);
  });
  it('steps apply in order', () => {
    const out = rewriteMap(
      [{ regexp: { source: 'db-', target: 'x-' } }, { regexp: { source: 'x-(.*)', target: 'y_$1' } }],
      input(),
    );
    assert.deepEqual(Object.keys(out).sort(), ['other', 'y_pass', 'y_user']);
  });
  it('an invalid regexp says so and names the pattern', () => {
    assert.throws(() => rewriteMap([{ regexp: { source: '(', target: '' } }], input()), /invalid rewrite regexp "\("/);
  });
  it('transform renders a Go template over .value', () => {
    const out = rewriteMap([{ transform: { template: '{{ .value | upper }}' } }], { abc: b('v') });
    assert.deepEqual(text(out), { ABC: 'v' });
  });
  it('merge Extract combines JSON objects; conflicts are errors unless ignored', () => {
    const m = { a: b('{"x":"1","n":5}'), c: b('{"y":"2"}') };
    assert.deepEqual(text(rewriteMap([{ merge: {} }], m)), { x: '1', n: '5', y: '2' });
    const clash = { a: b('{"x":"1"}'), c: b('{"x":"2"}') };
    assert.throws(() => rewriteMap([{ merge: {} }], clash), /key x is defined in more than one secret/);
    assert.deepEqual(text(rewriteMap([{ merge: { conflictPolicy: 'Ignore' } }], clash)), { x: '2' });
    assert.deepEqual(text(rewriteMap([{ merge: { priority: ['a'] } }], clash)), { x: '1' });
  });
  it('merge JSON keeps the input and adds the merged document under into', () => {
    const m = { a: b('{"x":"1"}'), c: b('{"y":2}') };
    assert.deepEqual(text(rewriteMap([{ merge: { strategy: 'JSON', into: 'all' } }], m)), {
      a: '{"x":"1"}',
      c: '{"y":2}',
      all: '{"x":"1","y":2}',
    });
    assert.throws(() => rewriteMap([{ merge: { strategy: 'JSON' } }], m), /needs merge.into/);
  });
});
