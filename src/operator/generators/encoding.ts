// Output encodings of the Password generator, byte-compatible with Go's encoding packages as ESO uses them:
// base64 and base64url with padding (base64.StdEncoding / URLEncoding), base32 with padding
// (base32.StdEncoding, RFC 4648 alphabet), lower-case hex, or the raw bytes.

export const PASSWORD_ENCODINGS = ['raw', 'base64', 'base64url', 'base32', 'hex'] as const;
export type PasswordEncoding = (typeof PASSWORD_ENCODINGS)[number];

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function encodeBytes(bytes: Uint8Array, encoding: PasswordEncoding): Uint8Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case 'raw':
      return bytes;
    case 'base64':
      return ascii(buf.toString('base64'));
    case 'base64url':
      return ascii(padTo4(buf.toString('base64url')));
    case 'base32':
      return ascii(base32(bytes));
    case 'hex':
      return ascii(buf.toString('hex'));
  }
}

function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'ascii'));
}

/** Node's base64url omits padding; Go's URLEncoding keeps it. */
function padTo4(text: string): string {
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/** RFC 4648 base32 with '=' padding to a multiple of 8 characters. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1; // keep only the bits not yet emitted, so the shift never overflows
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out + '='.repeat((8 - (out.length % 8)) % 8);
}
