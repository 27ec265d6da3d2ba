// Item paths: absolute, '/'-separated, no '..' or '.', no empty segments, at most 1024 bytes, printable NFC text.
// Rejecting odd input here keeps policy globs and claim templating free of ambiguity.
import { invalid } from './errors.js';

export const maxPathBytes = 1024;

/** Returns why `path` is not a valid item path, or undefined when it is. */
export function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'path must be a non-empty string';
  if (!path.startsWith('/')) return `path "${path.slice(0, 80)}" must start with "/"`;
  if (Buffer.byteLength(path, 'utf8') > maxPathBytes) return `path is longer than ${maxPathBytes} bytes`;
  if (path !== path.normalize('NFC')) return 'path must be in Unicode NFC form';
  if (/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/u.test(path)) {
    return 'path must not contain control, zero-width or bidirectional characters';
  }
  if (/[*?\\]/.test(path)) return 'path must not contain "*", "?" or "\\"';
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return `path "${path.slice(0, 80)}" has an empty segment (double or trailing "/")`;
    if (segment === '.' || segment === '..') return `path "${path.slice(0, 80)}" must not contain "." or ".." segments`;
  }
  return undefined;
}

export function assertItemPath(path: unknown): string {
  const problem = pathProblem(path);
  if (problem) throw invalid(problem);
  return path as string;
}

/** A list prefix is "/" or a valid path, optionally ending with "/". */
export function assertPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return '/';
  if (typeof prefix !== 'string') throw invalid('prefix must be a string');
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = pathProblem(trimmed);
  if (problem) throw invalid(problem.replace(/^path/, 'prefix'));
  return prefix;
}
