// Reference handler for one line of `custos template eval` (issue 3): a JSON request in, a JSON result out, plain Go
// semantics (missingkey defaults to "default"). The engine is passed in so this file does not depend on src/;
// the lead moves it next to the CLI. The differential tests use it, so the CLI and the proof share one path.

export interface EvalEngine {
  renderTemplate: (
    name: string,
    text: string,
    data: unknown,
    options: { missingKey: 'default' | 'zero' | 'error'; leftDelim?: string; rightDelim?: string; functions: unknown },
  ) => unknown;
  fromJsonData: (json: unknown) => unknown;
  functions: unknown;
}

const missingKeys = new Set(['default', 'zero', 'error']);

/** Evaluates one request line and returns the response line (without the trailing newline). */
export async function evalLine(engine: EvalEngine, line: string): Promise<string> {
  let req: Record<string, unknown>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    req = parsed as Record<string, unknown>;
  } catch (err) {
    return JSON.stringify({ error: `bad request: ${(err as Error).message}` });
  }
  const { template, data, missingkey = 'default', leftDelim, rightDelim } = req;
  if (typeof template !== 'string') return JSON.stringify({ error: 'bad request: "template" must be a string' });
  if (typeof missingkey !== 'string' || !missingKeys.has(missingkey)) {
    return JSON.stringify({ error: 'bad request: "missingkey" must be default, zero or error' });
  }
  for (const delim of [leftDelim, rightDelim]) {
    if (delim !== undefined && typeof delim !== 'string') {
      return JSON.stringify({ error: 'bad request: delimiters must be strings' });
    }
  }
  try {
    // An absent "data" is JSON null, as Go decodes it (nil), not the engine's "missing value".
    const output = await engine.renderTemplate('t', template, engine.fromJsonData(data ?? null), {
      missingKey: missingkey as 'default' | 'zero' | 'error',
      leftDelim: (leftDelim as string | undefined) || undefined,
      rightDelim: (rightDelim as string | undefined) || undefined,
      functions: engine.functions,
    });
    return JSON.stringify({ output: String(output) });
  } catch (err) {
    return JSON.stringify({ error: err instanceof Error ? err.message : String(err) });
  }
}
