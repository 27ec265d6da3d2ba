// The part of gjson's path syntax (github.com/tidwall/gjson v1.18) that ESO users write in `property`:
// dotted keys, array indexes, `\` escapes, `*`/`?` wildcards in object keys, `#` (array length) and
// `#.rest` (rest applied to every element). Results are rendered the way gjson's Result.String() does.
// Queries, modifiers, pipes, multipaths and JSON lines are refused with a clear error rather than guessed at.
import { type JsonNode, parseJsonPrefix, rawText } from './json-spans.js';

export type GjsonType = 'String' | 'Number' | 'True' | 'False' | 'Null' | 'JSON';

export interface GjsonResult {
  exists: boolean;
  type: GjsonType;
  /** The value's JSON text (strings keep their quotes). */
  raw: string;
  /** What gjson's Result.String() returns: strings unquoted, numbers as written or as a plain decimal, null "". */
  value: string;
}

/** The property uses gjson syntax this implementation does not support. */
export class GjsonPathError extends Error {
  override name = 'GjsonPathError';
}

const MISSING: GjsonResult = Object.freeze({ exists: false, type: 'Null', raw: '', value: '' });

// gjson's built-in modifier names: `@name` is a modifier only when the name is one of these.
const MODIFIERS = new Set([
  'pretty',
  'ugly',
  'reverse',
  'this',
  'flatten',
  'join',
  'valid',
  'keys',
  'values',
  'tostr',
  'fromstr',
  'group',
  'dig',
]);

interface Component {
  /** The key with escape backslashes removed. */
  part: string;
  /** Contains an unescaped `*` or `?`. */
  wild: boolean;
  /** Exactly `#`, unescaped. */
  hash: boolean;
}

function unsupported(path: string, feature: string): never {
  throw new GjsonPathError(
    `property "${path}" uses gjson ${feature}, which Custos does not support; ` +
      'use dotted keys, array indexes, escaped dots (a\\.b), # and #.field, or * and ? in keys',
  );
}

function isModifier(afterAt: string): boolean {
  const end = afterAt.search(/[.|:]/);
  return MODIFIERS.has(end < 0 ? afterAt : afterAt.slice(0, end));
}

function parsePath(path: string): Component[] {
  if (path.startsWith('..')) unsupported(path, 'JSON lines (..)');
  if (path.length > 1 && (path[0] === '[' || path[0] === '{')) unsupported(path, 'multipaths');
  if (path.length > 1 && path[0] === '!') unsupported(path, 'literals (!)');
  const components: Component[] = [];
  let part = '';
  let raw = '';
  let wild = false;
  const finish = () => {
    if (raw.startsWith('#(')) unsupported(path, 'queries (#(...))');
    if (raw.startsWith('@') && isModifier(raw.slice(1))) unsupported(path, 'modifiers (@...)');
    components.push({ part, wild, hash: raw === '#' });
    part = '';
    raw = '';
    wild = false;
  };
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c === '\\') {
      i++;
      if (i < path.length) {
        part += path[i];
        raw += `\\${path[i]}`;
      }
      continue;
    }
    if (c === '|') unsupported(path, 'pipes (|)');
    if (c === '.') {
      finish();
      continue;
    }
    if (c === '*' || c === '?') wild = true;
    part += c;
    raw += c;
  }
  finish();
  return components;
}

/** Glob match of `*` (any run) and `?` (one character), by code point, like tidwall/match. */
function globMatch(text: string, pattern: string): boolean {
  const t = Array.from(text);
  const p = Array.from(pattern);
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      ti++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starT = ti;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest digits that round-trip, never in exponent form. */
export function formatFloatPlain(n: number): string {
  if (Object.is(n, -0)) return '-0';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}

function resultOf(text: string, node: JsonNode): GjsonResult {
  const raw = rawText(text, node);
  switch (node.kind) {
    case 'string':
      return { exists: true, type: 'String', raw, value: node.value };
    case 'number':
      return { exists: true, type: 'Number', raw, value: /^-?[0-9]+$/.test(raw) ? raw : formatFloatPlain(Number(raw)) };
    case 'true':
      return { exists: true, type: 'True', raw, value: 'true' };
    case 'false':
      return { exists: true, type: 'False', raw, value: 'false' };
    case 'null':
      return { exists: true, type: 'Null', raw, value: '' };
    default:
      return { exists: true, type: 'JSON', raw, value: raw };
  }
}

function evaluate(text: string, node: JsonNode, path: Component[], index: number): GjsonResult {
  if (index === path.length) return resultOf(text, node);
  const c = path[index] as Component;
  if (node.kind === 'object') {
    // The first matching key wins, as in gjson (Go's json.Unmarshal would take the last duplicate).
    const entry = node.entries.find(([key]) => (c.wild ? globMatch(key, c.part) : key === c.part));
    return entry ? evaluate(text, entry[1], path, index + 1) : MISSING;
  }
  if (node.kind === 'array') {
    if (c.hash) {
      if (index === path.length - 1) {
        const count = String(node.items.length);
        return { exists: true, type: 'Number', raw: count, value: count };
      }
      const parts = node.items.map((item) => evaluate(text, item, path, index + 1)).filter((r) => r.exists);
      const raw = `[${parts.map((r) => r.raw).join(',')}]`;
      return { exists: true, type: 'JSON', raw, value: raw };
    }
    if (!/^[0-9]+$/.test(c.part)) return MISSING;
    const item = node.items[Number(c.part)];
    return item ? evaluate(text, item, path, index + 1) : MISSING;
  }
  return MISSING;
}

/**
 * gjson.Get(json, path). A document that is not JSON yields "does not exist" (gjson does not validate either);
 * unsupported syntax throws GjsonPathError.
 */
export function gjsonGet(json: string, path: string): GjsonResult {
  if (path === '') return MISSING;
  const components = parsePath(path);
  let root: JsonNode;
  try {
    root = parseJsonPrefix(json);
  } catch {
    return MISSING;
  }
  return evaluate(json, root, components, 0);
}

/** Escapes a literal key so gjson reads it as one component (`a.b` -> `a\.b`). */
export function escapeGjsonKey(key: string): string {
  return key.replace(/[\\.*?|#@!]/g, (c) => `\\${c}`);
}
