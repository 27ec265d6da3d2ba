// What one PushSecret wants pushed into one store from one source Secret: its `data[]` entries plus the entries
// `dataTo[]` expands to. Pure (no I/O), so every ESO rule here is unit-tested. Errors name fields, never values.
import { RE2JS } from 're2js';
import type {
  PushSecretData as ApiPushSecretData,
  ExternalSecretRewrite,
  PushSecretDataTo,
  PushSecretSpec,
  PushSecretStoreRef,
} from '../../api/generated/types.js';
import type { PushSecretData, PushSource, StoreKind } from '../../providers/index.js';
import { rewriteMap } from '../externalsecret/rewrite.js';
import { matchesLabelSelector } from '../labelselector.js';

export class PushSpecError extends Error {
  override name = 'PushSpecError';
}

export interface SourceSecret {
  /** Secret name, or GENERATED_SECRET_NAME for generator output. */
  name: string;
  type?: string;
  data: Record<string, Uint8Array>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface StoreIdentity {
  kind: StoreKind;
  name: string;
  labels?: Record<string, string>;
}

export interface PushEntry {
  /** Key in status.syncedPushSecrets["<kind>/<name>"]: "<remoteKey>" or "<remoteKey>/<property>". */
  statusKey: string;
  /** The entry as status reports it (the `data[]` shape). */
  status: ApiPushSecretData;
  /** What the provider receives. */
  data: PushSecretData;
  source: PushSource;
}

export function storeKey(store: Pick<StoreIdentity, 'kind' | 'name'>): string {
  return `${store.kind}/${store.name}`;
}

export function statusKeyOf(remoteKey: string, property: string | undefined): string {
  return property ? `${remoteKey}/${property}` : remoteKey;
}

/** True if a `secretStoreRefs[]` / `dataTo[].storeRef` entry selects the store. */
export function storeRefMatches(ref: PushSecretStoreRef | undefined, store: StoreIdentity): boolean {
  if (!ref) return false;
  if ((ref.kind ?? 'SecretStore') !== store.kind) return false;
  if (ref.name) return ref.name === store.name;
  if (ref.labelSelector) return matchesLabelSelector(ref.labelSelector, store.labels ?? {});
  return false;
}

/** ReverseUnicode: `_U0040_` becomes `@` again (undoing ESO's Unicode key conversion). */
export function reverseUnicodeKey(key: string): string {
  return key.replace(/_U([0-9a-fA-F]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function convertedData(
  strategy: ApiPushSecretData['conversionStrategy'],
  data: Record<string, Uint8Array>,
): Record<string, Uint8Array> {
  if (strategy !== 'ReverseUnicode') return data;
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(data)) out[reverseUnicodeKey(key)] = value;
  return out;
}

function sourceWith(source: SourceSecret, data: Record<string, Uint8Array>): PushSource {
  return { type: source.type, data, labels: source.labels, annotations: source.annotations };
}

function fromData(item: ApiPushSecretData, index: number, source: SourceSecret): PushEntry {
  const remoteKey = item.match?.remoteRef?.remoteKey;
  if (!remoteKey) throw new PushSpecError(`data[${index}].match.remoteRef.remoteKey must be set`);
  const property = item.match.remoteRef.property || undefined;
  const secretKey = item.match.secretKey || undefined;
  const data = convertedData(item.conversionStrategy, source.data);
  if (secretKey !== undefined && !Object.hasOwn(data, secretKey)) {
    throw new PushSpecError(`secret key ${secretKey} does not exist in Secret "${source.name}" (data[${index}])`);
  }
  return {
    statusKey: statusKeyOf(remoteKey, property),
    status: item,
    data: { secretKey, remoteRef: { remoteKey, property }, metadata: item.metadata },
    source: sourceWith(source, data),
  };
}

function compileMatch(pattern: string | undefined, index: number): (key: string) => boolean {
  if (!pattern) return () => true;
  try {
    const re = RE2JS.compile(pattern);
    return (key) => re.matcher(key).find();
  } catch (error) {
    throw new PushSpecError(
      `dataTo[${index}].match.regexp is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}

function fromDataTo(item: PushSecretDataTo, index: number, source: SourceSecret): PushEntry[] {
  if (item.remoteKey && (item.rewrite?.length ?? 0) > 0) {
    throw new PushSpecError(`dataTo[${index}]: remoteKey and rewrite cannot be used together`);
  }
  const matches = compileMatch(item.match?.regexp, index);
  const data = convertedData(item.conversionStrategy, source.data);
  const selected: Record<string, Uint8Array> = Object.create(null);
  for (const key of Object.keys(data).sort()) if (matches(key)) selected[key] = data[key] as Uint8Array;
  const conversionStrategy = item.conversionStrategy ?? 'None';
  if (item.remoteKey) {
    // All matched keys as one remote secret: the provider gets the whole (filtered) Secret.
    const status: ApiPushSecretData = { match: { remoteRef: { remoteKey: item.remoteKey } }, conversionStrategy };
    if (item.metadata !== undefined) status.metadata = item.metadata;
    return [
      {
        statusKey: item.remoteKey,
        status,
        data: { remoteRef: { remoteKey: item.remoteKey }, metadata: item.metadata },
        source: sourceWith(source, selected),
      },
    ];
  }
  const entries: PushEntry[] = [];
  for (const key of Object.keys(selected)) {
    let remoteKey = key;
    if (item.rewrite?.length) {
      let renamed: Record<string, Uint8Array>;
      try {
        renamed = rewriteMap(item.rewrite as ExternalSecretRewrite[], { [key]: new Uint8Array(0) });
      } catch (error) {
        throw new PushSpecError(`dataTo[${index}].rewrite: ${(error as Error).message}`);
      }
      remoteKey = Object.keys(renamed)[0] ?? '';
    }
    if (!remoteKey) throw new PushSpecError(`dataTo[${index}].rewrite turned key "${key}" into an empty remote key`);
    const status: ApiPushSecretData = { match: { secretKey: key, remoteRef: { remoteKey } }, conversionStrategy };
    if (item.metadata !== undefined) status.metadata = item.metadata;
    entries.push({
      statusKey: remoteKey,
      status,
      data: { secretKey: key, remoteRef: { remoteKey }, metadata: item.metadata },
      source: sourceWith(source, data),
    });
  }
  return entries;
}

/**
 * Entries for one store and one source: `data[]` (every store) and the `dataTo[]` items whose storeRef selects
 * the store. Two entries writing the same remote key/property is an error (the second would overwrite the first).
 */
export function desiredEntries(spec: PushSecretSpec, store: StoreIdentity, source: SourceSecret): PushEntry[] {
  const entries: PushEntry[] = [];
  for (const [index, item] of (spec.data ?? []).entries()) entries.push(fromData(item, index, source));
  for (const [index, item] of (spec.dataTo ?? []).entries()) {
    if (!item.storeRef?.name && !item.storeRef?.labelSelector) {
      throw new PushSpecError(`dataTo[${index}].storeRef must set name or labelSelector`);
    }
    if (storeRefMatches(item.storeRef, store)) entries.push(...fromDataTo(item, index, source));
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.statusKey)) {
      throw new PushSpecError(
        `more than one entry pushes to "${entry.statusKey}" in ${storeKey(store)}: each remote key/property once`,
      );
    }
    seen.add(entry.statusKey);
  }
  return entries;
}
