// The value model shared by the template engine and its function library: how each Go value a template can
// see is represented in TypeScript. Both sides rely on this mapping, so change it only in both at once.
//
//   Go                         TypeScript
//   nil                        null
//   bool                       boolean
//   string                     string
//   int                        bigint (always kept in int64 range with BigInt.asIntN(64, x))
//   float64                    number
//   other numeric kinds        GoNumber (int8..int64, uint..uint64, float32, rune/byte as int32/uint8)
//   []byte                     Uint8Array
//   []T, []interface{}         Array (elements follow this table)
//   map[string]T               plain object (read with Object.hasOwn; created with Object.create(null))
//   map with non-string keys   Map
//   time.Time, *semver.Version, GoObject (a class that knows its Go type name, String() and fields/methods)
//   other Go structs/pointers
//
// A missing value (Go's invalid reflect.Value, printed as "<no value>") is `undefined` and never escapes into
// function arguments.

/** A Go numeric value whose kind is not int or float64 (e.g. int64 from `int64`, uint32, float32, rune). */
export class GoNumber {
  constructor(
    readonly kind: GoNumericKind,
    readonly value: bigint | number,
  ) {}
}

export type GoNumericKind =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'uintptr'
  | 'float32';

/**
 * A Go value with behaviour of its own (time.Time, *semver.Version, crypto structs returned by Sprig...).
 * The engine uses these hooks for printing, `printf "%T"`, field access (`.Major`) and method calls.
 */
export interface GoObject {
  /** The Go type name as `%T` prints it, e.g. "time.Time" or "*semver.Version". */
  goTypeName(): string;
  /** What fmt prints for %v / {{.}} (Go's String() method), if the type has one. */
  goString?(): string;
  /** A field (or a niladic method) by exported name; undefined when there is none. */
  goField?(name: string): unknown;
  /** A method by name, called with already converted arguments; undefined when there is none. */
  goMethod?(name: string): ((...args: unknown[]) => unknown) | undefined;
}

export function isGoObject(value: unknown): value is GoObject {
  return typeof value === 'object' && value !== null && typeof (value as GoObject).goTypeName === 'function';
}

/** A plain map value (map[string]interface{}). */
export function isGoMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** Creates an empty map value with no prototype, so keys like "__proto__" are ordinary keys. */
export function newGoMap(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}
