// `dataFrom[].rewrite`: regexp (Go ReplaceAllString with $1 / ${name} expansion), transform (a Go template over
// {"value": key}) and merge (combine JSON values). Applied in list order to the keys of one dataFrom result.
// Errors name keys and patterns, never values.
import { RE2JS } from 're2js';
import type { ExternalSecretRewrite } from '../../api/generated/types.js';
import { goMarshal } from '../../providers/gojson.js';
import { defaultFunctions } from '../../template/functions/index.js';
import { fromJsonData, parseTemplate } from '../../template/index.js';

export class RewriteError extends Error {
  override name = 'RewriteError';
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/** Go's regexp.Expand for one match: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown groups expand to "". */
function expand(template: string, group: (ref: number | string) => string | null): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name = '';
    let end = i;
    if (template[i] === '{') {
      const close = template.indexOf('}', i + 1);
      const inner = close === -1 ? '' : template.slice(i + 1, close);
      if (close !== -1 && inner !== '' && [...inner].every((c) => NAME_CHAR.test(c))) {
        name = inner;
        end = close + 1;
      }
    } else {
      while (end < template.length && NAME_CHAR.test(template[end] as string)) end++;
      name = template.slice(i, end);
    }
    if (name === '') {
      out += '$';
      continue;
    }
    i = end;
    const ref = /^\d+$/.test(name) && name.length < 9 ? Number(name) : name;
    try {
      out += group(ref) ?? '';
    } catch {
      // A group that does not exist expands to nothing, as in Go.
    }
  }
  return out;
}

function compile(source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (error) {
    throw new RewriteError(
      `invalid rewrite regexp ${JSON.stringify(source)}: ${(error as Error).message} (use Go RE2 syntax)`,
    );
  }
}

/** Go's ReplaceAllString: successive non-overlapping matches; an empty match right after a match is skipped. */
function replaceAll(re: RE2JS, input: string, target: string): string {
  const m = re.matcher(input);
  let out = '';
  let last = 0;
  let previousEnd = -1;
  let pos = 0;
  while (pos <= input.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    const step = (at: number) => at + ((input.codePointAt(at) ?? 0) > 0xffff ? 2 : 1);
    if (start === end && start === previousEnd) {
      pos = step(start);
      continue;
    }
    out += input.slice(last, start);
    out += expand(target, (ref) => {
      if (typeof ref === 'number' && ref > m.groupCount()) return null;
      if (typeof ref === 'string' && !(ref in re.namedGroups())) return null;
      return m.group(ref);
    });
    last = end;
    previousEnd = end;
    pos = end === start ? step(end) : end;
  }
  return out + input.slice(last);
}

function rewriteRegexp(step: NonNullable<ExternalSecretRewrite['regexp']>, map: Record<string, Uint8Array>) {
  const re = compile(step.source);
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(map)) out[replaceAll(re, key, step.target)] = value;
  return out;
}

// Sprig (without env, expandenv, getHostByName) and ESO's functions, as for target templates.
const templateFunctions = defaultFunctions;

function rewriteTransform(step: NonNullable<ExternalSecretRewrite['transform']>, map: Record<string, Uint8Array>) {
  let parsed: ReturnType<typeof parseTemplate>;
  try {
    parsed = parseTemplate('transform', step.template, { functions: templateFunctions, redactValues: true });
  } catch (error) {
    throw new RewriteError(`invalid rewrite transform template: ${(error as Error).message}`);
  }
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(map)) {
    let renamed: string;
    try {
      renamed = parsed.execute(fromJsonData({ value: key }));
    } catch (error) {
      throw new RewriteError(`rewrite transform failed for key ${key}: ${(error as Error).message}`);
    }
    out[renamed] = value;
  }
  return out;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function rewriteMerge(step: NonNullable<ExternalSecretRewrite['merge']>, map: Record<string, Uint8Array>) {
  const strategy = step.strategy ?? 'Extract';
  const into = step.into ?? '';
  if (strategy === 'JSON' && into === '') {
    throw new RewriteError('rewrite merge with strategy JSON needs merge.into: the key that receives the merged JSON');
  }
  const priority = step.priority ?? [];
  for (const key of priority) {
    if (!(key in map) && (step.priorityPolicy ?? 'Strict') === 'Strict') {
      throw new RewriteError(
        `rewrite merge: priority key ${key} not found (set priorityPolicy: IgnoreNotFound to skip it)`,
      );
    }
  }
  const ordered = [
    ...Object.keys(map)
      .filter((k) => !priority.includes(k))
      .sort(byteOrder),
    ...priority.filter((k) => k in map),
  ];
  const merged: Record<string, unknown> = Object.create(null);
  for (const key of ordered) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(map[key] as Uint8Array).toString('utf8'));
    } catch {
      throw new RewriteError(`rewrite merge: value of key ${key} is not a JSON object`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new RewriteError(`rewrite merge: value of key ${key} is not a JSON object`);
    }
    for (const [field, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (field in merged && !priority.includes(key) && (step.conflictPolicy ?? 'Error') === 'Error') {
        throw new RewriteError(
          `rewrite merge: key ${field} is defined in more than one secret (set conflictPolicy: Ignore or use priority)`,
        );
      }
      merged[field] = value;
    }
  }
  if (strategy === 'JSON') {
    const out: Record<string, Uint8Array> = Object.assign(Object.create(null), map);
    out[into] = new Uint8Array(Buffer.from(goMarshal(merged), 'utf8'));
    return out;
  }
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [field, value] of Object.entries(merged)) {
    const text = typeof value === 'string' ? value : goMarshal(value);
    out[field] = new Uint8Array(Buffer.from(text, 'utf8'));
  }
  return out;
}

export function rewriteMap(steps: ExternalSecretRewrite[] | undefined, map: Record<string, Uint8Array>) {
  let current = map;
  for (const [index, step] of (steps ?? []).entries()) {
    if (step.regexp) current = rewriteRegexp(step.regexp, current);
    else if (step.transform) current = rewriteTransform(step.transform, current);
    else if (step.merge) current = rewriteMerge(step.merge, current);
    else throw new RewriteError(`rewrite[${index}] must set exactly one of regexp, transform or merge`);
  }
  return current;
}
