// ESO's `fake` provider (providers/v1/fake/fake.go) with the same semantics: entries stored under key+version,
// exact version match, `property` as a gjson path, push kept in memory, delete a no-op, validation from
// `validationResult`. One deliberate difference: ESO shares pushed data between stores with the same name in
// different namespaces; Custos keys the in-memory data by kind/namespace/name.
// For tests and benchmarks the provider counts calls and can add latency (FakeProviderOptions).
import type { FakeProvider as FakeSpec } from '../../api/generated/types.js';
import { emptyMap, fromUtf8, utf8 } from '../bytes.js';
import type {
  FetchedSecret,
  FindRef,
  NewClientOptions,
  Provider,
  PushRemoteRef,
  PushSecretData,
  PushSource,
  RemoteRef,
  SecretsClient,
  StoreObject,
  StoreValidationResult,
  Validation,
  ValidationResult,
} from '../contract.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../errors.js';
import { compileNameMatcher } from '../find-name.js';
import { GjsonPathError, gjsonGet } from '../gjson.js';
import { jsonToSecretMap } from '../json-map.js';
import { convertKeys } from '../keys.js';
import { FakeCallLog, type FakeMethod } from './calls.js';

interface Entry {
  value: Uint8Array;
  version: string;
  /** Store-defined entries are replaced on every newClient and cannot be overwritten by a push. */
  origin: 'store' | 'push';
}

type Database = Map<string, Entry>;

export interface FakeProviderOptions {
  /** Receives every client call; defaults to a fresh log (see `provider.calls`). */
  calls?: FakeCallLog;
  /** Milliseconds each read waits before answering, to imitate a remote provider. */
  delayMs?: number;
}

const VALIDATION_RESULTS: ValidationResult[] = ['Ready', 'Unknown', 'Error'];

// ESO concatenates key and version without a separator; kept so lookups behave identically.
const mapKey = (key: string, version: string | undefined) => key + (version ?? '');

const storeId = (store: Pick<StoreObject, 'kind' | 'namespace' | 'name'>) =>
  `${store.kind}/${store.namespace ?? ''}/${store.name}`;

function fakeSpecOf(store: Pick<StoreObject, 'spec'>): FakeSpec {
  const spec = store.spec?.provider?.fake;
  if (!spec) throw new ProviderConfigError('missing store provider fake: set spec.provider.fake');
  return spec;
}

/** Value of a data entry: `value`, or the deprecated `valueMap` as a JSON object with sorted keys. */
function entryValue(entry: FakeSpec['data'][number]): string | undefined {
  if (entry.value) return entry.value;
  if (entry.valueMap && Object.keys(entry.valueMap).length > 0) {
    const sorted = Object.fromEntries(Object.entries(entry.valueMap).sort(([a], [b]) => (a < b ? -1 : 1)));
    return JSON.stringify(sorted);
  }
  return entry.value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ESO's fake: the whole value, or the gjson path `property` inside it (NoSecretError when nothing is there). */
function pickProperty(entry: Entry, property: string | undefined): Uint8Array {
  if (!property) return entry.value;
  let result: ReturnType<typeof gjsonGet>;
  try {
    result = gjsonGet(fromUtf8(entry.value), property);
  } catch (error) {
    if (error instanceof GjsonPathError) throw new ProviderConfigError(error.message);
    throw error;
  }
  if (!result.exists) throw new NoSecretError();
  return utf8(result.value);
}

/** ESO's fake GetSecretMap: the value (or what `property` selects) as a JSON object of strings. */
function secretMapOfEntry(entry: Entry, key: string, property: string | undefined): Record<string, Uint8Array> {
  return jsonToSecretMap(fromUtf8(pickProperty(entry, property)), `the value of key "${key}"`);
}

function fetched(entry: Entry, key: string): FetchedSecret {
  return {
    pick: (property) => pickProperty(entry, property),
    secretMap: (property) => secretMapOfEntry(entry, key, property),
  };
}

class FakeClient implements SecretsClient {
  constructor(
    private readonly db: Database,
    private readonly validationResult: number | undefined,
    private readonly calls: FakeCallLog,
    private readonly delayMs: number,
  ) {}

  private async enter(method: FakeMethod, key: string): Promise<void> {
    this.calls.record(method, key);
    if (this.delayMs > 0) await sleep(this.delayMs);
  }

  private lookup(ref: RemoteRef): Entry {
    const entry = this.db.get(mapKey(ref.key, ref.version));
    if (!entry || entry.version !== (ref.version ?? '')) throw new NoSecretError();
    return entry;
  }

  async fetchSecret(ref: RemoteRef): Promise<FetchedSecret> {
    await this.enter('getSecret', ref.key);
    return fetched(this.lookup(ref), ref.key);
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return (await this.fetchSecret(ref)).pick(ref.property);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    await this.enter('getSecretMap', ref.key);
    return secretMapOfEntry(this.lookup(ref), ref.key, ref.property);
  }

  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array>> {
    await this.enter('getAllSecrets', find.name?.regexp ?? '');
    if (!find.name) {
      throw new ProviderConfigError('unsupported find operator: the fake provider only supports find.name.regexp');
    }
    const matches = compileNameMatcher(find.name.regexp ?? '');
    const newest = new Map<string, Entry>();
    for (const [key, entry] of this.db) {
      const name = entry.version && key.endsWith(entry.version) ? key.slice(0, -entry.version.length) : key;
      if (!matches(name)) continue;
      const seen = newest.get(name);
      // Versions compare as strings, as in ESO ("v10" < "v9").
      if (!seen || seen.version < entry.version) newest.set(name, entry);
    }
    const out = emptyMap<Uint8Array>();
    for (const [name, entry] of newest) out[name] = entry.value;
    return convertKeys(find.conversionStrategy, out);
  }

  async pushSecret(source: PushSource, data: PushSecretData): Promise<void> {
    const key = data.remoteRef.remoteKey;
    await this.enter('pushSecret', key);
    const value = source.data[data.secretKey ?? ''] ?? new Uint8Array(0);
    const current = this.db.get(key);
    if (!current) {
      this.db.set(key, { value, version: '', origin: 'push' });
      return;
    }
    if (current.origin !== 'push') {
      throw new ProviderError(
        `key already exists: "${key}" is defined in spec.provider.fake.data and cannot be pushed`,
      );
    }
    current.value = value;
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    await this.enter('deleteSecret', ref.remoteKey);
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    await this.enter('secretExists', ref.remoteKey);
    return this.db.has(ref.remoteKey);
  }

  async validate(): Promise<Validation> {
    this.calls.record('validate', '');
    const result = VALIDATION_RESULTS[this.validationResult ?? 0] ?? 'Error';
    return result === 'Ready' ? { result } : { result, message: 'unable to validate' };
  }

  async close(): Promise<void> {}
}

export class FakeSecretsProvider implements Provider {
  readonly key = 'fake';
  readonly fetchesWholeSecrets = true;
  readonly capabilities = 'ReadWrite' as const;
  readonly maintained = false;
  /** Every call made by clients of this provider instance. */
  readonly calls: FakeCallLog;
  private readonly delayMs: number;
  private readonly databases = new Map<string, Database>();

  constructor(options: FakeProviderOptions = {}) {
    this.calls = options.calls ?? new FakeCallLog();
    this.delayMs = options.delayMs ?? 0;
  }

  async newClient({ store }: NewClientOptions): Promise<SecretsClient> {
    const spec = fakeSpecOf(store);
    const id = storeId(store);
    const db = this.databases.get(id) ?? new Map<string, Entry>();
    // The store spec is the source of truth for its own entries: drop the old ones, keep pushed ones.
    for (const [key, entry] of db) if (entry.origin === 'store') db.delete(key);
    for (const item of spec.data ?? []) {
      const version = item.version ?? '';
      db.set(mapKey(item.key, version), { value: utf8(entryValue(item) ?? ''), version, origin: 'store' });
    }
    this.databases.set(id, db);
    this.calls.record('newClient', store.name);
    return new FakeClient(db, spec.validationResult, this.calls, this.delayMs);
  }

  /** ESO's webhook check: the first entry without a key or a value is the error. */
  validateStore(store: Pick<StoreObject, 'spec'>): StoreValidationResult {
    const spec = store.spec?.provider?.fake;
    for (const [pos, item] of (spec?.data ?? []).entries()) {
      if (!item.key) return { errors: [`key must be set in data ${pos}`], warnings: [] };
      if (!entryValue(item)) return { errors: [`at least one value must be set in data ${pos}`], warnings: [] };
    }
    return { errors: [], warnings: [] };
  }
}
