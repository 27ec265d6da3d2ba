// ESO's value pipeline after a provider read (runtime/decoding, runtime/esutils): decoding strategies, the
// null-byte policy and key validation. Errors name keys, never values.

export type DecodingStrategy = 'Auto' | 'Base64' | 'Base64URL' | 'None' | undefined;

export class SecretDataError extends Error {
  override name = 'SecretDataError';
}

const STD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Go's base64.StdEncoding / URLEncoding DecodeString: padded input, '\r' and '\n' ignored; undefined if invalid. */
function decodeBase64(value: Uint8Array, alphabet: 'std' | 'url'): Uint8Array | undefined {
  const text = Buffer.from(value)
    .toString('latin1')
    .replace(/[\r\n]/g, '');
  if (text.length % 4 !== 0) return undefined;
  if (!(alphabet === 'std' ? STD : URL).test(text)) return undefined;
  const pad = text.indexOf('=');
  if (pad !== -1 && pad < text.length - 2) return undefined;
  return new Uint8Array(Buffer.from(text, alphabet === 'std' ? 'base64' : 'base64url'));
}

export function decodeValue(strategy: DecodingStrategy, key: string, value: Uint8Array): Uint8Array {
  switch (strategy) {
    case undefined:
    case 'None':
      return value;
    case 'Base64': {
      const out = decodeBase64(value, 'std');
      if (!out)
        throw new SecretDataError(`error decoding key ${key}: value is not valid base64 (decodingStrategy Base64)`);
      return out;
    }
    case 'Base64URL': {
      const out = decodeBase64(value, 'url');
      if (!out) {
        throw new SecretDataError(
          `error decoding key ${key}: value is not valid base64url (decodingStrategy Base64URL)`,
        );
      }
      return out;
    }
    case 'Auto':
      return decodeBase64(value, 'std') ?? decodeBase64(value, 'url') ?? value;
  }
  throw new SecretDataError(`unknown decodingStrategy "${strategy}": use Auto, Base64, Base64URL or None`);
}

export function decodeMap(strategy: DecodingStrategy, map: Record<string, Uint8Array>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(map)) out[key] = decodeValue(strategy, key, value);
  return out;
}

export function checkNullBytes(policy: 'Ignore' | 'Fail' | undefined, key: string, value: Uint8Array): void {
  if (policy === 'Fail' && value.includes(0)) {
    throw new SecretDataError(`value of key ${key} contains a null byte and nullBytePolicy is Fail`);
  }
}

const KEY_RUNE = /^[\p{L}\p{N}._-]$/u;

/** ESO's ValidateKeys: empty keys are dropped, long or invalid keys are an error. Mutates and returns `map`. */
export function validateKeys(map: Record<string, Uint8Array>): Record<string, Uint8Array> {
  for (const key of Object.keys(map)) {
    if (key.length === 0) {
      delete map[key];
      continue;
    }
    if (Buffer.byteLength(key, 'utf8') > 253) {
      throw new SecretDataError(
        `key has length ${Buffer.byteLength(key, 'utf8')} but max is 253: (Technical key: ${key.slice(0, 40)}...)`,
      );
    }
    for (const ch of key) {
      if (!KEY_RUNE.test(ch))
        throw new SecretDataError(
          `key has invalid character ${JSON.stringify(ch)}, only alphanumeric, '-', '.' and '_' are allowed: (Technical key: ${key})`,
        );
    }
  }
  return map;
}
