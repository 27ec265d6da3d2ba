// Sprig's reflection and defaults functions: typeOf/typeIs/typeIsLike/kindOf/kindIs, deepEqual, deepCopy,
// default/empty/coalesce/all/any/ternary, and the flow helpers fail and uuidv4.

import { randomUUID } from 'node:crypto';
import type { FunctionMap } from './contract.js';
import { deepCopy, deepEqual, fail, fixed, goKindOf, goTypeOf, isEmpty, variadic } from './support.js';

export const reflectFunctions: FunctionMap = {
  typeOf: fixed(['any'], (v: unknown) => goTypeOf(v)),
  typeIs: fixed(['string', 'any'], (target: string, v: unknown) => goTypeOf(v) === target),
  typeIsLike: fixed(['string', 'any'], (target: string, v: unknown) => {
    const type = goTypeOf(v);
    return type === target || `*${target}` === type;
  }),
  kindOf: fixed(['any'], (v: unknown) => goKindOf(v)),
  kindIs: fixed(['string', 'any'], (target: string, v: unknown) => goKindOf(v) === target),
  deepEqual: fixed(['any', 'any'], (a: unknown, b: unknown) => deepEqual(a, b)),
  deepCopy: fixed(['any'], (v: unknown) => {
    if (v === null || v === undefined) fail('reflect: call of reflect.Value.Type on zero Value');
    return deepCopy(v);
  }),
  mustDeepCopy: fixed(['any'], (v: unknown) => {
    if (v === null || v === undefined) fail('reflect: call of reflect.Value.Type on zero Value');
    return deepCopy(v);
  }),
  default: variadic(['any'], 'any', (fallback: unknown, given: unknown[]) =>
    given.length === 0 || isEmpty(given[0]) ? fallback : given[0],
  ),
  empty: fixed(['any'], (v: unknown) => isEmpty(v)),
  coalesce: variadic([], 'any', (values: unknown[]) => values.find((v) => !isEmpty(v)) ?? null),
  all: variadic([], 'any', (values: unknown[]) => values.every((v) => !isEmpty(v))),
  any: variadic([], 'any', (values: unknown[]) => values.some((v) => !isEmpty(v))),
  ternary: fixed(['any', 'any', 'bool'], (whenTrue: unknown, whenFalse: unknown, condition: boolean) =>
    condition ? whenTrue : whenFalse,
  ),
  fail: fixed(['string'], (message: string) => fail(message)),
  uuidv4: fixed([], () => randomUUID()),
};
