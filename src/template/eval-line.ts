// One line of `custos template eval` (issue 3): a JSON request in, a JSON result out, with plain Go semantics
// (missingkey defaults to "default", no ESO strictness) so answers compare directly with Go's. The Go oracle in
// tools/template-oracle speaks the same protocol, and the differential tests go through this very function.
//
//   request:  {"template": string, "data"?: any, "missingkey"?: "default"|"zero"|"error",
//              "leftDelim"?: string, "rightDelim"?: string}
//   response: {"output": string} or {"error": string}

import { fromJsonString, toValidUtf8 } from './functions/crypto-bytes.js';
import {
  defaultFunctions,
  fromJsonData,
  type MissingKeyOption,
  renderTemplate,
  type TemplateOptions,
} from './index.js';

/** The engine a line is evaluated with; tests may pass a stub. */
export interface EvalEngine {
  renderTemplate: (name: string, text: string, data: unknown, options: TemplateOptions) => unknown;
  fromJsonData: (json: unknown) => unknown;
  functions: unknown;
}

export const defaultEvalEngine: EvalEngine = { renderTemplate, fromJsonData, functions: defaultFunctions };

const missingKeys = new Set(['default', 'zero', 'error']);

const answer = (key: 'output' | 'error', text: string): string => JSON.stringify({ [key]: toValidUtf8(text) });

/**
 * Evaluates one request line and returns the response line (without the trailing newline). Never throws: a bad
 * request is answered with {"error": "bad request: ..."}. Output bytes that are not UTF-8 are written as U+FFFD,
 * as Go's encoding/json writes them.
 */
export function evalLine(engine: EvalEngine, line: string): string {
  let req: Record<string, unknown>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    req = parsed as Record<string, unknown>;
  } catch (err) {
    return answer('error', `bad request: ${(err as Error).message}`);
  }
  const { template, data, missingkey = 'default', leftDelim, rightDelim } = req;
  if (typeof template !== 'string') return answer('error', 'bad request: "template" must be a string');
  if (typeof missingkey !== 'string' || !missingKeys.has(missingkey)) {
    return answer('error', 'bad request: "missingkey" must be default, zero or error');
  }
  for (const delim of [leftDelim, rightDelim]) {
    if (delim !== undefined && typeof delim !== 'string') {
      return answer('error', 'bad request: delimiters must be strings');
    }
  }
  try {
    // An absent "data" is JSON null, as Go decodes it (nil), not the engine's "missing value".
    const output = engine.renderTemplate('t', fromJsonString(template), engine.fromJsonData(data ?? null), {
      missingKey: missingkey as MissingKeyOption,
      leftDelim: leftDelim === undefined || leftDelim === '' ? undefined : fromJsonString(leftDelim as string),
      rightDelim: rightDelim === undefined || rightDelim === '' ? undefined : fromJsonString(rightDelim as string),
      functions: engine.functions as TemplateOptions['functions'],
    });
    return answer('output', String(output));
  } catch (err) {
    return answer('error', err instanceof Error ? err.message : String(err));
  }
}
