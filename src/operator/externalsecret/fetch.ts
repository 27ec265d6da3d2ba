// ESO's GetProviderSecretData (reference eso.md 2.5): dataFrom entries first, in order (later wins), then data
// entries (which win over dataFrom). Every error says which entry failed and never carries a value.
import type { ExternalSecret, ExternalSecretRewrite, GeneratorRef } from '../../api/generated/types.js';
import { isNoSecretError } from '../../providers/index.js';
import { convertKeys } from '../../providers/keys.js';
import { checkNullBytes, type DecodingStrategy, decodeMap, decodeValue, validateKeys } from './decoding.js';
import type { ProviderAccess } from './provider-access.js';
import { rewriteMap } from './rewrite.js';
import type { StoreResolver } from './stores.js';

export type SecretMap = Record<string, Uint8Array>;

/** Produces values for `dataFrom[].sourceRef.generatorRef` (plugged in by the generators controller). */
export type GeneratorRunner = (ref: GeneratorRef, namespace: string, es: ExternalSecret) => Promise<SecretMap>;

export interface FetchOptions {
  es: ExternalSecret;
  stores: StoreResolver;
  access: ProviderAccess;
  /** Oldest shared provider result this fetch accepts (coalescing). */
  maxAgeMs: number;
  generators?: GeneratorRunner;
  /** A remote secret is missing and deletionPolicy allows skipping it (event MissingProviderSecret). */
  onMissing?(message: string): void;
}

export class FetchError extends Error {
  override name = 'FetchError';
}

function copy(map: SecretMap): SecretMap {
  return Object.assign(Object.create(null), map);
}

/** How an `extract` or `find` entry shapes the keys and values of what its provider returned. */
interface MapShaping {
  conversionStrategy?: 'Default' | 'Unicode';
  decodingStrategy?: DecodingStrategy;
  nullBytePolicy?: 'Ignore' | 'Fail';
}

/** ESO's order: rewrite (or, without rewrites, key conversion), key validation, decoding, null-byte check. */
function finishProviderMap(map: SecretMap, rewrite: ExternalSecretRewrite[] | undefined, shaping: MapShaping) {
  let out = rewriteMap(rewrite, map);
  if (!rewrite?.length) out = convertKeys(shaping.conversionStrategy, out);
  out = decodeMap(shaping.decodingStrategy, validateKeys(out));
  for (const [key, value] of Object.entries(out)) checkNullBytes(shaping.nullBytePolicy, key, value);
  return out;
}

export async function fetchProviderData(options: FetchOptions): Promise<SecretMap> {
  const { es, stores, access, maxAgeMs } = options;
  const namespace = es.metadata.namespace ?? '';
  // Who reads: a failed read is shared with other readers for a few seconds, never handed twice to one.
  const reader = `${namespace}/${es.metadata.name}`;
  const spec = es.spec ?? {};
  const retain = (spec.target?.deletionPolicy ?? 'Retain') === 'Retain';
  const out: SecretMap = Object.create(null);

  for (const [index, entry] of (spec.dataFrom ?? []).entries()) {
    const what = entry.find ? 'find' : entry.extract ? 'extract' : 'sourceRef.generatorRef';
    try {
      let map: SecretMap;
      if (entry.sourceRef?.generatorRef) {
        if (!options.generators) {
          throw new FetchError(
            `generator ${entry.sourceRef.generatorRef.kind}/${entry.sourceRef.generatorRef.name} cannot run: generators are not enabled in this operator`,
          );
        }
        map = copy(await options.generators(entry.sourceRef.generatorRef, namespace, es));
        map = validateKeys(rewriteMap(entry.rewrite, map));
      } else if (entry.find) {
        const store = stores.resolve(entry.sourceRef?.storeRef ?? spec.secretStoreRef, namespace);
        const find = entry.find;
        map = copy(
          await access.getAllSecrets(
            store,
            namespace,
            { path: find.path, name: find.name, tags: find.tags, conversionStrategy: find.conversionStrategy },
            maxAgeMs,
            reader,
          ),
        );
        map = finishProviderMap(map, entry.rewrite, find);
      } else if (entry.extract) {
        const store = stores.resolve(entry.sourceRef?.storeRef ?? spec.secretStoreRef, namespace);
        const ref = entry.extract;
        map = copy(
          await access.getSecretMap(
            store,
            namespace,
            { key: ref.key, property: ref.property, version: ref.version, metadataPolicy: ref.metadataPolicy },
            maxAgeMs,
            reader,
          ),
        );
        map = finishProviderMap(map, entry.rewrite, ref);
      } else {
        throw new FetchError('set one of extract, find or sourceRef.generatorRef');
      }
      Object.assign(out, map);
    } catch (error) {
      if (isNoSecretError(error) && !retain) {
        options.onMissing?.(`secret does not exist at provider using spec.dataFrom[${index}]`);
        continue;
      }
      throw new FetchError(
        `error processing spec.dataFrom[${index}].${what}, err: ${messageOf(error)}${where(error, entry.extract)}`,
        {
          cause: error,
        },
      );
    }
  }

  for (const [index, entry] of (spec.data ?? []).entries()) {
    try {
      if (entry.sourceRef?.generatorRef) {
        throw new FetchError('generatorRef in spec.data[] is not supported (as in ESO): use spec.dataFrom[].sourceRef');
      }
      const store = stores.resolve(entry.sourceRef?.storeRef ?? spec.secretStoreRef, namespace);
      const ref = entry.remoteRef;
      const value = await access.getSecret(
        store,
        namespace,
        { key: ref.key, property: ref.property, version: ref.version, metadataPolicy: ref.metadataPolicy },
        maxAgeMs,
        reader,
      );
      const decoded = decodeValue(ref.decodingStrategy, entry.secretKey, value);
      checkNullBytes(ref.nullBytePolicy, entry.secretKey, decoded);
      out[entry.secretKey] = decoded;
    } catch (error) {
      if (isNoSecretError(error) && !retain) {
        // ESO names the remote key here and below (its event says spec.dataFrom[i]: a slip Custos does not copy).
        options.onMissing?.(`secret does not exist at provider using spec.data[${index}] (key=${entry.remoteRef.key})`);
        continue;
      }
      throw new FetchError(
        `error processing spec.data[${index}] (key: ${entry.remoteRef.key}), err: ${messageOf(error)}${where(error, entry.remoteRef, false)}`,
        {
          cause: error,
        },
      );
    }
  }
  return out;
}

/** For a missing remote secret, which one (ESO's NoSecretErr does not say). */
function where(
  error: unknown,
  ref: { key: string; property?: string; version?: string } | undefined,
  withKey = true,
): string {
  if (!ref || !isNoSecretError(error)) return '';
  const parts = withKey ? [`remote key "${ref.key}"`] : [];
  if (ref.property) parts.push(`property "${ref.property}"`);
  if (ref.version) parts.push(`version "${ref.version}"`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
