// ESO's MFA generator: a time-based one-time password (RFC 6238 over RFC 4226's HOTP) from a base32 seed kept in a
// Secret, under `token` (zero-padded digits) and `timeLeft` (whole seconds until the token's period ends).
// The seed is read by the resolver; this module is the pure computation. Spaces in the seed are ignored and case
// does not matter, as providers print seeds in groups.
import { createHmac } from 'node:crypto';
import type { MFASpec } from '../../api/generated/types.js';
import { GeneratorError } from './errors.js';

export const MFA_ALGORITHMS = {
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512_256: 'sha512-256',
} as const;
export type MfaAlgorithm = keyof typeof MFA_ALGORITHMS;

const DEFAULT_LENGTH = 6;
const DEFAULT_PERIOD_SECONDS = 30;
/** 31 bits of HOTP output hold at most 10 significant digits; longer tokens are zero-padded, as ESO's are. */
const MAX_LENGTH = 18;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function invalid(message: string): GeneratorError {
  return new GeneratorError('Invalid', `MFA generator: ${message}`);
}

/** RFC 4648 base32 without padding requirements; throws on characters outside the alphabet. */
export function decodeBase32Seed(seed: string): Buffer {
  const cleaned = seed.replaceAll(/\s/g, '').toUpperCase().replace(/=+$/, '');
  if (cleaned === '') throw invalid('the seed is empty');
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of cleaned) {
    const value = BASE32_ALPHABET.indexOf(char);
    // Never echo the character: it is part of a secret.
    if (value < 0) throw invalid('the seed is not base32 (letters A-Z and digits 2-7)');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

export interface TotpSettings {
  length: number;
  periodSeconds: number;
  algorithm: MfaAlgorithm;
  /** Seconds since the Unix epoch the token is made for. */
  at: number;
}

export function mfaSettings(spec: Partial<MFASpec> | undefined, now: () => number = Date.now): TotpSettings {
  const length = spec?.length || DEFAULT_LENGTH;
  if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) {
    throw invalid(`spec.length must be 1..${MAX_LENGTH} digits, got ${JSON.stringify(spec?.length)}`);
  }
  const periodSeconds = spec?.timePeriod || DEFAULT_PERIOD_SECONDS;
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
    throw invalid(`spec.timePeriod must be a positive number of seconds, got ${JSON.stringify(spec?.timePeriod)}`);
  }
  const algorithm = (spec?.algorithm || 'sha1').toLowerCase();
  if (!(algorithm in MFA_ALGORITHMS)) {
    throw invalid(
      `spec.algorithm "${spec?.algorithm}" is not supported; use one of ${Object.keys(MFA_ALGORITHMS).join(', ')}`,
    );
  }
  let atMs = now();
  if (spec?.when) {
    atMs = Date.parse(spec.when);
    if (Number.isNaN(atMs)) throw invalid(`spec.when "${spec.when}" is not an RFC 3339 time`);
  }
  return { length, periodSeconds, algorithm: algorithm as MfaAlgorithm, at: Math.floor(atMs / 1000) };
}

/** One TOTP token and the seconds it has left. */
export function totp(seed: Uint8Array, settings: TotpSettings): { token: string; timeLeft: number } {
  const counter = Math.floor(settings.at / settings.periodSeconds);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac(MFA_ALGORITHMS[settings.algorithm], seed).update(message).digest();
  // Dynamic truncation (RFC 4226 section 5.3): 31 bits at the offset named by the last nibble.
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  const value = digest.readUInt32BE(offset) & 0x7fffffff;
  const token = String(value % 10 ** settings.length).padStart(settings.length, '0');
  return { token, timeLeft: settings.periodSeconds - (settings.at % settings.periodSeconds) };
}

/** The MFA generator's output for a seed read from the Secret that spec.secret names. */
export function generateMFA(
  spec: Partial<MFASpec> | undefined,
  seed: Uint8Array,
  now: () => number = Date.now,
): Record<string, Uint8Array> {
  const settings = mfaSettings(spec, now);
  const { token, timeLeft } = totp(decodeBase32Seed(Buffer.from(seed).toString('utf8')), settings);
  return {
    token: new Uint8Array(Buffer.from(token, 'ascii')),
    timeLeft: new Uint8Array(Buffer.from(String(timeLeft), 'ascii')),
  };
}
