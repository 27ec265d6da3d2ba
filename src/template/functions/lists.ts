// Sprig's list functions. Each `mustX` returns Go's error for a non-list argument; the plain `x` panics with the
// same message (the engine reports both as "error calling x: ..."). A nil argument makes Sprig dereference a nil
// reflect.Type, which Go reports as a nil pointer dereference.

import type { FunctionMap, TemplateFunction } from './contract.js';
import {
  deepEqual,
  fail,
  fixed,
  goKindOf,
  isEmpty,
  isList,
  listItems,
  nilSlice,
  taggedGoType,
  toInt64,
  variadic,
  withGoType,
} from './support.js';

const NIL_DEREFERENCE = 'runtime error: invalid memory address or nil pointer dereference';

/** The elements of a list argument, or Sprig's error "<action> <kind>" (e.g. "Cannot push on type map"). */
function itemsOf(list: unknown, action: string): unknown[] {
  if (list === null || list === undefined) fail(NIL_DEREFERENCE);
  if (!isList(list)) fail(`${action} ${goKindOf(list)}`);
  return listItems(list);
}

function contains(items: unknown[], needle: unknown): boolean {
  return items.some((item) => deepEqual(item, needle));
}

function chunk(size: number, list: unknown): unknown[][] {
  const items = itemsOf(list, 'Cannot chunk type');
  const length = items.length;
  const count = Math.floor((length - 1) / size) + 1;
  if (!Number.isFinite(count) || count < 0) fail('runtime error: makeslice: len out of range');
  const chunks: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    let chunkLength = size;
    if (i === count - 1) {
      chunkLength = Math.floor(length % size);
      if (chunkLength === 0) chunkLength = size;
    }
    if (chunkLength < 0 || Number.isNaN(chunkLength)) fail('runtime error: makeslice: len out of range');
    const start = i * size;
    if (start + chunkLength > length) fail(`runtime error: index out of range [${length}] with length ${length}`);
    chunks.push(items.slice(start, start + chunkLength));
  }
  return withGoType(chunks, '[][]interface {}');
}

/** reflect.Value.Slice on the list (the result keeps the list's Go type). */
function sliceList(list: unknown, indices: unknown[]): unknown {
  if (list === null || list === undefined) fail(NIL_DEREFERENCE);
  if (!isList(list)) fail(`list should be type of slice or array but ${goKindOf(list)}`);
  const length = list.length;
  if (length === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0])) : 0;
  const end = indices.length > 1 ? Number(toInt64(indices[1])) : length;
  if (start < 0 || end < start || end > length) fail('reflect.Value.Slice: slice index out of bounds');
  if (list instanceof Uint8Array) return list.slice(start, end);
  const result = list.slice(start, end);
  const tag = taggedGoType(list);
  return tag ? withGoType(result, tag) : result;
}

function concat(lists: unknown[]): unknown[] {
  const result: unknown[] = [];
  for (const list of lists) {
    if (list === null || list === undefined) fail(NIL_DEREFERENCE);
    if (!isList(list)) fail(`Cannot concat type ${goKindOf(list)} as list`);
    result.push(...listItems(list));
  }
  return result;
}

/** Registers `name` and `mustName` for a list operation; both raise the same error. */
function pair(name: string, fn: TemplateFunction): Record<string, TemplateFunction> {
  const must = `must${name[0]?.toUpperCase()}${name.slice(1)}`;
  return { [name]: fn, [must]: fn };
}

const push = fixed(['any', 'any'], (list: unknown, v: unknown) => [...itemsOf(list, 'Cannot push on type'), v]);

export const listFunctions: FunctionMap = {
  list: variadic([], 'any', (items: unknown[]) => items),
  tuple: variadic([], 'any', (items: unknown[]) => items),
  ...pair('append', push),
  ...pair('push', push),
  ...pair(
    'prepend',
    fixed(['any', 'any'], (list: unknown, v: unknown) => [v, ...itemsOf(list, 'Cannot prepend on type')]),
  ),
  ...pair(
    'first',
    fixed(['any'], (list: unknown) => itemsOf(list, 'Cannot find first on type')[0] ?? null),
  ),
  ...pair(
    'last',
    fixed(['any'], (list: unknown) => itemsOf(list, 'Cannot find last on type').at(-1) ?? null),
  ),
  ...pair(
    'rest',
    fixed(['any'], (list: unknown) => {
      const items = itemsOf(list, 'Cannot find rest on type');
      return items.length === 0 ? nilSlice() : items.slice(1);
    }),
  ),
  ...pair(
    'initial',
    fixed(['any'], (list: unknown) => {
      const items = itemsOf(list, 'Cannot find initial on type');
      return items.length === 0 ? nilSlice() : items.slice(0, -1);
    }),
  ),
  ...pair(
    'reverse',
    fixed(['any'], (list: unknown) => [...itemsOf(list, 'Cannot find reverse on type')].reverse()),
  ),
  ...pair(
    'uniq',
    fixed(['any'], (list: unknown) => {
      const result: unknown[] = [];
      for (const item of itemsOf(list, 'Cannot find uniq on type')) if (!contains(result, item)) result.push(item);
      return result;
    }),
  ),
  ...pair(
    'without',
    variadic(['any'], 'any', (list: unknown, omit: unknown[]) =>
      itemsOf(list, 'Cannot find without on type').filter((item) => !contains(omit, item)),
    ),
  ),
  ...pair(
    'has',
    fixed(['any', 'any'], (needle: unknown, haystack: unknown) => {
      if (haystack === null || haystack === undefined) return false;
      return contains(itemsOf(haystack, 'Cannot find has on type'), needle);
    }),
  ),
  ...pair(
    'compact',
    fixed(['any'], (list: unknown) => itemsOf(list, 'Cannot compact on type').filter((item) => !isEmpty(item))),
  ),
  ...pair(
    'slice',
    variadic(['any'], 'any', (list: unknown, indices: unknown[]) => sliceList(list, indices)),
  ),
  ...pair(
    'chunk',
    fixed(['int', 'any'], (size: bigint, list: unknown) => chunk(Number(size), list)),
  ),
  concat: variadic([], 'any', (lists: unknown[]) => concat(lists)),
};
