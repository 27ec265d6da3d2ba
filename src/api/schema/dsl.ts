// A tiny builder for Kubernetes structural OpenAPI v3 schemas. The CRD schemas are written once with these
// helpers; the same objects are rendered to CRD YAML, to TypeScript types and used for offline validation.
// Extra facts that must not appear in the CRD (the TypeScript name of a node, offline-only checks) live in a
// WeakMap beside the schema object, so the schema itself stays exactly what the API server sees.

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface CelRule {
  rule: string;
  message?: string;
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that the CRDs use. */
export interface Schema {
  type?: SchemaType;
  description?: string;
  format?: string;
  default?: unknown;
  nullable?: boolean;
  enum?: (string | number)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  items?: Schema;
  anyOf?: Schema[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
}

/** A check the offline validator runs in addition to the OpenAPI keywords (the API server may not run it). */
export type OfflineCheck =
  | {
      message: string;
      /** Returns true when the value is acceptable. */
      test(value: unknown): boolean;
      /** The CEL rule the server evaluates for the same constraint, if any. */
      rule?: string;
    }
  | {
      /** Every problem with the value, each its own message (empty when acceptable): ESO's webhook rules. */
      problems(value: unknown): string[];
    };

interface SchemaMeta {
  tsName?: string;
  checks?: OfflineCheck[];
  /** Values here may be secrets: validation messages must not echo them. */
  sensitive?: boolean;
}

const metaOf = new WeakMap<Schema, SchemaMeta>();

export function schemaMeta(schema: Schema): Readonly<SchemaMeta> {
  return metaOf.get(schema) ?? {};
}

function withMeta(schema: Schema, meta: SchemaMeta): Schema {
  const previous = metaOf.get(schema) ?? {};
  metaOf.set(schema, {
    tsName: meta.tsName ?? previous.tsName,
    checks: [...(previous.checks ?? []), ...(meta.checks ?? [])],
    sensitive: meta.sensitive ?? previous.sensitive,
  });
  return schema;
}

/** A shallow copy that keeps the TypeScript name and offline checks of the original. */
function derive(schema: Schema, changes: Partial<Schema>): Schema {
  const copy: Schema = { ...schema, ...changes };
  const meta = metaOf.get(schema);
  if (meta) metaOf.set(copy, { ...meta, checks: [...(meta.checks ?? [])] });
  return copy;
}

interface Common {
  description?: string;
  nullable?: boolean;
}

/** Drops undefined options so the rendered YAML has no empty keys. */
function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export interface StrOptions extends Common {
  enum?: readonly string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  format?: string;
  default?: string;
}

export function str(options: StrOptions = {}): Schema {
  const { enum: values, ...rest } = options;
  return clean({ type: 'string', ...rest, enum: values ? [...values] : undefined });
}

export function int(
  options: Common & { minimum?: number; maximum?: number; format?: 'int32' | 'int64'; default?: number } = {},
): Schema {
  return clean({ type: 'integer', ...options });
}

export function bool(options: Common & { default?: boolean } = {}): Schema {
  return clean({ type: 'boolean', ...options });
}

export interface ObjOptions extends Common {
  required?: readonly string[];
  minProperties?: number;
  maxProperties?: number;
  default?: Record<string, unknown>;
  preserveUnknown?: boolean;
  mapType?: 'atomic' | 'granular';
}

export function obj(properties: Record<string, Schema>, options: ObjOptions = {}): Schema {
  const { required, preserveUnknown: keep, mapType, ...rest } = options;
  for (const name of required ?? []) {
    if (!(name in properties)) throw new Error(`required field "${name}" is not a property`);
  }
  return clean({
    type: 'object' as const,
    ...rest,
    properties,
    required: required && required.length > 0 ? [...required] : undefined,
    'x-kubernetes-preserve-unknown-fields': keep ? true : undefined,
    'x-kubernetes-map-type': mapType,
  });
}

export function arr(
  items: Schema,
  options: Common & { minItems?: number; maxItems?: number; listType?: 'atomic' | 'set'; default?: unknown[] } = {},
): Schema {
  const { listType, ...rest } = options;
  return clean({ type: 'array' as const, ...rest, items, 'x-kubernetes-list-type': listType });
}

/** An object with arbitrary keys whose values all follow `values` (a Go map). */
export function map(values: Schema, options: Common = {}): Schema {
  return clean({ type: 'object' as const, ...options, additionalProperties: values });
}

/** Any JSON object, kept as written (used for providers and generators Custos does not model). */
export function preserveUnknown(description?: string): Schema {
  return clean({ type: 'object' as const, description, 'x-kubernetes-preserve-unknown-fields': true as const });
}

/** Arbitrary JSON (any type), as Go's apiextensions JSON fields. */
export function anyJson(description?: string): Schema {
  return clean({ description, 'x-kubernetes-preserve-unknown-fields': true as const });
}

export function intOrString(options: Common = {}): Schema {
  return clean({
    ...options,
    anyOf: [{ type: 'integer' as const }, { type: 'string' as const }],
    'x-kubernetes-int-or-string': true as const,
  });
}

// Go's time.ParseDuration grammar ("1h0m0s", "90s", "1.5h", "0"); the CRDs keep ESO's plain string type,
// so only the offline validator enforces it.
const GO_DURATION = /^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$/;

export function isGoDuration(value: string): boolean {
  return GO_DURATION.test(value);
}

export const durationCheck: OfflineCheck = {
  message: 'must be a Go duration such as "1h0m0s", "30m" or "15s"',
  test: (value) => typeof value !== 'string' || isGoDuration(value),
};

/** A metav1.Duration: a string in Go duration syntax. */
export function duration(options: Common & { default?: string } = {}): Schema {
  return withMeta(str(options), { checks: [durationCheck] });
}

export function dateTime(options: Common = {}): Schema {
  return str({ ...options, format: 'date-time' });
}

export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const SECRET_KEY = '^[-._a-zA-Z0-9]+$';

/** An object name (DNS-1123 subdomain, 1..253). */
export function dnsSubdomain(options: Common = {}): Schema {
  return str({ ...options, minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN });
}

/** A namespace name (DNS-1123 label, 1..63). */
export function dnsLabel(options: Common = {}): Schema {
  return str({ ...options, minLength: 1, maxLength: 63, pattern: DNS1123_LABEL });
}

/** A key inside a Secret or ConfigMap. */
export function secretKeyName(options: Common = {}): Schema {
  return str({ ...options, minLength: 1, maxLength: 253, pattern: SECRET_KEY });
}

/** Gives the node a TypeScript interface name in src/api/generated/types.ts. */
export function named(tsName: string, schema: Schema): Schema {
  return withMeta(schema, { tsName });
}

export function withDefault(schema: Schema, value: unknown): Schema {
  return derive(schema, { default: value });
}

export function described(schema: Schema, description: string): Schema {
  return derive(schema, { description });
}

/** Adds x-kubernetes-validations rules, each with an equivalent check for the offline validator. */
export function cel(schema: Schema, rules: { rule: string; message: string; test(value: unknown): boolean }[]): Schema {
  const copy = derive(schema, {
    'x-kubernetes-validations': [
      ...(schema['x-kubernetes-validations'] ?? []),
      ...rules.map(({ rule, message }) => ({ rule, message })),
    ],
  });
  return withMeta(copy, { checks: rules.map(({ rule, message, test }) => ({ rule, message, test })) });
}

/** Exactly one of the listed properties must be set (ESO's Min/MaxProperties=1 on one-of structs). */
export function exactlyOne(schema: Schema): Schema {
  return derive(schema, { minProperties: 1, maxProperties: 1 });
}

/** Adds checks that only the offline validator runs (the API server has no equivalent in the CRD). */
export function offline(schema: Schema, ...checks: OfflineCheck[]): Schema {
  return withMeta(derive(schema, {}), { checks });
}

/** Marks a field whose values may be secrets (fake provider values, inline templates): never echoed in errors. */
export function sensitive(schema: Schema): Schema {
  return withMeta(derive(schema, {}), { sensitive: true });
}
