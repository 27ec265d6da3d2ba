// A Vault secret's data as ESO's vault provider turns it into secret values (client_get.go getSecretValue,
// GetSecretMap): Vault's Go client decodes answers keeping numbers as written, so the whole secret is its
// json.Marshal (keys sorted, HTML escaped, numbers as written); a `property` is an exact top-level key first, else
// a gjson path into that JSON; an extract decodes the JSON again, this time with numbers as float64.
import { emptyMap, fromUtf8, utf8 } from '../bytes.js';
import { ProviderConfigError, ProviderError } from '../errors.js';
import { GjsonPathError, gjsonGet } from '../gjson.js';
import { goByteValue, goByteValueOfNode, goMarshalNode } from '../gojson.js';
import type { JsonNode } from '../json-spans.js';

export type ObjectNode = Extract<JsonNode, { kind: 'object' }>;

/** One secret's data: the answer's text and the object node of the data inside it. */
export interface SecretData {
  text: string;
  node: ObjectNode;
}

/** The last value of a top-level key (Go's map decode keeps the last of repeated keys). */
export function field(object: ObjectNode, key: string): JsonNode | undefined {
  let found: JsonNode | undefined;
  for (const [k, node] of object.entries) if (k === key) found = node;
  return found;
}

/** getSecretValue: the whole data as JSON, an exact top-level key, or a gjson path. */
export function pickValue(data: SecretData, property: string | undefined): Uint8Array {
  if (!property) return utf8(goMarshalNode(data.text, data.node));
  // An exact key needs only its own value; the whole secret is written out for a gjson path alone.
  const exact = field(data.node, property);
  if (exact) return goByteValueOfNode(data.text, exact);
  let result: ReturnType<typeof gjsonGet>;
  try {
    result = gjsonGet(goMarshalNode(data.text, data.node), property);
  } catch (error) {
    if (error instanceof GjsonPathError) throw new ProviderConfigError(error.message);
    throw error;
  }
  // ESO's words; a plain error (not "does not exist"), as ESO's is.
  if (!result.exists) throw new ProviderError(`cannot find secret data for key: "${property}"`);
  return utf8(result.value);
}

/** GetSecretMap: the picked value must be a JSON object; each field as GetByteValue writes it. */
export function valueToMap(value: Uint8Array, what: string): Record<string, Uint8Array> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(value));
  } catch {
    throw new ProviderError(`${what} is not a JSON object, so it cannot be split into keys`);
  }
  if (parsed === null) return emptyMap();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderError(
      `${what} is a JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}, not an object, so it cannot be split into keys`,
    );
  }
  const out = emptyMap<Uint8Array>();
  for (const [key, item] of Object.entries(parsed as Record<string, unknown>)) out[key] = goByteValue(item);
  return out;
}
