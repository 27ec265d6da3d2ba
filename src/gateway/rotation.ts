// Fragment rotation, both halves in step: the store starts generation g (its new F_store[g]), then the gateway adds
// its own F_customer[g] to the sealed keyring. New writes use g at once; old versions stay readable on their
// generation until `rewrap` moves their data keys to g.
import { addFragmentGeneration } from './crypto/admin.js';
import type { StoreClient } from './store-client.js';

export interface RotationResult {
  generation: number;
  generations: number[];
}

export async function rotateFragments(
  configDir: string,
  unsealKey: Buffer,
  store: StoreClient,
  gatewayToken: string,
): Promise<RotationResult> {
  const { generation } = await store.rotateFragment(gatewayToken);
  if (!Number.isSafeInteger(generation)) {
    throw new Error('the store answered the rotation without a generation number; is it a custos store?');
  }
  return { generation, generations: addFragmentGeneration(configDir, unsealKey, generation) };
}
