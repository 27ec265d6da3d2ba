// The store fragment per generation: 32 random bytes, sealed at rest by the root key. The store only ever hands
// out d_store = HMAC-SHA256(F_store[g], keyId); alone that derives nothing (the gateway's fragment is the other
// half of every KEK), so nothing the store holds can open an envelope.
import { createHmac, randomBytes } from 'node:crypto';
import { StoreError, unavailable } from '../errors.js';
import type { FragmentGeneration, StoreOps } from '../storage/types.js';
import { seal, unseal } from './seal.js';

const aadFor = (generation: number) => `custos/store-fragment/v1|${generation}`;

export const keyIdBytes = 16;

export interface GenerationInfo {
  generation: number;
  createdAt: string;
  active: boolean;
}

export class FragmentKeeper {
  /** unsealed fragments by generation; memory only */
  private readonly fragments = new Map<number, Buffer>();
  private active = 0;

  constructor(private readonly rootKey: Buffer) {}

  /** Unseals every stored generation; creates generation 1 when there is none. */
  async load(storage: StoreOps): Promise<void> {
    let generations = await storage.listGenerations();
    if (generations.length === 0) {
      await this.create(storage, 1).catch((error: unknown) => {
        // Another store process may have created it first.
        if (!(error instanceof StoreError && error.code === 'conflict')) throw error;
      });
      generations = await storage.listGenerations();
    }
    this.adopt(generations);
  }

  private adopt(generations: FragmentGeneration[]): void {
    for (const g of generations) {
      if (!this.fragments.has(g.generation)) {
        this.fragments.set(g.generation, unseal(this.rootKey, g.sealed, aadFor(g.generation)));
      }
      this.active = Math.max(this.active, g.generation);
    }
  }

  private async create(storage: StoreOps, generation: number): Promise<void> {
    const fragment = randomBytes(32);
    await storage.putGeneration({
      generation,
      sealed: seal(this.rootKey, fragment, aadFor(generation)),
      createdAt: new Date().toISOString(),
    });
  }

  /**
   * Creates the next generation in `storage` (usually a transaction). It is not used until `refresh` reads it
   * back after commit, so a rolled-back rotation can never leave envelopes wrapped with a lost fragment.
   */
  async rotate(storage: StoreOps): Promise<number> {
    const existing = await storage.listGenerations();
    const next = Math.max(0, ...existing.map((g) => g.generation)) + 1;
    await this.create(storage, next);
    return next;
  }

  /** Picks up generations created by another store process sharing the database. */
  async refresh(storage: StoreOps): Promise<void> {
    this.adopt(await storage.listGenerations());
  }

  get activeGeneration(): number {
    return this.active;
  }

  generations(createdAt: Map<number, string>): GenerationInfo[] {
    return [...this.fragments.keys()]
      .sort((a, b) => a - b)
      .map((generation) => ({
        generation,
        createdAt: createdAt.get(generation) ?? '',
        active: generation === this.active,
      }));
  }

  has(generation: number): boolean {
    return this.fragments.has(generation);
  }

  /** d_store for one key id; the caller has already been authorised. */
  share(generation: number, keyId: Buffer): Buffer {
    const fragment = this.fragments.get(generation);
    if (!fragment) throw unavailable(`store fragment generation ${generation} is not available`);
    return createHmac('sha256', fragment).update(keyId).digest();
  }
}
