// snakecase, kebabcase and camelcase as Sprig provides them (huandu/xstrings v1.5 ToSnakeCase, ToKebabCase,
// ToPascalCase). The rules are quirky ("Bld4Floor3rd" -> "bld4_floor_3rd", "HTTP20xOK" -> "http_20x_ok"), so this
// file splits the text into typed words first and then joins them by the same observable rules.

import { isLetter, isSpace, isUpper, lowerRune, upperRune } from './text.js';

type WordKind = 'connector' | 'punct' | 'upper' | 'alpha' | 'number' | 'other';

interface Word {
  kind: WordKind;
  runes: string[];
}

function isConnector(ch: string): boolean {
  return ch === '-' || ch === '_' || isSpace(ch);
}

const ASCII_PUNCT = new Set('!"#%&\'()*,-./:;?@[\\]_{}');

function isPunct(ch: string): boolean {
  if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return ASCII_PUNCT.has(ch);
  return /^\p{P}$/u.test(ch);
}

function isNumber(ch: string): boolean {
  if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return ch >= '0' && ch <= '9';
  return /^\p{N}$/u.test(ch);
}

/** A letter that is not a CJK ideograph (those count as "other" words). */
function isAlphabet(ch: string): boolean {
  if (!isLetter(ch)) return false;
  const c = ch.codePointAt(0) ?? 0;
  if (c >= 0x4e00 && c <= 0x9fcc) return false;
  if (c >= 0x3400 && c <= 0x4d85) return false;
  if (c >= 0x20000 && c <= 0x2b81d) return false;
  return true;
}

/** Length of the run of runes from `start` that satisfy `accept`. */
function runLength(runes: string[], start: number, accept: (ch: string) => boolean): number {
  let end = start;
  while (end < runes.length && accept(runes[end] ?? '')) end++;
  return end - start;
}

const isLowerAlphabet = (ch: string) => isAlphabet(ch) && !isUpper(ch);

/** Splits text into words: connector runs, punctuation runs, capitalised or all-caps words, lower words, numbers. */
function splitWords(text: string): Word[] {
  const runes = [...text];
  const words: Word[] = [];
  let i = 0;
  while (i < runes.length) {
    const first = runes[i] ?? '';
    let kind: WordKind;
    let length: number;
    if (isConnector(first)) {
      kind = 'connector';
      length = runLength(runes, i, isConnector);
    } else if (isPunct(first)) {
      kind = 'punct';
      length = runLength(runes, i, isPunct);
    } else if (isUpper(first)) {
      kind = 'upper';
      length = 1 + upperTail(runes, i + 1);
    } else if (isAlphabet(first)) {
      kind = 'alpha';
      length = runLength(runes, i, isLowerAlphabet);
    } else if (isNumber(first)) {
      kind = 'number';
      length = runLength(runes, i, isNumber);
    } else {
      kind = 'other';
      length = 1 + runLength(runes, i + 1, (ch) => !(isConnector(ch) || isAlphabet(ch) || isNumber(ch) || isPunct(ch)));
    }
    words.push({ kind, runes: runes.slice(i, i + length) });
    i += length;
  }
  return words;
}

/**
 * How many runes after a leading capital belong to its word: the rest of an all-caps run (leaving the last capital
 * to the next word when a lower-case letter follows, as in "HTTPServer"), or a run of lower-case letters.
 */
function upperTail(runes: string[], start: number): number {
  const next = runes[start];
  if (next === undefined) return 0;
  if (isUpper(next)) {
    const capitals = runLength(runes, start, isUpper);
    const after = runes[start + capitals];
    return after !== undefined && isAlphabet(after) ? capitals - 1 : capitals;
  }
  if (isAlphabet(next)) return runLength(runes, start, isLowerAlphabet);
  return 0;
}

function render(word: Word, connector: string): string {
  if (word.kind === 'connector') return connector.repeat(word.runes.length);
  if (word.kind === 'upper') return word.runes.map((r) => (isUpper(r) ? lowerRune(r) : r)).join('');
  return word.runes.join('');
}

/** Words that are followed by a connector when another word comes after them. */
function wantsConnectorBefore(word: Word | undefined): boolean {
  return word !== undefined && word.kind !== 'connector' && word.kind !== 'punct';
}

function joinLowerCase(text: string, connector: string): string {
  const words = splitWords(text);
  let out = '';
  let i = 0;
  const at = (k: number): Word | undefined => words[k];
  while (i < words.length - 1) {
    const previous = words[i] as Word;
    if (previous.kind !== 'connector') out += render(previous, connector);
    i++;
    switch (previous.kind) {
      case 'number': {
        // Letters and digits after a number stay glued to it ("2m3s").
        while (at(i)?.kind === 'alpha' || at(i)?.kind === 'number') out += render(at(i++) as Word, connector);
        if (wantsConnectorBefore(at(i))) out += connector;
        break;
      }
      case 'connector':
        out += render(previous, connector);
        break;
      case 'punct':
        break;
      default: {
        const current = at(i) as Word;
        if (current.kind !== 'number') {
          if (wantsConnectorBefore(current)) out += connector;
          break;
        }
        if (i === words.length - 1) break;
        const followed = at(i + 1) as Word;
        if (followed.kind !== 'alpha') {
          // A number before a capital or a symbol belongs to the previous word ("Bld4Floor" -> "bld4_floor").
          out += render(current, connector);
          i++;
          if (wantsConnectorBefore(followed)) out += connector;
          break;
        }
        // Lower-case letters after a number start a new word with it ("http2xx" -> "http_2xx").
        out += connector + render(current, connector);
        i++;
        while (at(i)?.kind === 'alpha' || at(i)?.kind === 'number') out += render(at(i++) as Word, connector);
        if (wantsConnectorBefore(at(i))) out += connector;
      }
    }
  }
  const last = at(i);
  if (last) out += render(last, connector);
  return out;
}

export function toSnakeCase(text: string): string {
  return joinLowerCase(text, '_');
}

export function toKebabCase(text: string): string {
  return joinLowerCase(text, '-');
}

/**
 * PascalCase: connectors are dropped and the rune after them capitalised; the first letter is capitalised; an
 * all-caps word is lower-cased after its first letter. Leading connectors are kept, and a run of connectors keeps
 * all but one.
 */
export function toPascalCase(text: string): string {
  const runes = [...text];
  if (runes.length === 0) return '';
  let out = '';
  let i = 0;
  while (i < runes.length && isConnector(runes[i] ?? '')) out += runes[i++];
  if (i === runes.length) return out + (runes[runes.length - 1] ?? '');
  const firstRune = runes[i++] ?? '';
  let inCapitalRun = isUpper(firstRune);
  let pending = upperRune(firstRune);
  for (; i < runes.length; i++) {
    let current = runes[i] ?? '';
    if (isConnector(current) && isConnector(pending)) {
      out += pending;
    } else if (isConnector(pending)) {
      inCapitalRun = isUpper(current);
      current = upperRune(current);
    } else {
      if (inCapitalRun) {
        if (isUpper(current)) current = lowerRune(current);
        else inCapitalRun = false;
      }
      out += pending;
    }
    pending = current;
  }
  return out + pending;
}
