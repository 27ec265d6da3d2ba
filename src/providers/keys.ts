// ESO's ConvertKeys (runtime/esutils): some providers (fake, kubernetes) apply `find.conversionStrategy` to the
// secret names they return, so that names with '/' or spaces become valid Kubernetes Secret keys.
import { emptyMap } from './bytes.js';
import { ProviderConfigError } from './errors.js';

export type ConversionStrategy = 'Default' | 'Unicode' | undefined;

const KEEP = /^[\p{L}\p{N}._-]$/u;

/** Every character that is not a letter, number, '-', '.' or '_' becomes '_' (Default) or `_Uxxxx_` (Unicode). */
export function convertKey(strategy: ConversionStrategy, key: string): string {
  let out = '';
  for (const ch of key) {
    if (KEEP.test(ch)) out += ch;
    else if (strategy === 'Unicode') out += `_U${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}_`;
    else out += '_';
  }
  return out;
}

/** Converts every key; two keys that convert to the same name are an error, as in ESO. */
export function convertKeys<V>(strategy: ConversionStrategy, input: Record<string, V>): Record<string, V> {
  const out = emptyMap<V>();
  for (const [key, value] of Object.entries(input)) {
    const converted = convertKey(strategy, key);
    if (Object.hasOwn(out, converted)) {
      throw new ProviderConfigError(
        `secret name collision during conversion: ${converted} (use find.conversionStrategy: Unicode or a rewrite)`,
      );
    }
    out[converted] = value;
  }
  return out;
}
