// Lexer for Go text/template: turns template text into tokens with a small state machine (each state is a
// function returning the next state), following the documented lexical rules of text/template: text and
// actions, `{{-`/`-}}` trimming, comments, custom delimiters, and Go literal forms. Numbers and strings are
// only delimited here; the parser gives them meaning.

export const Tok = {
  Error: 0,
  EOF: 1,
  Text: 2,
  LeftDelim: 3,
  RightDelim: 4,
  Space: 5,
  Pipe: 6,
  Assign: 7,
  Declare: 8,
  LeftParen: 9,
  RightParen: 10,
  Char: 11, // any other printable ASCII character inside an action, e.g. ','
  Bool: 12,
  Number: 13,
  CharConstant: 14,
  Complex: 15,
  String: 16,
  RawString: 17,
  Identifier: 18,
  Field: 19,
  Variable: 20,
  // Keywords (and '.' and 'nil'), printed as <word> in error messages.
  Keyword: 30,
  Block: 31,
  Break: 32,
  Continue: 33,
  Dot: 34,
  Define: 35,
  Else: 36,
  End: 37,
  If: 38,
  Nil: 39,
  Range: 40,
  Template: 41,
  With: 42,
} as const;

export type TokType = (typeof Tok)[keyof typeof Tok];

export interface Token {
  type: TokType;
  /** Offset in the template text (UTF-16 code units). */
  pos: number;
  val: string;
  /** 1-based line where the token starts. */
  line: number;
}

const keywords: Record<string, TokType> = {
  block: Tok.Block,
  break: Tok.Break,
  continue: Tok.Continue,
  define: Tok.Define,
  else: Tok.Else,
  end: Tok.End,
  if: Tok.If,
  range: Tok.Range,
  nil: Tok.Nil,
  template: Tok.Template,
  with: Tok.With,
};

const EOF = -1;

/** Go's text/template notion of space: space, tab, carriage return, newline. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

const letterOrDigit = /^[\p{L}\p{Nd}]$/u;

/** Letters, digits and underscore, as Go's unicode.IsLetter/IsDigit define them. */
export function isAlphaNumeric(c: number): boolean {
  if (c < 0x80) {
    return c === 0x5f || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  }
  if (c === EOF) return false;
  return letterOrDigit.test(String.fromCodePoint(c));
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.IsPrint for a code point. */
export function isPrintRune(c: number): boolean {
  if (c < 0x80) return c >= 0x20 && c < 0x7f;
  return printable.test(String.fromCodePoint(c));
}

/** Formats a rune like Go's %#U: U+0021 '!'. */
export function formatRuneU(c: number): string {
  const hex = c.toString(16).toUpperCase().padStart(4, '0');
  return isPrintRune(c) ? `U+${hex} '${String.fromCodePoint(c)}'` : `U+${hex}`;
}

type StateFn = ((l: Lexer) => StateFn) | null;

class Lexer {
  readonly tokens: Token[] = [];
  pos = 0;
  start = 0;
  /** Line at `start`. */
  line = 1;
  parenDepth = 0;
  private readonly trimRightDelim: string;

  constructor(
    readonly input: string,
    readonly leftDelim: string,
    readonly rightDelim: string,
    readonly breakOK: boolean,
    readonly continueOK: boolean,
  ) {
    this.trimRightDelim = ' -' + rightDelim;
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.pos = this.input.length + 1; // so that backup() returns to the end
      return EOF;
    }
    const c = this.input.codePointAt(this.pos)!;
    this.pos += c > 0xffff ? 2 : 1;
    return c;
  }

  /** Steps back over the code point just read (call once per next). */
  backup(): void {
    if (this.pos > this.input.length) {
      this.pos = this.input.length;
      return;
    }
    const prev = this.input.charCodeAt(this.pos - 1);
    this.pos -= prev >= 0xdc00 && prev <= 0xdfff && this.pos >= 2 ? 2 : 1;
  }

  peek(): number {
    if (this.pos >= this.input.length) return EOF;
    return this.input.codePointAt(this.pos)!;
  }

  private advanceLines(): void {
    for (let i = this.start; i < this.pos; i++) if (this.input.charCodeAt(i) === 0x0a) this.line++;
  }

  emit(type: TokType): void {
    this.tokens.push({ type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.line });
    this.advanceLines();
    this.start = this.pos;
  }

  emitValue(type: TokType, val: string): void {
    this.tokens.push({ type, pos: this.start, val, line: this.line });
    this.advanceLines();
    this.start = this.pos;
  }

  ignore(): void {
    this.advanceLines();
    this.start = this.pos;
  }

  accept(valid: string): boolean {
    const c = this.next();
    if (c !== EOF && valid.indexOf(String.fromCharCode(c)) >= 0 && c < 0x80) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const c = this.next();
      if (c === EOF || c >= 0x80 || valid.indexOf(String.fromCharCode(c)) < 0) break;
    }
    this.backup();
  }

  errorf(message: string): StateFn {
    this.tokens.push({ type: Tok.Error, pos: this.start, val: message, line: this.line });
    return null;
  }

  /** Whether the input at pos is a right delimiter, and whether it carries a trim marker (` -}}`). */
  atRightDelim(): [boolean, boolean] {
    if (this.input.startsWith(this.trimRightDelim, this.pos)) return [true, true];
    if (this.input.startsWith(this.rightDelim, this.pos)) return [true, false];
    return [false, false];
  }

  /** After a word: the next character must end it. */
  atTerminator(): boolean {
    const c = this.peek();
    if (isSpace(c)) return true;
    switch (c) {
      case EOF:
      case 0x2e: // .
      case 0x2c: // ,
      case 0x7c: // |
      case 0x3a: // :
      case 0x29: // )
      case 0x28: // (
        return true;
    }
    return this.input.startsWith(this.rightDelim, this.pos);
  }

  run(): Token[] {
    let state: StateFn = lexText;
    while (state !== null) state = state(this);
    return this.tokens;
  }
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.charCodeAt(at) === 0x2d && isSpace(s.charCodeAt(at + 1));
}

function lexText(l: Lexer): StateFn {
  const x = l.input.indexOf(l.leftDelim, l.pos);
  if (x >= 0) {
    if (x > l.pos) {
      let end = x;
      if (hasLeftTrimMarker(l.input, x + l.leftDelim.length)) {
        while (end > l.start && isSpace(l.input.charCodeAt(end - 1))) end--;
      }
      l.pos = end;
      if (end > l.start) l.emit(Tok.Text);
      l.pos = x;
      l.ignore();
    }
    return lexLeftDelim;
  }
  l.pos = l.input.length;
  if (l.pos > l.start) l.emit(Tok.Text);
  l.emit(Tok.EOF);
  return null;
}

function lexLeftDelim(l: Lexer): StateFn {
  l.pos += l.leftDelim.length;
  const trim = hasLeftTrimMarker(l.input, l.pos);
  const afterMarker = trim ? 2 : 0;
  if (l.input.startsWith('/*', l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment;
  }
  l.emit(Tok.LeftDelim);
  l.pos += afterMarker;
  l.ignore();
  l.parenDepth = 0;
  return lexInsideAction;
}

function leftTrimLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i - from;
}

function lexComment(l: Lexer): StateFn {
  l.pos += 2;
  const x = l.input.indexOf('*/', l.pos);
  if (x < 0) return l.errorf('unclosed comment');
  l.pos = x + 2;
  const [delim, trim] = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  if (trim) l.pos += 2;
  l.pos += l.rightDelim.length;
  if (trim) l.pos += leftTrimLength(l.input, l.pos);
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const [, trim] = l.atRightDelim();
  if (trim) {
    l.pos += 2;
    l.ignore();
  }
  l.pos += l.rightDelim.length;
  l.emit(Tok.RightDelim);
  if (trim) {
    l.pos += leftTrimLength(l.input, l.pos);
    l.ignore();
  }
  return lexText;
}

function lexInsideAction(l: Lexer): StateFn {
  const [delim] = l.atRightDelim();
  if (delim) {
    if (l.parenDepth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const c = l.next();
  if (c === EOF) return l.errorf('unclosed action');
  if (isSpace(c)) {
    l.backup();
    return lexSpace;
  }
  switch (c) {
    case 0x3d: // =
      l.emit(Tok.Assign);
      return lexInsideAction;
    case 0x3a: // :
      if (l.next() !== 0x3d) return l.errorf('expected :=');
      l.emit(Tok.Declare);
      return lexInsideAction;
    case 0x7c: // |
      l.emit(Tok.Pipe);
      return lexInsideAction;
    case 0x22: // "
      return lexQuote;
    case 0x60: // `
      return lexRawQuote;
    case 0x24: // $
      return lexVariable;
    case 0x27: // '
      return lexChar;
    case 0x2e: {
      // '.' starts a field unless a digit follows (then it is a number like .5).
      const n = l.input.charCodeAt(l.pos);
      if (l.pos < l.input.length && (n < 0x30 || n > 0x39)) return lexField;
      l.backup();
      return lexNumber;
    }
    case 0x28: // (
      l.emit(Tok.LeftParen);
      l.parenDepth++;
      return lexInsideAction;
    case 0x29: // )
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf('unexpected right paren');
      l.emit(Tok.RightParen);
      return lexInsideAction;
  }
  if (c === 0x2b || c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(c)) {
    l.backup();
    return lexIdentifier;
  }
  if (c < 0x80 && c >= 0x20 && c < 0x7f) {
    l.emit(Tok.Char);
    return lexInsideAction;
  }
  return l.errorf(`unrecognized character in action: ${formatRuneU(c)}`);
}

function lexSpace(l: Lexer): StateFn {
  let numSpaces = 0;
  while (isSpace(l.peek())) {
    l.next();
    numSpaces++;
  }
  // A space may belong to a trim-marked closing delimiter ` -}}`.
  if (l.input.startsWith(' -' + l.rightDelim, l.pos - 1) && l.input.charCodeAt(l.pos - 1) === 0x20) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim;
  }
  l.emit(Tok.Space);
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): StateFn {
  for (;;) {
    const c = l.next();
    if (!isAlphaNumeric(c)) {
      l.backup();
      break;
    }
  }
  const word = l.input.slice(l.start, l.pos);
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRuneU(l.peek())}`);
  const kw = Object.hasOwn(keywords, word) ? keywords[word] : undefined;
  if (kw !== undefined) {
    if ((kw === Tok.Break && !l.breakOK) || (kw === Tok.Continue && !l.continueOK)) l.emit(Tok.Identifier);
    else l.emit(kw);
  } else if (word === 'true' || word === 'false') {
    l.emit(Tok.Bool);
  } else {
    l.emit(Tok.Identifier);
  }
  return lexInsideAction;
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, Tok.Field);
}

function lexVariable(l: Lexer): StateFn {
  if (l.atTerminator()) {
    l.emit(Tok.Variable); // just "$"
    return lexInsideAction;
  }
  return lexFieldOrVariable(l, Tok.Variable);
}

function lexFieldOrVariable(l: Lexer, type: TokType): StateFn {
  if (l.atTerminator()) {
    l.emit(type === Tok.Variable ? Tok.Variable : Tok.Dot);
    return lexInsideAction;
  }
  for (;;) {
    const c = l.next();
    if (!isAlphaNumeric(c)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRuneU(l.peek())}`);
  l.emit(type);
  return lexInsideAction;
}

function lexChar(l: Lexer): StateFn {
  for (;;) {
    let c = l.next();
    if (c === 0x5c) {
      c = l.next();
      if (c !== EOF && c !== 0x0a) continue;
    }
    if (c === EOF || c === 0x0a) return l.errorf('unterminated character constant');
    if (c === 0x27) break;
  }
  l.emit(Tok.CharConstant);
  return lexInsideAction;
}

function lexQuote(l: Lexer): StateFn {
  for (;;) {
    let c = l.next();
    if (c === 0x5c) {
      c = l.next();
      if (c !== EOF && c !== 0x0a) continue;
    }
    if (c === EOF || c === 0x0a) return l.errorf('unterminated quoted string');
    if (c === 0x22) break;
  }
  l.emit(Tok.String);
  return lexInsideAction;
}

function lexRawQuote(l: Lexer): StateFn {
  const x = l.input.indexOf('`', l.pos);
  if (x < 0) return l.errorf('unterminated raw quoted string');
  l.pos = x + 1;
  l.emit(Tok.RawString);
  return lexInsideAction;
}

function lexNumber(l: Lexer): StateFn {
  if (!scanNumber(l)) return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === 0x2b || sign === 0x2d) {
    // Complex: 1+2i, no spaces, must end in 'i'.
    if (!scanNumber(l) || l.input.charCodeAt(l.pos - 1) !== 0x69) {
      return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
    }
    l.emit(Tok.Complex);
  } else {
    l.emit(Tok.Number);
  }
  return lexInsideAction;
}

function scanNumber(l: Lexer): boolean {
  l.accept('+-');
  let digits = '0123456789_';
  if (l.accept('0')) {
    if (l.accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (l.accept('oO')) digits = '01234567_';
    else if (l.accept('bB')) digits = '01_';
  }
  l.acceptRun(digits);
  if (l.accept('.')) l.acceptRun(digits);
  if (digits.length === 11 && l.accept('eE')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  if (digits.length === 23 && l.accept('pP')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  l.accept('i');
  if (isAlphaNumeric(l.peek())) {
    l.next();
    return false;
  }
  return true;
}

/** Go's %q for a string (strconv.Quote), used in lexer and parser messages. */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    if (c > 0xffff) i++;
    out += quoteRune(c, 0x22);
  }
  return out + '"';
}

/** One rune inside a Go quoted literal delimited by `quote`. */
export function quoteRune(c: number, quote: number): string {
  if (c === quote || c === 0x5c) return '\\' + String.fromCharCode(c);
  if (c >= 0x20 && c < 0x7f) return String.fromCharCode(c);
  switch (c) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  // A byte that is not UTF-8 (carried as U+DC80..U+DCFF, see functions/crypto-bytes.ts) is quoted as \xNN.
  if (c >= 0xdc80 && c <= 0xdcff) return `\\x${(c - 0xdc00).toString(16).padStart(2, '0')}`;
  if (c >= 0xd800 && c <= 0xdfff) return '\\ufffd'; // any other lone surrogate: invalid UTF-8 in Go
  if (c >= 0x80 && isPrintRune(c)) return String.fromCodePoint(c);
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  if (c < 0x10000) return '\\u' + c.toString(16).padStart(4, '0');
  return '\\U' + c.toString(16).padStart(8, '0');
}

export interface LexOptions {
  leftDelim: string;
  rightDelim: string;
  /** False when a function named "break"/"continue" is defined, which then wins over the keyword. */
  breakOK: boolean;
  continueOK: boolean;
}

/** Lexes the whole input; the last token is EOF or an Error token. */
export function lex(input: string, options: LexOptions): Token[] {
  return new Lexer(input, options.leftDelim, options.rightDelim, options.breakOK, options.continueOK).run();
}
