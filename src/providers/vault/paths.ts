// Where a remote key lives in a KV engine, with ESO's rules (providers/v1/vault buildPath): the store's `path` is
// the engine's mount; a key that already starts with the mount (and, on KV v2, `data/`) is not prefixed twice;
// without a mount, a KV v2 key must spell its own `data/` segment or gets one after its first segment.
// One deliberate difference: ESO builds the metadata path without removing a mount prefix from the key, so a key
// written as `secret/app` read `secret/metadata/secret/app` (and PushSecret marked a different secret as managed
// than the one it wrote). Here metadata and data of a key always name the same secret.
import { ProviderConfigError } from '../errors.js';

export type KvVersion = 'v1' | 'v2';

export interface KvLayout {
  /** The store's `path`: the KV engine's mount, e.g. `secret` or `team/kv`; undefined when the store has none. */
  mount?: string;
  version: KvVersion;
}

/** The key relative to the mount, when the key repeats the mount (and KV v2's `data/`) in front. */
function relativeKey(layout: KvLayout & { mount: string }, key: string): string {
  const prefix = `${layout.mount}/`;
  if (!key.startsWith(prefix)) return key;
  const rest = key.slice(prefix.length);
  return layout.version === 'v2' && rest.startsWith('data/') ? rest.slice('data/'.length) : rest;
}

function hasMount(layout: KvLayout): layout is KvLayout & { mount: string } {
  return layout.mount !== undefined && layout.mount !== '';
}

/** The path a key's value is read from and written to (KV v2: `<mount>/data/<key>`). */
export function dataPath(layout: KvLayout, key: string): string {
  if (hasMount(layout)) {
    const rest = relativeKey(layout, key);
    return layout.version === 'v2' ? `${layout.mount}/data/${rest}` : `${layout.mount}/${rest}`;
  }
  if (layout.version === 'v2' && !key.includes('/data/')) {
    const [first, ...rest] = key.split('/');
    return [first, 'data', ...rest].join('/');
  }
  return key;
}

/** The path of a key's metadata (KV v2: `<mount>/metadata/<key>`; KV v1 keeps it inside the value). */
export function metadataPath(layout: KvLayout, key: string): string {
  if (hasMount(layout)) {
    const rest = relativeKey(layout, key);
    return layout.version === 'v2' ? `${layout.mount}/metadata/${rest}` : `${layout.mount}/${rest}`;
  }
  if (layout.version === 'v1') {
    throw new ProviderConfigError(
      'spec.provider.vault.path is required with KV v1 for this operation: set it to the mount of the KV engine',
    );
  }
  if (!key.includes('data')) {
    throw new ProviderConfigError(
      `"${key}" is not a KV v2 path: set spec.provider.vault.path to the engine's mount, or write keys as <mount>/data/<path>`,
    );
  }
  return key.replace('/data/', '/metadata/');
}
