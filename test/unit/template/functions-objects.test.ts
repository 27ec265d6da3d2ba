// Values with Go behaviour of their own: *semver.Version (fields, methods, JSON), complex numbers reaching Sprig
// functions, and nil slices. Expected values were printed by Go 1.26 + Sprig v3.3.0 text/template, e.g.
// `{{ (semver "v1.2.3").Original }}`.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GoComplex } from '../../../src/template/complex.js';
import { TemplateFunctionError } from '../../../src/template/functions/contract.js';
import { sprigFunctions } from '../../../src/template/functions/sprig.js';
import { GoNumber, type GoObject } from '../../../src/template/values.js';

function call(name: string, ...args: unknown[]): unknown {
  const fn = sprigFunctions[name];
  assert.ok(fn, `${name} is registered`);
  return (fn.fn as (...a: unknown[]) => unknown)(...args);
}

const version = (text: string) => call('semver', text) as GoObject;

describe('*semver.Version', () => {
  test('fields are methods with Go types: Major is a uint64, Original keeps the "v"', () => {
    const v = version('v1.2.3');
    assert.deepEqual(v.goField?.('Major'), new GoNumber('uint64', 1n));
    assert.equal(v.goField?.('Original'), 'v1.2.3');
    assert.equal(version('1.2.3+m').goField?.('Metadata'), 'm');
  });

  test('prints as its normalised version string', () => {
    assert.equal(version('1.2').goString?.(), '1.2.0');
    assert.equal(call('toString', version('1.2')), '1.2.0');
    assert.equal(call('typeOf', version('1')), '*semver.Version');
    assert.equal(call('kindOf', version('1')), 'ptr');
    assert.equal(call('empty', version('1')), false);
  });

  test('IncMinor returns a semver.Version value, which has no Original (a pointer method in Go)', () => {
    const next = version('v1.2.3-rc.1').goField?.('IncMinor') as GoObject;
    assert.equal(next.goTypeName(), 'semver.Version');
    assert.equal(next.goString?.(), '1.3.0');
    assert.equal(next.goField?.('Original'), undefined);
    assert.equal(next.goMethod?.('Compare'), undefined);
  });

  test('comparison methods follow semver precedence', () => {
    const compare = version('1.2.3').goMethod?.('Compare');
    assert.equal(compare?.(version('1.3.0')), -1n);
    assert.equal(version('1.2.3').goMethod?.('LessThan')?.(version('1.3.0')), true);
    assert.equal(version('1.2.3').goMethod?.('Equal')?.(version('1.2.3+x')), true);
    assert.equal(version('1.2.3').goMethod?.('GreaterThan')?.(version('1.2.3-a')), true);
  });

  test('toJson renders the version string, as its MarshalJSON does', () => {
    assert.equal(call('toJson', version('v1.2.3-rc.1+b')), '"1.2.3-rc.1+b"');
    assert.equal(call('toJson', [version('1.0')]), '["1.0.0"]');
  });
});

describe('complex numbers passed to Sprig functions', () => {
  test('typeOf, kindOf, toString, quote and empty see a complex128', () => {
    assert.equal(call('typeOf', new GoComplex(0, 1)), 'complex128');
    assert.equal(call('kindOf', new GoComplex(0, 1)), 'complex128');
    assert.equal(call('toString', new GoComplex(0, 1)), '(0+1i)');
    assert.equal(call('quote', new GoComplex(0, 1.5)), '"(0+1.5i)"');
    assert.equal(call('empty', new GoComplex(0, 0)), true);
  });

  test('toJson prints nothing and mustToJson fails, as encoding/json rejects complex128', () => {
    assert.equal(call('toJson', new GoComplex(0, 1)), '');
    assert.throws(() => call('mustToJson', new GoComplex(0, 1)), {
      name: 'TemplateFunctionError',
      message: 'json: unsupported type: complex128',
    });
  });

  test('int converts a complex to 0 (cast cannot)', () => {
    assert.equal(call('int', new GoComplex(0, 1)), 0n);
  });
});

describe('nil slices', () => {
  test('rest of an empty list and regexFindAll without matches encode as JSON null', () => {
    assert.equal(call('toJson', call('rest', [])), 'null');
    assert.equal(call('toJson', call('regexFindAll', 'x', 'abc', -1n)), 'null');
  });

  test('initial of a one-element list is an empty, non-nil slice', () => {
    assert.equal(call('toJson', call('initial', [1n])), '[]');
  });

  test('errors are TemplateFunctionError so the engine can wrap them Go-style', () => {
    assert.throws(() => call('mustFirst', 'abc'), TemplateFunctionError);
  });
});
