// MFA generator: RFC 6238 appendix B test vectors, then differential checks against oathtool (OATH Toolkit) over
// random seeds, times, lengths, periods and algorithms. Without oathtool the differential part skips locally and
// fails in CI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  base32,
  decodeBase32Seed,
  GeneratorError,
  generateMFA,
  type MfaAlgorithm,
  mfaSettings,
  totp,
} from '../../../src/operator/generators/index.js';

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

// RFC 6238 appendix B: ASCII seeds of 20, 32 and 64 bytes, 8 digits, 30 s steps.
const rfcSeeds: Record<'sha1' | 'sha256' | 'sha512', Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const rfcVectors: [number, string, 'sha1' | 'sha256' | 'sha512'][] = [
  [59, '94287082', 'sha1'],
  [59, '46119246', 'sha256'],
  [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'],
  [1111111109, '68084774', 'sha256'],
  [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'],
  [1111111111, '67062674', 'sha256'],
  [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'],
  [1234567890, '91819424', 'sha256'],
  [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'],
  [2000000000, '90698825', 'sha256'],
  [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'],
  [20000000000, '77737706', 'sha256'],
  [20000000000, '47863826', 'sha512'],
];

describe('MFA generator: RFC 6238 test vectors', () => {
  for (const [at, expected, algorithm] of rfcVectors) {
    it(`${algorithm} at ${at}s gives ${expected}`, () => {
      const when = new Date(at * 1000).toISOString();
      const seed = Buffer.from(base32(rfcSeeds[algorithm]));
      const output = generateMFA({ secret: { name: 's', key: 'k' }, length: 8, algorithm, when }, seed);
      assert.equal(text(output.token), expected);
      assert.equal(text(output.timeLeft), String(30 - (at % 30)));
    });
  }
});

function oathtoolAvailable(): boolean {
  try {
    execFileSync('oathtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveOathtool = oathtoolAvailable();
if (!haveOathtool && process.env.CI === 'true')
  throw new Error('oathtool is required in CI (apt-get install oathtool)');

describe('MFA generator against oathtool', { skip: haveOathtool ? false : 'oathtool not installed' }, () => {
  it('gives the same token as oathtool for 200 random seeds, times, lengths, periods and algorithms', () => {
    const algorithms: MfaAlgorithm[] = ['sha1', 'sha256', 'sha512'];
    for (let i = 0; i < 200; i++) {
      const seed = base32(randomBytes(randomInt(10, 41)));
      const at = randomInt(0, 4_000_000_000);
      const length = randomInt(6, 9);
      const timePeriod = [30, 60, 15, randomInt(1, 600)][i % 4] as number;
      const algorithm = algorithms[i % algorithms.length] as MfaAlgorithm;
      const when = new Date(at * 1000).toISOString();
      // Seeds are printed in groups of four, lower-case, by some providers; both must read them the same.
      const printed = i % 2 === 0 ? seed.replace(/=+$/, '') : (seed.toLowerCase().match(/.{1,4}/g) ?? []).join(' ');
      const ours = text(
        generateMFA({ secret: { name: 's', key: 'k' }, length, timePeriod, algorithm, when }, Buffer.from(printed))
          .token,
      );
      const theirs = execFileSync(
        'oathtool',
        [
          `--totp=${algorithm}`,
          '--base32',
          `--digits=${length}`,
          `--time-step-size=${timePeriod}s`,
          `--now=${when.replace('T', ' ').replace('.000Z', ' UTC')}`,
          seed.replace(/=+$/, ''),
        ],
        { encoding: 'utf8' },
      ).trim();
      assert.equal(ours, theirs, `case ${i}: ${algorithm}, ${length} digits, period ${timePeriod}, at ${at}`);
    }
  });
});

describe('MFA generator', () => {
  it('uses ESO defaults: 6 digits, 30 s, sha1, now', () => {
    const now = () => Date.UTC(2026, 0, 1, 0, 0, 7);
    const settings = mfaSettings({ secret: { name: 's', key: 'k' } }, now);
    assert.deepEqual(settings, {
      length: 6,
      periodSeconds: 30,
      algorithm: 'sha1',
      at: Date.UTC(2026, 0, 1, 0, 0, 7) / 1000,
    });
    const output = generateMFA({ secret: { name: 's', key: 'k' } }, Buffer.from('JBSWY3DPEHPK3PXP'), now);
    assert.match(text(output.token), /^\d{6}$/);
    assert.equal(text(output.timeLeft), '23');
  });

  it('pads long tokens with zeros as ESO does (31 bits hold at most 10 digits)', () => {
    const seed = decodeBase32Seed('JBSWY3DPEHPK3PXP');
    const ten = totp(seed, { length: 10, periodSeconds: 30, algorithm: 'sha1', at: 1_000_000 }).token;
    const twelve = totp(seed, { length: 12, periodSeconds: 30, algorithm: 'sha1', at: 1_000_000 }).token;
    assert.equal(twelve, `00${ten}`);
  });

  it('says what to fix without echoing the seed', () => {
    const check = (spec: object, seed: string, pattern: RegExp) =>
      assert.throws(
        () => generateMFA({ secret: { name: 's', key: 'k' }, ...spec }, Buffer.from(seed)),
        (e: unknown) =>
          e instanceof GeneratorError && e.code === 'Invalid' && pattern.test(e.message) && !e.message.includes(seed),
      );
    check({}, 'NOT-BASE32!', /the seed is not base32/);
    check({}, '   ', /the seed is empty/);
    check({ algorithm: 'md5' }, 'JBSWY3DPEHPK3PXP', /spec\.algorithm "md5" is not supported; use one of sha1, sha256/);
    check({ length: 40 }, 'JBSWY3DPEHPK3PXP', /spec\.length must be 1\.\.18 digits/);
    check({ timePeriod: -5 }, 'JBSWY3DPEHPK3PXP', /spec\.timePeriod must be a positive number of seconds/);
    check({ when: 'yesterday' }, 'JBSWY3DPEHPK3PXP', /spec\.when "yesterday" is not an RFC 3339 time/);
  });
});
