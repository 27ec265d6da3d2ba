// Walks a manifest alongside its schema the way the API server does for custom resources: dropping unknown
// fields, filling defaults, and (offline only) running the extra checks and finding fields that may hold secrets.
import { type Schema, schemaMeta } from '../schema/dsl.js';
import type { ValidationIssue } from './issue.js';

type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Appends a key or index the way the API server prints field paths (`spec.data[0].secretKey`). */
export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Removes fields the schema does not know, as the API server prunes them. */
export function prune(schema: Schema, value: unknown, path: string, unknown: string[]): void {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items) value.forEach((item, i) => void prune(items, item, join(path, i), unknown));
    return;
  }
  if (!isObject(value)) return;
  if (schema.additionalProperties) {
    for (const [key, child] of Object.entries(value))
      prune(schema.additionalProperties, child, join(path, key), unknown);
    return;
  }
  const properties = schema.properties ?? {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties[key];
    if (childSchema) prune(childSchema, child, join(path, key), unknown);
    else if (!schema['x-kubernetes-preserve-unknown-fields']) {
      unknown.push(join(path, key));
      delete value[key];
    }
  }
}

/** Fills in schema defaults top-down, and drops nulls on non-nullable fields first, like the API server. */
export function applyDefaults(schema: Schema, value: unknown): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(schema.items, item);
    return;
  }
  if (!isObject(value)) return;
  if (schema.additionalProperties) {
    for (const child of Object.values(value)) applyDefaults(schema.additionalProperties, child);
    return;
  }
  for (const [key, childSchema] of Object.entries(schema.properties ?? {})) {
    if (value[key] === null && !childSchema.nullable) delete value[key];
    if (value[key] === undefined && childSchema.default !== undefined)
      value[key] = structuredClone(childSchema.default);
    if (value[key] !== undefined) applyDefaults(childSchema, value[key]);
  }
}

/** Runs the offline-only checks (Go durations, regexes, CEL equivalents) attached to schema nodes. */
export function runChecks(
  schema: Schema,
  value: unknown,
  path: string,
  issues: ValidationIssue[],
  sensitive: ReadonlySet<string>,
): void {
  if (value === undefined) return;
  for (const check of schemaMeta(schema).checks ?? []) {
    const problems = 'problems' in check ? check.problems(value) : check.test(value) ? [] : [check.message];
    for (const message of problems) {
      issues.push({ path, message: checkMessage(value, message, path, sensitive), severity: 'error' });
    }
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items) value.forEach((item, i) => void runChecks(items, item, join(path, i), issues, sensitive));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.additionalProperties ?? schema.properties?.[key];
      if (childSchema) runChecks(childSchema, child, join(path, key), issues, sensitive);
    }
  }
}

/** Instance paths whose values may be secrets; errors at or below them never echo the value. */
export function sensitivePaths(schema: Schema, value: unknown, path: string, found: Set<string>): void {
  if (value === undefined) return;
  if (schemaMeta(schema).sensitive) {
    found.add(path);
    return;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items) value.forEach((item, i) => void sensitivePaths(items, item, join(path, i), found));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.additionalProperties ?? schema.properties?.[key];
      if (childSchema) sensitivePaths(childSchema, child, join(path, key), found);
    }
  }
}

function isSensitive(path: string, sensitive: ReadonlySet<string>): boolean {
  for (const prefix of sensitive) {
    if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) return true;
  }
  return false;
}

/** How a value appears in a message: JSON, unless it may be a secret. */
export function shownValue(value: unknown, path: string, sensitive: ReadonlySet<string>): string {
  return isSensitive(path, sensitive) ? '(value hidden)' : JSON.stringify(value);
}

export function checkMessage(value: unknown, message: string, path: string, sensitive: ReadonlySet<string>): string {
  return typeof value === 'string' || typeof value === 'number'
    ? `Invalid value: ${shownValue(value, path, sensitive)}: ${message}`
    : `Invalid value: ${message}`;
}
