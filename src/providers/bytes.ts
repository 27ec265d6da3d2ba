// UTF-8 conversions between provider values (bytes) and the strings that JSON and gjson work on.
const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8; invalid sequences become U+FFFD (never throws). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A map without a prototype, so a secret key such as "__proto__" is stored as data. */
export function emptyMap<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}
