// The custos SecretsClient over the gateway's native API. Paths are absolute (`app/db` is read as `/app/db`).
// Values are UTF-8 text (the native API's values are JSON strings). PushSecret only ever overwrites or deletes
// items it created itself, recognised by the MANAGED_TAG tag.
import { emptyMap, fromUtf8, utf8 } from '../bytes.js';
import {
  type FetchedSecret,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type PushSource,
  type RemoteChange,
  type RemoteRef,
  type SecretsClient,
  secretMapFromFetch,
  type Validation,
  type Watch,
  type WatchOptions,
  type WatchRef,
} from '../contract.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../errors.js';
import { compileNameMatcher } from '../find-name.js';
import { goMarshal } from '../gojson.js';
import { jsonToSecretMap } from '../json-map.js';
import { convertKey } from '../keys.js';
import { describeSecret, listSecrets, type NativeItem, readSecret, removeSecret, writeSecret } from './api.js';
import { ChangeFeedWatch, DEFAULT_FEED_TIMING, type FeedTiming, normalizePath } from './feed.js';
import type { CustosSession } from './session.js';
import { selectProperty, tagsToMap, tagsWanted } from './value.js';

/** The tag on every item a PushSecret created; only such items are overwritten or deleted. */
export const MANAGED_TAG = 'managed-by=custos-operator';
/** Concurrent writers: re-read and try again this many times when the item moved under us. */
const PUSH_ATTEMPTS = 5;

/** remoteRef.key as a gateway path; an empty key is a configuration error that says what to set. */
export function remotePath(key: string | undefined, field = 'remoteRef.key'): string {
  if (!key || normalizePath(key) === '/') {
    throw new ProviderConfigError(`${field} is empty: set the item's path, e.g. /app/db`);
  }
  return normalizePath(key);
}

/** `remoteRef.version`: empty or "latest" is the newest; otherwise a version number from 1. */
export function parseVersion(version: string | undefined): number | undefined {
  if (!version || version === 'latest') return undefined;
  if (!/^\d+$/.test(version) || Number(version) < 1 || !Number.isSafeInteger(Number(version))) {
    throw new ProviderConfigError(`remoteRef.version "${version}" is not a version number (1, 2, …) or "latest"`);
  }
  return Number(version);
}

function parseObject(value: string, path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ProviderError(`the value of ${path} is not a JSON object, so a property cannot be pushed into it`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderError(`the value of ${path} is not a JSON object, so a property cannot be pushed into it`);
  }
  return parsed as Record<string, unknown>;
}

/** The text to push: one key's bytes, or the whole Secret as a JSON object; UTF-8 only. */
function pushedText(source: PushSource, data: PushSecretData): string {
  const check = (key: string, bytes: Uint8Array) => {
    const text = fromUtf8(bytes);
    if (!Buffer.from(utf8(text)).equals(Buffer.from(bytes))) {
      throw new ProviderConfigError(
        `key "${key}" of the source Secret is not UTF-8 text; the custos provider stores text (base64 it in a template)`,
      );
    }
    return text;
  };
  if (!data.secretKey) {
    const whole: Record<string, string> = {};
    for (const [key, bytes] of Object.entries(source.data)) whole[key] = check(key, bytes);
    return goMarshal(whole);
  }
  const bytes = source.data[data.secretKey];
  if (bytes === undefined) {
    throw new ProviderConfigError(`the source Secret has no key "${data.secretKey}" (data[].match.secretKey)`);
  }
  return check(data.secretKey, bytes);
}

/** The whole value, or what `property` selects inside it. */
function textOf(whole: string, path: string, property: string | undefined): string {
  return property ? selectProperty(whole, path, property) : whole;
}

export class CustosSecretsClient implements SecretsClient {
  private readonly watches = new Set<ChangeFeedWatch>();

  constructor(
    private readonly session: CustosSession,
    private readonly feedTiming: FeedTiming = DEFAULT_FEED_TIMING,
  ) {}

  /** The value (or with metadataPolicy Fetch the tags, as JSON) that `property` selects from. */
  private async whole(ref: RemoteRef): Promise<{ path: string; whole: string }> {
    const path = remotePath(ref.key);
    if (ref.metadataPolicy === 'Fetch') {
      return { path, whole: goMarshal(tagsToMap((await describeSecret(this.session, path)).tags)) };
    }
    return { path, whole: (await readSecret(this.session, path, parseVersion(ref.version))).value };
  }

  /** One read of the secret; every property of it is picked from that. */
  async fetchSecret(ref: RemoteRef): Promise<FetchedSecret> {
    const { path, whole } = await this.whole(ref);
    return {
      pick: (property) => utf8(textOf(whole, path, property)),
      secretMap: (property) => jsonToSecretMap(textOf(whole, path, property), `the value of ${path}`),
    };
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return (await this.fetchSecret(ref)).pick(ref.property);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    return secretMapFromFetch(this.fetchSecret(ref), ref.property);
  }

  /** Items below find.path whose path matches name.regexp and that carry every tag; keyed by relative path. */
  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array>> {
    const hasTags = !!find.tags && Object.keys(find.tags).length > 0;
    if (!find.path && !find.name?.regexp && !hasTags) {
      throw new ProviderConfigError('dataFrom.find needs path, name.regexp or tags for the custos provider');
    }
    const prefix = normalizePath(find.path ?? '');
    const wanted = tagsWanted(find.tags);
    const matches = find.name?.regexp ? compileNameMatcher(find.name.regexp) : () => true;
    const items = await listSecrets(this.session, prefix, wanted[0]);
    const out = emptyMap<Uint8Array>();
    for (const item of items) {
      if (!matches(item.path) || !wanted.every((tag) => item.tags.includes(tag))) continue;
      const relative = prefix === '/' ? item.path.slice(1) : item.path.slice(prefix.length + 1);
      if (!relative) continue; // the folder path itself is not "below" it
      const name = convertKey(find.conversionStrategy, relative);
      if (Object.hasOwn(out, name)) {
        throw new ProviderConfigError(
          `two items under ${prefix} give the same key "${name}"; use find.conversionStrategy: Unicode`,
        );
      }
      try {
        out[name] = utf8((await readSecret(this.session, item.path)).value);
      } catch (error) {
        if (!(error instanceof NoSecretError)) throw error; // deleted since the listing
      }
    }
    return out;
  }

  /** The item's value and version, or undefined when it does not exist (404 only). */
  private async current(path: string): Promise<{ value: string; version: number; tags: string[] } | undefined> {
    try {
      return await readSecret(this.session, path);
    } catch (error) {
      if (error instanceof NoSecretError) return undefined;
      throw error;
    }
  }

  private refuseForeign(item: NativeItem, what: string): void {
    if (!item.tags.includes(MANAGED_TAG)) {
      throw new ProviderConfigError(
        `${item.path} exists and was not created by Custos (no "${MANAGED_TAG}" tag); refusing to ${what} it. ` +
          'Push to another path, or add the tag to the item if Custos should own it',
      );
    }
  }

  async pushSecret(source: PushSource, data: PushSecretData): Promise<void> {
    const path = remotePath(data.remoteRef.remoteKey, 'remoteRef.remoteKey');
    const property = data.remoteRef.property;
    if (property && !data.secretKey) {
      throw new ProviderConfigError('remoteRef.property needs data[].match.secretKey: the key whose value goes there');
    }
    const text = pushedText(source, data);
    for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
      const remote = await this.current(path);
      if (remote) this.refuseForeign({ ...remote, path }, 'overwrite');
      let next = text;
      if (property) {
        const map = remote ? parseObject(remote.value, path) : {};
        map[property] = text;
        next = goMarshal(map);
      }
      if (remote && next === remote.value) return; // unchanged: no new version
      const result = await writeSecret(
        this.session,
        remote
          ? { path, value: next, mode: 'update', expectedVersion: remote.version }
          : { path, value: next, mode: 'create', tags: [MANAGED_TAG] },
      );
      if (result !== 'conflict') return;
    }
    throw new ProviderError(`cannot push to ${path}: it kept changing under concurrent writers; will retry`);
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    const path = remotePath(ref.remoteKey, 'remoteRef.remoteKey');
    let item: NativeItem;
    try {
      item = await describeSecret(this.session, path);
    } catch (error) {
      if (error instanceof NoSecretError) return;
      throw error;
    }
    // What Custos did not create is left alone, silently (deletionPolicy Delete must not fail on it).
    if (!item.tags.includes(MANAGED_TAG)) return;
    if (!ref.property) {
      await removeSecret(this.session, path).catch((error: unknown) => {
        if (!(error instanceof NoSecretError)) throw error;
      });
      return;
    }
    for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
      const remote = await this.current(path);
      if (!remote) return;
      const map = parseObject(remote.value, path);
      if (!Object.hasOwn(map, ref.property)) return;
      delete map[ref.property];
      if (Object.keys(map).length === 0) {
        await removeSecret(this.session, path);
        return;
      }
      const write = { path, value: goMarshal(map), mode: 'update' as const, expectedVersion: remote.version };
      if ((await writeSecret(this.session, write)) !== 'conflict') return;
    }
    throw new ProviderError(`cannot delete property ${ref.property} of ${path}: it kept changing; will retry`);
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    const path = remotePath(ref.remoteKey, 'remoteRef.remoteKey');
    const remote = await this.current(path);
    if (!remote) return false;
    if (!ref.property) return true;
    try {
      return Object.hasOwn(parseObject(remote.value, path), ref.property);
    } catch {
      return false;
    }
  }

  /** Logs in, so wrong credentials or a wrong URL show on the store's Ready condition. */
  async validate(): Promise<Validation> {
    try {
      await this.session.token();
      return { result: 'Ready' };
    } catch (error) {
      return { result: 'Error', message: (error as Error).message };
    }
  }

  watch(refs: WatchRef[], onChange: (change: RemoteChange) => void, options?: WatchOptions): Watch {
    if (refs.length === 0) throw new ProviderConfigError('watch needs at least one key or path');
    const watch: ChangeFeedWatch = new ChangeFeedWatch(this.session, refs, onChange, options, this.feedTiming, () =>
      this.watches.delete(watch),
    );
    this.watches.add(watch);
    return watch;
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((watch) => watch.close()));
  }
}
