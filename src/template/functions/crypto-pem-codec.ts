// Go's encoding/pem (Decode/Encode, byte for byte) and encoding/base64 StdEncoding decoding with Go's
// "illegal base64 data at input byte N" errors. Both operate on bytes, like Go.

export interface PemBlock {
  type: string;
  headers: Map<string, string>;
  bytes: Uint8Array;
}

const ENCODER = new TextEncoder();
const PEM_BEGIN = ENCODER.encode('\n-----BEGIN ');
const PEM_END = ENCODER.encode('\n-----END ');
const PEM_END_OF_LINE = ENCODER.encode('-----');

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function lastIndexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = hay.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function startsWith(hay: Uint8Array, needle: Uint8Array): boolean {
  return hay.length >= needle.length && indexOf(hay.subarray(0, needle.length), needle) === 0;
}

function endsWith(hay: Uint8Array, needle: Uint8Array): boolean {
  return hay.length >= needle.length && indexOf(hay.subarray(hay.length - needle.length), needle) === 0;
}

function latin(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Go's getLine: a line without its ending (and trailing spaces/tabs), the rest, and bytes consumed. */
function getLine(data: Uint8Array): [Uint8Array, Uint8Array, number] {
  let i = data.indexOf(0x0a);
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === 0x0d) i--;
  }
  let end = i;
  while (end > 0 && (data[end - 1] === 0x20 || data[end - 1] === 0x09)) end--;
  return [data.subarray(0, end), data.subarray(j), j];
}

function trimSpace(bytes: Uint8Array): Uint8Array {
  let start = 0;
  let end = bytes.length;
  const isSpace = (b: number | undefined) =>
    b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
  while (start < end && isSpace(bytes[start])) start++;
  while (end > start && isSpace(bytes[end - 1])) end--;
  return bytes.subarray(start, end);
}

/** Go's pem.Decode: the first valid block and the bytes after it, or [undefined, data]. */
export function pemDecode(data: Uint8Array): [PemBlock | undefined, Uint8Array] {
  let rest = data;
  let endTrailerIndex = 0;
  for (;;) {
    if (endTrailerIndex < 0 || endTrailerIndex > rest.length) return [undefined, data];
    rest = rest.subarray(endTrailerIndex);
    // The first END line, then the last BEGIN line before it.
    let endIndex = indexOf(rest, PEM_END);
    if (endIndex < 0) return [undefined, data];
    endTrailerIndex = endIndex + PEM_END.length;
    const beginIndex = lastIndexOf(rest.subarray(0, endIndex), PEM_BEGIN.subarray(1));
    if (beginIndex < 0 || (beginIndex > 0 && rest[beginIndex - 1] !== 0x0a)) continue;
    const skip = beginIndex + PEM_BEGIN.length - 1;
    rest = rest.subarray(skip);
    endIndex -= skip;
    endTrailerIndex -= skip;

    let typeLine: Uint8Array;
    let consumed: number;
    [typeLine, rest, consumed] = getLine(rest);
    endIndex -= consumed;
    endTrailerIndex -= consumed;
    if (!endsWith(typeLine, PEM_END_OF_LINE)) continue;
    typeLine = typeLine.subarray(0, typeLine.length - PEM_END_OF_LINE.length);

    const headers = new Map<string, string>();
    let truncated = false;
    for (;;) {
      if (rest.length === 0) {
        truncated = true;
        break;
      }
      const [line, next, used] = getLine(rest);
      const colon = line.indexOf(0x3a);
      if (colon < 0) break;
      headers.set(latin(trimSpace(line.subarray(0, colon))), latin(trimSpace(line.subarray(colon + 1))));
      rest = next;
      endIndex -= used;
      endTrailerIndex -= used;
    }
    if (truncated) return [undefined, data];
    if (headers.size > 0 && endIndex < 0) continue;

    let endTrailer = rest.subarray(endTrailerIndex);
    const endTrailerLen = typeLine.length + PEM_END_OF_LINE.length;
    if (endTrailer.length < endTrailerLen) continue;
    const restOfEndLine = endTrailer.subarray(endTrailerLen);
    endTrailer = endTrailer.subarray(0, endTrailerLen);
    if (!startsWith(endTrailer, typeLine) || !endsWith(endTrailer, PEM_END_OF_LINE)) continue;
    const [lineRest] = getLine(restOfEndLine);
    if (lineRest.length !== 0) continue;

    let bytes: Uint8Array = new Uint8Array(0);
    if (endIndex > 0) {
      const body = rest.subarray(0, endIndex).filter((b) => b !== 0x20 && b !== 0x09);
      const decoded = base64StdDecode(body);
      if (decoded.errorAt !== undefined) continue;
      bytes = decoded.bytes;
    }
    const [, after] = getLine(rest.subarray(endIndex + PEM_END.length - 1));
    return [{ type: latin(typeLine), headers, bytes }, after];
  }
}

/** Go's pem.Encode / EncodeToMemory. */
export function pemEncode(block: { type: string; bytes: Uint8Array; headers?: Map<string, string> }): string {
  let out = `-----BEGIN ${block.type}-----\n`;
  const headers = block.headers ?? new Map<string, string>();
  if (headers.size > 0) {
    const keys = [...headers.keys()].filter((k) => k !== 'Proc-Type').sort();
    if (headers.has('Proc-Type')) keys.unshift('Proc-Type');
    for (const k of keys) out += `${k}: ${headers.get(k)}\n`;
    out += '\n';
  }
  const b64 = Buffer.from(block.bytes).toString('base64');
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${block.type}-----\n`;
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_MAP = new Int16Array(256).fill(-1);
for (let i = 0; i < B64_ALPHABET.length; i++) B64_MAP[B64_ALPHABET.charCodeAt(i)] = i;

/** Go's base64.StdEncoding.Decode: the bytes decoded, and where decoding failed if it did. */
export function base64StdDecode(src: Uint8Array): { bytes: Uint8Array; errorAt?: number } {
  const out: number[] = [];
  let si = 0;
  const isNewline = (b: number | undefined) => b === 0x0a || b === 0x0d;
  for (;;) {
    const quantum: number[] = [];
    let dlen = 4;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return { bytes: Uint8Array.from(out) };
        return { bytes: Uint8Array.from(out), errorAt: si - j };
      }
      const c = src[si] as number;
      si++;
      const v = B64_MAP[c] as number;
      if (v >= 0) {
        quantum[j] = v;
        continue;
      }
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d) return { bytes: Uint8Array.from(out), errorAt: si - 1 };
      // Padding: only valid in the third or fourth position.
      if (j === 0 || j === 1) return { bytes: Uint8Array.from(out), errorAt: si - 1 };
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return { bytes: Uint8Array.from(out), errorAt: src.length };
        if (src[si] !== 0x3d) return { bytes: Uint8Array.from(out), errorAt: si - 1 };
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      dlen = j;
      if (si < src.length) {
        pushQuantum(out, quantum, dlen);
        return { bytes: Uint8Array.from(out), errorAt: si };
      }
      break;
    }
    pushQuantum(out, quantum, dlen);
    if (dlen < 4) return { bytes: Uint8Array.from(out) };
  }
}

function pushQuantum(out: number[], q: number[], dlen: number): void {
  const v = ((q[0] ?? 0) << 18) | ((q[1] ?? 0) << 12) | ((q[2] ?? 0) << 6) | (q[3] ?? 0);
  if (dlen >= 2) out.push((v >> 16) & 0xff);
  if (dlen >= 3) out.push((v >> 8) & 0xff);
  if (dlen >= 4) out.push(v & 0xff);
}

/** Go's DecodedLen for StdEncoding: the capacity Go's DecodeString allocates (shows up in panic messages). */
export function base64DecodedCapacity(inputLength: number): number {
  return Math.floor(inputLength / 4) * 3;
}
