// The escaping builtins html, js and urlquery, byte-for-byte like Go's HTMLEscapeString, JSEscapeString and
// url.QueryEscape, including how they turn several arguments (or a missing value) into one string.

import { sprint } from './fmt.js';
import { isPrintRune } from './lexer.js';
import { utf8Encode } from './literals.js';

/** Go's evalArgs: a single string as is, otherwise fmt.Sprint with nil shown as "<no value>". */
export function escaperArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  const printable = args.map((a) => (a === null || a === undefined ? '<no value>' : a));
  return sprint(printable);
}

export function htmlEscape(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    let rep: string;
    switch (s.charCodeAt(i)) {
      case 0x22:
        rep = '&#34;';
        break;
      case 0x27:
        rep = '&#39;';
        break;
      case 0x26:
        rep = '&amp;';
        break;
      case 0x3c:
        rep = '&lt;';
        break;
      case 0x3e:
        rep = '&gt;';
        break;
      case 0:
        rep = '\uFFFD';
        break;
      default:
        continue;
    }
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return last === 0 ? s : out + s.slice(last);
}

const HEX = '0123456789ABCDEF';

export function jsEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      switch (c) {
        case 0x5c:
          out += '\\\\';
          continue;
        case 0x27:
          out += "\\'";
          continue;
        case 0x22:
          out += '\\"';
          continue;
        case 0x3c:
          out += '\\u003C';
          continue;
        case 0x3e:
          out += '\\u003E';
          continue;
        case 0x26:
          out += '\\u0026';
          continue;
        case 0x3d:
          out += '\\u003D';
          continue;
      }
      if (c < 0x20) out += '\\u00' + HEX[c >> 4]! + HEX[c & 15]!;
      else out += s[i];
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (cp > 0xffff) i++;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += '\\uFFFD';
    } else if (isPrintRune(cp)) {
      out += ch;
    } else {
      out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    }
  }
  return out;
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x2d ||
    b === 0x2e ||
    b === 0x5f ||
    b === 0x7e
  );
}

/** url.QueryEscape: space becomes '+', unreserved bytes stay, the rest is %XX of the UTF-8 bytes. */
export function queryEscape(s: string): string {
  const bytes = utf8Encode(s);
  let out = '';
  for (const b of bytes) {
    if (isUnreserved(b)) out += String.fromCharCode(b);
    else if (b === 0x20) out += '+';
    else out += '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}
