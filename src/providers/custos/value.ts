// `property` and `metadataPolicy: Fetch` for the custos provider. A property is a gjson path; one containing "."
// is first tried as a single literal key (so `tls.crt` finds the key "tls.crt"). A missing property is "not found"
// (NoSecretError), as the provider contract says. Tags are plain strings; `k=v` tags form the metadata map.
import { emptyMap } from '../bytes.js';
import { NoSecretError, ProviderConfigError } from '../errors.js';
import { escapeGjsonKey, GjsonPathError, type GjsonResult, gjsonGet } from '../gjson.js';

function get(value: string, path: string): GjsonResult {
  try {
    return gjsonGet(value, path);
  } catch (error) {
    if (error instanceof GjsonPathError) throw new ProviderConfigError(`remoteRef.property: ${error.message}`);
    throw error;
  }
}

/** The property inside a value; `path` names the item in errors, the value is never quoted. */
export function selectProperty(value: string, path: string, property: string): string {
  if (property.includes('.')) {
    const literal = get(value, escapeGjsonKey(property));
    if (literal.exists) return literal.value;
  }
  const result = get(value, property);
  if (!result.exists) throw new NoSecretError(`${path} has no property ${property}`);
  return result.value;
}

/** `["env=prod", "team=a", "legacy"]` -> `{env: "prod", team: "a", legacy: ""}`. */
export function tagsToMap(tags: string[]): Record<string, string> {
  const out = emptyMap<string>();
  for (const tag of tags) {
    const eq = tag.indexOf('=');
    if (eq < 0) out[tag] = '';
    else out[tag.slice(0, eq)] = tag.slice(eq + 1);
  }
  return out;
}

/** `find.tags` as the tag strings an item must carry (`{env: prod}` -> `["env=prod"]`). */
export function tagsWanted(tags: Record<string, string> | undefined): string[] {
  return Object.entries(tags ?? {}).map(([key, value]) => `${key}=${value}`);
}
