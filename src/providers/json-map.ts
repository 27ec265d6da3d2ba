// ESO's JSONToSecretDataMap: a JSON object becomes one secret key per field, string values unquoted and every
// other value kept as its JSON text. Decoded with Go's json.Unmarshal rules: `null` gives an empty map, a field
// that is null gives an empty value, and a duplicate key keeps the last value.
import { emptyMap, utf8 } from './bytes.js';
import { ProviderError } from './errors.js';
import { JsonSyntaxError, parseJson, rawText } from './json-spans.js';

export function jsonToSecretMap(json: string, what: string): Record<string, Uint8Array> {
  let root: ReturnType<typeof parseJson>;
  try {
    root = parseJson(json);
  } catch (error) {
    const detail = error instanceof JsonSyntaxError ? error.message : 'invalid JSON';
    throw new ProviderError(`unable to unmarshal secret: ${what} is not valid JSON (${detail})`);
  }
  if (root.kind === 'null') return {};
  if (root.kind !== 'object') {
    throw new ProviderError(`unable to unmarshal secret: ${what} is a JSON ${root.kind}, expected an object`);
  }
  const out = emptyMap<Uint8Array>();
  for (const [key, node] of root.entries) {
    if (node.kind === 'string') out[key] = utf8(node.value);
    else if (node.kind === 'null') out[key] = new Uint8Array(0);
    else out[key] = utf8(rawText(json, node));
  }
  return out;
}
