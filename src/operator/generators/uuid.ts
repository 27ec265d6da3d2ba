// ESO's UUID generator: a random (version 4, RFC 9562) UUID in its canonical lower-case form, under key `uuid`.
import { cryptoRandom, type RandomSource } from './random.js';

export function uuidV4(random: RandomSource = cryptoRandom): string {
  const b = random.bytes(16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40; // version 4
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // variant 10xx
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function generateUUID(random: RandomSource = cryptoRandom): Record<string, Uint8Array> {
  return { uuid: new Uint8Array(Buffer.from(uuidV4(random), 'ascii')) };
}
