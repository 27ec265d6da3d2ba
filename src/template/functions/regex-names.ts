// Go (since 1.22) accepts a capture group name used more than once, e.g. `(?P<n>a)|(?P<n>b)`; re2js rejects it.
// Renaming every repeat to a unique placeholder lets re2js compile the same program, and the caller maps the
// placeholders back to the user's name (for $name expansion and error texts).

export interface RenamedGroups {
  expr: string;
  /** Placeholder name -> the name the pattern used. */
  original: Map<string, string>;
}

const GROUP_OPENER = /^\(\?P?<([A-Za-z0-9_]+)>/;

/** Renames the second and later uses of each group name; scans RE2 syntax (escapes, \Q...\E, classes). */
export function renameDuplicateGroups(expr: string): RenamedGroups {
  const seen = new Set<string>();
  const original = new Map<string, string>();
  let out = '';
  let i = 0;
  let counter = 0;
  const placeholder = (): string => {
    let name: string;
    do name = `custos_dup_${counter++}`;
    while (expr.includes(name));
    return name;
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '\\') {
      if (expr[i + 1] === 'Q') {
        const end = expr.indexOf('\\E', i + 2);
        const stop = end < 0 ? expr.length : end + 2;
        out += expr.slice(i, stop);
        i = stop;
      } else {
        out += expr.slice(i, i + 2);
        i += 2;
      }
      continue;
    }
    if (c === '[') {
      const stop = classEnd(expr, i);
      out += expr.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '(') {
      const m = GROUP_OPENER.exec(expr.slice(i, i + 300));
      if (m !== null) {
        const name = m[1]!;
        if (seen.has(name)) {
          const renamed = placeholder();
          original.set(renamed, name);
          out += m[0].replace(`<${name}>`, `<${renamed}>`);
        } else {
          seen.add(name);
          out += m[0];
        }
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { expr: out, original };
}

/** Index just past the character class starting at `start` (or the end of the pattern if it is unterminated). */
function classEnd(expr: string, start: number): number {
  let i = start + 1;
  if (expr[i] === '^') i++;
  if (expr[i] === ']') i++; // a leading ] is a literal
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '[' && expr[i + 1] === ':') {
      const close = expr.indexOf(':]', i + 2);
      if (close >= 0) {
        i = close + 2;
        continue;
      }
    }
    if (c === ']') return i + 1;
    i++;
  }
  return expr.length;
}
