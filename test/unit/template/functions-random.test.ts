// Functions whose results are random (so they cannot be recorded from Go) and behaviour a table cannot show:
// shared map mutation and the size limits that keep one template from exhausting memory.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemplateFunctionError } from '../../../src/template/functions/contract.js';
import { sprigFunctions } from '../../../src/template/functions/sprig.js';
import { newGoMap } from '../../../src/template/values.js';

function call(name: string, ...args: unknown[]): unknown {
  const fn = sprigFunctions[name];
  assert.ok(fn, `${name} is registered`);
  return (fn.fn as (...a: unknown[]) => unknown)(...args);
}

describe('random string functions', () => {
  const alphabets: [string, RegExp][] = [
    ['randAlphaNum', /^[A-Za-z0-9]+$/],
    ['randAlpha', /^[A-Za-z]+$/],
    ['randNumeric', /^[0-9]+$/],
    ['randAscii', /^[\x20-\x7e]+$/],
  ];
  for (const [name, pattern] of alphabets) {
    test(`${name} returns the requested number of characters from its alphabet`, () => {
      const value = call(name, 64n) as string;
      assert.equal(value.length, 64);
      assert.match(value, pattern);
    });
    test(`${name} returns "" for zero and negative lengths, as Sprig does`, () => {
      assert.equal(call(name, 0n), '');
      assert.equal(call(name, -3n), '');
    });
  }

  test('two random strings differ', () => {
    assert.notEqual(call('randAlphaNum', 32n), call('randAlphaNum', 32n));
  });

  test('shuffle keeps every rune, including ones outside the BMP', () => {
    const input = 'héllo😀wörld';
    const output = call('shuffle', input) as string;
    assert.deepEqual([...output].sort(), [...input].sort());
  });

  test('uuidv4 returns a version 4 UUID', () => {
    assert.match(call('uuidv4') as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('maps are shared like Go maps', () => {
  test('set and unset change the map they are given', () => {
    const map = newGoMap();
    call('set', map, 'a', 1n);
    assert.equal(map.a, 1n);
    call('unset', map, 'a');
    assert.equal(Object.hasOwn(map, 'a'), false);
  });

  test('merge fills the destination map in place', () => {
    const dst = newGoMap();
    const src = newGoMap();
    src.k = 'v';
    assert.equal(call('merge', dst, src), dst);
    assert.equal(dst.k, 'v');
  });

  test('a "__proto__" key is an ordinary key', () => {
    const map = call('dict', '__proto__', 'x') as Record<string, unknown>;
    assert.equal(Object.hasOwn(map, '__proto__'), true);
    assert.equal(call('get', map, '__proto__'), 'x');
  });
});

describe('size limits', () => {
  test('repeat refuses to build a string beyond the limit instead of exhausting memory', () => {
    assert.throws(() => call('repeat', 1_000_000_000n, 'abc'), TemplateFunctionError);
  });

  test('until and untilStep refuse huge ranges', () => {
    assert.throws(() => call('until', 1_000_000_000n), TemplateFunctionError);
    assert.throws(() => call('untilStep', 0n, 2_000_000_000n, 1n), TemplateFunctionError);
  });

  test('randAlphaNum refuses huge lengths', () => {
    assert.throws(() => call('randAlphaNum', 1_000_000_000n), TemplateFunctionError);
  });
});

describe('function map', () => {
  test('excludes the functions that reach the environment or the network', () => {
    for (const name of ['env', 'expandenv', 'getHostByName']) assert.equal(sprigFunctions[name], undefined, name);
  });
});

describe('randInt and randBytes', () => {
  test('randInt stays in [min, max)', () => {
    for (let i = 0; i < 200; i++) {
      const value = call('randInt', -3n, 4n) as bigint;
      assert.ok(value >= -3n && value < 4n, String(value));
    }
  });

  test('randInt with an empty range fails like Go rand.Intn', () => {
    assert.throws(() => call('randInt', 5n, 5n), { message: 'invalid argument to Intn' });
  });

  test('randBytes returns base64 of the requested number of bytes', () => {
    assert.equal(Buffer.from(call('randBytes', 24n) as string, 'base64').length, 24);
    assert.equal(call('randBytes', 0n), '');
  });
});

describe('nil maps', () => {
  test('set on a map the engine marked as nil fails like Go ("assignment to entry in nil map")', () => {
    const nilMap = newGoMap();
    Object.defineProperty(nilMap, Symbol.for('custos.template.nilMap'), { value: true });
    assert.throws(() => call('set', nilMap, 'a', 1n), { message: 'assignment to entry in nil map' });
  });
});
