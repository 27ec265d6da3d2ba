// The parse tree of a template: node shapes produced by the parser and walked by the evaluator, plus their
// text form (Go's Node.String()), which execution errors quote as context.

import type { GoComplex } from './complex.js';
import type { ParamType } from './functions/contract.js';
import { goQuote } from './lexer.js';

/** A parameter type of an engine function: the contract's types plus 'reflect' (builtins: any value as is). */
export type EngineParam = ParamType | 'reflect';

/** A callable function: the contract's TemplateFunction, or a builtin declared with 'reflect' params. */
export interface EngineFunction {
  params: readonly EngineParam[];
  variadic?: EngineParam;
  // biome-ignore lint/suspicious/noExplicitAny: functions receive already converted arguments of declared types
  fn: (...args: any[]) => unknown;
}

export const N = {
  Text: 0,
  Action: 1,
  Bool: 2,
  Chain: 3,
  Command: 4,
  Dot: 5,
  Field: 6,
  Identifier: 7,
  If: 8,
  List: 9,
  Nil: 10,
  Number: 11,
  Pipe: 12,
  Range: 13,
  String: 14,
  Template: 15,
  Variable: 16,
  With: 17,
  Break: 18,
  Continue: 19,
  // Only produced transiently while parsing.
  Else: 20,
  End: 21,
} as const;

/** One parsed template (the top level or a define/block body). */
export interface Tree {
  name: string;
  /** Name of the top-level template whose text this tree came from; used in locations. */
  parseName: string;
  text: string;
  root: ListNode;
}

interface Base {
  /** Offset in the tree's text (UTF-16 units). */
  pos: number;
  tree: Tree;
}

export interface TextNode extends Base {
  type: typeof N.Text;
  text: string;
}
export interface ActionNode extends Base {
  type: typeof N.Action;
  line: number;
  pipe: PipeNode;
}
export interface BoolNode extends Base {
  type: typeof N.Bool;
  value: boolean;
}
export interface ChainNode extends Base {
  type: typeof N.Chain;
  node: ArgNode;
  field: string[];
}
export interface CommandNode extends Base {
  type: typeof N.Command;
  args: ArgNode[];
}
export interface DotNode extends Base {
  type: typeof N.Dot;
}
export interface FieldNode extends Base {
  type: typeof N.Field;
  ident: string[];
}
/** Builtins are resolved to a name the evaluator dispatches on; other functions to their definition. */
export interface IdentifierNode extends Base {
  type: typeof N.Identifier;
  ident: string;
  builtin: number;
  fn: EngineFunction;
}
export interface BranchNode extends Base {
  type: typeof N.If | typeof N.Range | typeof N.With;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface ListNode extends Base {
  type: typeof N.List;
  nodes: Node[];
}
export interface NilNode extends Base {
  type: typeof N.Nil;
}
export interface NumberNode extends Base {
  type: typeof N.Number;
  text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  isComplex: boolean;
  /** The value as an untyped constant in command position: complex128, float64, int, or null (overflows int). */
  ideal: number | bigint | GoComplex | null;
}
export interface PipeNode extends Base {
  type: typeof N.Pipe;
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface StringNode extends Base {
  type: typeof N.String;
  quoted: string;
  text: string;
}
export interface TemplateNode extends Base {
  type: typeof N.Template;
  line: number;
  name: string;
  pipe: PipeNode | null;
}
export interface VariableNode extends Base {
  type: typeof N.Variable;
  ident: string[];
}
export interface BreakNode extends Base {
  type: typeof N.Break;
  line: number;
}
export interface ContinueNode extends Base {
  type: typeof N.Continue;
  line: number;
}
export interface ElseNode extends Base {
  type: typeof N.Else;
  line: number;
}
export interface EndNode extends Base {
  type: typeof N.End;
}

/** Nodes that can be a command argument. */
export type ArgNode =
  | BoolNode
  | ChainNode
  | DotNode
  | FieldNode
  | IdentifierNode
  | NilNode
  | NumberNode
  | PipeNode
  | StringNode
  | VariableNode;

/** Nodes that can appear in a list. */
export type Node =
  | TextNode
  | ActionNode
  | BranchNode
  | ListNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | ElseNode
  | EndNode;

export type AnyNode = Node | ArgNode | CommandNode;

/** Go's String() of a node. */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case N.Text:
      return n.text;
    case N.Action:
      return '{{' + nodeString(n.pipe) + '}}';
    case N.Bool:
      return n.value ? 'true' : 'false';
    case N.Chain: {
      let s = n.node.type === N.Pipe ? '(' + nodeString(n.node) + ')' : nodeString(n.node);
      for (const f of n.field) s += '.' + f;
      return s;
    }
    case N.Command: {
      let s = '';
      for (let i = 0; i < n.args.length; i++) {
        const a = n.args[i]!;
        if (i > 0) s += ' ';
        s += a.type === N.Pipe ? '(' + nodeString(a) + ')' : nodeString(a);
      }
      return s;
    }
    case N.Dot:
      return '.';
    case N.Field:
      return '.' + n.ident.join('.');
    case N.Identifier:
      return n.ident;
    case N.If:
    case N.Range:
    case N.With: {
      const name = n.type === N.If ? 'if' : n.type === N.Range ? 'range' : 'with';
      let s = '{{' + name + ' ' + nodeString(n.pipe) + '}}' + nodeString(n.list);
      if (n.elseList !== null) s += '{{else}}' + nodeString(n.elseList);
      return s + '{{end}}';
    }
    case N.List:
      return n.nodes.map(nodeString).join('');
    case N.Nil:
      return 'nil';
    case N.Number:
      return n.text;
    case N.Pipe: {
      let s = '';
      if (n.decl.length > 0) {
        s = n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ');
      }
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case N.String:
      return n.quoted;
    case N.Template:
      return n.pipe === null
        ? `{{template ${goQuote(n.name)}}}`
        : `{{template ${goQuote(n.name)} ${nodeString(n.pipe)}}}`;
    case N.Variable:
      return n.ident.join('.');
    case N.Break:
      return '{{break}}';
    case N.Continue:
      return '{{continue}}';
    case N.Else:
      return '{{else}}';
    case N.End:
      return '{{end}}';
  }
}
