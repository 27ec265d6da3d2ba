// Sprig's random functions: randAlphaNum, randAlpha, randNumeric, randAscii, randInt, randBytes, shuffle. All
// draw from the operating system's CSPRNG (Sprig uses crypto/rand for the strings, math/rand for randInt).

import { randomBytes, randomInt } from 'node:crypto';
import type { FunctionMap } from './contract.js';
import { checkSize, fail, fixed, intArg, wrapInt } from './support.js';

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
let PRINTABLE_ASCII = '';
for (let c = 0x20; c <= 0x7e; c++) PRINTABLE_ASCII += String.fromCharCode(c);

/** A random string over `alphabet`; Sprig returns "" for zero and negative counts. */
function randomString(count: number, alphabet: string): string {
  if (count <= 0) return '';
  checkSize(count, 'random string');
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function shuffle(text: string): string {
  const runes = [...text];
  for (let i = runes.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [runes[i], runes[j]] = [runes[j] as string, runes[i] as string];
  }
  return runes.join('');
}

/** A uniform random bigint in [0, n) for n > 0. */
function randomBelow(n: bigint): bigint {
  if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return BigInt(randomInt(Number(n)));
  const bits = n.toString(2).length;
  for (;;) {
    let value = 0n;
    for (const byte of randomBytes(Math.ceil(bits / 8))) value = (value << 8n) | BigInt(byte);
    value &= (1n << BigInt(bits)) - 1n;
    if (value < n) return value;
  }
}

/** randInt min max: a number in [min, max); Go's rand.Intn panics when the range is empty. */
function randInt(min: bigint, max: bigint): bigint {
  const span = wrapInt(max - min);
  if (span <= 0n) fail('invalid argument to Intn');
  return wrapInt(randomBelow(span) + min);
}

function randBytesBase64(count: number): string {
  if (count < 0) fail('runtime error: makeslice: len out of range');
  checkSize(count, 'randBytes');
  return randomBytes(count).toString('base64');
}

export const randomFunctions: FunctionMap = {
  randAlphaNum: fixed(['int'], (n: bigint) => randomString(intArg(n), ALPHA + DIGITS)),
  randAlpha: fixed(['int'], (n: bigint) => randomString(intArg(n), ALPHA)),
  randAscii: fixed(['int'], (n: bigint) => randomString(intArg(n), PRINTABLE_ASCII)),
  randNumeric: fixed(['int'], (n: bigint) => randomString(intArg(n), DIGITS)),
  randInt: fixed(['int', 'int'], (min: bigint, max: bigint) => randInt(min, max)),
  randBytes: fixed(['int'], (n: bigint) => randBytesBase64(intArg(n))),
  shuffle: fixed(['string'], (s: string) => shuffle(s)),
};
