// Remembers what was pushed, so an unchanged entry is not pushed again (providers that version every write
// would otherwise grow a new version on every refresh). The digests are HMACs under a key that lives only in
// this process: they never leave memory, and a digest of a short secret cannot be brute-forced from outside.
// After a restart the memory is empty, so each entry is pushed once more.
import { createHmac, randomBytes } from 'node:crypto';
import type { PushEntry } from './entries.js';

const processKey = randomBytes(32);

function lengthPrefixed(hmac: ReturnType<typeof createHmac>, part: string | Uint8Array): void {
  const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hmac.update(length);
  hmac.update(bytes);
}

function sortedJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Digest of everything a push of this entry depends on (store identity, target, metadata, the pushed bytes). */
export function entryDigest(storeIdentity: string, entry: PushEntry): string {
  const hmac = createHmac('sha256', processKey);
  lengthPrefixed(hmac, storeIdentity);
  lengthPrefixed(hmac, entry.data.remoteRef.remoteKey);
  lengthPrefixed(hmac, entry.data.remoteRef.property ?? '');
  lengthPrefixed(hmac, entry.data.secretKey ?? '\u0000whole');
  lengthPrefixed(hmac, sortedJson(entry.data.metadata));
  lengthPrefixed(hmac, entry.source.type ?? '');
  lengthPrefixed(hmac, sortedJson(entry.source.labels ?? {}));
  lengthPrefixed(hmac, sortedJson(entry.source.annotations ?? {}));
  const data = entry.source.data;
  // A single-key push depends on that key only; a whole-Secret push on every key.
  const keys = entry.data.secretKey !== undefined ? [entry.data.secretKey] : Object.keys(data).sort();
  for (const key of keys) {
    lengthPrefixed(hmac, key);
    lengthPrefixed(hmac, data[key] ?? new Uint8Array(0));
  }
  return hmac.digest('hex');
}

/** Digests of pushed entries per PushSecret (by uid), then per "<storeKey>|<statusKey>". */
export class PushedDigests {
  readonly #byObject = new Map<string, Map<string, string>>();

  get(uid: string, key: string): string | undefined {
    return this.#byObject.get(uid)?.get(key);
  }

  set(uid: string, key: string, digest: string): void {
    let map = this.#byObject.get(uid);
    if (!map) {
      map = new Map();
      this.#byObject.set(uid, map);
    }
    map.set(key, digest);
  }

  delete(uid: string, key: string): void {
    this.#byObject.get(uid)?.delete(key);
  }

  forget(uid: string): void {
    this.#byObject.delete(uid);
  }
}
