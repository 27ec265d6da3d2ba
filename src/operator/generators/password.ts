// ESO's Password generator (generators.external-secrets.io/v1alpha1 Password), written from its documented
// behaviour: a password of `length` characters with exactly `digits` digits and `symbols` symbols (each default
// 25% of the length, rounded down), the rest letters (lower-case, plus upper-case unless `noUpper`). Without
// `allowRepeat` no character appears twice. One independent password per entry of `secretKeys` (default
// ["password"]), encoded with `encoding` (default raw).
//
// How characters are drawn: each class is sampled uniformly from its pool (with or without replacement), then
// the whole sequence is shuffled with Fisher-Yates, so every arrangement is equally likely. All indices come
// from RandomSource.int, which is uniform (no modulo bias).
//
// Pools are disjoint: characters of `symbolCharacters` that are also letters or digits of this password are not
// used as symbols, so "no repeats" can be checked up front instead of failing at random.
import type { PasswordSpec } from '../../api/generated/types.js';
import { encodeBytes, PASSWORD_ENCODINGS, type PasswordEncoding } from './encoding.js';
import { GeneratorError } from './errors.js';
import { cryptoRandom, type RandomSource } from './random.js';

export const DEFAULT_PASSWORD_LENGTH = 24;
export const DEFAULT_SYMBOL_CHARACTERS = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./';
/** Guards against a typo such as `length: 1000000000` exhausting the operator's memory. */
export const MAX_PASSWORD_LENGTH = 65_536;

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

/** The settings after defaults, as the generator uses them. */
export interface PasswordSettings {
  length: number;
  digits: number;
  symbols: number;
  letters: number;
  letterPool: string[];
  digitPool: string[];
  symbolPool: string[];
  allowRepeat: boolean;
  encoding: PasswordEncoding;
  secretKeys: string[];
}

/** Applies ESO's defaults and checks every constraint; throws GeneratorError('Invalid') naming the field. */
export function passwordSettings(spec: Partial<PasswordSpec> | undefined): PasswordSettings {
  const s = spec ?? {};
  const length = optionalInt(s.length, 'length') || DEFAULT_PASSWORD_LENGTH; // ESO: 0 or unset means 24
  if (length < 0) invalid(`spec.length must be positive, got ${length}`);
  if (length > MAX_PASSWORD_LENGTH) invalid(`spec.length must be at most ${MAX_PASSWORD_LENGTH}, got ${length}`);
  const digits = optionalInt(s.digits, 'digits') ?? Math.floor(length * 0.25);
  const symbols = optionalInt(s.symbols, 'symbols') ?? Math.floor(length * 0.25);
  if (digits < 0) invalid(`spec.digits must not be negative, got ${digits}`);
  if (symbols < 0) invalid(`spec.symbols must not be negative, got ${symbols}`);
  const letters = length - digits - symbols;
  if (letters < 0) {
    invalid(`spec.digits (${digits}) + spec.symbols (${symbols}) must not exceed spec.length (${length})`);
  }
  const allowRepeat = optionalBool(s.allowRepeat, 'allowRepeat') ?? false;
  const noUpper = optionalBool(s.noUpper, 'noUpper') ?? false;
  const letterPool = [...(noUpper ? LOWER : LOWER + UPPER)];
  const digitPool = [...DIGITS];
  if (s.symbolCharacters !== undefined && typeof s.symbolCharacters !== 'string') {
    invalid('spec.symbolCharacters must be a string');
  }
  const taken = new Set([...letterPool, ...digitPool]);
  // Empty symbolCharacters means the default set, as in ESO's password library.
  const symbolPool = [...new Set(s.symbolCharacters || DEFAULT_SYMBOL_CHARACTERS)].filter((c) => !taken.has(c));
  if (symbols > 0 && symbolPool.length === 0) {
    invalid(
      'spec.symbolCharacters has no characters other than letters and digits; add symbols or set spec.symbols to 0',
    );
  }
  if (!allowRepeat) {
    const noRoom = (what: string, need: number, pool: number, fix: string) =>
      invalid(`${need} ${what} without repeats, but only ${pool} distinct ones exist; ${fix} or set spec.allowRepeat`);
    if (letters > letterPool.length) {
      noRoom('letters', letters, letterPool.length, 'lower spec.length or raise spec.digits/spec.symbols');
    }
    if (digits > digitPool.length) noRoom('digits', digits, digitPool.length, 'lower spec.digits');
    if (symbols > symbolPool.length) {
      noRoom('symbols', symbols, symbolPool.length, 'lower spec.symbols or add spec.symbolCharacters');
    }
  }
  const encoding = s.encoding ?? 'raw';
  if (!(PASSWORD_ENCODINGS as readonly string[]).includes(encoding)) {
    invalid(`spec.encoding must be one of ${PASSWORD_ENCODINGS.join(', ')}, got "${String(encoding)}"`);
  }
  const secretKeys = s.secretKeys === undefined || s.secretKeys.length === 0 ? ['password'] : s.secretKeys;
  if (!Array.isArray(secretKeys) || new Set(secretKeys).size !== secretKeys.length || secretKeys.some((k) => !k)) {
    invalid('spec.secretKeys must be non-empty and unique');
  }
  return {
    length,
    digits,
    symbols,
    letters,
    letterPool,
    digitPool,
    symbolPool,
    allowRepeat,
    encoding: encoding as PasswordEncoding,
    secretKeys,
  };
}

/** One password as a string of `settings.length` characters (before encoding). */
export function generatePasswordString(settings: PasswordSettings, random: RandomSource = cryptoRandom): string {
  const chars = [
    ...draw(settings.letterPool, settings.letters, settings.allowRepeat, random),
    ...draw(settings.digitPool, settings.digits, settings.allowRepeat, random),
    ...draw(settings.symbolPool, settings.symbols, settings.allowRepeat, random),
  ];
  shuffle(chars, random);
  return chars.join('');
}

/** The Password generator's output: one encoded password per secret key. */
export function generatePassword(
  spec: Partial<PasswordSpec> | undefined,
  random: RandomSource = cryptoRandom,
): Record<string, Uint8Array> {
  const settings = passwordSettings(spec);
  const out: Record<string, Uint8Array> = {};
  for (const key of settings.secretKeys) {
    const raw = new Uint8Array(Buffer.from(generatePasswordString(settings, random), 'utf8'));
    out[key] = encodeBytes(raw, settings.encoding);
  }
  return out;
}

/** `count` characters from `pool`: independent draws, or distinct ones (partial Fisher-Yates) without repeats. */
function draw(pool: readonly string[], count: number, allowRepeat: boolean, random: RandomSource): string[] {
  if (count === 0) return [];
  if (allowRepeat) return Array.from({ length: count }, () => pool[random.int(pool.length)] as string);
  const copy = [...pool];
  for (let i = 0; i < count; i++) {
    const j = i + random.int(copy.length - i);
    [copy[i], copy[j]] = [copy[j] as string, copy[i] as string];
  }
  return copy.slice(0, count);
}

function shuffle(items: string[], random: RandomSource): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [items[i], items[j]] = [items[j] as string, items[i] as string];
  }
}

function optionalInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) invalid(`spec.${field} must be an integer`);
  return value as number;
}

function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') invalid(`spec.${field} must be true or false`);
  return value as boolean;
}

function invalid(message: string): never {
  throw new GeneratorError('Invalid', `Password generator: ${message}`);
}
