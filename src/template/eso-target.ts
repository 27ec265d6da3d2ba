// ESO's `spec.target.template` applied to provider data (ESO v2.9 ApplyTemplate, engine v2): what goes into the
// Secret's data, labels, annotations and type. Pure: ConfigMaps and Secrets named by templateFrom are fetched by
// the caller and passed in; nothing here reads the cluster, the environment or the clock.
//
// Order, lowest precedence first (later writes win):
//   provider data (only with mergePolicy Merge, or when the template has neither data nor templateFrom)
//   templateFrom entries in list order (configMap items, then secret items, then literal, per entry; each rendered
//   value decoded by the entry's valuesDecodingStrategy)
//   template.data
//   template.metadata.labels, then template.metadata.annotations (rendered like data, into labels/annotations)
// Existing Secret keys (creationPolicy Merge), ES metadata copied when there is no template, finalizers and the
// managed label/annotation bookkeeping stay with the caller.
//
// Custos is strict by default: besides Go's missingkey=error (which ESO also sets, so `.missing` fails), `index`
// on a missing map key fails naming the key instead of yielding "". With strict: false, `index` behaves as in ESO.
//
// Errors are EsoTemplateError: they name the template key or source and the problem, never a value. Go errors that
// would quote data are redacted, and any provider or source value that still appears in a message is replaced.

import { parse as parseYaml } from 'yaml';
import { builtinFunctions } from './builtins.js';
import { type FunctionMap, type TemplateFunction, TemplateFunctionError } from './functions/contract.js';
import { bytesToGoString, goStringToBytes } from './functions/crypto-bytes.js';
import { base64StdDecode } from './functions/crypto-pem-codec.js';
import { defaultFunctions } from './functions/index.js';
import { withGoType } from './functions/support.js';
import { parseTemplate, TemplateError } from './index.js';
import { goQuote } from './lexer.js';
import { isPlainMap } from './types.js';
import { newGoMap } from './values.js';

export type TemplateScope = 'Values' | 'KeysAndValues';

export interface TemplateFromSource {
  configMap?: { name: string; items: { key: string; templateAs?: TemplateScope }[] };
  secret?: { name: string; items: { key: string; templateAs?: TemplateScope }[] };
  literal?: string;
  target?: 'Data' | 'Annotations' | 'Labels';
  /** Decodes each rendered value (not keys) before it is stored; empty or None keeps it as rendered. */
  valuesDecodingStrategy?: ValuesDecodingStrategy;
}

export type ValuesDecodingStrategy = 'Auto' | 'Base64' | 'Base64URL' | 'None';

export interface TargetTemplate {
  type?: string;
  engineVersion?: 'v1' | 'v2';
  mergePolicy?: 'Replace' | 'Merge';
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] };
  data?: Record<string, string>;
  templateFrom?: TemplateFromSource[];
}

/** ConfigMaps and Secrets named by templateFrom, already fetched by the caller, keyed by name. */
export interface TemplateSources {
  configMaps: Record<string, Record<string, string>>;
  secrets: Record<string, Record<string, Uint8Array>>;
}

export interface RenderedSecretParts {
  data: Record<string, Uint8Array>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** template.type when set; undefined keeps the Secret's existing type. */
  type?: string;
}

export interface EsoTemplateOptions {
  /** Default true: a missing key is an error naming the key, also through `index`. */
  strict?: boolean;
}

export class EsoTemplateError extends Error {
  override name = 'EsoTemplateError';
}

type Target = 'data' | 'labels' | 'annotations';

const SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
const SERVICE_ACCOUNT_NAME = 'kubernetes.io/service-account.name';
const BOOTSTRAP_TOKEN = 'bootstrap.kubernetes.io/token';

/** Renders the target template of an ExternalSecret into the parts of the Secret it produces. */
export function applyTargetTemplate(
  template: TargetTemplate | undefined,
  providerData: Record<string, Uint8Array>,
  sources: TemplateSources,
  options: EsoTemplateOptions = {},
): RenderedSecretParts {
  const parts: RenderedSecretParts = { data: {}, labels: {}, annotations: {} };
  if (template === undefined || template === null) {
    for (const key of Object.keys(providerData)) parts.data[key] = copyBytes(providerData[key]!);
    return parts;
  }
  validateTemplate(template);
  if (template.type !== undefined && template.type !== '') parts.type = template.type;

  const secretValues: string[] = [];
  const data = withGoType(newGoMap(), 'map[string]string') as Record<string, string>;
  for (const key of Object.keys(providerData)) {
    data[key] = bytesToGoString(providerData[key]!);
    secretValues.push(data[key]);
  }
  const renderer = new Renderer(data, options.strict !== false, secretValues);

  const templateFrom = template.templateFrom ?? [];
  const templateData = template.data ?? {};
  const noTemplate = Object.keys(templateData).length === 0 && templateFrom.length === 0;
  if (template.mergePolicy === 'Merge' || noTemplate) {
    for (const key of Object.keys(providerData)) parts.data[key] = copyBytes(providerData[key]!);
  }

  templateFrom.forEach((entry, i) => {
    const target = targetOf(entry.target);
    const decoding = decodingOf(entry.valuesDecodingStrategy, `templateFrom[${i}]`);
    if (entry.configMap !== undefined) {
      const { name, items } = entry.configMap;
      const values = sources.configMaps[name];
      if (values === undefined) {
        throw new EsoTemplateError(`templateFrom[${i}]: configMap ${goQuote(name)} was not provided (is it missing?)`);
      }
      for (const item of items) {
        const text = values[item.key];
        if (text === undefined) throw new EsoTemplateError(`error in configmap ${name}: missing key ${item.key}`);
        const where = `templateFrom[${i}] configMap ${goQuote(name)} key ${goQuote(item.key)}`;
        renderer.apply(parts, target, scopeOf(item.templateAs, where), item.key, text, where, decoding);
      }
    }
    if (entry.secret !== undefined) {
      const { name, items } = entry.secret;
      const values = sources.secrets[name];
      if (values === undefined) {
        throw new EsoTemplateError(`templateFrom[${i}]: secret ${goQuote(name)} was not provided (is it missing?)`);
      }
      for (const item of items) {
        const bytes = values[item.key];
        if (bytes === undefined) throw new EsoTemplateError(`error in secret ${name}: missing key ${item.key}`);
        const text = bytesToGoString(bytes);
        renderer.secretValues.push(text);
        const where = `templateFrom[${i}] secret ${goQuote(name)} key ${goQuote(item.key)}`;
        renderer.apply(parts, target, scopeOf(item.templateAs, where), item.key, text, where, decoding);
      }
    }
    if (entry.literal !== undefined) {
      const where = `templateFrom[${i}] literal`;
      renderer.apply(parts, target, 'KeysAndValues', 'literal', entry.literal, where, decoding);
    }
  });

  for (const key of Object.keys(templateData).sort()) {
    renderer.apply(parts, 'data', 'Values', key, templateData[key]!, `template.data key ${goQuote(key)}`);
  }
  const labels = template.metadata?.labels ?? {};
  for (const key of Object.keys(labels).sort()) {
    renderer.apply(parts, 'labels', 'Values', key, labels[key]!, `template.metadata.labels key ${goQuote(key)}`);
  }
  const annotations = template.metadata?.annotations ?? {};
  for (const key of Object.keys(annotations).sort()) {
    const where = `template.metadata.annotations key ${goQuote(key)}`;
    renderer.apply(parts, 'annotations', 'Values', key, annotations[key]!, where);
  }
  return parts;
}

/** ESO's engine choice and ValidateSecretTemplate: privileged Secret types and templateFrom targets. */
function validateTemplate(template: TargetTemplate): void {
  const version = template.engineVersion;
  if (version !== undefined && (version as string) !== '' && version !== 'v2') {
    throw new EsoTemplateError(
      `unsupported template engine version ${goQuote(String(version))}: only "v2" is supported (set engineVersion: v2)`,
    );
  }
  const policy = template.mergePolicy;
  if (policy !== undefined && (policy as string) !== '' && policy !== 'Replace' && policy !== 'Merge') {
    throw new EsoTemplateError(`template.mergePolicy ${goQuote(String(policy))} is not allowed: use Replace or Merge`);
  }
  const templateFrom = template.templateFrom ?? [];
  if (template.type === SERVICE_ACCOUNT_TOKEN) {
    if (Object.hasOwn(template.metadata?.annotations ?? {}, SERVICE_ACCOUNT_NAME)) {
      throw new EsoTemplateError(
        `template.type=${goQuote(SERVICE_ACCOUNT_TOKEN)} with annotation ${goQuote(SERVICE_ACCOUNT_NAME)} is not allowed`,
      );
    }
    if (templateFrom.some((entry) => (entry.target ?? '').toLowerCase() === 'annotations')) {
      throw new EsoTemplateError(
        `template.type=${goQuote(SERVICE_ACCOUNT_TOKEN)} with templateFrom target="Annotations" is not allowed`,
      );
    }
  }
  if (template.type === BOOTSTRAP_TOKEN) {
    throw new EsoTemplateError(`template.type=${goQuote(BOOTSTRAP_TOKEN)} is not allowed`);
  }
  for (const entry of templateFrom) targetOf(entry.target);
}

function targetOf(target: string | undefined): Target {
  switch ((target ?? '').toLowerCase()) {
    case '':
    case 'data':
      return 'data';
    case 'labels':
      return 'labels';
    case 'annotations':
      return 'annotations';
  }
  throw new EsoTemplateError(
    `templateFrom target=${goQuote(String(target))} is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`,
  );
}

function scopeOf(scope: string | undefined, where: string): TemplateScope {
  if (scope === undefined || scope === '' || scope === 'Values') return 'Values';
  if (scope === 'KeysAndValues') return 'KeysAndValues';
  throw new EsoTemplateError(`${where}: unknown scope ${goQuote(scope)}: expected 'Values' or 'KeysAndValues'`);
}

function decodingOf(strategy: string | undefined, where: string): ValuesDecodingStrategy {
  if (strategy === undefined || strategy === '' || strategy === 'None') return 'None';
  if (strategy === 'Auto' || strategy === 'Base64' || strategy === 'Base64URL') return strategy;
  throw new EsoTemplateError(
    `${where}: valuesDecodingStrategy ${goQuote(strategy)} is not supported: use Auto, Base64, Base64URL or None`,
  );
}

/** Go's base64 StdEncoding / URLEncoding DecodeString (padding required, CR and LF ignored). */
function decodeBase64(text: string, url: boolean): Uint8Array {
  const bytes = goStringToBytes(text);
  if (url) {
    // The URL alphabet swaps + and / for - and _; the standard decoder then checks the rest.
    const plusOrSlash = bytes.findIndex((b) => b === 0x2b || b === 0x2f);
    if (plusOrSlash >= 0) throw new Error(`illegal base64 data at input byte ${plusOrSlash}`);
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x2d) bytes[i] = 0x2b;
      else if (bytes[i] === 0x5f) bytes[i] = 0x2f;
    }
  }
  const { bytes: out, errorAt } = base64StdDecode(bytes);
  if (errorAt !== undefined) throw new Error(`illegal base64 data at input byte ${errorAt}`);
  return out;
}

/** ESO's decoding of a rendered value (runtime/decoding): Auto tries Base64, then Base64URL, then keeps it. */
function decodeValue(strategy: ValuesDecodingStrategy, value: string): Uint8Array {
  switch (strategy) {
    case 'None':
      return goStringToBytes(value);
    case 'Base64':
      return decodeBase64(value, false);
    case 'Base64URL':
      return decodeBase64(value, true);
    case 'Auto':
      try {
        return decodeBase64(value, false);
      } catch {
        try {
          return decodeBase64(value, true);
        } catch {
          return goStringToBytes(value);
        }
      }
  }
}

function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** Go's `index`, except that a missing key of a map is an error naming it (Go's missingkey=error wording). */
const strictIndex = {
  params: ['reflect'],
  variadic: 'reflect',
  fn: (item: unknown, ...indexes: unknown[]): unknown => {
    const index = builtinFunctions.get('index')!.fn;
    let current = item;
    for (const key of indexes) {
      if (typeof key === 'string' && typeof current === 'object' && current !== null && isPlainMap(current)) {
        if (!Object.hasOwn(current, key)) throw new TemplateFunctionError(`map has no entry for key ${goQuote(key)}`);
      }
      current = index(current, key);
    }
    return current;
  },
} as unknown as TemplateFunction;

const strictFunctions: FunctionMap = Object.freeze({ ...defaultFunctions, index: strictIndex });

/** Renders templates with ESO's settings and writes results to the Secret's parts. */
class Renderer {
  constructor(
    private readonly data: Record<string, string>,
    private readonly strict: boolean,
    readonly secretValues: string[],
  ) {}

  apply(
    parts: RenderedSecretParts,
    target: Target,
    scope: TemplateScope,
    key: string,
    text: string,
    where: string,
    decoding: ValuesDecodingStrategy = 'None',
  ): void {
    const output = this.render(key, text, where);
    const entries = scope === 'Values' ? [[key, output] as const] : this.parseKeysAndValues(output, where);
    for (const [k, v] of entries) {
      let bytes: Uint8Array;
      try {
        bytes = decodeValue(decoding, v);
      } catch (e) {
        throw new EsoTemplateError(`${where}: failure decoding key ${goQuote(k)}: ${(e as Error).message}`);
      }
      if (target === 'data') parts.data[k] = bytes;
      else parts[target][k] = bytesToGoString(bytes);
    }
  }

  private render(name: string, text: string, where: string): string {
    try {
      const parsed = parseTemplate(name, text, {
        missingKey: 'error',
        functions: this.strict ? strictFunctions : defaultFunctions,
        redactValues: true,
      });
      return parsed.execute(this.data);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      throw new EsoTemplateError(`${where}: ${this.scrub(e.message)}`);
    }
  }

  /** KeysAndValues: the rendered text is a YAML map of strings (as ESO reads it, YAML 1.1 through JSON). */
  private parseKeysAndValues(text: string, where: string): [string, string][] {
    const fail = (problem: string): never => {
      const message = `could not unmarshal template to 'map[string][]byte': ${problem}`;
      throw new EsoTemplateError(`${where}: ${this.scrub(message)}`);
    };
    let value: unknown;
    try {
      value = parseYaml(text, { version: '1.1', uniqueKeys: false });
    } catch (e) {
      // The parser's message quotes the offending text, which may be a secret: keep only its kind.
      return fail(`invalid YAML (${(e as { code?: string }).code ?? 'syntax error'})`);
    }
    if (value === null || value === undefined) return [];
    if (typeof value !== 'object' || Array.isArray(value)) {
      return fail(`json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into map[string]string`);
    }
    const out: [string, string][] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === null) out.push([k, '']);
      else if (typeof v === 'string') out.push([k, v]);
      else fail(`json: cannot unmarshal ${typeof v} into Go value of type string (key ${goQuote(k)})`);
    }
    return out;
  }

  /** Belt and braces: no provider or source value of four or more characters survives in a message. */
  private scrub(message: string): string {
    let out = message;
    const values = [...this.secretValues].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
    for (const v of values) if (out.includes(v)) out = out.replaceAll(v, '<redacted>');
    return out;
  }
}
