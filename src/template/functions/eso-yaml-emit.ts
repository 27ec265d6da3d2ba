// A block-style YAML writer that produces what go-yaml v2's Marshal produces for the plain trees
// sigs.k8s.io/yaml hands it: keys in go-yaml's order, sequences under a key not indented, empty
// collections as {} and [], and for each string the style libyaml's emitter picks (plain, single-quoted,
// double-quoted with escapes, or a literal block), including folding long lines past 80 columns.

import { isBase60Float, resolvePlain } from './eso-yaml-resolve.js';

/** A node of the tree to write. Numbers, booleans and null arrive already as their plain text. */
export type YamlNode =
  | { kind: 'map'; entries: [string, YamlNode][] }
  | { kind: 'seq'; items: YamlNode[] }
  | { kind: 'plain'; text: string }
  | { kind: 'string'; value: string };

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

type Style = 'plain' | 'single' | 'double' | 'literal';

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

const isBreakChar = (c: string | undefined) =>
  c === '\r' || c === '\n' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isSpaceChar = (c: string | undefined) => c === ' ';
const isBlankChar = (c: string | undefined) => c === ' ' || c === '\t';

/** libyaml's is_printable (code points, as its UTF-8 byte test amounts to). */
function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0) as number;
  if (cp === 0x0a) return true;
  if (cp >= 0x20 && cp <= 0x7e) return true;
  if (cp >= 0xa0 && cp <= 0xd7ff) return true;
  if (cp >= 0xe000 && cp <= 0xfffd) return cp !== 0xfeff;
  return false;
}

/** libyaml's yaml_emitter_analyze_scalar, as go-yaml v2 ports it. */
function analyze(value: string): Analysis {
  const chars = [...value];
  if (chars.length === 0) {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = value.startsWith('---') || value.startsWith('...');
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const followedByWhitespace = i + 1 >= chars.length || isBlankChar(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) blockIndicators = true;
    } else if (c === ':' && followedByWhitespace) {
      blockIndicators = true;
    } else if (c === '#' && precededByWhitespace) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) specialCharacters = true;
    if (isSpaceChar(c)) {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreakChar(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankChar(c) || isBreakChar(c) || c === '\0';
  }
  const result: Analysis = {
    multiline: lineBreaks,
    blockPlainAllowed: true,
    singleQuotedAllowed: true,
    blockAllowed: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) result.blockPlainAllowed = false;
  if (trailingSpace) result.blockAllowed = false;
  if (breakSpace) {
    result.blockPlainAllowed = false;
    result.singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) {
    result.blockPlainAllowed = false;
    result.singleQuotedAllowed = false;
    result.blockAllowed = false;
  }
  if (lineBreaks) result.blockPlainAllowed = false;
  if (blockIndicators) result.blockPlainAllowed = false;
  return result;
}

/** go-yaml v2's stringv choice, refined by libyaml's emitter the way it does in block context. */
function chooseStyle(value: string, simpleKey: boolean): Style {
  const resolved = resolvePlain(value);
  const canUsePlain = resolved.tag === 'str' && !isBase60Float(value);
  let style: Style = value.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
  const a = analyze(value);
  if (simpleKey && a.multiline) style = 'double';
  if (style === 'plain') {
    if (!a.blockPlainAllowed) style = 'single';
    if (value === '' && simpleKey) style = 'single';
  }
  if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!a.blockAllowed || simpleKey)) style = 'double';
  return style;
}

/** The emitter's position and the flags libyaml keeps about what was last written. */
class Writer {
  out = '';
  column = 0;
  indent = -1;
  whitespace = true;
  indention = true;
  openEnded = false;
  private readonly indents: number[] = [];

  put(text: string): void {
    this.out += text;
    this.column += [...text].length;
  }

  putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  popIndent(): void {
    this.indent = this.indents.pop() ?? -1;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(text);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
    this.openEnded = false;
  }
}

function writePlain(w: Writer, value: string, allowBreaks: boolean): void {
  if (!w.whitespace) w.put(' ');
  const chars = [...value];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (isSpaceChar(c)) {
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && !isSpaceChar(chars[i + 1])) w.writeIndent();
      else w.put(c);
      spaces = true;
    } else {
      w.put(c);
      w.indention = false;
      spaces = false;
    }
  }
  w.whitespace = false;
  w.indention = false;
}

function writeSingleQuoted(w: Writer, value: string, allowBreaks: boolean): void {
  w.indicator("'", true, false, false);
  const chars = [...value];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (isSpaceChar(c)) {
      if (
        allowBreaks &&
        !spaces &&
        w.column > BEST_WIDTH &&
        i !== 0 &&
        i !== chars.length - 1 &&
        !isSpaceChar(chars[i + 1])
      ) {
        w.writeIndent();
      } else {
        w.put(c);
      }
      spaces = true;
    } else {
      if (c === "'") w.put("'");
      w.put(c);
      w.indention = false;
      spaces = false;
    }
  }
  w.indicator("'", false, false, false);
  w.whitespace = false;
  w.indention = false;
}

const ESCAPES: Readonly<Record<number, string>> = {
  0: '0',
  7: 'a',
  8: 'b',
  9: 't',
  10: 'n',
  11: 'v',
  12: 'f',
  13: 'r',
  27: 'e',
  34: '"',
  92: '\\',
  133: 'N',
  160: '_',
  8232: 'L',
  8233: 'P',
};

function writeDoubleQuoted(w: Writer, value: string, allowBreaks: boolean): void {
  w.indicator('"', true, false, false);
  const chars = [...value];
  // go-yaml v2 tests for a byte order mark at the start of the value rather than at each position, so a
  // value that starts with one has every character escaped.
  const bomAtStart = value.startsWith('\ufeff');
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const cp = c.codePointAt(0) as number;
    if (!isPrintable(c) || bomAtStart || isBreakChar(c) || c === '"' || c === '\\') {
      const named = ESCAPES[cp];
      if (named !== undefined) w.put(`\\${named}`);
      else if (cp <= 0xff) w.put(`\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`);
      else if (cp <= 0xffff) w.put(`\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`);
      else w.put(`\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`);
      spaces = false;
    } else if (isSpaceChar(c)) {
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && i !== 0 && i !== chars.length - 1) {
        w.writeIndent();
        if (isSpaceChar(chars[i + 1])) w.put('\\');
      } else {
        w.put(c);
      }
      spaces = true;
    } else {
      w.put(c);
      spaces = false;
    }
  }
  w.indicator('"', false, false, false);
  w.whitespace = false;
  w.indention = false;
}

function writeLiteral(w: Writer, value: string): void {
  w.indicator('|', true, false, false);
  const chars = [...value];
  if (isSpaceChar(chars[0]) || isBreakChar(chars[0])) w.indicator(String(BEST_INDENT), false, false, false);
  w.openEnded = false;
  let chomp = '';
  const last = chars.length - 1;
  if (!isBreakChar(chars[last])) chomp = '-';
  else if (last === 0 || isBreakChar(chars[last - 1])) {
    chomp = '+';
    w.openEnded = true;
  }
  if (chomp !== '') {
    const openEnded = w.openEnded;
    w.indicator(chomp, false, false, false);
    w.openEnded = openEnded;
  }
  w.putBreak();
  w.indention = true;
  w.whitespace = true;
  let breaks = true;
  for (const c of chars) {
    if (isBreakChar(c)) {
      w.putBreak();
      w.indention = true;
      breaks = true;
    } else {
      if (breaks) w.writeIndent();
      w.put(c);
      w.indention = false;
      breaks = false;
    }
  }
}

function emitScalar(
  w: Writer,
  node: { kind: 'plain'; text: string } | { kind: 'string'; value: string },
  simpleKey: boolean,
): void {
  w.increaseIndent(true, false);
  if (node.kind === 'plain') {
    writePlain(w, node.text, !simpleKey);
  } else {
    switch (chooseStyle(node.value, simpleKey)) {
      case 'plain':
        writePlain(w, node.value, !simpleKey);
        break;
      case 'single':
        writeSingleQuoted(w, node.value, !simpleKey);
        break;
      case 'double':
        writeDoubleQuoted(w, node.value, !simpleKey);
        break;
      case 'literal':
        writeLiteral(w, node.value);
        break;
    }
  }
  w.popIndent();
}

function emitNode(w: Writer, node: YamlNode, inMapping: boolean, simpleKey: boolean): void {
  if (node.kind === 'map') {
    if (node.entries.length === 0) {
      w.indicator('{', true, true, false);
      w.indicator('}', false, false, false);
      return;
    }
    w.increaseIndent(false, false);
    for (const [key, value] of node.entries) {
      w.writeIndent();
      // libyaml writes "? key" / ": value" for keys that cannot be simple keys.
      const simple = new TextEncoder().encode(key).length <= 128 && !analyze(key).multiline;
      if (simple) {
        emitScalar(w, { kind: 'string', value: key }, true);
        w.indicator(':', false, false, false);
      } else {
        w.indicator('?', true, false, true);
        emitScalar(w, { kind: 'string', value: key }, false);
        w.writeIndent();
        w.indicator(':', true, false, true);
      }
      emitNode(w, value, true, false);
    }
    w.popIndent();
    return;
  }
  if (node.kind === 'seq') {
    if (node.items.length === 0) {
      w.indicator('[', true, true, false);
      w.indicator(']', false, false, false);
      return;
    }
    w.increaseIndent(false, inMapping && !w.indention);
    for (const item of node.items) {
      w.writeIndent();
      w.indicator('-', true, false, true);
      emitNode(w, item, false, false);
    }
    w.popIndent();
    return;
  }
  emitScalar(w, node, simpleKey);
}

/** The document go-yaml v2's Marshal writes for this tree (always ending in a newline). */
export function emitYaml(root: YamlNode): string {
  const w = new Writer();
  emitNode(w, root, false, false);
  w.writeIndent();
  return w.out;
}

/** go-yaml v2's ordering of string map keys: runs of digits compare as numbers, letters after others. */
export function compareKeys(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string) => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined) => c !== undefined && /\p{Nd}/u.test(c);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return (ac.codePointAt(0) as number) - (bc.codePointAt(0) as number);
    if (al || bl) return bl ? -1 : 1;
    let an = 0n;
    let bn = 0n;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10n + BigInt((ar[ai] as string).charCodeAt(0) - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10n + BigInt((br[bi] as string).charCodeAt(0) - 48);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai - bi;
    return (ac.codePointAt(0) as number) - (bc.codePointAt(0) as number);
  }
  return ar.length - br.length;
}
