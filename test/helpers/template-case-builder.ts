// A small builder for hand-written and generated corpus case inputs (template + data + options). Expectations are
// never written here: template-corpus-record.ts records them from the Go oracle.

import type { MissingKey } from './template-corpus.js';

export interface CaseInput {
  name: string;
  template: string;
  data: unknown;
  missingkey?: MissingKey;
  leftDelim?: string;
  rightDelim?: string;
}

export interface CaseOptions {
  missingkey?: MissingKey;
  leftDelim?: string;
  rightDelim?: string;
}

/** The data most cases render against: one value of every JSON shape, decoded by Go into interface{}. */
export const stdData = {
  str: 'hello',
  empty: '',
  zero: 0,
  int: 42,
  neg: -7,
  float: 3.25,
  big: 1e21,
  t: true,
  f: false,
  nil: null,
  list: [1, 2, 3],
  strs: ['b', 'a', 'c'],
  emptyList: [],
  mixed: [1, 'two', 3.5, true, null],
  map: { a: 1, b: 'two', c: [1, 2] },
  emptyMap: {},
  nested: { x: { y: { z: 'deep' } } },
  users: [
    { name: 'ann', age: 31 },
    { name: 'bob', age: 25 },
  ],
  'dash-key': 'dashed',
  html: '<a href="x">&\'</a>',
  unicode: 'héllo wörld ✓',
  multiline: 'line1\nline2\nline3',
  spaces: '  padded  ',
  numStr: '123',
  floatStr: '1.5',
  b64: 'aGVsbG8=',
  json: '{"a":1,"b":[true,null]}',
  yaml: 'a: 1\nb:\n  - x\n',
};

/** Collects cases for one corpus file; names are "<file>/<group>/<n>". */
export class CaseSet {
  readonly cases: CaseInput[] = [];
  private group = 'misc';
  private counter = 0;

  constructor(readonly file: string) {}

  /** Starts a group; later cases are numbered within it. */
  in(group: string): this {
    this.group = group;
    this.counter = 0;
    return this;
  }

  add(template: string, data: unknown = stdData, options: CaseOptions = {}): this {
    this.counter++;
    const slim = data === stdData ? slimStdData(template) : data;
    this.cases.push({ name: `${this.file}/${this.group}/${this.counter}`, template, data: slim, ...options });
    return this;
  }

  /** Adds each template with the same data and options. */
  all(templates: readonly string[], data: unknown = stdData, options: CaseOptions = {}): this {
    for (const t of templates) this.add(t, data, options);
    return this;
  }
}

/**
 * stdData cut down to the top-level keys a template names (".key"), to keep the corpus small. A template that
 * uses the whole data (a bare "." or "$", e.g. {{.}} or {{index . "k"}}) gets all of it.
 */
function slimStdData(template: string): unknown {
  if (/(^|[^A-Za-z0-9_)\].])\.(?![A-Za-z0-9_])/.test(template) || /\$(?![A-Za-z0-9_.])/.test(template)) return stdData;
  const out: Record<string, unknown> = {};
  for (const m of template.matchAll(/\.([A-Za-z_][A-Za-z0-9_-]*)/g)) {
    const key = m[1]!;
    if (Object.hasOwn(stdData, key)) out[key] = stdData[key as keyof typeof stdData];
  }
  return out;
}

/** Go source for a string literal holding `s` (a quoted Go string). */
export function goString(s: string): string {
  return JSON.stringify(s);
}
