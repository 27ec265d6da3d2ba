// The akeyless SecretsClient (ESO providers/v1/akeyless/akeyless.go semantics). Deliberate differences: a missing
// item is NoSecretError everywhere (ESO: only where its own check catches it); deleting a PushSecret's item that
// is already gone succeeds (ESO errors); find with neither name nor tags says what to set.
import { emptyMap, utf8 } from '../bytes.js';
import {
  type FetchedSecret,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type PushSource,
  type RemoteRef,
  type SecretsClient,
  secretMapFromFetch,
  type Validation,
} from '../contract.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../errors.js';
import { compileNameMatcher } from '../find-name.js';
import { goMarshalHtml } from '../gojson.js';
import { jsonToSecretMap } from '../json-map.js';
import {
  createSecret,
  deleteItem,
  describeItem,
  listSecretNames,
  MANAGED_TAG,
  readItem,
  updateSecretValue,
} from './api.js';
import type { AkeylessSession } from './session.js';
import { parseVersion, selectProperty } from './value.js';

/** ESO normalises find.path to "/path/". */
export function searchPath(path: string | undefined): string {
  if (path === undefined || path === '') return '';
  let out = path.startsWith('/') ? path : `/${path}`;
  if (!out.endsWith('/')) out += '/';
  return out;
}

/** A remote value that must be a JSON object (push and delete of properties); never quotes the value in errors. */
function parseObject(value: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ProviderError(`failed to unmarshal ${what}: invalid JSON format`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderError(`failed to unmarshal ${what}: invalid JSON format (expected an object)`);
  }
  return parsed as Record<string, unknown>;
}

export class AkeylessSecretsClient implements SecretsClient {
  constructor(private readonly session: AkeylessSession) {}

  private async value(ref: RemoteRef): Promise<string> {
    const raw = await this.item(ref);
    return selectProperty(raw, ref.key, ref.property);
  }

  private item(ref: RemoteRef): Promise<string> {
    if (!ref.key) throw new ProviderConfigError('remoteRef.key is empty: set the full item name, e.g. /path/to/item');
    return readItem(this.session, ref.key, parseVersion(ref.version));
  }

  /** One read of the item; every property of it is picked from that. */
  async fetchSecret(ref: RemoteRef): Promise<FetchedSecret> {
    const raw = await this.item(ref);
    return {
      pick: (property) => utf8(selectProperty(raw, ref.key, property)),
      secretMap: (property) =>
        jsonToSecretMap(selectProperty(raw, ref.key, property), `the value of item "${ref.key}"`),
    };
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return (await this.fetchSecret(ref)).pick(ref.property);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    return secretMapFromFetch(this.fetchSecret(ref), ref.property);
  }

  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array>> {
    const path = searchPath(find.path);
    let names: string[];
    if (find.name) {
      const matches = compileNameMatcher(find.name.regexp ?? '');
      names = (await listSecretNames(this.session, path, '')).filter(matches);
    } else if (find.tags && Object.keys(find.tags).length > 0) {
      // ESO lists once per tag *value*; the tag keys are not used.
      names = [];
      for (const tag of Object.values(find.tags)) names.push(...(await listSecretNames(this.session, path, tag)));
    } else {
      throw new ProviderConfigError('dataFrom.find needs name.regexp or tags for the akeyless provider');
    }
    const out = emptyMap<Uint8Array>();
    for (const name of names) {
      if (Object.hasOwn(out, name)) continue;
      const value = await readItem(this.session, name, 0);
      if (value !== '') out[name] = utf8(value);
    }
    return out;
  }

  /** The current value, or undefined when the item does not exist (404 only). */
  private async existing(key: string): Promise<string | undefined> {
    try {
      return await this.value({ key });
    } catch (error) {
      if (error instanceof NoSecretError) return undefined;
      throw error;
    }
  }

  async pushSecret(source: PushSource, data: PushSecretData): Promise<void> {
    const key = data.remoteRef.remoteKey;
    if (!key) throw new ProviderConfigError('remoteRef.remoteKey is empty: set the item name to push to');
    const remote = await this.existing(key);
    const map = remote === undefined ? {} : parseObject(remote, 'remote secret');
    const property = data.remoteRef.property;
    if (!property) {
      for (const [k, v] of Object.entries(source.data)) map[k] = v;
    } else if (data.secretKey && Object.hasOwn(source.data, data.secretKey)) {
      map[property] = source.data[data.secretKey];
    }
    const json = goMarshalHtml(map);
    if (json === remote) return;
    if (remote === undefined) await createSecret(this.session, key, json);
    else await updateSecretValue(this.session, key, json);
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    let item: Awaited<ReturnType<typeof describeItem>>;
    try {
      item = await describeItem(this.session, ref.remoteKey);
    } catch (error) {
      if (error instanceof NoSecretError) return;
      throw error;
    }
    // Only items a PushSecret created (ESO's ownership tag) are ever deleted.
    if (!item.item_tags?.includes(MANAGED_TAG)) return;
    if (!ref.property) {
      await deleteItem(this.session, ref.remoteKey);
      return;
    }
    const remote = await this.existing(ref.remoteKey);
    if (remote === undefined) return;
    const map = parseObject(remote, 'secret for deletion');
    if (!Object.hasOwn(map, ref.property)) return;
    delete map[ref.property];
    if (Object.keys(map).length === 0) await deleteItem(this.session, ref.remoteKey);
    else await updateSecretValue(this.session, ref.remoteKey, goMarshalHtml(map));
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    const remote = await this.existing(ref.remoteKey);
    if (remote === undefined) return false;
    if (!ref.property) return true;
    return Object.hasOwn(parseObject(remote, 'secret'), ref.property);
  }

  /** Stricter than ESO (a TCP check): logs in, so wrong credentials show on the store. */
  async validate(): Promise<Validation> {
    try {
      await this.session.token();
      return { result: 'Ready' };
    } catch (error) {
      return { result: 'Error', message: (error as Error).message };
    }
  }

  async close(): Promise<void> {}
}
