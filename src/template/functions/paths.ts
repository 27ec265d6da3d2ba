// Sprig's path functions: Go's path package (base, dir, clean, ext, isAbs) and path/filepath (the os* variants).
// ESO runs on Linux, where filepath behaves exactly like path, so both sets share one implementation.

import type { FunctionMap } from './contract.js';
import { fixed } from './support.js';

/** path.Clean: one slash between elements, no "." elements, ".." resolved lexically; "" becomes ".". */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const parts: string[] = [];
  for (const element of path.split('/')) {
    if (element === '' || element === '.') continue;
    if (element === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(element);
  }
  const joined = parts.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** path.Base: the last element, ignoring trailing slashes; "." for "", "/" for only slashes. */
function basePath(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** path.Dir: everything but the last element, cleaned. */
function dirPath(path: string): string {
  return cleanPath(path.slice(0, path.lastIndexOf('/') + 1));
}

/** path.Ext: the suffix from the last dot of the last element. */
function extPath(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== '/'; i--) {
    if (path[i] === '.') return path.slice(i);
  }
  return '';
}

const isAbs = (path: string) => path.startsWith('/');

export const pathFunctions: FunctionMap = {
  base: fixed(['string'], basePath),
  dir: fixed(['string'], dirPath),
  clean: fixed(['string'], cleanPath),
  ext: fixed(['string'], extPath),
  isAbs: fixed(['string'], isAbs),
  osBase: fixed(['string'], basePath),
  osDir: fixed(['string'], dirPath),
  osClean: fixed(['string'], cleanPath),
  osExt: fixed(['string'], extPath),
  osIsAbs: fixed(['string'], isAbs),
};
