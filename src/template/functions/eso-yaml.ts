// ESO's toYaml and fromYaml, which go through sigs.k8s.io/yaml: toYaml is Go's json.Marshal, read back by
// go-yaml v2 and written out again (keys sorted, numbers re-typed, strings quoted only when needed);
// fromYaml is go-yaml v2's reading (YAML 1.1 scalars) turned into JSON and decoded into a
// map[string]interface{}, so every number comes back as a float64. Instead of an error, fromYaml returns
// a map holding the message under "Error", as ESO does.

import { type Alias, type Document, isAlias, isMap, isScalar, isSeq, type Node, parseAllDocuments } from 'yaml';
import { GoNumber, isGoMap, isGoObject, newGoMap } from '../values.js';
import { bytesToGoString, goStringToBytes, toValidUtf8 } from './crypto-bytes.js';
import { base64StdDecode } from './crypto-pem-codec.js';
import { compareKeys, emitYaml, type YamlNode } from './eso-yaml-emit.js';
import { resolvePlain } from './eso-yaml-resolve.js';

class YamlError extends Error {}

// ---- toYaml ----

/** The JSON text Go's encoding/json writes for a float64 (shortest digits, exponent outside 1e-6..1e21). */
function goJsonFloat(f: number): string {
  if (!Number.isFinite(f))
    throw new YamlError(`json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`);
  return String(f); // JavaScript picks the same notation and digits for float64
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64), which go-yaml uses for floats. */
export function goFormatFloatG(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  if (f === Number.POSITIVE_INFINITY) return '.inf';
  if (f === Number.NEGATIVE_INFINITY) return '-.inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, expText] = Math.abs(f).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  const sign = f < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp >= 0) {
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${whole}${frac ? `.${frac}` : ''}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** A float32's shortest decimal form, as Go's JSON encoder writes float32 values. */
function float32Text(f: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return goJsonFloat(s);
  }
  return goJsonFloat(f);
}

/** A JSON number's text, re-read the way go-yaml reads it: an int, or a float printed with 'g'. */
function numberNode(jsonText: string): YamlNode {
  const r = resolvePlain(jsonText);
  if (r.tag === 'int') return { kind: 'plain', text: r.value.toString() };
  if (r.tag === 'float') return { kind: 'plain', text: goFormatFloatG(r.value) };
  return { kind: 'string', value: jsonText };
}

// Characters go-yaml's reader refuses in its input; encoding/json leaves them unescaped, so a value
// holding one makes toYaml fail (and return "").
const UNREADABLE = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

function validUtf8(value: string): string {
  // encoding/json replaces invalid UTF-8 with U+FFFD.
  const text = toValidUtf8(value);
  if (UNREADABLE.test(text)) throw new YamlError('yaml: control characters are not allowed');
  return text;
}

/** Go's json.Marshal of a template value, already in the shape go-yaml v2 reads it back as. */
function toNode(value: unknown, depth: number): YamlNode {
  if (depth > 1000) throw new YamlError('json: unsupported value: encountered a cycle');
  if (value === null || value === undefined) return { kind: 'plain', text: 'null' };
  if (typeof value === 'boolean') return { kind: 'plain', text: String(value) };
  if (typeof value === 'string') return { kind: 'string', value: validUtf8(value) };
  if (typeof value === 'bigint') return numberNode(value.toString());
  if (typeof value === 'number') return numberNode(goJsonFloat(value));
  if (value instanceof GoNumber) {
    if (typeof value.value === 'bigint') return numberNode(value.value.toString());
    return numberNode(value.kind === 'float32' ? float32Text(value.value) : goJsonFloat(value.value));
  }
  if (value instanceof Uint8Array) return { kind: 'string', value: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => toNode(v, depth + 1)) };
  if (value instanceof Map) {
    const entries: [string, YamlNode][] = [];
    for (const [k, v] of value) {
      if (typeof k === 'string') entries.push([k, toNode(v, depth + 1)]);
      else if (typeof k === 'bigint' || (k instanceof GoNumber && typeof k.value === 'bigint')) {
        entries.push([String(typeof k === 'bigint' ? k : k.value), toNode(v, depth + 1)]);
      } else throw new YamlError('json: unsupported type');
    }
    return mapNode(entries);
  }
  if (isGoMap(value)) {
    return mapNode(Object.keys(value).map((k) => [validUtf8(k), toNode(value[k], depth + 1)]));
  }
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return toNode((value as { toJSON: () => unknown }).toJSON(), depth + 1);
  }
  if (isGoObject(value)) return { kind: 'map', entries: [] };
  throw new YamlError('json: unsupported type');
}

function mapNode(entries: [string, YamlNode][]): YamlNode {
  return { kind: 'map', entries: entries.sort((a, b) => compareKeys(a[0], b[0])) };
}

/** ESO's toYaml: the YAML without its final newline, or "" when the value cannot be marshalled. */
export function toYaml(value: unknown): string {
  try {
    const out = emitYaml(toNode(value, 0));
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  } catch (e) {
    if (e instanceof YamlError) return '';
    throw e;
  }
}

// ---- fromYaml ----

const STR_TAG = 'tag:yaml.org,2002:str';
const BINARY_TAG = 'tag:yaml.org,2002:binary';
const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

interface Converted {
  value: Plain;
  /** Set for keys: how sigs.k8s.io/yaml would spell a non-string key. */
  keyText: string | undefined;
}

function scalarValue(node: Node & { value: unknown; type?: string; tag?: string }): Converted {
  if (node.value instanceof Uint8Array) {
    const s = bytesToGoString(node.value);
    return { value: s, keyText: s };
  }
  const text = String(node.value ?? '');
  const tag = node.tag;
  if (tag === STR_TAG || (tag !== undefined && !tag.startsWith(YAML_TAG_PREFIX))) return { value: text, keyText: text };
  if (tag === BINARY_TAG) {
    const decoded = base64StdDecode(goStringToBytes(text.replace(/\s+/g, '')));
    if (decoded.errorAt !== undefined) throw new YamlError(`yaml: !!binary value contains invalid base64 data`);
    const s = bytesToGoString(decoded.bytes);
    return { value: s, keyText: s };
  }
  const quoted = node.type !== undefined && node.type !== 'PLAIN';
  if (quoted && tag === undefined) return { value: text, keyText: text };
  const r = resolvePlain(text);
  switch (r.tag) {
    case 'null':
      return { value: null, keyText: undefined };
    case 'bool':
      return { value: r.value, keyText: String(r.value) };
    case 'int':
      return { value: Number(r.value), keyText: r.value.toString() };
    case 'float':
      if (!Number.isFinite(r.value)) {
        return { value: r.value, keyText: Number.isNaN(r.value) ? '.nan' : r.value > 0 ? '.inf' : '-.inf' };
      }
      return { value: r.value, keyText: goFormatFloat32G(r.value) };
    default:
      return { value: text, keyText: text };
  }
}

/** strconv.FormatFloat(f, 'g', -1, 32), how sigs.k8s.io/yaml spells float keys. */
function goFormatFloat32G(f: number): string {
  const f32 = Math.fround(f);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f32.toPrecision(p));
    if (Math.fround(s) === f32) return goFormatFloatG(s);
  }
  return goFormatFloatG(f32);
}

class FromYaml {
  private readonly active = new Set<Node>();
  constructor(private readonly doc: Document.Parsed) {}

  convert(node: Node | Alias | null | undefined): Converted {
    if (node === null || node === undefined) return { value: null, keyText: undefined };
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) throw new YamlError(`yaml: unknown anchor '${node.source}' referenced`);
      if (this.active.has(target)) throw new YamlError('yaml: anchor cannot be recursive');
      this.active.add(target);
      try {
        return this.convert(target);
      } finally {
        this.active.delete(target);
      }
    }
    if (isScalar(node)) return scalarValue(node as never);
    if (isSeq(node)) return { value: node.items.map((item) => this.convert(item as Node).value), keyText: undefined };
    if (isMap(node))
      return { value: this.mapping(node.items as { key: unknown; value: unknown }[]), keyText: undefined };
    throw new YamlError('yaml: unsupported node');
  }

  private mapping(items: { key: unknown; value: unknown }[]): { [key: string]: Plain } {
    const out: { [key: string]: Plain } = Object.create(null);
    for (const pair of items) {
      const keyNode = pair.key as Node | null;
      if (
        isScalar(keyNode) &&
        keyNode.value === '<<' &&
        (keyNode as { type?: string }).type === 'PLAIN' &&
        keyNode.tag === undefined
      ) {
        this.merge(pair.value as Node, out);
        continue;
      }
      const key = this.convert(keyNode);
      const value = this.convert(pair.value as Node).value;
      if (key.keyText === undefined) {
        throw new YamlError(`unsupported map key of type: %!s(<nil>), key: <nil>, value: ${goSprint(value)}`);
      }
      out[key.keyText] = value;
    }
    return out;
  }

  /** go-yaml v2's merge: a map, or a list of maps where earlier ones win. */
  private merge(node: Node, into: { [key: string]: Plain }): void {
    const target = isAlias(node) ? node.resolve(this.doc) : node;
    const maps = isSeq(target) ? [...target.items].reverse() : [target];
    for (const m of maps) {
      const resolved = isAlias(m) ? (m as Alias).resolve(this.doc) : m;
      if (!isMap(resolved)) throw new YamlError('yaml: map merge requires map or sequence of maps as the value');
      Object.assign(into, this.convert(resolved as Node).value as object);
    }
  }
}

function goSprint(value: Plain): string {
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

function jsonKind(value: Plain): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function toGoMap(value: Plain): unknown {
  if (Array.isArray(value)) return value.map(toGoMap);
  if (value !== null && typeof value === 'object') {
    const out = newGoMap();
    for (const k of Object.keys(value)) out[k] = toGoMap(value[k] as Plain);
    return out;
  }
  return value;
}

function assertJsonable(value: Plain): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new YamlError(`json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`);
  }
  if (Array.isArray(value)) value.forEach(assertJsonable);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(assertJsonable);
}

/**
 * go-yaml's wording for the syntax errors people make most, with its line numbering: scanner errors
 * print the 1-based line but only past the first line, parser errors print the 0-based line.
 */
function syntaxMessage(error: { code?: string; message: string; pos?: [number, number] }, text: string): string {
  const line0 = text.slice(0, error.pos?.[0] ?? 0).split('\n').length - 1;
  const scanner = (message: string, at = line0) => (at !== 0 ? `yaml: line ${at + 1}: ${message}` : `yaml: ${message}`);
  const parser = (message: string, at = line0) => (at !== 0 ? `yaml: line ${at}: ${message}` : `yaml: ${message}`);
  // The scanner ends the stream on a new line when the text does not end with one.
  const endLine0 = text.split('\n').length - 1 + (text.endsWith('\n') || text === '' ? 0 : 1);
  const m = error.message;
  if (m.startsWith('Unexpected scalar at node end')) return parser("did not find expected '-' indicator");
  if (error.code === 'MULTILINE_IMPLICIT_KEY') {
    // A key continued onto the next line: go-yaml's scanner trips over a ':' on that line.
    const start = error.pos?.[0] ?? 0;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const ownLine = text.slice(lineStart).split('\n')[0] ?? '';
    const previousLine =
      text
        .slice(0, Math.max(lineStart - 1, 0))
        .split('\n')
        .pop() ?? '';
    // A "- item" line where a mapping entry was expected (not a list that is a key's value).
    if (/^\s*- /.test(ownLine) && !/:\s*$/.test(previousLine)) return parser('did not find expected key');
    const nl = text.indexOf('\n', start);
    const next = nl < 0 ? '' : (text.slice(nl + 1).split('\n')[0] ?? '');
    if (!/^\s*- /.test(next) && /:(?: |$)/.test(next)) {
      return scanner('mapping values are not allowed in this context', text.slice(0, nl + 1).split('\n').length - 1);
    }
    return parser('did not find expected key');
  }
  if (error.code === 'BLOCK_AS_IMPLICIT_KEY') return scanner('mapping values are not allowed in this context');
  if (error.code === 'TAB_AS_INDENT') return scanner('found character that cannot start any token');
  // '@' and '`' are reserved indicators: go-yaml cannot start a token with them.
  if (error.code === 'BAD_SCALAR_START') return scanner('found character that cannot start any token');
  if (/^Flow sequence/.test(m) || /end with a \]/.test(m)) return parser("did not find expected ',' or ']'", endLine0);
  if (/^Flow mapping/.test(m) || /end with a \}/.test(m)) return parser("did not find expected ',' or '}'", endLine0);
  if (error.code === 'MISSING_CHAR' && /quote/.test(m)) {
    const eofLine0 = text.split('\n').length - 1;
    return eofLine0 !== 0
      ? scanner('found unexpected end of stream', eofLine0)
      : scanner('found unexpected end of stream', 0);
  }
  return parser('did not find expected key');
}

/**
 * go-yaml's scanner reads a '%' in column 0 as a directive wherever a token may start; the yaml package only warns
 * about directives it does not know. Checked on lines that surely start a token: before any content, or after
 * lines that are all column-0 keys, list items, directives or document markers (not inside a multi-line scalar).
 * Only the name is checked here; %YAML and %TAG are left to the parser.
 */
function directiveError(text: string): string | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.startsWith('%')) {
      const name = /^%([0-9A-Za-z_-]*)/.exec(line)?.[1] ?? '';
      const at = (message: string) => (i !== 0 ? `yaml: line ${i + 1}: ${message}` : `yaml: ${message}`);
      if (name === '') return at('could not find expected directive name');
      const after = line.charAt(name.length + 1);
      if (after !== '' && after !== ' ' && after !== '\t') return at('found unexpected non-alphabetical character');
      if (name !== 'YAML' && name !== 'TAG') return at('found unknown directive name');
      // go-yaml reads YAML 1.1 only; other versions fail in the parser (0-based line numbers there).
      const version = /^%YAML[ \t]+([0-9]+)\.([0-9]+)[ \t]*(#.*)?$/.exec(line);
      if (version !== null && (version[1] !== '1' || version[2] !== '1')) {
        return i !== 0 ? `yaml: line ${i}: found incompatible YAML document` : 'yaml: found incompatible YAML document';
      }
      continue;
    }
    // Lines in column 0 end any block scalar or nested node of a column-0 key, so a '%' after them is a token.
    const tokenStartFollows =
      /^\s*(#.*)?$/.test(line) ||
      /^(---|\.\.\.)(\s|$)/.test(line) ||
      /^(-|[^\s#'"|>&*!?:[{-][^:#'"[{]*:)(\s[^'"[{]*)?$/.test(line) ||
      (i > 0 && /^\s+[^'"[{]*$/.test(line));
    if (!tokenStartFollows) return undefined;
  }
  return undefined;
}

/** ESO's fromYaml. */
export function fromYaml(text: string): Record<string, unknown> {
  const result = newGoMap();
  const directive = directiveError(text);
  if (directive !== undefined) {
    result.Error = `error converting YAML to JSON: ${directive}`;
    return result;
  }
  try {
    const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, strict: false, prettyErrors: false });
    const doc = (Array.isArray(docs) ? docs[0] : undefined) as Document.Parsed | undefined;
    if (doc === undefined) return result;
    const error = doc.errors[0];
    if (error !== undefined) {
      result.Error = `error converting YAML to JSON: ${syntaxMessage(error as never, text)}`;
      return result;
    }
    let value: Plain;
    try {
      value = new FromYaml(doc).convert(doc.contents as Node).value;
      assertJsonable(value);
    } catch (e) {
      if (e instanceof YamlError) {
        result.Error = `error converting YAML to JSON: ${e.message}`;
        return result;
      }
      throw e;
    }
    if (value === null) return result;
    if (typeof value !== 'object' || Array.isArray(value)) {
      result.Error = `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]interface {}`;
      return result;
    }
    const converted = toGoMap(value) as Record<string, unknown>;
    for (const k of Object.keys(converted)) result[k] = converted[k];
    return result;
  } catch (e) {
    if (e instanceof YamlError) {
      result.Error = `error converting YAML to JSON: ${e.message}`;
      return result;
    }
    throw e;
  }
}
