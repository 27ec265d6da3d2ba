// Public API of the template engine: parse a Go text/template once, execute it many times. Options mirror
// Go's (missingkey, Delims, Funcs) plus execution limits; errors are TemplateError with Go-shaped messages.
//
// Deliberate differences from Go 1.26 text/template:
// - Nesting is limited to maxDepth (default 1000) for template calls, if/with/range blocks and parenthesised
//   pipelines together (Go: 100000 template calls), because the JavaScript stack is much smaller than Go's.
// - A slice's capacity is its length (Go's encoding/json may leave spare capacity that `slice` can reach).
// - %p has no addresses to print: it reports a bad verb, %!p(type=value).
// - Execution limits (steps, output bytes) and redactValues have no Go counterpart.

import { builtinFunctions } from './builtins.js';
import { TemplateError } from './errors.js';
import { type ExecLimits, execute, MissingKey, type MissingKeyMode } from './exec.js';
import type { FunctionMap } from './functions/contract.js';
import { canonicalGoString, fromJsonString } from './functions/crypto-bytes.js';
import { defaultFunctions } from './functions/index.js';
import type { Tree } from './nodes.js';
import { parse } from './parser.js';
import { newGoMap } from './values.js';

export { TemplateError } from './errors.js';
export { defaultFunctions } from './functions/index.js';

export type MissingKeyOption = 'default' | 'zero' | 'error';

export interface TemplateLimits {
  /** Maximum number of nodes and commands evaluated (default 10,000,000). */
  maxSteps?: number;
  /** Maximum size of the output in UTF-8 bytes (default 16 MiB). */
  maxOutputBytes?: number;
  /** Maximum nesting of template calls, parentheses and control blocks (default 1000). */
  maxDepth?: number;
}

export interface TemplateOptions {
  missingKey?: MissingKeyOption;
  leftDelim?: string;
  rightDelim?: string;
  /**
   * Functions available to the template in addition to the builtins (they win over builtins of the same name).
   * Default: defaultFunctions (Sprig + ESO's own, as ESO offers them). Pass {} for Go's builtins only.
   */
  functions?: FunctionMap;
  limits?: TemplateLimits;
  /**
   * Replace data values that Go's own error messages quote (e.g. "range can't iterate over VALUE") with
   * <redacted>, so errors can go to logs and status without leaking secrets. Off by default (Go's exact text).
   * Messages written by functions themselves are not changed.
   */
  redactValues?: boolean;
}

export interface ParsedTemplate {
  /** Renders the template with `data` (values of the value model; see fromJsonData). Throws TemplateError. */
  execute(data: unknown, options?: { missingKey?: MissingKeyOption }): string;
}

export const DEFAULT_LIMITS: Readonly<Required<TemplateLimits>> = {
  maxSteps: 10_000_000,
  maxOutputBytes: 16 * 1024 * 1024,
  maxDepth: 1000,
};

/** Names of Go's predefined template functions. */
export const builtinFunctionNames: ReadonlySet<string> = new Set(builtinFunctions.keys());

function missingKeyMode(option: MissingKeyOption | undefined): MissingKeyMode {
  switch (option) {
    case undefined:
    case 'default':
      return MissingKey.Default;
    case 'zero':
      return MissingKey.Zero;
    case 'error':
      return MissingKey.Error;
  }
  throw new TemplateError(`template: unrecognized missingkey option ${JSON.stringify(option)}`);
}

function positiveLimit(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new TemplateError(`template: limit ${name} must be a positive number`);
  return Math.floor(v);
}

class Parsed implements ParsedTemplate {
  constructor(
    private readonly tree: Tree | undefined,
    private readonly name: string,
    private readonly trees: ReadonlyMap<string, Tree>,
    private readonly missingKey: MissingKeyMode,
    private readonly limits: ExecLimits,
  ) {}

  execute(data: unknown, options?: { missingKey?: MissingKeyOption }): string {
    if (this.tree === undefined) {
      throw new TemplateError(
        `template: ${this.name}: ${JSON.stringify(this.name)} is an incomplete or empty template`,
      );
    }
    const mode = options?.missingKey === undefined ? this.missingKey : missingKeyMode(options.missingKey);
    // Bytes of one rune may come from different strings ("%s%s" of two halves); Go's output is the joined bytes.
    return canonicalGoString(execute(this.tree, this.trees, data, mode, this.limits));
  }
}

/** Parses a template. Throws TemplateError for syntax errors (e.g. "template: NAME:1: function "x" not defined"). */
export function parseTemplate(name: string, text: string, options: TemplateOptions = {}): ParsedTemplate {
  const functions = options.functions ?? defaultFunctions;
  const limits: ExecLimits = {
    maxSteps: positiveLimit('maxSteps', options.limits?.maxSteps, DEFAULT_LIMITS.maxSteps),
    maxOutputBytes: positiveLimit('maxOutputBytes', options.limits?.maxOutputBytes, DEFAULT_LIMITS.maxOutputBytes),
    maxDepth: positiveLimit('maxDepth', options.limits?.maxDepth, DEFAULT_LIMITS.maxDepth),
    redactValues: options.redactValues === true,
  };
  const leftDelim = options.leftDelim === undefined || options.leftDelim === '' ? '{{' : options.leftDelim;
  const rightDelim = options.rightDelim === undefined || options.rightDelim === '' ? '}}' : options.rightDelim;
  let trees: Map<string, Tree>;
  try {
    trees = parse(name, text, {
      leftDelim,
      rightDelim,
      maxDepth: limits.maxDepth,
      resolve: (fname) => {
        if (Object.hasOwn(functions, fname)) {
          return { builtin: 0, fn: functions[fname]! };
        }
        const b = builtinFunctions.get(fname);
        return b === undefined ? undefined : { builtin: b.id, fn: b };
      },
    });
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    if (e instanceof RangeError) throw new TemplateError(`template: ${name}: template nested too deeply to parse`);
    throw e;
  }
  return new Parsed(trees.get(name), name, trees, missingKeyMode(options.missingKey), limits);
}

/** Parses and executes in one step. */
export function renderTemplate(name: string, text: string, data: unknown, options?: TemplateOptions): string {
  return parseTemplate(name, text, options).execute(data);
}

/**
 * Converts JSON.parse output to the value model the way Go's encoding/json decodes into interface{}:
 * numbers become float64 (JS numbers), objects become maps without prototype, arrays []interface{}, and escaped
 * lone surrogates U+FFFD.
 */
export function fromJsonData(json: unknown): unknown {
  if (typeof json === 'string') return fromJsonString(json);
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) {
    const out: unknown[] = new Array(json.length);
    for (let i = 0; i < json.length; i++) out[i] = fromJsonData(json[i]);
    return out;
  }
  const out = newGoMap();
  for (const key of Object.keys(json)) out[fromJsonString(key)] = fromJsonData((json as Record<string, unknown>)[key]);
  return out;
}
