// Random Go templates and data for differential fuzzing, as small typed syntax trees so a failing case can be
// shrunk structurally (drop a node, unwrap a block, drop an argument, simplify a literal) before it is reported.
// Only deterministic functions are used, and counts that drive loops or repetition are small literals, so every
// generated template renders quickly in both engines.

import type { TemplateRequest } from './template-corpus.js';

export type Operand =
  | { k: 'dot'; path: string[] }
  | { k: 'root'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'lit'; text: string }
  | { k: 'paren'; pipe: Pipe };

export type Command = { k: 'operand'; o: Operand } | { k: 'call'; fn: string; args: Operand[] };

export interface Pipe {
  decl?: { name: string; assign: boolean };
  cmds: Command[];
}

export type Node =
  | { k: 'text'; text: string }
  | { k: 'comment'; text: string }
  | { k: 'action'; pipe: Pipe; trimL: boolean; trimR: boolean }
  | { k: 'if' | 'with'; pipe: Pipe; body: Node[]; elses: { pipe: Pipe; body: Node[] }[]; otherwise?: Node[] }
  | { k: 'range'; vars: string[]; pipe: Pipe; body: Node[]; otherwise?: Node[] }
  | { k: 'break' | 'continue' }
  | { k: 'template'; name: string; arg?: Pipe };

export interface FuzzTemplate {
  defines: { name: string; body: Node[] }[];
  body: Node[];
}

export interface FuzzCase {
  template: FuzzTemplate;
  data: unknown;
  missingkey?: 'default' | 'zero' | 'error';
  /** Custom action delimiters; generated text and literals never contain them, so swapping is safe. */
  delims?: [string, string];
}

/** mulberry32: small, fast, good enough for test generation, and identical on every platform. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------------- rendering

function renderOperand(o: Operand): string {
  const path = (p: string[]) => p.map((s) => `.${s}`).join('');
  switch (o.k) {
    case 'dot':
      return o.path.length === 0 ? '.' : path(o.path);
    case 'root':
      return `$${path(o.path)}`;
    case 'var':
      return `$${o.name}${path(o.path)}`;
    case 'lit':
      return o.text;
    case 'paren':
      return `(${renderPipe(o.pipe)})`;
  }
}

function renderCommand(c: Command): string {
  if (c.k === 'operand') return renderOperand(c.o);
  return [c.fn, ...c.args.map(renderOperand)].join(' ');
}

export function renderPipe(p: Pipe): string {
  const body = p.cmds.map(renderCommand).join(' | ');
  if (!p.decl) return body;
  return `$${p.decl.name} ${p.decl.assign ? '=' : ':='} ${body}`;
}

function renderNodes(nodes: Node[]): string {
  return nodes.map(renderNode).join('');
}

function renderNode(n: Node): string {
  switch (n.k) {
    case 'text':
      return n.text;
    case 'comment':
      return `{{/*${n.text}*/}}`;
    case 'action':
      return `{{${n.trimL ? '- ' : ''}${renderPipe(n.pipe)}${n.trimR ? ' -' : ''}}}`;
    case 'if':
    case 'with': {
      let out = `{{${n.k} ${renderPipe(n.pipe)}}}${renderNodes(n.body)}`;
      for (const e of n.elses) out += `{{else ${n.k} ${renderPipe(e.pipe)}}}${renderNodes(e.body)}`;
      if (n.otherwise) out += `{{else}}${renderNodes(n.otherwise)}`;
      return `${out}{{end}}`;
    }
    case 'range': {
      const vars = n.vars.length > 0 ? `${n.vars.map((v) => `$${v}`).join(', ')} := ` : '';
      let out = `{{range ${vars}${renderPipe(n.pipe)}}}${renderNodes(n.body)}`;
      if (n.otherwise) out += `{{else}}${renderNodes(n.otherwise)}`;
      return `${out}{{end}}`;
    }
    case 'break':
    case 'continue':
      return `{{${n.k}}}`;
    case 'template':
      return `{{template "${n.name}"${n.arg ? ` ${renderPipe(n.arg)}` : ''}}}`;
  }
}

export function renderTemplateText(t: FuzzTemplate): string {
  const defs = t.defines.map((d) => `{{define "${d.name}"}}${renderNodes(d.body)}{{end}}`).join('');
  return defs + renderNodes(t.body);
}

export function toRequest(c: FuzzCase): TemplateRequest {
  let template = renderTemplateText(c.template);
  if (c.delims) template = template.replaceAll('{{', c.delims[0]).replaceAll('}}', c.delims[1]);
  const req: TemplateRequest = { template, data: c.data };
  if (c.missingkey) req.missingkey = c.missingkey;
  if (c.delims) [req.leftDelim, req.rightDelim] = c.delims;
  return req;
}

// ---------------------------------------------------------------------------------------------------- generation

const keys = ['a', 'b', 'c', 'name', 'list', 'n', 'x'];
const strings = ['', 'a', 'hello world', 'A-b_c', 'é✓', '<x&y>', '42', '3.5', 'true', ' pad ', 'line\nbreak'];
const literalPool = [
  '0',
  '1',
  '-3',
  '7',
  '20',
  '1.5',
  '-0.25',
  '3.0',
  '1e3',
  '0x1F',
  "'a'",
  'true',
  'false',
  'nil',
  '""',
  '"a"',
  '"hello world"',
  '"A-b_c"',
  '"é✓"',
  '"<x&y>"',
  '"42"',
  '"3.5"',
  '" pad "',
  '`raw`',
  '1_000',
  '0o17',
  '0b101',
  '1e-3',
  '0x1p-2',
  '"string"',
  '"float64"',
  '"map"',
  '"^1.0"',
  '"1.2.3"',
  '-1',
  '2',
];
const formats = [
  '"%v"',
  '"%d"',
  '"%s"',
  '"%q"',
  '"%5.2f"',
  '"%x"',
  '"%T"',
  '"%t"',
  '"%-4v|"',
  '"%05d"',
  '"%+v"',
  '"%v-%v"',
];
const patterns = ['"a"', '"^h"', '"[a-z]+"', '"\\\\d"', '"(o)"', '""'];

/** Functions with their argument count range; `small` marks arguments that must be small int literals. */
const functions: { fn: string; min: number; max: number; small?: number[] }[] = [
  { fn: 'and', min: 1, max: 3 },
  { fn: 'or', min: 1, max: 3 },
  { fn: 'not', min: 1, max: 1 },
  { fn: 'len', min: 1, max: 1 },
  { fn: 'index', min: 1, max: 3 },
  { fn: 'eq', min: 2, max: 3 },
  { fn: 'ne', min: 2, max: 2 },
  { fn: 'lt', min: 2, max: 2 },
  { fn: 'le', min: 2, max: 2 },
  { fn: 'gt', min: 2, max: 2 },
  { fn: 'ge', min: 2, max: 2 },
  { fn: 'print', min: 0, max: 3 },
  { fn: 'println', min: 0, max: 2 },
  { fn: 'html', min: 1, max: 2 },
  { fn: 'js', min: 1, max: 1 },
  { fn: 'urlquery', min: 1, max: 1 },
  { fn: 'upper', min: 1, max: 1 },
  { fn: 'lower', min: 1, max: 1 },
  { fn: 'title', min: 1, max: 1 },
  { fn: 'trim', min: 1, max: 1 },
  { fn: 'quote', min: 1, max: 2 },
  { fn: 'squote', min: 1, max: 2 },
  { fn: 'toString', min: 1, max: 1 },
  { fn: 'toJson', min: 1, max: 1 },
  { fn: 'default', min: 2, max: 2 },
  { fn: 'empty', min: 1, max: 1 },
  { fn: 'coalesce', min: 1, max: 3 },
  { fn: 'ternary', min: 3, max: 3 },
  { fn: 'list', min: 0, max: 3 },
  { fn: 'dict', min: 0, max: 4 },
  { fn: 'first', min: 1, max: 1 },
  { fn: 'last', min: 1, max: 1 },
  { fn: 'rest', min: 1, max: 1 },
  { fn: 'join', min: 2, max: 2 },
  { fn: 'sortAlpha', min: 1, max: 1 },
  { fn: 'add', min: 1, max: 3 },
  { fn: 'sub', min: 2, max: 2 },
  { fn: 'mul', min: 1, max: 2 },
  { fn: 'div', min: 2, max: 2 },
  { fn: 'mod', min: 2, max: 2 },
  { fn: 'max', min: 1, max: 3 },
  { fn: 'min', min: 1, max: 3 },
  { fn: 'add1', min: 1, max: 1 },
  { fn: 'int', min: 1, max: 1 },
  { fn: 'float64', min: 1, max: 1 },
  { fn: 'addf', min: 1, max: 2 },
  { fn: 'repeat', min: 2, max: 2, small: [0] },
  { fn: 'b64enc', min: 1, max: 1 },
  { fn: 'contains', min: 2, max: 2 },
  { fn: 'hasPrefix', min: 2, max: 2 },
  { fn: 'replace', min: 3, max: 3 },
  { fn: 'trunc', min: 2, max: 2 },
  { fn: 'substr', min: 3, max: 3 },
  { fn: 'splitList', min: 2, max: 2 },
  { fn: 'until', min: 1, max: 1, small: [0] },
  { fn: 'seq', min: 1, max: 2, small: [0, 1] },
  { fn: 'typeOf', min: 1, max: 1 },
  { fn: 'kindOf', min: 1, max: 1 },
  { fn: 'cat', min: 1, max: 3 },
  { fn: 'indent', min: 2, max: 2, small: [0] },
  { fn: 'nospace', min: 1, max: 1 },
  { fn: 'snakecase', min: 1, max: 1 },
  { fn: 'camelcase', min: 1, max: 1 },
  { fn: 'has', min: 2, max: 2 },
  { fn: 'uniq', min: 1, max: 1 },
  { fn: 'reverse', min: 1, max: 1 },
  { fn: 'compact', min: 1, max: 1 },
  { fn: 'hasKey', min: 2, max: 2 },
  { fn: 'get', min: 2, max: 2 },
  { fn: 'pick', min: 1, max: 2 },
  { fn: 'omit', min: 1, max: 2 },
  { fn: 'toYaml', min: 1, max: 1 },
  { fn: 'fromJson', min: 1, max: 1 },
  { fn: 'b64dec', min: 1, max: 1 },
  { fn: 'abbrev', min: 2, max: 2, small: [0] },
  { fn: 'plural', min: 3, max: 3 },
  { fn: 'deepEqual', min: 2, max: 2 },
  { fn: 'slice', min: 1, max: 3 },
  { fn: 'splitn', min: 3, max: 3, small: [1] },
  { fn: 'toStrings', min: 1, max: 1 },
  { fn: 'dig', min: 2, max: 3 },
  // No set/merge: `set $ "k" $` builds a cyclic map, and printing it overflows Go's stack (a fatal crash).
  { fn: 'toPrettyJson', min: 1, max: 1 },
  { fn: 'toRawJson', min: 1, max: 1 },
  { fn: 'sha256sum', min: 1, max: 1 },
  { fn: 'adler32sum', min: 1, max: 1 },
  { fn: 'b32enc', min: 1, max: 1 },
  { fn: 'trimPrefix', min: 2, max: 2 },
  { fn: 'trimSuffix', min: 2, max: 2 },
  { fn: 'trimAll', min: 2, max: 2 },
  { fn: 'wrap', min: 2, max: 2, small: [0] },
  { fn: 'initials', min: 1, max: 1 },
  { fn: 'swapcase', min: 1, max: 1 },
  { fn: 'kebabcase', min: 1, max: 1 },
  { fn: 'untitle', min: 1, max: 1 },
  { fn: 'round', min: 2, max: 2 },
  { fn: 'ceil', min: 1, max: 1 },
  { fn: 'floor', min: 1, max: 1 },
  { fn: 'biggest', min: 1, max: 2 },
  { fn: 'atoi', min: 1, max: 1 },
  { fn: 'toDecimal', min: 1, max: 1 },
  { fn: 'int64', min: 1, max: 1 },
  { fn: 'mulf', min: 1, max: 2 },
  { fn: 'divf', min: 2, max: 2 },
  { fn: 'duration', min: 1, max: 1 },
  { fn: 'semverCompare', min: 2, max: 2 },
  { fn: 'regexSplit', min: 3, max: 3 },
  { fn: 'regexFindAll', min: 3, max: 3 },
  { fn: 'without', min: 2, max: 2 },
  { fn: 'prepend', min: 2, max: 2 },
  { fn: 'append', min: 2, max: 2 },
  { fn: 'concat', min: 1, max: 2 },
  { fn: 'chunk', min: 2, max: 2, small: [0] },
  { fn: 'all', min: 1, max: 2 },
  { fn: 'any', min: 1, max: 2 },
  { fn: 'typeIs', min: 2, max: 2 },
  { fn: 'kindIs', min: 2, max: 2 },
  { fn: 'urlquery', min: 1, max: 2 },
  { fn: 'hexdec', min: 1, max: 1 },
  { fn: 'fromYaml', min: 1, max: 1 },
];

export function randomValue(rng: Rng, depth = 0): unknown {
  const r = rng.next();
  if (depth >= 3 || r < 0.55) {
    const s = rng.next();
    if (s < 0.3) return rng.int(-3, 20);
    if (s < 0.4) return rng.pick([1.5, -0.25, 3.0, 1e21, 0.1, 1e-7]);
    if (s < 0.75) return rng.pick(strings);
    if (s < 0.9) return rng.chance(0.5);
    return null;
  }
  if (r < 0.75) return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = rng.int(0, 4); i > 0; i--) obj[rng.pick(keys)] = randomValue(rng, depth + 1);
  return obj;
}

class CaseGenerator {
  private vars: string[] = [];
  private rangeDepth = 0;
  private defineNames: string[] = [];
  private readonly functions: typeof functions;

  constructor(
    private readonly rng: Rng,
    without: ReadonlySet<string>,
  ) {
    this.functions = functions.filter((f) => !without.has(f.fn));
  }

  template(): FuzzTemplate {
    const defines: { name: string; body: Node[] }[] = [];
    if (this.rng.chance(0.15)) {
      const saved = this.vars;
      this.vars = [];
      defines.push({ name: 'd', body: this.nodes(2) });
      this.vars = saved;
      this.defineNames.push('d');
    }
    return { defines, body: this.nodes(0) };
  }

  private nodes(depth: number): Node[] {
    const count = this.rng.int(1, depth === 0 ? 5 : 3);
    const saved = this.vars.length;
    const out: Node[] = [];
    for (let i = 0; i < count; i++) out.push(this.node(depth));
    this.vars.length = saved; // variables go out of scope at the end of a block
    return out;
  }

  private node(depth: number): Node {
    const r = this.rng.next();
    if (r < 0.2) return { k: 'text', text: this.rng.pick(['x', ' ', '\n', ', ', 'ab ', '\t-\n', '<br>']) };
    if (r < 0.25) return { k: 'comment', text: this.rng.pick([' c ', '', 'multi\nline']) };
    if (depth < 3 && r < 0.45) {
      const kind = this.rng.pick(['if', 'with', 'range'] as const);
      return kind === 'range' ? this.range(depth) : this.cond(kind, depth);
    }
    if (this.rangeDepth > 0 && r < 0.5) return { k: this.rng.pick(['break', 'continue'] as const) };
    if (this.defineNames.length > 0 && r < 0.53) {
      return { k: 'template', name: 'd', ...(this.rng.chance(0.7) ? { arg: this.pipe(1) } : {}) };
    }
    const pipe = this.pipe(0);
    if (this.rng.chance(0.15)) {
      const assign = this.vars.length > 0 && this.rng.chance(0.3);
      const name = assign ? this.rng.pick(this.vars) : `v${this.vars.length}`;
      pipe.decl = { name, assign };
      if (!assign) this.vars.push(name);
    }
    return { k: 'action', pipe, trimL: this.rng.chance(0.1), trimR: this.rng.chance(0.1) };
  }

  private cond(kind: 'if' | 'with', depth: number): Node {
    const pipe = this.pipe(1);
    const body = this.nodes(depth + 1);
    const elses = this.rng.chance(0.2) ? [{ pipe: this.pipe(1), body: this.nodes(depth + 1) }] : [];
    const otherwise = this.rng.chance(0.4) ? this.nodes(depth + 1) : undefined;
    return { k: kind, pipe, body, elses, ...(otherwise ? { otherwise } : {}) };
  }

  private range(depth: number): Node {
    // Ranges go over data, a small integer or a small list, never over a computed (possibly huge) number.
    const r = this.rng.next();
    const pipe: Pipe =
      r < 0.2
        ? { cmds: [{ k: 'operand', o: { k: 'lit', text: String(this.rng.int(-1, 4)) } }] }
        : r < 0.35
          ? {
              cmds: [
                {
                  k: 'call',
                  fn: this.rng.pick(['until', 'list']),
                  args: [{ k: 'lit', text: String(this.rng.int(0, 3)) }],
                },
              ],
            }
          : {
              cmds: [{ k: 'operand', o: { k: this.rng.pick(['dot', 'root'] as const), path: [this.rng.pick(keys)] } }],
            };
    const vars = this.rng.pick([[], ['i'], ['i', 'e']]).map((v) => `${v}${depth}`);
    const saved = this.vars.length;
    this.vars.push(...vars);
    this.rangeDepth++;
    const body = this.nodes(depth + 1);
    this.rangeDepth--;
    this.vars.length = saved;
    const otherwise = this.rng.chance(0.3) ? this.nodes(depth + 1) : undefined;
    return { k: 'range', vars, pipe, body, ...(otherwise ? { otherwise } : {}) };
  }

  pipe(depth: number): Pipe {
    const cmds: Command[] = [this.rng.chance(0.45) ? { k: 'operand', o: this.operand(depth) } : this.call(depth, 0)];
    if (this.rng.chance(0.25)) cmds.push(this.call(depth, 1));
    return { cmds };
  }

  /** A function call; `piped` arguments arrive through the pipeline, so one fewer is written. */
  private call(depth: number, piped: number): Command {
    if (this.rng.chance(0.1)) {
      const n = this.rng.int(0, 2);
      return { k: 'call', fn: 'printf', args: [{ k: 'lit', text: this.rng.pick(formats) }, ...this.args(depth, n)] };
    }
    if (this.rng.chance(0.06)) {
      const fn = this.rng.pick(['regexMatch', 'regexFind', 'regexReplaceAll']);
      const n = fn === 'regexReplaceAll' ? 2 : 1;
      return { k: 'call', fn, args: [{ k: 'lit', text: this.rng.pick(patterns) }, ...this.args(depth, n - piped)] };
    }
    let f = this.rng.pick(this.functions);
    // A piped value could be large; loop counts must stay small literals.
    if (piped > 0 && (f.fn === 'until' || f.fn === 'seq')) f = { fn: 'print', min: 0, max: 1 };
    const n = Math.max(0, this.rng.int(f.min, f.max) - piped);
    const args = this.args(depth, n);
    for (const i of f.small ?? []) if (i < args.length) args[i] = { k: 'lit', text: String(this.rng.int(0, 3)) };
    return { k: 'call', fn: f.fn, args };
  }

  private args(depth: number, n: number): Operand[] {
    return Array.from({ length: n }, () => this.operand(depth + 1));
  }

  private operand(depth: number): Operand {
    const r = this.rng.next();
    const path = (): string[] => Array.from({ length: this.rng.int(0, 2) }, () => this.rng.pick(keys));
    if (r < 0.35) return { k: 'dot', path: path() };
    if (r < 0.45) return { k: 'root', path: path() };
    if (r < 0.55 && this.vars.length > 0) return { k: 'var', name: this.rng.pick(this.vars), path: path() };
    if (r < 0.65 && depth < 2) return { k: 'paren', pipe: this.pipe(depth + 1) };
    return { k: 'lit', text: this.rng.pick(literalPool) };
  }
}

/** A random case; functions named in `without` are never generated (e.g. ones an engine does not have yet). */
export function generateCase(rng: Rng, without: ReadonlySet<string> = new Set()): FuzzCase {
  const template = new CaseGenerator(rng, without).template();
  const data: Record<string, unknown> = {};
  for (const k of keys) if (rng.chance(0.7)) data[k] = randomValue(rng, 0);
  const c: FuzzCase = { template, data };
  if (rng.chance(0.2)) c.missingkey = rng.pick(['zero', 'error'] as const);
  if (rng.chance(0.1))
    c.delims = rng.pick([
      ['<<', '>>'],
      ['[[', ']]'],
      ['{%', '%}'],
      ['((', '))'],
    ] as [string, string][]);
  return c;
}

// ---------------------------------------------------------------------------------------------------- shrinking

function* shrinkOperand(o: Operand): Generator<Operand> {
  if (o.k !== 'lit' || (o.text !== '0' && o.text !== '""')) yield { k: 'lit', text: '0' };
  if (o.k !== 'lit' || o.text !== '""') yield { k: 'lit', text: '""' };
  if ((o.k === 'dot' || o.k === 'root' || o.k === 'var') && o.path.length > 0) {
    yield { ...o, path: o.path.slice(0, -1) };
    yield { ...o, path: o.path.slice(1) };
  }
  if (o.k === 'paren') {
    for (const c of o.pipe.cmds) {
      if (c.k === 'operand') yield c.o;
      else yield* c.args;
    }
    for (const p of shrinkPipe(o.pipe)) yield { k: 'paren', pipe: p };
  }
}

function* shrinkCommand(c: Command): Generator<Command> {
  if (c.k === 'operand') {
    for (const o of shrinkOperand(c.o)) yield { k: 'operand', o };
    return;
  }
  for (const a of c.args) yield { k: 'operand', o: a };
  for (let i = 0; i < c.args.length; i++) yield { ...c, args: c.args.filter((_, j) => j !== i) };
  for (let i = 0; i < c.args.length; i++) {
    for (const a of shrinkOperand(c.args[i]!)) yield { ...c, args: c.args.map((x, j) => (j === i ? a : x)) };
  }
}

function* shrinkPipe(p: Pipe): Generator<Pipe> {
  if (p.decl) yield { cmds: p.cmds };
  for (let i = 0; i < p.cmds.length && p.cmds.length > 1; i++) yield { ...p, cmds: p.cmds.filter((_, j) => j !== i) };
  for (let i = 0; i < p.cmds.length; i++) {
    for (const c of shrinkCommand(p.cmds[i]!)) yield { ...p, cmds: p.cmds.map((x, j) => (j === i ? c : x)) };
  }
}

function* shrinkNode(n: Node): Generator<Node[]> {
  switch (n.k) {
    case 'action':
      if (n.trimL || n.trimR) yield [{ ...n, trimL: false, trimR: false }];
      for (const p of shrinkPipe(n.pipe)) yield [{ ...n, pipe: p }];
      return;
    case 'if':
    case 'with':
      yield n.body;
      if (n.otherwise) yield n.otherwise;
      for (const e of n.elses) yield e.body;
      if (n.elses.length > 0) yield [{ ...n, elses: [] }];
      if (n.otherwise) yield [{ ...n, otherwise: undefined }];
      for (const p of shrinkPipe(n.pipe)) yield [{ ...n, pipe: p }];
      for (const b of shrinkNodes(n.body)) yield [{ ...n, body: b }];
      if (n.otherwise) for (const b of shrinkNodes(n.otherwise)) yield [{ ...n, otherwise: b }];
      for (let i = 0; i < n.elses.length; i++) {
        for (const p of shrinkPipe(n.elses[i]!.pipe)) {
          yield [{ ...n, elses: n.elses.map((e, j) => (j === i ? { ...e, pipe: p } : e)) }];
        }
        for (const b of shrinkNodes(n.elses[i]!.body)) {
          yield [{ ...n, elses: n.elses.map((e, j) => (j === i ? { ...e, body: b } : e)) }];
        }
      }
      return;
    case 'range':
      if (n.otherwise) yield n.otherwise;
      if (n.otherwise) yield [{ ...n, otherwise: undefined }];
      if (n.vars.length > 0) yield [{ ...n, vars: n.vars.slice(0, -1) }];
      for (const p of shrinkPipe(n.pipe)) yield [{ ...n, pipe: p }];
      for (const b of shrinkNodes(n.body)) yield [{ ...n, body: b }];
      if (n.otherwise) for (const b of shrinkNodes(n.otherwise)) yield [{ ...n, otherwise: b }];
      return;
    case 'template':
      if (n.arg) {
        yield [{ k: 'template', name: n.name }];
        for (const p of shrinkPipe(n.arg)) yield [{ ...n, arg: p }];
      }
      return;
    case 'text':
      if (n.text.length > 1) yield [{ k: 'text', text: n.text.slice(0, 1) }];
      return;
    default:
      return;
  }
}

function* shrinkNodes(nodes: Node[]): Generator<Node[]> {
  for (let i = 0; i < nodes.length; i++) yield nodes.filter((_, j) => j !== i);
  for (let i = 0; i < nodes.length; i++) {
    for (const repl of shrinkNode(nodes[i]!)) yield [...nodes.slice(0, i), ...repl, ...nodes.slice(i + 1)];
  }
}

function* shrinkValue(v: unknown): Generator<unknown> {
  if (v === null) return;
  yield null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield v.filter((_, j) => j !== i);
    for (let i = 0; i < v.length; i++) for (const x of shrinkValue(v[i])) yield v.map((y, j) => (j === i ? x : y));
    return;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const { [k]: _drop, ...rest } = o;
      yield rest;
    }
    for (const k of Object.keys(o)) for (const x of shrinkValue(o[k])) yield { ...o, [k]: x };
    return;
  }
  if (typeof v === 'string' && v !== '') yield '';
  if (typeof v === 'number' && v !== 0) yield 0;
}

/** Simpler variants of a case, most aggressive first. */
export function* shrinkCase(c: FuzzCase): Generator<FuzzCase> {
  if (c.missingkey) yield { ...c, missingkey: undefined };
  if (c.delims) yield { ...c, delims: undefined };
  for (let i = 0; i < c.template.defines.length; i++) {
    yield { ...c, template: { ...c.template, defines: c.template.defines.filter((_, j) => j !== i) } };
  }
  for (const body of shrinkNodes(c.template.body)) yield { ...c, template: { ...c.template, body } };
  for (let i = 0; i < c.template.defines.length; i++) {
    for (const body of shrinkNodes(c.template.defines[i]!.body)) {
      const defines = c.template.defines.map((d, j) => (j === i ? { ...d, body } : d));
      yield { ...c, template: { ...c.template, defines } };
    }
  }
  for (const data of shrinkValue(c.data)) yield { ...c, data };
}

/**
 * Greedy shrinking: repeatedly takes the first simpler variant that still fails, until none does or the budget
 * of `fails` calls is spent. Returns the smallest failing case found.
 */
export async function shrink(
  c: FuzzCase,
  fails: (candidate: FuzzCase) => Promise<boolean>,
  budget = 2000,
): Promise<FuzzCase> {
  let current = c;
  let calls = 0;
  let improved = true;
  while (improved && calls < budget) {
    improved = false;
    for (const candidate of shrinkCase(current)) {
      if (++calls > budget) break;
      if (await fails(candidate)) {
        current = candidate;
        improved = true;
        break;
      }
    }
  }
  return current;
}
