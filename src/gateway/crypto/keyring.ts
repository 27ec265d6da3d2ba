// The customer fragments in memory, one per generation. Writes use the newest generation; reads use whichever
// generation the envelope names, so rotation never makes old versions unreadable.
import { randomBytes } from 'node:crypto';
import { fragmentBytes } from './derive.js';
import { MalformedError, UnknownGenerationError } from './errors.js';

export interface FragmentGeneration {
  generation: number;
  fragment: Buffer;
  createdAt: string;
}

export class CustomerKeyring {
  readonly #generations = new Map<number, FragmentGeneration>();

  constructor(generations: FragmentGeneration[]) {
    if (generations.length === 0) throw new MalformedError('a fragment keyring needs at least one generation');
    for (const g of generations) {
      if (g.fragment.length !== fragmentBytes) {
        throw new MalformedError(`the fragment of generation ${g.generation} is not ${fragmentBytes} bytes`);
      }
      if (this.#generations.has(g.generation)) {
        throw new MalformedError(`generation ${g.generation} appears twice in the fragment keyring`);
      }
      this.#generations.set(g.generation, g);
    }
  }

  /** The generation new envelopes are written with. */
  latest(): FragmentGeneration {
    let best: FragmentGeneration | undefined;
    for (const g of this.#generations.values()) if (!best || g.generation > best.generation) best = g;
    return best!;
  }

  fragment(generation: number): Buffer {
    const g = this.#generations.get(generation);
    if (!g) throw new UnknownGenerationError(generation);
    return g.fragment;
  }

  generations(): number[] {
    return [...this.#generations.keys()].sort((a, b) => a - b);
  }

  list(): FragmentGeneration[] {
    return this.generations().map((n) => this.#generations.get(n)!);
  }

  /** A new keyring with one more generation (a fresh random fragment); this one is left unchanged. */
  withNewGeneration(generation: number, now = new Date()): CustomerKeyring {
    if (this.#generations.has(generation)) {
      throw new MalformedError(`generation ${generation} already exists in the fragment keyring`);
    }
    if (generation <= this.latest().generation) {
      throw new MalformedError(
        `a new generation must be newer than ${this.latest().generation}, got ${generation}: ` +
          'the store and gateway generations are out of step',
      );
    }
    return new CustomerKeyring([
      ...this.list(),
      { generation, fragment: randomBytes(fragmentBytes), createdAt: now.toISOString() },
    ]);
  }

  static create(generation: number, now = new Date()): CustomerKeyring {
    return new CustomerKeyring([{ generation, fragment: randomBytes(fragmentBytes), createdAt: now.toISOString() }]);
  }
}
