// The JSONPath subset that webhook results need: `$` followed by member names (`.name`, `['name']`, `["name"]`)
// and array indexes (`[0]`, `[-1]` from the end). ESO evaluates `result.jsonPath` with PaesslerAG/jsonpath; its
// wildcards, slices, filters and recursive descent select several values, which a webhook result (one object or
// one string) cannot use, so they are refused with a message instead of being half supported.

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

type Step = { kind: 'member'; name: string } | { kind: 'index'; index: number };

function unsupported(path: string, at: number, what: string): JsonPathError {
  return new JsonPathError(
    `jsonPath "${path}": ${what} at position ${at + 1} is not supported; use $ with .name, ['name'] and [index] steps`,
  );
}

export function parseJsonPath(path: string): Step[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw new JsonPathError(`jsonPath "${path}" must start with $ (e.g. $.data)`);
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.') throw unsupported(path, i, 'recursive descent (..)');
      const match = /^[A-Za-z_$][\w$-]*/.exec(text.slice(i + 1));
      if (!match) {
        if (text[i + 1] === '*') throw unsupported(path, i + 1, 'a wildcard (*)');
        throw new JsonPathError(`jsonPath "${path}": a member name is expected after "." at position ${i + 1}`);
      }
      steps.push({ kind: 'member', name: match[0] });
      i += 1 + match[0].length;
    } else if (c === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw new JsonPathError(`jsonPath "${path}": "[" at position ${i + 1} is not closed`);
      const inner = text.slice(i + 1, close).trim();
      const quoted = /^(['"])(.*)\1$/s.exec(inner);
      if (quoted) {
        steps.push({ kind: 'member', name: (quoted[2] as string).replace(/\\(.)/g, '$1') });
      } else if (/^-?\d+$/.test(inner)) {
        steps.push({ kind: 'index', index: Number(inner) });
      } else if (inner === '*') {
        throw unsupported(path, i, 'a wildcard ([*])');
      } else if (inner.startsWith('?')) {
        throw unsupported(path, i, 'a filter ([?()])');
      } else if (inner.includes(':') || inner.includes(',')) {
        throw unsupported(path, i, 'a slice or union');
      } else {
        throw new JsonPathError(`jsonPath "${path}": "[${inner}]" is neither a quoted name nor an index`);
      }
      i = close + 1;
    } else {
      throw new JsonPathError(`jsonPath "${path}": unexpected "${c}" at position ${i + 1}`);
    }
  }
  return steps;
}

/** Walks `value` (JSON.parse output) along `path`; a missing member or index is an error naming it. */
export function jsonPathGet(path: string, value: unknown): unknown {
  let current = value;
  let walked = '$';
  for (const step of parseJsonPath(path)) {
    if (step.kind === 'member') {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) {
        throw new JsonPathError(`jsonPath "${path}": ${walked} is not an object, cannot read "${step.name}"`);
      }
      if (!Object.hasOwn(current, step.name)) {
        throw new JsonPathError(`jsonPath "${path}": ${walked} has no member "${step.name}"`);
      }
      current = (current as Record<string, unknown>)[step.name];
      walked += `.${step.name}`;
    } else {
      if (!Array.isArray(current)) {
        throw new JsonPathError(`jsonPath "${path}": ${walked} is not an array, cannot take [${step.index}]`);
      }
      const at = step.index < 0 ? current.length + step.index : step.index;
      if (at < 0 || at >= current.length) {
        throw new JsonPathError(
          `jsonPath "${path}": index ${step.index} is out of range for ${walked} (${current.length} entries)`,
        );
      }
      current = current[at];
      walked += `[${step.index}]`;
    }
  }
  return current;
}
