// Sprig's regular expression functions with Go's regexp semantics: RE2 syntax and linear-time matching (re2js,
// never JS RegExp, so a template cannot backtrack catastrophically), Go's rules for successive matches
// ("empty matches abutting a preceding match are ignored"), Go's `$name` / `${name}` expansion and Go's Split.

import { RE2JS, RE2JSException } from 're2js';
import type { FunctionMap, TemplateFunction } from './contract.js';
import { type RenamedGroups, renameDuplicateGroups } from './regex-names.js';
import { fail, fixed, intArg, nilSlice, stringSlice, withGoType } from './support.js';
import { goQuote } from './text.js';

interface Compiled {
  pattern: RE2JS;
  groupNames: string[];
}

const CACHE_LIMIT = 256;
const cache = new Map<string, Compiled | string>();

/** Compiles a pattern (cached); returns Go's compile error message on failure. */
function compile(expr: string): Compiled | string {
  const cached = cache.get(expr);
  if (cached !== undefined) return cached;
  let result: Compiled | string;
  try {
    result = compileRenamingDuplicates(expr);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    // Go quotes the offending text after every parse error, even when it is empty.
    result = error.message.endsWith('trailing backslash at end of expression')
      ? `${error.message}: \`\``
      : error.message;
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(expr, result);
  return result;
}

/** Compiles with re2js; names used twice (legal in Go) are compiled under placeholders and mapped back. */
function compileRenamingDuplicates(expr: string): Compiled {
  let renamed: RenamedGroups = { expr, original: new Map() };
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(expr);
  } catch (error) {
    if (!(error instanceof RE2JSException) || !error.message.includes('duplicate capture group name')) throw error;
    renamed = renameDuplicateGroups(expr);
    try {
      pattern = RE2JS.compile(renamed.expr);
    } catch (inner) {
      if (!(inner instanceof RE2JSException)) throw inner;
      let message = inner.message;
      for (const [placeholder, name] of renamed.original) message = message.replaceAll(placeholder, name);
      throw new RE2JSException(message);
    }
  }
  const groupNames: string[] = new Array(pattern.groupCount() + 1).fill('');
  for (const [name, index] of Object.entries(pattern.namedGroups())) {
    groupNames[index] = renamed.original.get(name) ?? name;
  }
  return { pattern, groupNames };
}

/** regexp.Compile: the error is returned to the caller. */
function mustCompile(expr: string): Compiled {
  const compiled = compile(expr);
  if (typeof compiled === 'string') fail(compiled);
  return compiled;
}

/** regexp.MustCompile: Sprig's non-must functions panic with this message. */
function compileOrPanic(expr: string): Compiled {
  const compiled = compile(expr);
  if (typeof compiled === 'string') fail(`regexp: Compile(${quoteExpr(expr)}): ${compiled}`);
  return compiled;
}

/** Go's regexp quote(): backquoted when possible, otherwise strconv.Quote. */
function quoteExpr(expr: string): string {
  const canBackquote = !/[`\u0000-\u0008\u000a-\u001f\u007f\ufeff]/.test(expr);
  return canBackquote ? `\`${expr}\`` : goQuote(expr);
}

/** Group offsets of one match: [start0, end0, start1, end1, ...], -1 for groups that did not take part. */
type Match = number[];

/** Width in UTF-16 units of the character at `pos` (1 at the end, as Go advances past the end). */
function charWidth(text: string, pos: number): number {
  const code = text.codePointAt(pos);
  return code !== undefined && code > 0xffff ? 2 : 1;
}

/** A search over one input: the first match starting at or after `from` (assertions see the whole input). */
type Search = (from: number) => Match | undefined;

function searcher(compiled: Compiled, text: string): Search {
  const matcher = compiled.pattern.matcher(text);
  const groups = compiled.groupNames.length;
  return (from) => {
    if (!matcher.find(from)) return undefined;
    const offsets: number[] = [];
    for (let g = 0; g < groups; g++) offsets.push(matcher.start(g), matcher.end(g));
    return offsets;
  };
}

function matchAt(compiled: Compiled, text: string, from: number): Match | undefined {
  return searcher(compiled, text)(from);
}

/** Go's allMatches: successive matches; an empty match right after the previous match is skipped. */
function allMatches(compiled: Compiled, text: string, limit: number): Match[] {
  const search = searcher(compiled, text);
  const matches: Match[] = [];
  let pos = 0;
  let previousEnd = -1;
  while ((limit < 0 || matches.length < limit) && pos <= text.length) {
    const match = search(pos);
    if (!match) break;
    const [start = 0, end = 0] = match;
    let accept = true;
    if (end === pos) {
      if (start === previousEnd) accept = false;
      pos += charWidth(text, pos);
    } else {
      pos = end;
    }
    previousEnd = end;
    if (accept) matches.push(match);
  }
  return matches;
}

/** Go's replaceAll loop; `replacement` builds the text for one match. */
function replaceAll(compiled: Compiled, text: string, replacement: (match: Match) => string): string {
  const search = searcher(compiled, text);
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= text.length) {
    const match = search(searchPos);
    if (!match) break;
    const [start = 0, end = 0] = match;
    out += text.slice(lastEnd, start);
    // No replacement for an empty match right after another match (it would replace twice).
    if (end > lastEnd || start === 0) out += replacement(match);
    lastEnd = end;
    const width = charWidth(text, searchPos);
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + text.slice(lastEnd);
}

/** Go's Regexp.Expand: `$1`, `$name`, `${name}`, `$$`; a malformed reference is kept as literal text. */
function expand(template: string, compiled: Compiled, text: string, match: Match): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const reference = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (!reference) {
      out += '$';
      continue;
    }
    rest = rest.slice(reference[0].length);
    const name = reference[1] ?? reference[2] ?? '';
    out += groupText(name, compiled, text, match);
  }
  return out + rest;
}

function groupText(name: string, compiled: Compiled, text: string, match: Match): string {
  const groupAt = (index: number) => {
    const start = match[2 * index] ?? -1;
    return start >= 0 ? text.slice(start, match[2 * index + 1]) : undefined;
  };
  if (/^[0-9]+$/.test(name)) {
    // Go gives up on group numbers of 8 digits or more.
    const index = name.length < 9 ? Number(name) : -1;
    return index >= 0 && index < compiled.groupNames.length ? (groupAt(index) ?? '') : '';
  }
  for (let i = 0; i < compiled.groupNames.length; i++) {
    if (compiled.groupNames[i] !== name) continue;
    const value = groupAt(i);
    if (value !== undefined) return value;
  }
  return '';
}

/** Go's Regexp.Split. */
function split(compiled: Compiled, expr: string, text: string, limit: number): string[] {
  if (limit === 0) return withGoType(nilSlice<string>(), '[]string');
  if (expr.length > 0 && text.length === 0) return stringSlice(['']);
  const parts: string[] = [];
  let begin = 0;
  let end = 0;
  for (const [start = 0, stop = 0] of allMatches(compiled, text, limit)) {
    if (limit > 0 && parts.length === limit - 1) break;
    end = start;
    if (stop !== 0) parts.push(text.slice(begin, end));
    begin = stop;
  }
  if (end !== text.length) parts.push(text.slice(begin));
  return stringSlice(parts);
}

function findAll(compiled: Compiled, text: string, limit: number): string[] {
  if (limit === 0) return withGoType(nilSlice<string>(), '[]string');
  const found = allMatches(compiled, text, limit).map(([start, end]) => text.slice(start, end));
  return found.length === 0 ? withGoType(nilSlice<string>(), '[]string') : stringSlice(found);
}

function findFirst(compiled: Compiled, text: string): string {
  const match = matchAt(compiled, text, 0);
  return match ? text.slice(match[0], match[1]) : '';
}

type Compiler = (expr: string) => Compiled;

const regexFindAll = (get: Compiler) =>
  fixed(['string', 'string', 'int'], (expr: string, s: string, n: bigint) => findAll(get(expr), s, intArg(n)));
const regexFind = (get: Compiler) => fixed(['string', 'string'], (expr: string, s: string) => findFirst(get(expr), s));
const regexReplaceAll = (get: Compiler) =>
  fixed(['string', 'string', 'string'], (expr: string, s: string, repl: string) => {
    const compiled = get(expr);
    return replaceAll(compiled, s, (match) => expand(repl, compiled, s, match));
  });
const regexReplaceAllLiteral = (get: Compiler) =>
  fixed(['string', 'string', 'string'], (expr: string, s: string, repl: string) =>
    replaceAll(get(expr), s, () => repl),
  );
const regexSplit = (get: Compiler) =>
  fixed(['string', 'string', 'int'], (expr: string, s: string, n: bigint) => split(get(expr), expr, s, intArg(n)));

const functions: Record<string, TemplateFunction> = {
  regexMatch: fixed(['string', 'string'], (expr: string, s: string) => {
    const compiled = compile(expr);
    return typeof compiled !== 'string' && matchAt(compiled, s, 0) !== undefined;
  }),
  mustRegexMatch: fixed(
    ['string', 'string'],
    (expr: string, s: string) => matchAt(mustCompile(expr), s, 0) !== undefined,
  ),
  regexFindAll: regexFindAll(compileOrPanic),
  mustRegexFindAll: regexFindAll(mustCompile),
  regexFind: regexFind(compileOrPanic),
  mustRegexFind: regexFind(mustCompile),
  regexReplaceAll: regexReplaceAll(compileOrPanic),
  mustRegexReplaceAll: regexReplaceAll(mustCompile),
  regexReplaceAllLiteral: regexReplaceAllLiteral(compileOrPanic),
  mustRegexReplaceAllLiteral: regexReplaceAllLiteral(mustCompile),
  regexSplit: regexSplit(compileOrPanic),
  mustRegexSplit: regexSplit(mustCompile),
  regexQuoteMeta: fixed(['string'], (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
};

export const regexFunctions: FunctionMap = functions;
