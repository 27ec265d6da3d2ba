// Turns ajv errors into the API server's wording, so offline and server messages read alike.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ValidationIssue } from './issue.js';
import { isObject, join, shownValue } from './structural.js';

function pointerToPath(base: string, pointer: string): string {
  let path = base;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(key) ? join(path, Number(key)) : join(path, key);
  }
  return path;
}

function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current = isObject(current) || Array.isArray(current) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

function describeError(
  error: ErrorObject,
  base: string,
  data: unknown,
  sensitive: ReadonlySet<string>,
): ValidationIssue {
  const path = pointerToPath(base, error.instancePath);
  const value = valueAt(data, error.instancePath);
  const shown = shownValue(value, path, sensitive);
  const params = error.params as Record<string, unknown>;
  const issue = (message: string, at = path): ValidationIssue => ({ path: at, message, severity: 'error' });
  switch (error.keyword) {
    case 'required':
      return issue('Required value', join(path, String(params.missingProperty)));
    case 'enum': {
      const allowed = ((params.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', ');
      return issue(`Unsupported value: ${shown}: supported values: ${allowed}`);
    }
    case 'pattern':
      return issue(`Invalid value: ${shown}: should match '${String(params.pattern)}'`);
    case 'maxProperties': {
      // Same wording as the API server, plus the names of the fields that were set.
      const keys = isObject(value) ? Object.keys(value) : [];
      const limit = Number(params.limit);
      return issue(
        `Too many: ${keys.length}: must have at most ${limit} ${limit === 1 ? 'item' : 'items'} (set: ${keys.join(', ')})`,
      );
    }
    case 'minProperties':
      return issue(`Required value: must set at least ${String(params.limit)} field`);
    case 'minLength':
      return issue(`Invalid value: ${shown}: should be at least ${String(params.limit)} chars long`);
    case 'maxLength':
      return issue(`Too long: may not be more than ${String(params.limit)} bytes`);
    case 'minItems':
      return issue(`Invalid value: should have at least ${String(params.limit)} items`);
    case 'maxItems':
      return issue(
        `Too many: ${Array.isArray(value) ? value.length : '?'}: must have at most ${String(params.limit)} items`,
      );
    case 'type':
      return issue(`Invalid value: ${shown}: must be ${String(params.type)}`);
    case 'anyOf':
      return issue(`Invalid value: ${shown}: must be an integer or a string`);
    case 'format':
      return issue(`Invalid value: ${shown}: must be in format ${String(params.format)}`);
    default:
      return issue(`Invalid value: ${shown}: ${error.message ?? 'is invalid'}`);
  }
}

export function schemaErrors(
  fn: ValidateFunction,
  data: unknown,
  base: string,
  sensitive: ReadonlySet<string>,
): ValidationIssue[] {
  if (fn(data)) return [];
  const errors = fn.errors ?? [];
  // The branches of an int-or-string anyOf each fail; report only the anyOf itself.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath));
  return errors
    .filter((e) => ![...anyOfPaths].some((p) => e.schemaPath !== p && e.schemaPath.startsWith(p.replace(/anyOf$/, ''))))
    .map((e) => describeError(e, base, data, sensitive));
}
