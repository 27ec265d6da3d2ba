// The gateway's secret operations: encrypt before writing to the store, decrypt after reading from it. Plaintext
// lives only in the request that carries it; the customer fragment is used here and never leaves this process.
import { newKeyId, openValue, rewrapValue, sealValue } from './crypto/envelope.js';
import type { FragmentVault } from './crypto/vault.js';
import { GatewayError } from './errors.js';
import {
  type ItemDescription,
  type ItemRecord,
  type RewrapCandidate,
  type StoreClient,
  StoreError,
} from './store-client.js';

export interface PutRequest {
  path: string;
  value: Buffer;
  tags?: string[];
  description?: string;
  /** Optimistic check: the version the caller believes is current (0 = the item must not exist). */
  expectedVersion?: number;
  /** 'create' fails if the item exists, 'update' fails if it does not, 'upsert' does either. */
  mode: 'create' | 'update' | 'upsert';
}

export interface PutResult {
  path: string;
  version: number;
  created: boolean;
}

export interface SecretValue {
  item: Omit<ItemRecord, 'ciphertext' | 'share'>;
  value: Buffer;
}

export const defaultMaxValueBytes = 1024 * 1024;
/** Concurrent writers race on the next version number; a loser re-reads and tries again this many times. */
const writeAttempts = 8;

export class SecretService {
  constructor(
    readonly store: StoreClient,
    readonly vault: FragmentVault,
    readonly maxValueBytes = defaultMaxValueBytes,
  ) {}

  async put(token: string, request: PutRequest): Promise<PutResult> {
    if (request.value.length > this.maxValueBytes) {
      throw new GatewayError(
        'too_large',
        413,
        `the value is ${request.value.length} bytes; the limit is ${this.maxValueBytes} (gateway --max-value-bytes)`,
      );
    }
    this.vault.keyring(); // a sealed gateway fails before anything reaches the store
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#tryPut(token, request);
      } catch (error) {
        if (!(error instanceof RaceError) || attempt >= writeAttempts) throw unwrapRace(error);
      }
    }
  }

  async #tryPut(token: string, request: PutRequest): Promise<PutResult> {
    let current: ItemDescription | undefined;
    if (request.mode !== 'create') {
      current = await this.store.describeItem(token, request.path).catch((error: unknown) => {
        if (error instanceof StoreError && error.code === 'not_found') return undefined;
        throw error;
      });
    }
    if (!current) {
      if (request.mode === 'update') {
        throw new GatewayError('not_found', 404, `item ${request.path} does not exist`);
      }
      if (request.expectedVersion !== undefined && request.expectedVersion !== 0) {
        throw new GatewayError(
          'conflict',
          409,
          `item ${request.path} does not exist (expected version ${request.expectedVersion})`,
        );
      }
      try {
        const created = await this.#write(token, request, 1, 'create');
        return { ...created, created: true };
      } catch (error) {
        // Another writer created it first: an upsert becomes an update; a plain create reports the conflict.
        if (request.mode === 'upsert' && error instanceof StoreError && error.code === 'conflict')
          throw new RaceError(error);
        throw error;
      }
    }
    if (request.expectedVersion !== undefined && request.expectedVersion !== current.version) {
      throw new GatewayError(
        'conflict',
        409,
        `item ${request.path} is at version ${current.version}, not the expected ${request.expectedVersion}`,
      );
    }
    try {
      const written = await this.#write(token, request, current.version + 1, 'update');
      return { ...written, created: false };
    } catch (error) {
      if (error instanceof StoreError && error.code === 'conflict' && request.expectedVersion === undefined) {
        throw new RaceError(error);
      }
      throw error;
    }
  }

  /** Seals the value for exactly `version` and writes it; the store must assign that version or refuse. */
  async #write(
    token: string,
    request: PutRequest,
    version: number,
    purpose: 'create' | 'update',
  ): Promise<{ path: string; version: number }> {
    const latest = this.vault.keyring().latest();
    const keyId = newKeyId();
    const { share, generation } = await this.store.share(token, {
      path: request.path,
      keyId: keyId.toString('base64'),
      generation: latest.generation,
      purpose,
    });
    if (generation !== latest.generation) {
      throw new GatewayError(
        'unavailable',
        503,
        `the store answered with generation ${generation} instead of ${latest.generation}; rotate both halves together`,
      );
    }
    const ciphertext = sealValue(
      request.value,
      { path: request.path, version },
      { keyId, generation, dStore: Buffer.from(share, 'base64'), customerFragment: latest.fragment },
    );
    const sealed = { path: request.path, ciphertext, keyId: keyId.toString('base64'), generation };
    const result =
      purpose === 'create'
        ? await this.store.createItem(token, {
            ...sealed,
            type: 'static',
            tags: request.tags ?? [],
            description: request.description ?? '',
          })
        : await this.store.addVersion(token, { ...sealed, expectedVersion: version - 1 });
    if (result.version !== version) {
      throw new GatewayError(
        'internal',
        500,
        `the store stored ${request.path} as version ${result.version}, not ${version}; the stored envelope is bound ` +
          'to the version the gateway asked for (store and gateway disagree on expectedVersion)',
      );
    }
    if (purpose === 'update' && (request.tags !== undefined || request.description !== undefined)) {
      await this.store.patchItem(token, { path: request.path, tags: request.tags, description: request.description });
    }
    return result;
  }

  async get(token: string, path: string, version?: number): Promise<SecretValue> {
    const keyring = this.vault.keyring();
    const record = await this.store.getItem(token, path, version);
    const value = openValue(record.ciphertext, sealedAddress(record), {
      keyId: Buffer.from(record.keyId, 'base64'),
      generation: record.generation,
      dStore: Buffer.from(record.share, 'base64'),
      customerFragment: keyring.fragment(record.generation),
    });
    const { ciphertext: _c, share: _s, ...item } = record;
    return { item, value };
  }

  /**
   * A new version with version `version`'s value. The store copies the envelope and records the version it was
   * sealed for (sealedVersion), so no plaintext is produced; reads bind the envelope to that version.
   */
  async rollback(token: string, path: string, version: number): Promise<{ path: string; version: number }> {
    this.vault.keyring();
    return this.store.rollback(token, path, version);
  }

  /**
   * Re-wraps the data key of every version on an older generation under the newest one. The token needs the
   * store's `fragment` capability (the gateway's own credential); values are never decrypted.
   */
  async rewrapAll(token: string, pageSize = 100): Promise<RewrapReport> {
    const keyring = this.vault.keyring();
    const latest = keyring.latest();
    const report: RewrapReport = { generation: latest.generation, rewrapped: 0, failures: [] };
    const failed = new Set<string>();
    for (;;) {
      const page = await this.store.rewrapCandidates(token, pageSize);
      if (page.activeGeneration !== latest.generation) {
        throw new GatewayError(
          'unavailable',
          503,
          `the store's active generation is ${page.activeGeneration} but this gateway's newest is ` +
            `${latest.generation}; run \`custos fragment rotate\` so both halves are in step`,
        );
      }
      const todo = page.items.filter((c) => !failed.has(`${c.path}@${c.version}`));
      if (todo.length === 0) return report;
      for (const candidate of todo) {
        try {
          await this.#rewrapOne(token, candidate, latest.generation);
          report.rewrapped++;
        } catch (error) {
          failed.add(`${candidate.path}@${candidate.version}`);
          report.failures.push({ path: candidate.path, version: candidate.version, error: (error as Error).message });
        }
      }
      // A page of nothing but earlier failures would repeat forever: stop when no progress is possible.
      if (todo.length < pageSize && page.items.length < pageSize) return report;
    }
  }

  async #rewrapOne(token: string, candidate: RewrapCandidate, generation: number): Promise<void> {
    const keyring = this.vault.keyring();
    const keyId = newKeyId();
    const { share } = await this.store.share(token, {
      path: candidate.path,
      keyId: keyId.toString('base64'),
      generation,
      purpose: 'rewrap',
    });
    const ciphertext = rewrapValue(
      candidate.ciphertext,
      sealedAddress(candidate),
      {
        keyId: Buffer.from(candidate.keyId, 'base64'),
        generation: candidate.generation,
        dStore: Buffer.from(candidate.share, 'base64'),
        customerFragment: keyring.fragment(candidate.generation),
      },
      { keyId, generation, dStore: Buffer.from(share, 'base64'), customerFragment: keyring.fragment(generation) },
    );
    await this.store.rewrap(token, {
      path: candidate.path,
      version: candidate.version,
      fromGeneration: candidate.generation,
      ciphertext,
      keyId: keyId.toString('base64'),
      generation,
    });
  }
}

export interface RewrapReport {
  generation: number;
  rewrapped: number;
  failures: { path: string; version: number; error: string }[];
}

/** The address an envelope is bound to: its path and the version it was sealed for (kept across rollbacks). */
function sealedAddress(record: { path: string; version: number; sealedVersion?: number }) {
  return { path: record.path, version: record.sealedVersion ?? record.version };
}

/** Marks a conflict caused by a concurrent writer (retry), as opposed to one the caller asked for (report). */
class RaceError extends StoreError {
  constructor(override readonly cause: StoreError) {
    super(cause.code, cause.status, cause.message);
  }
}

function unwrapRace(error: unknown): unknown {
  return error instanceof RaceError ? error.cause : error;
}
