// How ESO's akeyless provider turns an item value into what a reference asks for: the `version` string, and
// `property` as a gjson path where a property containing "." is first tried as one literal key.
import { ProviderConfigError, ProviderError } from '../errors.js';
import { GjsonPathError, gjsonGet } from '../gjson.js';

/** `remoteRef.version` parsed like Go's strconv.ParseInt(v, 10, 32); anything unparsable means 0 (latest). */
export function parseVersion(version: string | undefined): number {
  if (!version || !/^[+-]?\d+$/.test(version)) return 0;
  const n = Number(version);
  return n >= -(2 ** 31) && n <= 2 ** 31 - 1 ? n : 0;
}

function lookup(value: string, path: string) {
  try {
    return gjsonGet(value, path);
  } catch (error) {
    if (error instanceof GjsonPathError) throw new ProviderConfigError(error.message);
    throw error;
  }
}

/** The value itself (no property) or the property inside it; `key` names the item in errors, never the value. */
export function selectProperty(value: string, key: string, property: string | undefined): string {
  if (!property) {
    if (value === '') throw new ProviderError(`invalid value received, found no value string: item "${key}" is empty`);
    return value;
  }
  // "tls.crt" means the key "tls.crt" when it exists, else the path tls -> crt.
  if (property.includes('.')) {
    const literal = lookup(value, property.replaceAll('.', '\\.'));
    if (literal.exists) return literal.value;
  }
  const result = lookup(value, property);
  if (!result.exists) throw new ProviderError(`key ${property} does not exist in value of item "${key}"`);
  return result.value;
}
