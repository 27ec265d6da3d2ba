// Bulk seeding straight through the store's storage API, before the servers start: each item gets a real envelope
// (fresh keyId and DEK, sealed with d_store from the store's own fragment and d_customer from the gateway's), so
// the gateway reads and decrypts seeded items exactly like items it wrote itself. What this skips compared with a
// gateway write: the HTTP hops, the store's share check, an audit entry and a change-feed record per item.
import { fragmentFilePath } from '../../src/gateway/crypto/admin.js';
import { newKeyId, sealValue } from '../../src/gateway/crypto/envelope.js';
import { openKeyring, readFragmentFile } from '../../src/gateway/crypto/sealed-file.js';
import { readUnsealKeyFile } from '../../src/gateway/crypto/unseal-key.js';
import { FragmentKeeper } from '../../src/store/crypto/fragments.js';
import { openStore, type StoreLocation } from '../../src/store/open.js';

export const itemPath = (i: number) => `/bench/items/${String(i).padStart(6, '0')}`;

/** The plaintext of item i: `size` bytes, distinct per item so a wrong answer is caught by the client. */
export function itemValue(i: number, size: number): string {
  const head = `v${i}-`;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

export interface SeedOptions {
  location: StoreLocation;
  configDir: string;
  keyFile: string;
  from: number;
  to: number;
  valueBytes: number;
  batch?: number;
  onProgress?: (done: number) => void;
}

/** Writes items [from, to) in transactions of `batch` items. */
export async function bulkSeed(options: SeedOptions): Promise<void> {
  const { storage, rootKey } = await openStore(options.location);
  try {
    const keeper = new FragmentKeeper(rootKey);
    await keeper.load(storage);
    const generation = keeper.activeGeneration;
    const customer = openKeyring(
      readFragmentFile(fragmentFilePath(options.configDir)),
      readUnsealKeyFile(options.keyFile),
    ).fragment(generation);
    const batch = options.batch ?? 1000;
    const at = new Date().toISOString();
    for (let start = options.from; start < options.to; start += batch) {
      const end = Math.min(options.to, start + batch);
      await storage.transaction(async (tx) => {
        for (let i = start; i < end; i++) {
          const path = itemPath(i);
          const keyId = newKeyId();
          const keys = { keyId, generation, dStore: keeper.share(generation, keyId), customerFragment: customer };
          const ciphertext = sealValue(Buffer.from(itemValue(i, options.valueBytes)), { path, version: 1 }, keys);
          await tx.createItem(
            {
              path,
              type: 'static',
              tags: [],
              description: '',
              metadata: {},
              ciphertext,
              keyId: keyId.toString('base64'),
              generation,
            },
            at,
          );
        }
      });
      options.onProgress?.(end - options.from);
    }
  } finally {
    await storage.close();
  }
}
