// Offline validation of ExternalSecret / SecretStore / ... manifests against the CRD schemas, so the CLI can say
// what is wrong before anything is applied. It follows the API server's order: drop unknown fields (reported as
// warnings, or errors in strict mode like `kubectl apply`), apply defaults, then check the OpenAPI keywords with
// ajv, plus the checks ESO's webhook (or a CEL rule) would make.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { crdName } from './crds.js';
import { findKind, KINDS, type KindDefinition } from './kinds.js';
import { DNS1123_SUBDOMAIN, type Schema } from './schema/dsl.js';
import type { ValidationIssue } from './validation/issue.js';
import { schemaErrors } from './validation/messages.js';
import { applyDefaults, isObject, prune, runChecks, sensitivePaths } from './validation/structural.js';

export type { ValidationIssue } from './validation/issue.js';

export interface ValidateOptions {
  /** `warn` (API server default) reports unknown fields as warnings; `strict` (kubectl apply) as errors. */
  unknownFields?: 'warn' | 'strict' | 'ignore';
}

type Json = Record<string, unknown>;

const K8S_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
  'x-kubernetes-embedded-resource',
];

// ajv-formats is CommonJS; under NodeNext its default import is the module object on some toolchains.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
  formats: string[],
) => Ajv;

function makeAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv, ['date-time', 'byte', 'int32', 'int64']);
  for (const keyword of K8S_KEYWORDS) ajv.addKeyword({ keyword });
  return ajv;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(kind: KindDefinition, part: 'spec' | 'status', schema: Schema): ValidateFunction {
  const key = `${crdName(kind)}/${part}`;
  let fn = compiled.get(key);
  if (!fn) {
    ajv ??= makeAjv();
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

function validateMetadata(manifest: Json, issues: ValidationIssue[]): void {
  const metadata = manifest.metadata;
  if (!isObject(metadata)) {
    issues.push({ path: 'metadata', message: 'Required value: metadata.name is required', severity: 'error' });
    return;
  }
  const name = metadata.name;
  if (name === undefined && metadata.generateName === undefined) {
    issues.push({
      path: 'metadata.name',
      message: 'Required value: name or generateName is required',
      severity: 'error',
    });
  } else if (
    name !== undefined &&
    (typeof name !== 'string' || name.length > 253 || !new RegExp(DNS1123_SUBDOMAIN).test(name))
  ) {
    issues.push({
      path: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      severity: 'error',
    });
  }
}

/** The whole object's schema; metadata is ObjectMeta, which the server validates itself and never prunes. */
function objectSchema(definition: KindDefinition): Schema {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      spec: definition.spec,
      ...(definition.status ? { status: definition.status } : {}),
    },
  };
}

function sortIssues(issues: ValidationIssue[]): ValidationIssue[] {
  return issues.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Validates one manifest (already parsed from YAML/JSON). Returns no issues when the API server would accept it
 * and the operator could use it; warnings do not block.
 */
export function validateManifest(manifest: unknown, options: ValidateOptions = {}): ValidationIssue[] {
  const mode = options.unknownFields ?? 'warn';
  if (!isObject(manifest)) return [{ path: '', message: 'a manifest must be a YAML/JSON object', severity: 'error' }];
  const { apiVersion, kind } = manifest;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return [
      { path: typeof apiVersion !== 'string' ? 'apiVersion' : 'kind', message: 'Required value', severity: 'error' },
    ];
  }
  const definition = findKind(apiVersion, kind);
  if (!definition) {
    const known = KINDS.filter((k) => k.kind === kind).map((k) => `${k.group}/${k.storageVersion}`);
    const hint = known.length > 0 ? `; use apiVersion ${known.join(' or ')}` : '';
    return [
      { path: 'kind', message: `no kind ${JSON.stringify(kind)} is served in ${apiVersion}${hint}`, severity: 'error' },
    ];
  }

  const issues: ValidationIssue[] = [];
  validateMetadata(manifest, issues);
  const copy = structuredClone(manifest);
  const root = objectSchema(definition);
  const unknown: string[] = [];
  prune(root, copy, '', unknown);
  if (mode !== 'ignore') {
    for (const path of unknown) {
      issues.push({
        path,
        message: `unknown field ${JSON.stringify(path)} (the API server drops it)`,
        severity: mode === 'strict' ? 'error' : 'warning',
      });
    }
  }
  applyDefaults(root, copy);
  for (const part of ['spec', 'status'] as const) {
    const schema = part === 'spec' ? definition.spec : definition.status;
    if (!schema || copy[part] === undefined) continue;
    const sensitive = new Set<string>();
    sensitivePaths(schema, copy[part], part, sensitive);
    issues.push(...schemaErrors(validatorFor(definition, part, schema), copy[part], part, sensitive));
    runChecks(schema, copy[part], part, issues, sensitive);
  }
  return sortIssues(issues);
}

/** The manifest as the API server would store it: unknown fields dropped and defaults filled in. */
export function normalizeManifest<T>(manifest: T): T {
  if (!isObject(manifest) || typeof manifest.apiVersion !== 'string' || typeof manifest.kind !== 'string') {
    return manifest;
  }
  const definition = findKind(manifest.apiVersion, manifest.kind);
  if (!definition) return manifest;
  const copy = structuredClone(manifest) as Json;
  const root = objectSchema(definition);
  prune(root, copy, '', []);
  applyDefaults(root, copy);
  return copy as T;
}

export interface DocumentResult {
  /** 0-based position of the document in the file. */
  index: number;
  apiVersion?: string;
  kind?: string;
  name?: string;
  issues: ValidationIssue[];
}

/** Validates every document of a (multi-document) YAML text; YAML syntax errors are reported per document. */
export function validateDocuments(text: string, options: ValidateOptions = {}): DocumentResult[] {
  return parseAllDocuments(text)
    .map((doc, index) => ({ doc, index }))
    .filter(({ doc }) => doc.errors.length > 0 || (doc.contents !== null && doc.contents !== undefined))
    .map(({ doc, index }) => {
      if (doc.errors.length > 0) {
        const issues = doc.errors.map((e) => ({
          path: '',
          message: `YAML: ${e.message.split('\n')[0] ?? e.message}`,
          severity: 'error' as const,
        }));
        return { index, issues };
      }
      const manifest = doc.toJS() as unknown;
      const head = isObject(manifest) ? manifest : {};
      const metadata = isObject(head.metadata) ? head.metadata : {};
      return {
        index,
        apiVersion: typeof head.apiVersion === 'string' ? head.apiVersion : undefined,
        kind: typeof head.kind === 'string' ? head.kind : undefined,
        name: typeof metadata.name === 'string' ? metadata.name : undefined,
        issues: validateManifest(manifest, options),
      };
    });
}
