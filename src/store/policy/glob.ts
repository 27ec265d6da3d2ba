// Path globs for role rules. "*" matches any characters within one segment (never "/"); a pattern whose last
// segment is exactly "*" matches everything below that folder, at any depth. Everything else is literal.

export type PathMatcher = (path: string) => boolean;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileGlob(pattern: string): PathMatcher {
  const segments = pattern.slice(1).split('/');
  const last = segments.at(-1);
  const deep = last === '*';
  const fixed = deep ? segments.slice(0, -1) : segments;
  const body = fixed.map((s) => s.split('*').map(escapeRegex).join('[^/]*')).join('/');
  const source = deep ? `^/${body}${body ? '/' : ''}.+$` : `^/${body}$`;
  const regex = new RegExp(source, 'u');
  return (path) => regex.test(path);
}

/** Why `pattern` is not a usable rule path, or undefined. */
export function globProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) return 'a rule path must be a string starting with "/"';
  if (pattern.length > 1024) return 'a rule path is at most 1024 characters';
  const withoutTemplates = pattern.replace(/\{\{\s*[A-Za-z_][\w.-]*\s*\}\}/g, 'x');
  if (/[{}]/.test(withoutTemplates)) return `rule path "${pattern}" has a malformed {{claim}} template`;
  if (withoutTemplates === '/') return 'rule path "/" matches nothing; use "/*" for everything';
  for (const segment of withoutTemplates.slice(1).split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      return `rule path "${pattern}" has an empty, "." or ".." segment`;
    }
  }
  return undefined;
}
