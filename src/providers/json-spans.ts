// A strict JSON parser that keeps where each value sits in the source text. gjson and Go's json.RawMessage both
// hand back a value's raw text exactly as written (spacing, number spelling, key order), which JSON.parse loses.

export type JsonNode =
  | { kind: 'object'; start: number; end: number; entries: [string, JsonNode][] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string'; start: number; end: number; value: string }
  | { kind: 'number'; start: number; end: number }
  | { kind: 'true' | 'false' | 'null'; start: number; end: number };

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  // Error messages give a position only: the text may be a secret.
  fail(what: string): never {
    throw new JsonSyntaxError(`invalid JSON: ${what} at offset ${this.pos}`);
  }

  skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  value(depth: number): JsonNode {
    if (depth > 1000) this.fail('nesting too deep');
    this.skipSpace();
    const start = this.pos;
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return { kind: 'string', start, value: this.string(), end: this.pos };
      case 't':
        return this.literal('true');
      case 'f':
        return this.literal('false');
      case 'n':
        return this.literal('null');
      default: {
        NUMBER.lastIndex = start;
        const m = NUMBER.exec(this.text);
        if (!m) this.fail(c === undefined ? 'unexpected end' : 'unexpected character');
        this.pos = start + m[0].length;
        return { kind: 'number', start, end: this.pos };
      }
    }
  }

  literal(word: 'true' | 'false' | 'null'): JsonNode {
    const start = this.pos;
    if (!this.text.startsWith(word, start)) this.fail('unexpected character');
    this.pos += word.length;
    return { kind: word, start, end: this.pos };
  }

  object(depth: number): JsonNode {
    const start = this.pos++;
    const entries: [string, JsonNode][] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', start, end: this.pos, entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      entries.push([key, this.value(depth + 1)]);
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === '}') return { kind: 'object', start, end: this.pos, entries };
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): JsonNode {
    const start = this.pos++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', start, end: this.pos, items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === ']') return { kind: 'array', start, end: this.pos, items };
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.text.slice(runStart, this.pos);
      const e = this.text[this.pos + 1] ?? '';
      if (e === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += 6;
      } else {
        const s = SIMPLE_ESCAPES[e];
        if (s === undefined) this.fail('bad escape');
        out += s;
        this.pos += 2;
      }
      runStart = this.pos;
    }
  }
}

/** Parses a whole JSON document; anything but whitespace after the value is an error (as in Go's json.Unmarshal). */
export function parseJson(text: string): JsonNode {
  const parser = new Parser(text);
  const node = parser.value(0);
  parser.skipSpace();
  if (parser.pos !== text.length) parser.fail('unexpected data after the value');
  return node;
}

/** Parses the first JSON value of the text and ignores what follows (gjson reads leniently like this). */
export function parseJsonPrefix(text: string): JsonNode {
  return new Parser(text).value(0);
}

/** The value's text exactly as written. */
export function rawText(text: string, node: JsonNode): string {
  return text.slice(node.start, node.end);
}
