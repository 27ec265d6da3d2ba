// ESO's esutils.ObjectHash: lowercase hex SHA3-224 of Go's fmt.Sprintf("%+v", x). The data-hash annotation,
// the created-by label and syncedResourceVersion all use it, so the text must match Go's byte for byte:
//   map[string][]byte  -> map[k1:[98 121] k2:[]]   (keys sorted by bytes, bytes as decimal)
//   map[string]string  -> map[k1:v1 k2:v2]
//   struct{annotations, labels map[string]string} -> {annotations:map[...] labels:map[...]}
// SHA3-224 comes from node:crypto's one-shot hash() (OpenSSL): the same digest as a JavaScript implementation at a
// tenth of the CPU, and half that of a Hash object, which counts when thousands of ExternalSecrets sync at once.
import { hash } from 'node:crypto';

/**
 * Go's fmt sorts string map keys by their bytes; JavaScript's default sort compares UTF-16 units. The two agree
 * on ASCII (every key the operator writes and nearly every user key), which skips encoding each key per compare.
 */
function sortedKeys(map: Record<string, unknown>): string[] {
  const keys = Object.keys(map);
  if (keys.every((key) => ASCII.test(key))) return keys.sort();
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

const ASCII = /^[\x00-\x7f]*$/;

export function goFormatBytesMap(map: Record<string, Uint8Array> | undefined): string {
  if (!map) return 'map[]';
  const parts = sortedKeys(map).map((key) => `${key}:[${Array.from(map[key] as Uint8Array).join(' ')}]`);
  return `map[${parts.join(' ')}]`;
}

export function goFormatStringMap(map: Record<string, string> | undefined): string {
  if (!map) return 'map[]';
  return `map[${sortedKeys(map)
    .map((key) => `${key}:${map[key]}`)
    .join(' ')}]`;
}

function sha3Hex(text: string): string {
  return hash('sha3-224', text, 'hex');
}

/** data-hash annotation value for Secret data. */
export function dataHash(data: Record<string, Uint8Array> | undefined): string {
  return sha3Hex(goFormatBytesMap(data));
}

export function objectHashOfString(text: string): string {
  return sha3Hex(text);
}

/** ESO's GetResourceVersion: "<generation>-<hash of {annotations, labels}>". */
export function resourceVersionOf(meta: {
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): string {
  const text = `{annotations:${goFormatStringMap(meta.annotations)} labels:${goFormatStringMap(meta.labels)}}`;
  return `${meta.generation ?? 0}-${sha3Hex(text)}`;
}
