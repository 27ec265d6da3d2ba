// Parser for Go text/template: builds the node tree (nodes.ts) from the lexer's tokens by recursive descent,
// with Go's parse-time checks and error messages. One call parses a text into a set of named trees (the
// top-level template plus every define/block in it).

import { GoComplex } from './complex.js';
import { TemplateError } from './errors.js';
import { goQuote, lex, Tok, type Token, type TokType } from './lexer.js';
import { parseFloat64, parseInt0, parseUint0, SyntaxErr, unquoteChar1, unquoteString } from './literals.js';
import {
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type EngineFunction,
  type IdentifierNode,
  type ListNode,
  N,
  type Node,
  type NumberNode,
  nodeString,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from './nodes.js';

/** How the parser learns about functions: a builtin id (>= 0) or a user function, or undefined if unknown. */
export type FunctionResolver = (name: string) => { builtin: number; fn: EngineFunction } | undefined;

export interface ParseOptions {
  leftDelim: string;
  rightDelim: string;
  resolve: FunctionResolver;
  /** Maximum nesting of parenthesised pipelines. */
  maxDepth: number;
}

class Parser {
  private readonly tokens: Token[];
  private idx = 0;
  private maxRead = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  /** Nesting of parentheses and if/with/range blocks, limited so that parsing cannot exhaust the stack. */
  private depth = 0;
  private tree: Tree;

  constructor(
    private readonly parseName: string,
    private readonly text: string,
    private readonly options: ParseOptions,
    private readonly treeSet: Map<string, Tree>,
  ) {
    this.tokens = lex(text, {
      leftDelim: options.leftDelim,
      rightDelim: options.rightDelim,
      breakOK: options.resolve('break') === undefined,
      continueOK: options.resolve('continue') === undefined,
    });
    this.tree = this.newTree(parseName);
  }

  private newTree(name: string): Tree {
    const tree: Tree = { name, parseName: this.parseName, text: this.text, root: undefined as unknown as ListNode };
    return tree;
  }

  // --- token stream ---

  private next(): Token {
    const i = this.idx < this.tokens.length ? this.idx : this.tokens.length - 1;
    this.idx = i + 1;
    if (i > this.maxRead) this.maxRead = i;
    return this.tokens[i]!;
  }

  private backup(): void {
    this.idx--;
  }

  private peek(): Token {
    const t = this.next();
    this.backup();
    return t;
  }

  private nextNonSpace(): Token {
    for (;;) {
      const t = this.next();
      if (t.type !== Tok.Space) return t;
    }
  }

  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  // --- errors ---

  private errorf(message: string): never {
    const line = this.tokens[this.maxRead]!.line;
    throw new TemplateError(`template: ${this.parseName}:${line}: ${message}`);
  }

  private expect(type: TokType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private unexpected(token: Token, context: string): never {
    if (token.type === Tok.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(token.val + extra);
    }
    this.errorf(`unexpected ${tokenString(token)} in ${context}`);
  }

  // --- grammar ---

  /** template := (text | action | define)* EOF */
  parse(): void {
    const root: ListNode = { type: N.List, pos: this.peek().pos, tree: this.tree, nodes: [] };
    this.tree.root = root;
    while (this.peek().type !== Tok.EOF) {
      if (this.peek().type === Tok.LeftDelim) {
        const at = this.idx;
        this.next();
        if (this.nextNonSpace().type === Tok.Define) {
          this.parseDefinition();
          continue;
        }
        this.idx = at;
      }
      const n = this.textOrAction();
      if (n.type === N.End || n.type === N.Else) this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    this.add(this.tree);
  }

  /** define := '{{define' string '}}' itemList '{{end}}' */
  private parseDefinition(): void {
    const context = 'define clause';
    const t = this.nextNonSpace();
    if (t.type !== Tok.String && t.type !== Tok.RawString) this.unexpected(t, context);
    const name = this.unquote(t.val);
    this.expect(Tok.RightDelim, context);
    const outer = this.tree;
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.tree = this.newTree(name);
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [root, end] = this.itemList();
    this.tree.root = root;
    if (end.type !== N.End) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add(this.tree);
    this.tree = outer;
    this.vars = savedVars;
    this.rangeDepth = savedRange;
  }

  /** Registers a finished tree; an empty tree never replaces a non-empty one. */
  private add(tree: Tree): void {
    const existing = this.treeSet.get(tree.name);
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.treeSet.set(tree.name, tree);
      return;
    }
    if (!isEmptyTree(tree.root)) this.errorf(`template: multiple definition of template ${goQuote(tree.name)}`);
  }

  /** itemList := (text | action)* ending at {{end}} or {{else}} */
  private itemList(): [ListNode, Node] {
    const list: ListNode = { type: N.List, pos: this.peekNonSpace().pos, tree: this.tree, nodes: [] };
    while (this.peekNonSpace().type !== Tok.EOF) {
      const n = this.textOrAction();
      if (n.type === N.End || n.type === N.Else) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  /** textOrAction := text | comment | '{{' action '}}' */
  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case Tok.Text:
        return { type: N.Text, pos: token.pos, tree: this.tree, text: token.val };
      case Tok.LeftDelim:
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
    }
    this.unexpected(token, 'input');
  }

  /**
   * action := control | pipeline
   * control := block | break | continue | else | end | if | range | template | with
   */
  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case Tok.Block:
        return this.blockControl();
      case Tok.Break:
      case Tok.Continue:
        return this.loopControl(token);
      case Tok.Else:
        return this.elseControl();
      case Tok.End:
        return { type: N.End, pos: this.expect(Tok.RightDelim, 'end').pos, tree: this.tree };
      case Tok.If:
        return this.branch(N.If, 'if');
      case Tok.Range:
        return this.branch(N.Range, 'range');
      case Tok.Template:
        return this.templateControl();
      case Tok.With:
        return this.branch(N.With, 'with');
    }
    this.backup();
    const first = this.peek();
    // Variables declared here persist until the enclosing {{end}}.
    const pipe = this.pipeline('command', Tok.RightDelim);
    return { type: N.Action, pos: first.pos, line: first.line, tree: this.tree, pipe };
  }

  /** break := '{{break}}' | continue := '{{continue}}', only inside range */
  private loopControl(token: Token): Node {
    const word = token.type === Tok.Break ? 'break' : 'continue';
    const t = this.nextNonSpace();
    if (t.type !== Tok.RightDelim) this.unexpected(t, `{{${word}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
    return token.type === Tok.Break
      ? { type: N.Break, pos: token.pos, line: token.line, tree: this.tree }
      : { type: N.Continue, pos: token.pos, line: token.line, tree: this.tree };
  }

  /** else := '{{else}}' | '{{else if' ... | '{{else with' ... (the if/with is left for the caller) */
  private elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.type === Tok.If || peek.type === Tok.With) {
      return { type: N.Else, pos: peek.pos, line: peek.line, tree: this.tree };
    }
    const t = this.expect(Tok.RightDelim, 'else');
    return { type: N.Else, pos: t.pos, line: t.line, tree: this.tree };
  }

  /**
   * if/with/range := '{{' kw pipeline '}}' itemList ('{{else}}' itemList | '{{else if/with' ...)? '{{end}}'
   * `{{else if x}}` is parsed as `{{else}}{{if x}}...{{end}}` sharing the final {{end}}.
   */
  private branch(type: BranchNode['type'], context: 'if' | 'range' | 'with'): BranchNode {
    if (++this.depth > this.options.maxDepth) this.errorf('max nesting depth exceeded');
    const savedVars = this.vars.length;
    const pipe = this.pipeline(context, Tok.RightDelim);
    if (type === N.Range) this.rangeDepth++;
    const [list, next] = this.itemList();
    if (type === N.Range) this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (next.type === N.Else) {
      const p = this.peek().type;
      if ((context === 'if' && p === Tok.If) || (context === 'with' && p === Tok.With)) {
        this.next();
        elseList = { type: N.List, pos: next.pos, tree: this.tree, nodes: [this.branch(type, context)] };
      } else {
        const [els, end] = this.itemList();
        if (end.type !== N.End) this.errorf(`expected end; found ${nodeString(end)}`);
        elseList = els;
      }
    }
    this.vars.length = savedVars;
    this.depth--;
    return { type, pos: pipe.pos, line: pipe.line, tree: this.tree, pipe, list, elseList };
  }

  /** template := '{{template' string pipeline? '}}' */
  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== Tok.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, Tok.RightDelim);
    }
    return { type: N.Template, pos: token.pos, line: token.line, tree: this.tree, name, pipe };
  }

  /** block := '{{block' string pipeline '}}' itemList '{{end}}' — defines the template and executes it */
  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, Tok.RightDelim);
    const outer = this.tree;
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.tree = this.newTree(name);
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [root, end] = this.itemList();
    this.tree.root = root;
    if (end.type !== N.End) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add(this.tree);
    this.tree = outer;
    this.vars = savedVars;
    this.rangeDepth = savedRange;
    return { type: N.Template, pos: token.pos, line: token.line, tree: this.tree, name, pipe };
  }

  private templateName(token: Token, context: string): string {
    if (token.type !== Tok.String && token.type !== Tok.RawString) this.unexpected(token, context);
    return this.unquote(token.val);
  }

  /**
   * pipeline := declarations? command ('|' command)*
   * declarations := $x ':=' | $x '=' | (in range) $i ',' $v (':=' | '=')
   */
  private pipeline(context: string, end: TokType): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = {
      type: N.Pipe,
      pos: start.pos,
      line: start.line,
      tree: this.tree,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== Tok.Variable) break;
      const vIdx = this.idx;
      this.next();
      const next = this.peekNonSpace();
      if (next.type === Tok.Assign || next.type === Tok.Declare) {
        pipe.isAssign = next.type === Tok.Assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        break;
      }
      if (next.type === Tok.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === Tok.Variable || p === Tok.RightDelim || p === Tok.RightParen) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      // Not a declaration: the variable is the first operand.
      this.idx = vIdx;
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.type) {
        case Tok.Bool:
        case Tok.CharConstant:
        case Tok.Complex:
        case Tok.Dot:
        case Tok.Field:
        case Tok.Identifier:
        case Tok.Number:
        case Tok.Nil:
        case Tok.RawString:
        case Tok.String:
        case Tok.Variable:
        case Tok.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      switch (pipe.cmds[i]!.args[0]!.type) {
        case N.Bool:
        case N.Dot:
        case N.Nil:
        case N.Number:
        case N.String:
          this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  /** command := operand (space operand)* */
  private command(): CommandNode {
    const cmd: CommandNode = { type: N.Command, pos: this.peekNonSpace().pos, tree: this.tree, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.type === Tok.Space) continue;
      if (token.type === Tok.RightDelim || token.type === Tok.RightParen) this.backup();
      else if (token.type !== Tok.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  /** operand := term ('.' field)* */
  private operand(): ArgNode | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().type !== Tok.Field) return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === Tok.Field) fields.push(this.next().val.slice(1));
    switch (node.type) {
      case N.Field:
        return { type: N.Field, pos: chainPos, tree: this.tree, ident: node.ident.concat(fields) };
      case N.Variable:
        return { type: N.Variable, pos: chainPos, tree: this.tree, ident: node.ident.concat(fields) };
      case N.Bool:
      case N.String:
      case N.Number:
      case N.Nil:
      case N.Dot:
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return { type: N.Chain, pos: chainPos, tree: this.tree, node, field: fields };
  }

  /**
   * term := literal | function | '.' | 'nil' | $variable | .Field | '(' pipeline ')'
   */
  private term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.type) {
      case Tok.Identifier: {
        const found = this.options.resolve(token.val);
        if (found === undefined) this.errorf(`function ${goQuote(token.val)} not defined`);
        const id: IdentifierNode = {
          type: N.Identifier,
          pos: token.pos,
          tree: this.tree,
          ident: token.val,
          builtin: found.builtin,
          fn: found.fn,
        };
        return id;
      }
      case Tok.Dot:
        return { type: N.Dot, pos: token.pos, tree: this.tree };
      case Tok.Nil:
        return { type: N.Nil, pos: token.pos, tree: this.tree };
      case Tok.Variable: {
        const v = this.newVariable(token.pos, token.val);
        if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
        return v;
      }
      case Tok.Field:
        return { type: N.Field, pos: token.pos, tree: this.tree, ident: token.val.slice(1).split('.') };
      case Tok.Bool:
        return { type: N.Bool, pos: token.pos, tree: this.tree, value: token.val === 'true' };
      case Tok.CharConstant:
      case Tok.Complex:
      case Tok.Number:
        return this.newNumber(token);
      case Tok.LeftParen: {
        if (++this.depth > this.options.maxDepth) this.errorf('max expression depth exceeded');
        const pipe = this.pipeline('parenthesized pipeline', Tok.RightParen);
        this.depth--;
        return pipe;
      }
      case Tok.String:
      case Tok.RawString:
        return { type: N.String, pos: token.pos, tree: this.tree, quoted: token.val, text: this.unquote(token.val) };
    }
    this.backup();
    return null;
  }

  private newVariable(pos: number, name: string): VariableNode {
    return { type: N.Variable, pos, tree: this.tree, ident: name.split('.') };
  }

  private unquote(lit: string): string {
    try {
      return unquoteString(lit);
    } catch (e) {
      if (e instanceof SyntaxErr) this.errorf('invalid syntax');
      throw e;
    }
  }

  /** A number literal with every Go type it can be used as (int, uint, float), like parse.NumberNode. */
  private newNumber(token: Token): NumberNode {
    const text = token.val;
    const n: NumberNode = {
      type: N.Number,
      pos: token.pos,
      tree: this.tree,
      text,
      isInt: false,
      isUint: false,
      isFloat: false,
      int64: 0n,
      uint64: 0n,
      float64: 0,
      isComplex: false,
      ideal: null,
    };
    if (token.type === Tok.CharConstant) {
      let r: number;
      try {
        r = unquoteChar1(text);
      } catch (e) {
        this.errorf(e instanceof SyntaxErr ? 'invalid syntax' : (e as Error).message);
      }
      n.isInt = n.isUint = n.isFloat = true;
      n.int64 = n.uint64 = BigInt(r);
      n.float64 = r;
      n.ideal = n.int64;
      return n;
    }
    if (token.type === Tok.Complex) {
      const c = parseComplex(text);
      if (c === null) this.errorf(`illegal number syntax: ${goQuote(text)}`);
      return simplifyComplex(n, c);
    }
    if (text.endsWith('i')) {
      // An imaginary literal is complex (and also usable as a number when it is zero).
      const f = parseFloat64(text.slice(0, -1));
      if (f !== null) return simplifyComplex(n, new GoComplex(0, f));
    }
    const u = parseUint0(text);
    if (u !== null) {
      n.isUint = true;
      n.uint64 = u;
    }
    const i = parseInt0(text);
    if (i !== null) {
      n.isInt = true;
      n.int64 = i;
      if (i === 0n) {
        n.isUint = true;
        n.uint64 = u ?? 0n;
      }
    }
    if (n.isInt) {
      n.isFloat = true;
      n.float64 = Number(n.int64);
    } else if (n.isUint) {
      n.isFloat = true;
      n.float64 = Number(n.uint64);
    } else {
      const f = parseFloat64(text);
      if (f !== null) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`);
        n.isFloat = true;
        n.float64 = f;
        if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
          n.isInt = true;
          n.int64 = BigInt(f);
        }
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
          n.isUint = true;
          n.uint64 = BigInt(f);
        }
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) this.errorf(`illegal number syntax: ${goQuote(text)}`);
    // Go's idealConstant: a float only if it is spelled like one (hex integers may contain 'e').
    const hexInt = text.length > 2 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X') && !/[pP]/.test(text);
    if (n.isFloat && !hexInt && /[.eEpP]/.test(text)) n.ideal = n.float64;
    else if (n.isInt) n.ideal = n.int64;
    return n;
  }
}

/** Splits "1+2i" into its real and imaginary parts (like fmt.Sscan of a complex128). */
function parseComplex(text: string): GoComplex | null {
  for (let i = text.length - 2; i > 0; i--) {
    const c = text[i];
    if ((c === '+' || c === '-') && !/[eEpP]/.test(text[i - 1]!)) {
      const re = parseFloat64(text.slice(0, i));
      const im = parseFloat64(text.slice(i, -1));
      return re === null || im === null ? null : new GoComplex(re, im);
    }
  }
  return null;
}

/** A complex constant with a zero imaginary part is also a float (and an int when integral), as in Go. */
function simplifyComplex(n: NumberNode, c: GoComplex): NumberNode {
  n.isComplex = true;
  n.ideal = c;
  if (c.im === 0) {
    n.isFloat = true;
    n.float64 = c.re;
    if (Number.isInteger(c.re) && c.re >= -(2 ** 63) && c.re < 2 ** 63) {
      n.isInt = true;
      n.int64 = BigInt(c.re);
    }
    if (Number.isInteger(c.re) && c.re >= 0 && c.re < 2 ** 64) {
      n.isUint = true;
      n.uint64 = BigInt(c.re);
    }
  }
  return n;
}

function tokenString(t: Token): string {
  if (t.type === Tok.EOF) return 'EOF';
  if (t.type === Tok.Error) return t.val;
  if (t.type > Tok.Keyword) return `<${t.val}>`;
  const runes = Array.from(t.val);
  if (runes.length > 10) return goQuote(runes.slice(0, 10).join('')) + '...';
  return goQuote(t.val);
}

/** Go's IsEmptyTree: only whitespace text and comments. */
export function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case N.List:
      return n.nodes.every(isEmptyTree);
    case N.Text:
      return n.text.trim() === '';
    default:
      return false;
  }
}

/** Parses `text` (named `name`) into its set of trees, keyed by template name. Throws TemplateError. */
export function parse(name: string, text: string, options: ParseOptions): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  new Parser(name, text, options, treeSet).parse();
  return treeSet;
}
