// Item paths are bound into every envelope's associated data, so the gateway only accepts paths that are already
// canonical: it never rewrites a path the caller gave (a rewritten path would seal under a name the caller did not
// ask for). Rules match docs/store-protocol.md, the same as the store's own checks.
import { invalid } from './errors.js';

const maxPathBytes = 1024;

export function checkPath(path: unknown, field = 'path'): string {
  if (typeof path !== 'string' || path.length === 0)
    throw invalid(`"${field}" is required: an absolute path like /app/db`);
  if (!path.startsWith('/')) throw invalid(`"${field}" must start with "/" (got a relative path)`);
  if (Buffer.byteLength(path, 'utf8') > maxPathBytes) throw invalid(`"${field}" is longer than ${maxPathBytes} bytes`);
  if (/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/u.test(path)) {
    throw invalid(`"${field}" contains control, zero-width or bidirectional characters`);
  }
  if (/[*?\\]/.test(path)) throw invalid(`"${field}" must not contain "*", "?" or "\\"`);
  if (path.normalize('NFC') !== path) {
    throw invalid(`"${field}" is not in Unicode NFC form; send the NFC-normalised path`);
  }
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') throw invalid(`"${field}" has an empty segment (a doubled or trailing "/")`);
    if (segment === '.' || segment === '..') throw invalid(`"${field}" contains a "${segment}" segment`);
  }
  return path;
}

/** A list prefix: "/" or an absolute path, with or without a trailing "/". */
export function checkPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return '/';
  if (typeof prefix !== 'string') throw invalid('"prefix" must be a string');
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return `${checkPath(trimmed, 'prefix')}/`;
}
