// Where generators get their randomness. The default draws from the operating system's CSPRNG; tests inject a
// seeded source to check distributions deterministically. `int` must be uniform over [0, max): node:crypto's
// randomInt uses rejection sampling, so picking characters through it has no modulo bias.
import { randomBytes, randomInt } from 'node:crypto';

export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** n uniformly random bytes. */
  bytes(n: number): Uint8Array;
}

export const cryptoRandom: RandomSource = {
  int: (maxExclusive) => randomInt(maxExclusive),
  bytes: (n) => new Uint8Array(randomBytes(n)),
};
