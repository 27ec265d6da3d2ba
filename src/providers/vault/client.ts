// The `vault` SecretsClient over one KV engine (v1 or v2), with ESO's semantics (providers/v1/vault client_*.go):
// reads of a key (optionally a version, or its custom_metadata with metadataPolicy Fetch), find by name or by
// custom_metadata tags over a recursive LIST, and PushSecret/DeleteSecret that only touch secrets marked
// `custom_metadata.managed-by = external-secrets`. Where ESO reads one secret after another, find reads up to
// FIND_CONCURRENCY at once.
import { fromUtf8, utf8 } from '../bytes.js';
import {
  type FetchedSecret,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type PushSource,
  propertyValue,
  type RemoteRef,
  type SecretsClient,
  secretMapFromFetch,
  type Validation,
} from '../contract.js';
import { NoSecretError, ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import { compileNameMatcher } from '../find-name.js';
import { goMarshal, goMarshalNode, goQuote, goQuoteBytes } from '../gojson.js';
import { type JsonNode, JsonSyntaxError, parseJson } from '../json-spans.js';
import { type VaultResponse, vaultErrorText } from './http.js';
import { dataPath, type KvLayout, metadataPath } from './paths.js';
import type { VaultSession } from './session.js';
import { field, type ObjectNode, pickValue, type SecretData, valueToMap } from './values.js';

/** How many secrets a find reads at once. */
export const FIND_CONCURRENCY = 8;

/** The marker ESO writes on secrets it pushes, and requires before it overwrites or deletes one. */
export const MANAGED_BY = { key: 'managed-by', value: 'external-secrets' } as const;

export interface VaultClientOptions {
  layout: KvLayout;
  /** `checkAndSet.required`: KV v2 writes carry `options.cas` with the version they replace. */
  checkAndSet: boolean;
}

interface KeyMetadata {
  tags: Record<string, string>;
  currentVersion?: number;
}

interface ReadSecret {
  data: SecretData;
  /** KV v2: the version that was read. */
  version?: number;
}

function failure(res: VaultResponse, what: string): ProviderError {
  const text = `${what}: ${vaultErrorText(res)} (HTTP ${res.status})`;
  if (res.status === 0 || res.status === 429 || res.status >= 500) return new ProviderUnavailableError(text);
  if (res.status === 403) return new ProviderConfigError(`${text}; the store's Vault policy does not allow this`);
  return new ProviderError(text);
}

function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return node?.kind === 'object' ? field(node, key) : undefined;
}

function parseAnswer(res: VaultResponse, what: string): JsonNode {
  try {
    return parseJson(res.text ?? '');
  } catch (error) {
    const detail = error instanceof JsonSyntaxError ? error.message : 'invalid JSON';
    throw new ProviderError(`${what}: Vault's answer is not JSON (${detail})`);
  }
}

/** The object without the given top-level keys (KV v1 keeps ESO's marker inside the data). */
function without(node: ObjectNode, key: string): ObjectNode {
  return { ...node, entries: node.entries.filter(([k]) => k !== key) };
}

/** A JSON object from entries that are JSON texts already, keys sorted as Go writes maps. */
function objectJson(entries: Map<string, string>): string {
  const keys = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${goQuote(k)}:${entries.get(k)}`).join(',')}}`;
}

/** Top-level entries as JSON texts (numbers as written; a repeated key keeps its last value). */
function entryTexts(data: SecretData, node: ObjectNode = data.node): Map<string, string> {
  return new Map(node.entries.map(([k, v]) => [k, goMarshalNode(data.text, v)]));
}

function fetchedOf(data: SecretData | undefined): FetchedSecret {
  // ESO: a secret without custom_metadata read with metadataPolicy Fetch is an empty value, whatever the property.
  if (!data) {
    return {
      pick: () => new Uint8Array(0),
      secretMap: () => {
        throw new ProviderError('the secret has no custom_metadata to split into keys');
      },
    };
  }
  return {
    pick: (property) => pickValue(data, property),
    secretMap: (property) => valueToMap(pickValue(data, property), property ? `property "${property}"` : 'the secret'),
  };
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

async function mapLimit<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class VaultSecretsClient implements SecretsClient {
  readonly #session: VaultSession;
  readonly #layout: KvLayout;
  readonly #checkAndSet: boolean;

  constructor(session: VaultSession, options: VaultClientOptions) {
    this.#session = session;
    this.#layout = options.layout;
    this.#checkAndSet = options.checkAndSet;
  }

  get #v2(): boolean {
    return this.#layout.version === 'v2';
  }

  /** A key's data; NoSecretError when it does not exist (never written, deleted or destroyed). */
  async #readData(key: string, version?: string): Promise<ReadSecret> {
    const path = dataPath(this.#layout, key);
    const res = await this.#session.call({
      method: 'GET',
      path,
      query: version ? { version } : undefined,
      call: 'ReadSecretData',
    });
    if (res.status === 404) throw new NoSecretError();
    if (res.status !== 200) throw failure(res, `cannot read secret data from Vault at ${path}`);
    if (!res.text) throw new NoSecretError();
    const root = parseAnswer(res, `cannot read secret data from Vault at ${path}`);
    const data = member(root, 'data');
    if (!data || data.kind === 'null') throw new NoSecretError();
    if (!this.#v2) {
      if (data.kind !== 'object') throw new ProviderError(`cannot read ${path}: its data is not a JSON object`);
      return { data: { text: res.text, node: data } };
    }
    const inner = member(data, 'data');
    if (!inner) throw new ProviderError(`cannot read ${path}: the answer has no data field (is it a KV v2 engine?)`);
    if (inner.kind === 'null') throw new NoSecretError();
    if (inner.kind !== 'object') throw new ProviderError(`cannot read ${path}: its data is not a JSON object`);
    const versionNode = member(member(data, 'metadata'), 'version');
    const read =
      versionNode?.kind === 'number' ? Number(res.text.slice(versionNode.start, versionNode.end)) : undefined;
    return { data: { text: res.text, node: inner }, version: read };
  }

  /** A key's custom_metadata (KV v2: from its metadata; KV v1: the `custom_metadata` field ESO writes into the data). */
  async #readMetadata(key: string): Promise<KeyMetadata> {
    const metadata = await this.#readMetadataIfAny(key);
    // ESO's words; a plain error, not "does not exist".
    if (!metadata) throw new ProviderError(`secret not found: ${metadataPath(this.#layout, key)}`);
    return metadata;
  }

  /** As #readMetadata, undefined when the key has no metadata at all. */
  async #readMetadataIfAny(key: string): Promise<KeyMetadata | undefined> {
    const path = metadataPath(this.#layout, key);
    const res = await this.#session.call({ method: 'GET', path, call: 'ReadSecretData' });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw failure(res, `cannot read secret metadata from Vault at ${path}`);
    const data = member(parseAnswer(res, `cannot read secret metadata from Vault at ${path}`), 'data');
    const tags: Record<string, string> = Object.create(null);
    const custom = member(data, 'custom_metadata');
    if (custom?.kind === 'object') {
      for (const [k, v] of custom.entries) tags[k] = v.kind === 'string' ? v.value : goMarshalNode(res.text ?? '', v);
    }
    const current = member(data, 'current_version');
    const currentVersion =
      current?.kind === 'number' ? Number((res.text ?? '').slice(current.start, current.end)) : undefined;
    return { tags, currentVersion };
  }

  async fetchSecret(ref: RemoteRef): Promise<FetchedSecret> {
    if (ref.metadataPolicy === 'Fetch') {
      if (!this.#v2) {
        throw new ProviderConfigError(
          'cannot perform metadata fetch operations with kv version v1 (use a KV v2 engine)',
        );
      }
      const { tags } = await this.#readMetadata(ref.key);
      if (Object.keys(tags).length === 0) return fetchedOf(undefined);
      const text = goMarshal(tags);
      return fetchedOf({ text, node: parseJson(text) as ObjectNode });
    }
    return fetchedOf((await this.#readData(ref.key, ref.version)).data);
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return propertyValue(await this.fetchSecret(ref), ref.property);
  }

  getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    return secretMapFromFetch(this.fetchSecret(ref), ref.property);
  }

  /** Every key below `path`, relative to the mount, folders walked (LIST answers end folder names with `/`). */
  async #list(path: string): Promise<string[]> {
    const listPath = metadataPath(this.#layout, path);
    const res = await this.#session.call({
      method: 'GET',
      path: listPath,
      query: { list: 'true' },
      call: 'ListSecrets',
    });
    if (res.status === 404) throw new NoSecretError();
    if (res.status !== 200) throw failure(res, `cannot list secrets in Vault at ${listPath}`);
    const keys = member(member(parseAnswer(res, `cannot list ${listPath}`), 'data'), 'keys');
    if (keys?.kind !== 'array') return [];
    const out: string[] = [];
    for (const item of keys.items) {
      if (item.kind !== 'string') continue;
      const full = path + item.value;
      if (item.value.endsWith('/')) out.push(...(await this.#list(full)));
      else out.push(full);
    }
    return out;
  }

  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array>> {
    if (!this.#v2 && find.tags) {
      throw new ProviderConfigError('cannot perform find by tag operations with kv version v1 (use a KV v2 engine)');
    }
    const names = await this.#list(find.path !== undefined ? `${find.path}/` : '');
    let matches: string[];
    if (find.name) {
      const matcher = compileNameMatcher(find.name.regexp ?? '');
      matches = names.filter(matcher);
    } else {
      const wanted = Object.entries(find.tags ?? {});
      const tagged = await mapLimit(names, FIND_CONCURRENCY, async (name) => {
        const { tags } = await this.#readMetadata(name);
        return wanted.every(([k, v]) => tags[k] === v);
      });
      matches = names.filter((_, i) => tagged[i]);
    }
    const values = await mapLimit(matches, FIND_CONCURRENCY, async (name) => {
      try {
        return await this.getSecret({ key: name });
      } catch (error) {
        if (error instanceof NoSecretError) return undefined;
        throw error;
      }
    });
    const out: Record<string, Uint8Array> = Object.create(null);
    matches.forEach((name, i) => {
      const value = values[i];
      if (value) out[name] = value;
    });
    return out;
  }

  /** The existing secret and whether it carries ESO's marker; undefined when there is none. */
  async #existing(key: string): Promise<{ read: ReadSecret; managed: boolean } | undefined> {
    let read: ReadSecret;
    try {
      read = await this.#readData(key);
    } catch (error) {
      if (error instanceof NoSecretError) return undefined;
      throw error;
    }
    const { tags } = await this.#readMetadata(key);
    return { read, managed: tags[MANAGED_BY.key] === MANAGED_BY.value };
  }

  async pushSecret(source: PushSource, item: PushSecretData): Promise<void> {
    const { remoteKey, property } = item.remoteRef;
    // The whole Secret goes as a JSON object of strings; one key as its bytes.
    const value = item.secretKey ? (source.data[item.secretKey] ?? new Uint8Array(0)) : utf8(goMarshal(source.data));
    const existing = await this.#existing(remoteKey);
    if (existing && !existing.managed) {
      throw new ProviderError(
        `Vault secret "${remoteKey}" exists and is not managed by external-secrets (custom_metadata ` +
          `${MANAGED_BY.key}=${MANAGED_BY.value}); it is left alone: push to another key or delete it first`,
      );
    }
    const current =
      existing && (this.#v2 ? existing.read.data.node : without(existing.read.data.node, 'custom_metadata'));
    // ESO compares the stored data, re-encoded without HTML escaping, with the pushed bytes.
    const currentJson =
      existing && current ? goMarshalNode(existing.read.data.text, current, { escapeHtml: false }) : 'null';
    if (equalBytes(utf8(currentJson), value)) return;
    let entries: Map<string, string>;
    if (property) {
      const old = current ? field(current, property) : undefined;
      if (old && old.kind !== 'string') {
        throw new ProviderError(
          `property "${property}" of Vault secret "${remoteKey}" is not a string; it cannot be replaced by a pushed value`,
        );
      }
      if (old?.kind === 'string' && equalBytes(utf8(old.value), value)) return;
      entries = existing && current ? entryTexts(existing.read.data, current) : new Map();
      entries.set(property, goQuoteBytes(value));
    } else {
      entries = this.#pushedObject(value, item.secretKey);
    }
    const path = dataPath(this.#layout, remoteKey);
    if (!this.#v2) {
      entries.set('custom_metadata', goMarshal({ [MANAGED_BY.key]: MANAGED_BY.value }));
      await this.#write(path, objectJson(entries), 'WriteSecretData');
      return;
    }
    await this.#write(
      metadataPath(this.#layout, remoteKey),
      JSON.stringify({ custom_metadata: { [MANAGED_BY.key]: MANAGED_BY.value } }),
      'WriteSecretData',
    );
    let body = `{"data":${objectJson(entries)}`;
    if (this.#checkAndSet) {
      const cas = existing?.read.version ?? (await this.#currentVersion(remoteKey));
      body += `,"options":{"cas":${cas}}`;
    }
    await this.#write(path, `${body}}`, 'WriteSecretData');
  }

  /** Without a property the pushed value must be a JSON object: its fields become the secret's keys. */
  #pushedObject(value: Uint8Array, secretKey: string | undefined): Map<string, string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromUtf8(value));
    } catch {
      parsed = undefined;
    }
    if (parsed === null) return new Map();
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ProviderConfigError(
        `the value of key "${secretKey}" is not a JSON object, and without remoteRef.property the Vault secret is ` +
          'made of its fields; set remoteRef.property to push it as one field',
      );
    }
    return new Map(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, goMarshal(v)]));
  }

  /** current_version from the metadata (0 when the key has none): what a check-and-set write must name. */
  async #currentVersion(key: string): Promise<number> {
    return (await this.#readMetadataIfAny(key))?.currentVersion ?? 0;
  }

  async #write(path: string, json: string, call: string): Promise<void> {
    const res = await this.#session.call({ method: 'POST', path, json, call });
    if (res.status !== 200 && res.status !== 204) throw failure(res, `cannot write ${path} in Vault`);
  }

  async #delete(path: string): Promise<void> {
    const res = await this.#session.call({ method: 'DELETE', path, call: 'DeleteSecret' });
    if (res.status !== 200 && res.status !== 204 && res.status !== 404) {
      throw failure(res, `could not delete ${path} in Vault`);
    }
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    const existing = await this.#existing(ref.remoteKey);
    // Not there, or not ESO's: nothing to delete (ESO's rule; never touch what we did not write).
    if (!existing?.managed) return;
    const path = dataPath(this.#layout, ref.remoteKey);
    if (ref.property) {
      const entries = entryTexts(existing.read.data);
      entries.delete(ref.property);
      // ESO: on KV v1 a lone remaining field is taken to be its marker.
      if (!this.#v2 && entries.size === 1) entries.delete('custom_metadata');
      if (entries.size > 0) {
        const json = this.#v2 ? `{"data":${objectJson(entries)}}` : objectJson(entries);
        await this.#write(path, json, 'DeleteSecret');
        return;
      }
    }
    await this.#delete(path);
    if (this.#v2) await this.#delete(metadataPath(this.#layout, ref.remoteKey));
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    let read: ReadSecret;
    try {
      read = await this.#readData(ref.remoteKey);
    } catch (error) {
      if (error instanceof NoSecretError) return false;
      throw error;
    }
    if (!ref.property) return true;
    const exact = field(read.data.node, ref.property);
    if (exact) return exact.kind !== 'null';
    try {
      pickValue(read.data, ref.property);
      return true;
    } catch {
      return false;
    }
  }

  async validate(): Promise<Validation> {
    try {
      const res = await this.#session.lookupSelf();
      if (res.status === 200) return { result: 'Ready' };
      return { result: 'Error', message: `invalid vault credentials: ${vaultErrorText(res)} (HTTP ${res.status})` };
    } catch (error) {
      return { result: 'Error', message: `invalid vault credentials: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    // Login tokens live in the provider's cache and are reused by the next client of the same identity.
  }
}
