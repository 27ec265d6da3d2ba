// Sprig's dictionary functions. Maps are shared by reference as in Go: `set`, `unset`, `merge` and
// `mergeOverwrite` change the map they are given and return it.

import { isGoMap, newGoMap } from '../values.js';
import type { FunctionMap } from './contract.js';
import {
  compareStrings,
  fail,
  fixed,
  goTypeOf,
  isEmpty,
  isNilMap,
  stringSlice,
  toStringValue,
  variadic,
} from './support.js';

type GoMap = Record<string, unknown>;

function dict(pairs: unknown[]): GoMap {
  const map = newGoMap();
  for (let i = 0; i < pairs.length; i += 2) {
    const key = toStringValue(pairs[i]);
    map[key] = i + 1 < pairs.length ? pairs[i + 1] : '';
  }
  return map;
}

function sortedKeys(map: GoMap): string[] {
  return Object.keys(map).sort(compareStrings);
}

/**
 * mergo's Merge for map[string]interface{} (what Sprig's merge/mergeOverwrite use): nested maps merge key by key;
 * other values fill keys that are missing or hold an empty value, or replace everything with `overwrite` (a nil
 * source value only replaces with `overwrite`).
 */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const key of Object.keys(src)) {
    const value = src[key];
    const exists = Object.hasOwn(dst, key);
    const current = dst[key];
    if (value === null || value === undefined) {
      if (overwrite) dst[key] = null;
      continue;
    }
    if (isGoMap(value) && exists && isGoMap(current) && !isEmpty(current)) {
      mergeInto(current, value, overwrite);
      continue;
    }
    if (overwrite || !exists || isEmpty(current)) dst[key] = value;
  }
}

/** The panic of a failed Go type assertion from interface{}. */
function conversionPanic(value: unknown, wanted: string): never {
  const actual = value === null || value === undefined ? 'nil' : goTypeOf(value);
  fail(`interface conversion: interface {} is ${actual}, not ${wanted}`);
}

/** dig: follows keys through nested maps; the default when a key is missing. */
function dig(args: unknown[]): unknown {
  if (args.length < 3) fail('dig needs at least three arguments');
  let map = args[args.length - 1];
  const fallback = args[args.length - 2];
  const keys = args.slice(0, -2);
  if (!isGoMap(map)) conversionPanic(map, 'map[string]interface {}');
  for (const key of keys) {
    if (typeof key !== 'string') conversionPanic(key, 'string');
  }
  for (let i = 0; i < keys.length; i++) {
    const current: GoMap = map as GoMap;
    const key = keys[i] as string;
    if (!Object.hasOwn(current, key)) return fallback;
    const step = current[key];
    if (i === keys.length - 1) return step;
    if (!isGoMap(step)) conversionPanic(step, 'map[string]interface {}');
    map = step;
  }
  return fallback;
}

const merge = (overwrite: boolean) =>
  variadic(['map'], 'map', (dst: GoMap, sources: GoMap[]) => {
    for (const src of sources) mergeInto(dst, src, overwrite);
    return dst;
  });

export const dictFunctions: FunctionMap = {
  dict: variadic([], 'any', (pairs: unknown[]) => dict(pairs)),
  get: fixed(['map', 'string'], (map: GoMap, key: string) => (Object.hasOwn(map, key) ? map[key] : '')),
  set: fixed(['map', 'string', 'any'], (map: GoMap, key: string, value: unknown) => {
    if (isNilMap(map)) fail('assignment to entry in nil map');
    map[key] = value;
    return map;
  }),
  unset: fixed(['map', 'string'], (map: GoMap, key: string) => {
    delete map[key];
    return map;
  }),
  hasKey: fixed(['map', 'string'], (map: GoMap, key: string) => Object.hasOwn(map, key)),
  pluck: variadic(['string'], 'map', (key: string, maps: GoMap[]) =>
    maps.filter((m) => Object.hasOwn(m, key)).map((m) => m[key]),
  ),
  // Go lists keys in random order; sorted order is one of the orders Go may produce, and a stable one.
  keys: variadic([], 'map', (maps: GoMap[]) => stringSlice(maps.flatMap(sortedKeys))),
  values: fixed(['map'], (map: GoMap) => sortedKeys(map).map((k) => map[k])),
  pick: variadic(['map'], 'string', (map: GoMap, keys: string[]) => {
    const result = newGoMap();
    for (const key of keys) if (Object.hasOwn(map, key)) result[key] = map[key];
    return result;
  }),
  omit: variadic(['map'], 'string', (map: GoMap, keys: string[]) => {
    const drop = new Set(keys);
    const result = newGoMap();
    for (const key of Object.keys(map)) if (!drop.has(key)) result[key] = map[key];
    return result;
  }),
  merge: merge(false),
  mustMerge: merge(false),
  mergeOverwrite: merge(true),
  mustMergeOverwrite: merge(true),
  dig: variadic([], 'any', (args: unknown[]) => dig(args)),
};
