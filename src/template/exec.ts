// The evaluator: walks a parsed template against data with Go text/template's semantics — truthiness,
// variables and their scopes, field and key chains with the missingkey option, pipelines with untyped
// constants converted to declared parameter types, range/with/if/template, builtins — and Go-shaped errors
// ("template: NAME:LINE:COL: executing "NAME" at <node>: message"). It also enforces the execution limits.

import { BUILTIN_AND, BUILTIN_CALL, BUILTIN_OR, ValueQuotingError } from './builtins.js';
import { TemplateError } from './errors.js';
import { formatValue } from './fmt.js';
import { goQuote } from './lexer.js';
import { utf8Length } from './literals.js';
import {
  type ActionNode,
  type AnyNode,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type EngineFunction,
  type EngineParam,
  type FieldNode,
  type IdentifierNode,
  N,
  type Node,
  nodeString,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from './nodes.js';
import { isPlainMap, isTrue, sortedKeys, sortedMapEntries, taggedElemType, typeName, zeroOfType } from './types.js';
import { GoNumber, isGoObject, newGoMap } from './values.js';

export const MissingKey = { Default: 0, Zero: 1, Error: 2 } as const;
export type MissingKeyMode = (typeof MissingKey)[keyof typeof MissingKey];

export interface ExecLimits {
  maxSteps: number;
  maxOutputBytes: number;
  maxDepth: number;
  /** Replace data values that Go would quote in error messages with <redacted>. */
  redactValues: boolean;
}

/** Marks "no value piped in" (Go's missingVal), distinct from a missing map value (undefined). */
const MISSING: unknown = Symbol('missing');

const goTypeTag = Symbol.for('custos.template.goType');

/** Go's type name of a declared parameter type. */
function paramTypeName(t: EngineParam): string {
  switch (t) {
    case 'any':
      return 'interface {}';
    case 'bytes':
      return '[]uint8';
    case 'strings':
      return '[]string';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'time':
      return 'time.Time';
    case 'reflect':
      return 'reflect.Value';
    default:
      return t;
  }
}

class State {
  private out = '';
  /** Exact UTF-8 size of `out`, tracked only once the output could be near the limit. */
  private outBytes = -1;
  private readonly outCheckFrom: number;
  private names: string[] = [];
  private vals: unknown[] = [];
  private ifaces: boolean[] = [];
  private nvars = 0;
  /** Variables below this index belong to the calling template and are invisible. */
  private varBase = 0;
  private node: AnyNode | null = null;
  private steps = 0;
  private depth = 0;
  /** Whether dot is an element of an interface-typed container (affects type names in errors). */
  private dotIface = false;
  /** Whether the last field lookup produced an interface-typed value. */
  private lastIface = false;

  constructor(
    private tmpl: Tree,
    private readonly trees: ReadonlyMap<string, Tree>,
    private readonly missingKey: MissingKeyMode,
    private readonly limits: ExecLimits,
  ) {
    this.outCheckFrom = Math.floor(limits.maxOutputBytes / 3);
  }

  run(data: unknown): string {
    this.push('$', data, false);
    this.walk(data, this.tmpl.root);
    return this.out;
  }

  // --- errors and limits ---

  /** A data value as an error message shows it (Go prints it with %v), unless values are redacted. */
  private quoteValue(v: unknown): string {
    return this.limits.redactValues ? '<redacted>' : formatValue(v);
  }

  errorf(message: string): never {
    const name = this.tmpl.name;
    const n = this.node;
    if (n === null) throw new TemplateError(`template: ${name}: ${message}`);
    const text = n.tree.text;
    const before = text.slice(0, n.pos);
    const nl = before.lastIndexOf('\n');
    let line = 1;
    for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 0x0a) line++;
    const col = utf8Length(before.slice(nl + 1));
    throw new TemplateError(
      `template: ${n.tree.parseName}:${line}:${col}: executing ${goQuote(name)} at <${nodeString(n)}>: ${message}`,
    );
  }

  private step(): void {
    if (++this.steps > this.limits.maxSteps) {
      this.errorf(`execution exceeded the limit of ${this.limits.maxSteps} steps`);
    }
  }

  private write(s: string): void {
    this.out += s;
    if (this.out.length > this.outCheckFrom) {
      this.outBytes = this.outBytes < 0 ? utf8Length(this.out) : this.outBytes + utf8Length(s);
      if (this.outBytes > this.limits.maxOutputBytes) {
        this.errorf(`output exceeds the limit of ${this.limits.maxOutputBytes} bytes`);
      }
    }
  }

  // --- variables ---

  private push(name: string, value: unknown, iface: boolean): void {
    const i = this.nvars++;
    this.names[i] = name;
    this.vals[i] = value;
    this.ifaces[i] = iface;
  }

  private varValue(name: string): unknown {
    for (let i = this.nvars - 1; i >= this.varBase; i--) {
      if (this.names[i] === name) {
        this.lastIface = this.ifaces[i]!;
        return this.vals[i];
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: unknown, iface: boolean): void {
    for (let i = this.nvars - 1; i >= this.varBase; i--) {
      if (this.names[i] === name) {
        this.vals[i] = value;
        this.ifaces[i] = iface;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: unknown, iface: boolean): void {
    this.vals[this.nvars - n] = value;
    this.ifaces[this.nvars - n] = iface;
  }

  // --- statements ---

  /** Executes a node; returns 1 for {{break}}, 2 for {{continue}}, 0 otherwise. */
  private walk(dot: unknown, node: Node): number {
    this.node = node;
    this.step();
    switch (node.type) {
      case N.Text:
        this.write(node.text);
        return 0;
      case N.Action: {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, v);
        return 0;
      }
      case N.List: {
        const nodes = node.nodes;
        for (let i = 0; i < nodes.length; i++) {
          const r = this.walk(dot, nodes[i]!);
          if (r !== 0) return r;
        }
        return 0;
      }
      case N.If:
      case N.With:
        return this.walkIfOrWith(dot, node);
      case N.Range:
        return this.walkRange(dot, node);
      case N.Template:
        this.walkTemplate(dot, node);
        return 0;
      case N.Break:
        return 1;
      case N.Continue:
        return 2;
    }
    return 0;
  }

  private printValue(node: ActionNode, v: unknown): void {
    this.node = node;
    if (typeof v === 'string') this.write(v);
    else if (v === undefined) this.write('<no value>');
    else if (typeof v === 'function') this.errorf(`can't print ${nodeString(node)} of type ${typeName(v)}`);
    else this.write(formatValue(v));
  }

  /**
   * Counts one level of nesting against maxDepth. Template calls, blocks and parenthesised pipelines share one
   * counter because together they decide how deep the JavaScript stack gets.
   */
  private enter(): void {
    if (++this.depth > this.limits.maxDepth) {
      this.errorf(`exceeded maximum nesting depth (${this.limits.maxDepth})`);
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): number {
    this.enter();
    const mark = this.nvars;
    const val = this.evalPipeline(dot, node.pipe);
    let r = 0;
    if (isTrue(val)) {
      if (node.type === N.With) {
        const saved = this.dotIface;
        this.dotIface = false;
        r = this.walk(val, node.list);
        this.dotIface = saved;
      } else {
        r = this.walk(dot, node.list);
      }
    } else if (node.elseList !== null) {
      r = this.walk(dot, node.elseList);
    }
    this.nvars = mark;
    this.depth--;
    return r;
  }

  /** Returns the break/continue of the else branch, which belongs to an enclosing range (as in Go). */
  private walkRange(dot: unknown, r: BranchNode): number {
    this.node = r;
    this.enter();
    const mark = this.nvars;
    const val = this.evalPipeline(dot, r.pipe);
    const savedIface = this.dotIface;
    const bodyMark = this.nvars;
    let ran = false;
    if (Array.isArray(val)) {
      const elem = taggedElemType(val);
      const iface = elem === undefined || elem === 'interface {}';
      for (let i = 0; i < val.length; i++) {
        ran = true;
        if (this.iteration(r, BigInt(i), val[i], iface, bodyMark) === 1) break;
      }
    } else if (typeof val === 'bigint' || (val instanceof GoNumber && val.kind !== 'float32')) {
      if (r.pipe.decl.length > 1) {
        this.errorf(`can't use ${this.quoteValue(val)} to iterate over more than one variable`);
      }
      const n = typeof val === 'bigint' ? val : BigInt(val.value);
      for (let i = 0n; i < n; i++) {
        ran = true;
        const elem =
          typeof val === 'bigint' ? i : new GoNumber(val.kind, typeof val.value === 'bigint' ? i : Number(i));
        if (this.iteration(r, undefined, elem, false, bodyMark) === 1) break;
      }
    } else if (val instanceof Uint8Array) {
      for (let i = 0; i < val.length; i++) {
        ran = true;
        if (this.iteration(r, BigInt(i), new GoNumber('uint8', val[i]!), false, bodyMark) === 1) break;
      }
    } else if (val instanceof Map) {
      for (const [k, v] of sortedMapEntries(val)) {
        ran = true;
        if (this.iteration(r, k, v, true, bodyMark) === 1) break;
      }
    } else if (typeof val === 'object' && val !== null && isPlainMap(val)) {
      const keys = sortedKeys(val);
      const elem = taggedElemType(val);
      const iface = elem === undefined || elem === 'interface {}';
      for (let i = 0; i < keys.length; i++) {
        ran = true;
        const k = keys[i]!;
        if (this.iteration(r, k, val[k], iface, bodyMark) === 1) break;
      }
    } else if (val !== undefined) {
      this.errorf(`range can't iterate over ${this.quoteValue(val)}`);
    }
    this.dotIface = savedIface;
    const res = !ran && r.elseList !== null ? this.walk(dot, r.elseList) : 0;
    this.nvars = mark;
    this.depth--;
    return res;
  }

  private iteration(r: BranchNode, index: unknown, elem: unknown, iface: boolean, mark: number): number {
    const pipe = r.pipe;
    const decl = pipe.decl;
    if (decl.length > 0) {
      if (pipe.isAssign) {
        if (decl.length > 1) this.setVar(decl[0]!.ident[0]!, index, false);
        else this.setVar(decl[0]!.ident[0]!, elem, iface);
      } else {
        this.setTopVar(1, elem, iface);
      }
      if (decl.length > 1) {
        if (pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem, iface);
        else this.setTopVar(2, index, false);
      }
    }
    this.dotIface = iface;
    const res = this.walk(elem, r.list);
    this.nvars = mark;
    return res;
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.node = t;
    const tree = this.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.limits.maxDepth) this.errorf(`exceeded maximum template depth (${this.limits.maxDepth})`);
    const newDot = t.pipe === null ? undefined : this.evalPipeline(dot, t.pipe);
    const savedTmpl = this.tmpl;
    const savedBase = this.varBase;
    const savedVars = this.nvars;
    const savedIface = this.dotIface;
    this.depth++;
    this.tmpl = tree;
    this.varBase = this.nvars;
    this.dotIface = false;
    this.push('$', newDot, false);
    this.walk(newDot, tree.root);
    this.depth--;
    this.tmpl = savedTmpl;
    this.varBase = savedBase;
    this.nvars = savedVars;
    this.dotIface = savedIface;
  }

  // --- expressions ---

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.node = pipe;
    let value = MISSING;
    const cmds = pipe.cmds;
    for (let i = 0; i < cmds.length; i++) {
      value = this.evalCommand(dot, cmds[i]!, value);
      // A nil interface result becomes "no value" (Go unwraps interface{} results).
      if (value === null) value = undefined;
    }
    const decl = pipe.decl;
    for (let i = 0; i < decl.length; i++) {
      if (pipe.isAssign) this.setVar(decl[i]!.ident[0]!, value, false);
      else this.push(decl[i]!.ident[0]!, value, false);
    }
    return value;
  }

  /** A parenthesised pipeline: one level deeper. */
  private nestedPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.enter();
    const v = this.evalPipeline(dot, pipe);
    this.depth--;
    return v;
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    this.step();
    const first = cmd.args[0]!;
    switch (first.type) {
      case N.Field:
        return this.evalFieldNode(dot, first, cmd.args, final);
      case N.Chain:
        return this.evalChainNode(dot, first, cmd.args, final);
      case N.Identifier:
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case N.Pipe:
        this.notAFunction(cmd.args, final);
        return this.nestedPipeline(dot, first);
      case N.Variable:
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case N.Bool:
        return first.value;
      case N.Dot:
        return dot;
      case N.Nil:
        return this.errorf('nil is not a command');
      case N.Number:
        if (first.ideal === null) this.errorf(`${first.text} overflows int`);
        return first.ideal;
      case N.String:
        return first.text;
    }
  }

  private notAFunction(args: readonly ArgNode[], final: unknown): void {
    if (args.length > 1 || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
    }
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[] | null, final: unknown): unknown {
    this.node = field;
    return this.evalFieldChain(dot, dot, this.dotIface, field, field.ident, 0, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[] | null, final: unknown): unknown {
    this.node = chain;
    if (chain.node.type === N.Nil) this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, false, chain, chain.field, 0, args, final);
  }

  private evalVariableNode(
    dot: unknown,
    variable: VariableNode,
    args: readonly ArgNode[] | null,
    final: unknown,
  ): unknown {
    this.node = variable;
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      if (args !== null) this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, this.lastIface, variable, variable.ident, 1, args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    iface: boolean,
    node: AnyNode,
    ident: readonly string[],
    start: number,
    args: readonly ArgNode[] | null,
    final: unknown,
  ): unknown {
    const n = ident.length;
    for (let i = start; i < n - 1; i++) {
      receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver, iface);
      iface = this.lastIface;
    }
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver, iface);
  }

  private evalField(
    dot: unknown,
    name: string,
    node: AnyNode,
    args: readonly ArgNode[] | null,
    final: unknown,
    receiver: unknown,
    iface: boolean,
  ): unknown {
    this.lastIface = false;
    if (receiver === undefined) {
      if (this.missingKey === MissingKey.Error) this.errorf(`nil data; no entry for key ${goQuote(name)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (typeof receiver === 'object') {
      const proto = Object.getPrototypeOf(receiver);
      if (proto === null || (proto === Object.prototype && !isGoObject(receiver))) {
        if ((args !== null && args.length > 1) || final !== MISSING) {
          this.errorf(`${name} is not a method but has arguments`);
        }
        const map = receiver as Record<string, unknown>;
        let v = map[name];
        // Maps from JSON have no prototype; plain objects must not expose Object.prototype members.
        if (v !== undefined && proto !== null && !Object.hasOwn(map, name)) v = undefined;
        // Elements of map[string]interface{} are interface-typed; a tagged typed map has concrete elements.
        const elem = taggedElemType(map);
        if (v !== undefined) {
          this.lastIface = elem === undefined || elem === 'interface {}';
          return v;
        }
        if (this.missingKey === MissingKey.Error) this.errorf(`map has no entry for key ${goQuote(name)}`);
        return this.missingKey === MissingKey.Zero ? zeroOfType(elem) : undefined;
      }
      if (isGoObject(receiver)) {
        const method = receiver.goMethod?.(name);
        if (method !== undefined) {
          const fn: EngineFunction = { params: [], variadic: 'any', fn: method };
          return this.evalCall(dot, fn, 0, node, name, args, final);
        }
        const field = receiver.goField?.(name);
        if (field !== undefined) {
          if ((args !== null && args.length > 1) || final !== MISSING) {
            this.errorf(`${name} has arguments but cannot be invoked as function`);
          }
          return field;
        }
      }
    }
    this.errorf(`can't evaluate field ${name} in type ${iface ? 'interface {}' : typeName(receiver)}`);
  }

  private evalFunction(
    dot: unknown,
    node: IdentifierNode,
    cmd: AnyNode,
    args: readonly ArgNode[] | null,
    final: unknown,
  ): unknown {
    this.node = node;
    return this.evalCall(dot, node.fn, node.builtin, cmd, node.ident, args, final);
  }

  /** Calls a function with the command's arguments (args[0] is the function itself) and the piped value. */
  private evalCall(
    dot: unknown,
    fn: EngineFunction,
    builtin: number,
    node: AnyNode,
    name: string,
    args: readonly ArgNode[] | null,
    final: unknown,
  ): unknown {
    const argc = args === null ? 0 : args.length - 1;
    const numIn = final !== MISSING ? argc + 1 : argc;
    const params = fn.params;
    const variadic = fn.variadic;
    if (variadic !== undefined) {
      if (numIn < params.length) {
        this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${argc}`);
      }
    } else if (numIn !== params.length) {
      this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    if (builtin === BUILTIN_AND || builtin === BUILTIN_OR) {
      // and/or evaluate arguments only until the result is known, and return the deciding value.
      const isOr = builtin === BUILTIN_OR;
      let v: unknown;
      for (let i = 1; i <= argc; i++) {
        v = this.evalArg(dot, 'reflect', args![i]!);
        if (isTrue(v) === isOr) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'reflect');
      return v;
    }
    const argv: unknown[] = new Array(numIn);
    const numFixed = variadic !== undefined ? params.length : argc;
    let i = 0;
    for (; i < numFixed && i < argc; i++) argv[i] = this.evalArg(dot, params[i]!, args![i + 1]!);
    if (variadic !== undefined) for (; i < argc; i++) argv[i] = this.evalArg(dot, variadic, args![i + 1]!);
    if (final !== MISSING) {
      let t: EngineParam;
      if (variadic === undefined) t = params[params.length - 1]!;
      else t = numIn - 1 < numFixed ? params[numIn - 1]! : variadic;
      argv[i] = this.validateType(final, t);
    }
    if (builtin === BUILTIN_CALL) {
      // Go names the callee by its node, or by reflect.Value's String() of a piped value.
      const callee =
        argc > 0 ? nodeString(args![1]!) : typeof final === 'string' ? final : `<${typeName(final)} Value>`;
      argv.unshift(callee);
    }
    let result: unknown;
    try {
      result = fn.fn(...argv);
    } catch (e) {
      this.node = node;
      let message = e instanceof Error ? e.message : String(e);
      if (this.limits.redactValues && e instanceof ValueQuotingError) message = e.redacted;
      this.errorf(`error calling ${name}: ${message}`);
    }
    return result === undefined ? null : result;
  }

  /** Evaluates an argument for a parameter of type `typ` (null: no type, as for a chain's receiver). */
  private evalArg(dot: unknown, typ: EngineParam | null, n: ArgNode): unknown {
    this.node = n;
    switch (n.type) {
      case N.Dot:
        return this.validateType(dot, typ);
      case N.Nil:
        switch (typ) {
          case 'any':
          case null:
            return null;
          case 'reflect':
            return undefined;
          case 'bytes':
          case 'strings':
          case 'slice':
          case 'map':
            return zeroOf(typ);
        }
        return this.errorf(`cannot assign nil to ${paramTypeName(typ)}`);
      case N.Field:
        return this.validateType(this.evalFieldNode(dot, n, null, MISSING), typ);
      case N.Variable:
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case N.Pipe:
        return this.validateType(this.nestedPipeline(dot, n), typ);
      case N.Identifier:
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case N.Chain:
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    // A literal: an untyped constant takes the parameter's type if it can.
    switch (typ) {
      case 'bool':
        if (n.type === N.Bool) return n.value;
        return this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === N.Number && n.isFloat) return n.float64;
        return this.errorf(`expected float; found ${nodeString(n)}`);
      case 'int':
      case 'int64':
        if (n.type === N.Number && n.isInt) return n.int64;
        return this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'uint32':
        if (n.type === N.Number && n.isUint) return BigInt.asUintN(32, n.uint64);
        return this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
      case 'string':
        if (n.type === N.String) return n.text;
        return this.errorf(`expected string; found ${nodeString(n)}`);
      case 'any':
      case 'reflect':
      case null:
        if (n.type === N.Bool) return n.value;
        if (n.type === N.String) return n.text;
        if (n.ideal === null) this.errorf(`${n.text} overflows int`);
        return n.ideal;
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${paramTypeName(typ)}`);
  }

  /** Checks that a computed value fits a parameter type (Go's assignability), converting where Go would. */
  private validateType(value: unknown, typ: EngineParam | null): unknown {
    if (value === undefined) {
      switch (typ) {
        case null:
        case 'reflect':
          return undefined;
        case 'any':
          return null;
        case 'bytes':
        case 'strings':
        case 'slice':
        case 'map':
          return zeroOf(typ);
      }
      this.errorf(`invalid value; expected ${paramTypeName(typ)}`);
    }
    switch (typ) {
      case null:
      case 'any':
      case 'reflect':
        return value;
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'int':
        if (typeof value === 'bigint') return value;
        break;
      case 'float64':
        if (typeof value === 'number') return value;
        break;
      case 'bool':
        if (typeof value === 'boolean') return value;
        break;
      case 'int64':
      case 'uint32':
        if (value instanceof GoNumber && value.kind === typ) return BigInt(value.value);
        break;
      case 'bytes':
        if (value instanceof Uint8Array) return value;
        break;
      case 'strings':
        if (Array.isArray(value) && (value as unknown as Record<symbol, unknown>)[goTypeTag] === '[]string') {
          return value;
        }
        break;
      case 'slice':
        if (Array.isArray(value) && typeName(value) === '[]interface {}') return value;
        break;
      case 'map':
        if (typeof value === 'object' && value !== null && isPlainMap(value)) return value;
        break;
      case 'time':
        if (isGoObject(value) && value.goTypeName() === 'time.Time') return value;
        break;
    }
    const got = value === null ? 'interface {}' : typeName(value);
    this.errorf(`wrong type for value; expected ${paramTypeName(typ)}; got ${got}`);
  }
}

/** The zero (nil) value of a nilable parameter type, as the functions receive it. */
function zeroOf(typ: 'bytes' | 'strings' | 'slice' | 'map'): unknown {
  switch (typ) {
    case 'bytes':
      return new Uint8Array(0);
    case 'map':
      return newGoMap();
    case 'strings': {
      const a: string[] = [];
      Object.defineProperty(a, goTypeTag, { value: '[]string', enumerable: false, configurable: true });
      return a;
    }
    default:
      return [];
  }
}

/** Executes the template `tree` (one of `trees`) with `data`; throws TemplateError. */
export function execute(
  tree: Tree,
  trees: ReadonlyMap<string, Tree>,
  data: unknown,
  missingKey: MissingKeyMode,
  limits: ExecLimits,
): string {
  const state = new State(tree, trees, missingKey, limits);
  try {
    // Go's Execute takes interface{} data: a nil becomes "no value".
    return state.run(data === null ? undefined : data);
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    if (e instanceof RangeError) {
      throw new TemplateError(`template: ${tree.name}: execution nested too deeply (${e.message})`);
    }
    throw new TemplateError(`template: ${tree.name}: internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}
