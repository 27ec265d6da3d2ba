// Generators: Password constraints and distribution (deterministic, with a seeded random source), encodings,
// UUID v4 shape, Fake pass-through, ClusterGenerator unwrapping and error messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base32,
  cryptoRandom,
  DEFAULT_SYMBOL_CHARACTERS,
  encodeBytes,
  GeneratorError,
  generateFake,
  generatePassword,
  generatePasswordString,
  generateUUID,
  passwordSettings,
  type RandomSource,
  runGenerator,
  unwrapClusterGenerator,
  uuidV4,
} from '../../../src/operator/generators/index.js';

/** mulberry32: a small seeded PRNG; int() uses rejection sampling so it is exactly uniform. */
function seeded(seed: number): RandomSource & { calls: number[] } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const calls: number[] = [];
  return {
    calls,
    int(max) {
      calls.push(max);
      const limit = Math.floor(2 ** 32 / max) * max;
      for (;;) {
        const x = next();
        if (x < limit) return x % max;
      }
    },
    bytes(n) {
      return Uint8Array.from({ length: n }, () => next() & 0xff);
    },
  };
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const isDigit = (c: string) => c >= '0' && c <= '9';
const isLower = (c: string) => c >= 'a' && c <= 'z';
const isUpper = (c: string) => c >= 'A' && c <= 'Z';

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof GeneratorError, `expected a GeneratorError, got ${String(error)}`);
    assert.equal(error.code, 'Invalid');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('Password generator', () => {
  it('defaults to 24 characters: 6 digits, 6 symbols, 12 letters, no repeats, key "password"', () => {
    for (let i = 0; i < 200; i++) {
      const out = generatePassword({});
      assert.deepEqual(Object.keys(out), ['password']);
      const chars = [...text(out.password)];
      assert.equal(chars.length, 24);
      assert.equal(chars.filter(isDigit).length, 6);
      assert.equal(chars.filter((c) => DEFAULT_SYMBOL_CHARACTERS.includes(c)).length, 6);
      assert.equal(chars.filter((c) => isLower(c) || isUpper(c)).length, 12);
      assert.equal(new Set(chars).size, 24, 'no character repeats');
    }
  });

  it('honours length, digits, symbols, symbolCharacters and noUpper exactly', () => {
    const random = seeded(1);
    const spec = { length: 40, digits: 3, symbols: 5, symbolCharacters: '-_', noUpper: true, allowRepeat: true };
    for (let i = 0; i < 300; i++) {
      const chars = [...text(generatePassword(spec, random).password)];
      assert.equal(chars.length, 40);
      assert.equal(chars.filter(isDigit).length, 3);
      assert.equal(chars.filter((c) => c === '-' || c === '_').length, 5);
      assert.equal(chars.filter(isLower).length, 32);
      assert.equal(chars.filter(isUpper).length, 0);
    }
  });

  it('length 0 means the default 24 and digits/symbols default to a quarter of the length, rounded down', () => {
    const s = passwordSettings({ length: 0, noUpper: false, allowRepeat: false });
    assert.equal(s.length, 24);
    const t = passwordSettings({ length: 11, noUpper: false, allowRepeat: false });
    assert.deepEqual([t.digits, t.symbols, t.letters], [2, 2, 7]);
  });

  it('gives one independent password per secretKeys entry', () => {
    const out = generatePassword({ length: 16, secretKeys: ['a', 'b', 'c'], noUpper: false, allowRepeat: false });
    assert.deepEqual(Object.keys(out).sort(), ['a', 'b', 'c']);
    assert.equal(new Set(Object.values(out).map(text)).size, 3);
  });

  it('rejects impossible or malformed settings with a message naming the field', () => {
    expectInvalid(
      () => passwordSettings({ length: 8, digits: 5, symbols: 4 }),
      /spec\.digits \(5\) \+ spec\.symbols \(4\) must not exceed spec\.length \(8\)/,
    );
    expectInvalid(
      () => passwordSettings({ length: 48, allowRepeat: false }),
      /12 digits without repeats.*10 distinct.*spec\.allowRepeat/,
    );
    expectInvalid(
      () => passwordSettings({ length: 30, digits: 0, symbols: 0, noUpper: true }),
      /30 letters without repeats.*26/,
    );
    expectInvalid(() => passwordSettings({ symbols: 4, symbolCharacters: '!' }), /4 symbols without repeats.*only 1/);
    expectInvalid(
      () => passwordSettings({ symbols: 2, symbolCharacters: 'abc123' }),
      /spec\.symbolCharacters has no characters other than letters and digits/,
    );
    expectInvalid(() => passwordSettings({ digits: -1 }), /spec\.digits must not be negative/);
    expectInvalid(() => passwordSettings({ length: -3 }), /spec\.length must be positive/);
    expectInvalid(() => passwordSettings({ length: 10_000_000 }), /spec\.length must be at most/);
    expectInvalid(() => passwordSettings({ length: 1.5 }), /spec\.length must be an integer/);
    expectInvalid(() => passwordSettings({ secretKeys: ['a', 'a'] }), /spec\.secretKeys must be non-empty and unique/);
    expectInvalid(() => passwordSettings({ encoding: 'rot13' as never }), /spec\.encoding must be one of raw, base64/);
  });

  it('allowRepeat lifts the distinctness limits', () => {
    const chars = [
      ...text(generatePassword({ length: 200, digits: 50, symbols: 50, allowRepeat: true, noUpper: false }).password),
    ];
    assert.equal(chars.length, 200);
    assert.equal(chars.filter(isDigit).length, 50);
  });

  it('draws characters uniformly from the pool (chi-square over a seeded source)', () => {
    const random = seeded(42);
    const settings = passwordSettings({ length: 1, digits: 0, symbols: 0, allowRepeat: true, noUpper: false });
    const pool = settings.letterPool;
    const counts = new Map(pool.map((c) => [c, 0]));
    const draws = 52 * 400;
    for (let i = 0; i < draws; i++) {
      const c = generatePasswordString(settings, random);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    assert.equal(counts.size, 52, 'nothing outside the letter pool');
    // 51 degrees of freedom: the 99.9th percentile is about 87.
    assert.ok(
      chiSquare([...counts.values()]) < 87,
      `letter frequencies not uniform: ${chiSquare([...counts.values()])}`,
    );
  });

  it('places digits and symbols uniformly over all positions (the shuffle is unbiased)', () => {
    const random = seeded(7);
    const settings = passwordSettings({ length: 12, digits: 3, symbols: 3, noUpper: false, allowRepeat: false });
    const digitAt = new Array<number>(12).fill(0);
    for (let i = 0; i < 20_000; i++) {
      [...generatePasswordString(settings, random)].forEach((c, pos) => {
        if (isDigit(c)) digitAt[pos] = (digitAt[pos] ?? 0) + 1;
      });
    }
    // 11 degrees of freedom: the 99.9th percentile is about 31.3.
    assert.ok(chiSquare(digitAt) < 31.3, `digit positions not uniform: ${digitAt.join(',')}`);
  });

  it('asks its random source only for indices within the pool (no modulo of raw bytes)', () => {
    const random = seeded(3);
    generatePassword({ length: 24, noUpper: false, allowRepeat: false }, random);
    assert.ok(random.calls.length > 0);
    assert.ok(
      random.calls.every((max) => Number.isInteger(max) && max >= 1 && max <= 52),
      random.calls.join(','),
    );
  });

  it('the default crypto source is uniform over a small range (very lax bound, not a timing test)', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) {
      const v = cryptoRandom.int(3);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    // 2 degrees of freedom: chi-square above 40 has probability about 2e-9 for a uniform source.
    assert.ok(chiSquare(counts) < 40, counts.join(','));
  });

  it('encodes each password as ESO does (raw, base64, base64url padded, base32 padded, hex)', () => {
    const fixed = { length: 5, digits: 0, symbols: 0, noUpper: true, allowRepeat: true };
    for (const encoding of ['base64', 'base64url', 'base32', 'hex'] as const) {
      const random = seeded(11);
      const raw = generatePasswordString(passwordSettings(fixed), seeded(11));
      const encoded = text(generatePassword({ ...fixed, encoding }, random).password);
      const expected = {
        base64: Buffer.from(raw).toString('base64'),
        base64url: Buffer.from(raw).toString('base64').replaceAll('+', '-').replaceAll('/', '_'),
        base32: base32(Buffer.from(raw)),
        hex: Buffer.from(raw).toString('hex'),
      }[encoding];
      assert.equal(encoded, expected, encoding);
    }
  });
});

describe('encodings', () => {
  it('base32 matches the RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY======'],
      ['fo', 'MZXQ===='],
      ['foo', 'MZXW6==='],
      ['foob', 'MZXW6YQ='],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI======'],
    ];
    for (const [input, output] of vectors) assert.equal(base32(Buffer.from(input)), output, input);
  });

  it('base64url keeps Go padding and uses the URL alphabet', () => {
    assert.equal(text(encodeBytes(Uint8Array.from([0xfb, 0xff]), 'base64url')), '-_8=');
    assert.equal(text(encodeBytes(Uint8Array.from([0xfb, 0xff]), 'base64')), '+/8=');
  });
});

describe('UUID generator', () => {
  it('returns a version 4, RFC variant UUID under key "uuid"', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const out = generateUUID();
      assert.deepEqual(Object.keys(out), ['uuid']);
      const value = text(out.uuid);
      assert.match(value, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(value);
    }
    assert.equal(seen.size, 500);
  });

  it('sets the version and variant bits whatever the random bytes are', () => {
    const ones: RandomSource = { int: () => 0, bytes: (n) => new Uint8Array(n).fill(0xff) };
    const zeros: RandomSource = { int: () => 0, bytes: (n) => new Uint8Array(n) };
    assert.equal(uuidV4(ones), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
    assert.equal(uuidV4(zeros), '00000000-0000-4000-8000-000000000000');
  });
});

describe('Fake generator', () => {
  it('returns spec.data as it is written', () => {
    const out = generateFake({ data: { user: 'admin', 'pass.word': 'p@ss wörd' } });
    assert.deepEqual(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, text(v)])), {
      user: 'admin',
      'pass.word': 'p@ss wörd',
    });
    assert.deepEqual(generateFake({}), {});
  });

  it('rejects a non-string value without echoing any value', () => {
    assert.throws(
      () => generateFake({ data: { good: 'hunter2', bad: 42 as unknown as string } }),
      (error: unknown) =>
        error instanceof GeneratorError &&
        /spec\.data\["bad"\]/.test(error.message) &&
        !error.message.includes('hunter2'),
    );
  });
});

describe('ClusterGenerator', () => {
  it('unwraps the kind and its <kind>Spec', () => {
    assert.deepEqual(unwrapClusterGenerator('g', { kind: 'UUID', generator: { uuidSpec: {} } }), {
      kind: 'UUID',
      spec: {},
    });
    const fake = unwrapClusterGenerator('g', { kind: 'Fake', generator: { fakeSpec: { data: { a: 'b' } } } });
    assert.equal(fake.kind, 'Fake');
    assert.equal(text(runGenerator('Fake', fake.spec).a), 'b');
  });

  it('says what to fix when spec.kind and spec.generator disagree or are unsupported', () => {
    const check = (spec: unknown, code: string, pattern: RegExp) =>
      assert.throws(
        () => unwrapClusterGenerator('gen', spec as never),
        (e: unknown) => e instanceof GeneratorError && e.code === code && pattern.test(e.message),
      );
    check(undefined, 'Invalid', /ClusterGenerator "gen": spec\.kind is required/);
    check(
      { kind: 'Password', generator: { uuidSpec: {} } },
      'Invalid',
      /spec\.kind is Password but spec\.generator\.passwordSpec is missing \(found spec\.generator\.uuidSpec\)/,
    );
    check({ kind: 'UUID', generator: { uuidSpec: {}, fakeSpec: {} } }, 'Invalid', /exactly one generator/);
    check(
      { kind: 'Grafana', generator: { grafanaSpec: {} } },
      'Unsupported',
      /Grafana is not supported by Custos; supported: Password, UUID, Fake, SSHKey, MFA, Webhook, GithubAccessToken/,
    );
    check({ kind: 'Nope', generator: {} }, 'Invalid', /"Nope" is not a generator kind/);
  });
});
