// semver and semverCompare with the semantics of Masterminds/semver v3.3 (what Sprig uses), which differ from
// npm's semver: loose versions ("1.2" is 1.2.0, a leading "v" is allowed), constraints separated by spaces or
// commas (AND) and "||" (OR), hyphen ranges, x-ranges, ~ and ^, and prereleases that only match constraints that
// carry a prerelease themselves.

import { RE2JS } from 're2js';
import { GoNumber, type GoObject } from '../values.js';
import type { FunctionMap } from './contract.js';
import { compareStrings, fail, fixed, goTypeOf } from './support.js';

// ---------------------------------------------------------------------------------------------------------------
// Versions

const VERSION_BODY =
  '([0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
const VERSION = new RegExp(`^v?${VERSION_BODY}$`);
const UINT64_MAX = 2n ** 64n - 1n;

/** A parsed version; `pointer` says whether Go would see a *semver.Version or a semver.Version value. */
export class SemverVersion implements GoObject {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly prerelease: string,
    readonly metadata: string,
    readonly original: string,
    readonly pointer = true,
  ) {}

  goTypeName(): string {
    return this.pointer ? '*semver.Version' : 'semver.Version';
  }

  goString(): string {
    let text = `${this.major}.${this.minor}.${this.patch}`;
    if (this.prerelease !== '') text += `-${this.prerelease}`;
    if (this.metadata !== '') text += `+${this.metadata}`;
    return text;
  }

  /** encoding/json renders a version as its string (Version.MarshalJSON). */
  toJSON(): string {
    return this.goString();
  }

  goField(name: string): unknown {
    switch (name) {
      case 'Major':
        return new GoNumber('uint64', this.major);
      case 'Minor':
        return new GoNumber('uint64', this.minor);
      case 'Patch':
        return new GoNumber('uint64', this.patch);
      case 'Prerelease':
        return this.prerelease;
      case 'Metadata':
        return this.metadata;
      case 'Original':
        // A pointer method: Inc* results are plain Version values, and Go cannot call it on them.
        return this.pointer ? this.original : undefined;
      case 'String':
        return this.goString();
      case 'IncMajor':
        return this.bump(this.major + 1n, 0n, 0n);
      case 'IncMinor':
        return this.bump(this.major, this.minor + 1n, 0n);
      case 'IncPatch':
        return this.prerelease !== ''
          ? this.bump(this.major, this.minor, this.patch)
          : this.bump(this.major, this.minor, this.patch + 1n);
      default:
        return undefined;
    }
  }

  goMethod(name: string): ((...args: unknown[]) => unknown) | undefined {
    const other = (value: unknown): SemverVersion => {
      if (!(value instanceof SemverVersion) || !value.pointer) {
        fail(`wrong type for value; expected *semver.Version; got ${goTypeOf(value)}`);
      }
      return value;
    };
    // Comparisons have pointer receivers, so only *semver.Version offers them.
    const comparisons: Record<string, (d: number) => unknown> = {
      Compare: (d) => BigInt(d),
      LessThan: (d) => d < 0,
      LessThanEqual: (d) => d <= 0,
      GreaterThan: (d) => d > 0,
      GreaterThanEqual: (d) => d >= 0,
      Equal: (d) => d === 0,
    };
    const comparison = comparisons[name];
    if (comparison) return this.pointer ? (o) => comparison(compareVersions(this, other(o))) : undefined;
    if (name === 'SetPrerelease' || name === 'SetMetadata') {
      return (value) => this.withExtra(name === 'SetPrerelease' ? 'prerelease' : 'metadata', String(value));
    }
    if (this.goField(name) === undefined) return undefined;
    return () => this.goField(name);
  }

  /** SetPrerelease / SetMetadata: a Version value with the part replaced (validated like the parser does). */
  private withExtra(part: 'prerelease' | 'metadata', value: string): SemverVersion {
    if (value !== '' && !/^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/.test(value)) {
      fail(part === 'prerelease' ? 'Invalid Prerelease string' : 'Invalid Metadata string');
    }
    const prerelease = part === 'prerelease' ? value : this.prerelease;
    const metadata = part === 'metadata' ? value : this.metadata;
    const next = new SemverVersion(this.major, this.minor, this.patch, prerelease, metadata, '', false);
    const prefix = this.original.startsWith('v') ? 'v' : '';
    return new SemverVersion(this.major, this.minor, this.patch, prerelease, metadata, prefix + next.goString(), false);
  }

  /** Inc* results: a Version value without prerelease and metadata, keeping a leading "v" in Original. */
  private bump(major: bigint, minor: bigint, patch: bigint): SemverVersion {
    const next = new SemverVersion(major, minor, patch, '', '', '', false);
    const prefix = this.original.startsWith('v') ? 'v' : '';
    return new SemverVersion(major, minor, patch, '', '', prefix + next.goString(), false);
  }
}

function parseSegment(digits: string): bigint {
  const value = BigInt(digits);
  if (value > UINT64_MAX)
    fail(`Error parsing version segment: strconv.ParseUint: parsing "${digits}": value out of range`);
  return value;
}

const DIGITS_ONLY = /^[0-9]*$/;
const IDENTIFIER = /^[0-9A-Za-z-]*$/;

/** semver.NewVersion. */
export function parseVersion(text: string): SemverVersion {
  const match = VERSION.exec(text);
  if (!match) fail('Invalid Semantic Version');
  const [, major = '', minor = '', patch = '', , prerelease = '', , , metadata = ''] = match;
  const version = new SemverVersion(
    parseSegment(major),
    minor === '' ? 0n : parseSegment(minor.slice(1)),
    patch === '' ? 0n : parseSegment(patch.slice(1)),
    prerelease,
    metadata,
    text,
  );
  for (const part of prerelease === '' ? [] : prerelease.split('.')) {
    if (DIGITS_ONLY.test(part)) {
      if (part.length > 1 && part.startsWith('0')) fail('Version segment starts with 0');
    } else if (!IDENTIFIER.test(part)) {
      fail('Invalid Prerelease string');
    }
  }
  return version;
}

/** Precedence: major, minor, patch, then prerelease (a release outranks its prereleases); metadata is ignored. */
export function compareVersions(a: SemverVersion, b: SemverVersion): number {
  for (const [x, y] of [
    [a.major, b.major],
    [a.minor, b.minor],
    [a.patch, b.patch],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

function comparePrerelease(a: string, b: string): number {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const d = compareIdentifier(left[i] ?? '', right[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

/** Numeric identifiers sort numerically and before alphanumeric ones; a missing identifier sorts first. */
function compareIdentifier(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  const aNum = asUint(a);
  const bNum = asUint(b);
  if (aNum === undefined && bNum === undefined) return compareStrings(a, b) > 0 ? 1 : -1;
  if (bNum === undefined) return -1;
  if (aNum === undefined) return 1;
  return aNum > bNum ? 1 : -1;
}

function asUint(text: string): bigint | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > UINT64_MAX ? undefined : value;
}

// ---------------------------------------------------------------------------------------------------------------
// Constraints. The grammar is matched with RE2 (re2js) so alternation and greediness behave as in Go.

const CONSTRAINT_VERSION =
  'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
const OPERATORS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';

const singleConstraint = RE2JS.compile(`^\\s*(${OPERATORS})\\s*(${CONSTRAINT_VERSION})\\s*$`);
const hyphenRange = RE2JS.compile(`\\s*(${CONSTRAINT_VERSION})\\s+-\\s+(${CONSTRAINT_VERSION})\\s*`);
const anyConstraint = RE2JS.compile(`(${OPERATORS})\\s*(${CONSTRAINT_VERSION})`);
const andGroup = RE2JS.compile(
  `^(\\s*(${OPERATORS})\\s*(${CONSTRAINT_VERSION})\\s*)((?:\\s+|,\\s*)(${OPERATORS})\\s*(${CONSTRAINT_VERSION})\\s*)*$`,
);

type Operator = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Constraint {
  operator: Operator;
  version: SemverVersion;
  /** Which parts were wildcards or missing ("1.x": minor and patch; "1.2": patch; "*" or "": all). */
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const isWildcard = (part: string) => part === 'x' || part === 'X' || part === '*';

function parseConstraint(text: string): Constraint {
  if (text === '') {
    return { operator: '', version: parseVersion('0.0.0'), dirty: true, minorDirty: false, patchDirty: false };
  }
  const matcher = singleConstraint.matcher(text);
  if (!matcher.find()) fail(`improper constraint: ${text}`);
  const group = (n: number) => matcher.group(n) ?? '';
  const operator = group(1) as Operator;
  const [major, minor, patch, prerelease] = [group(3), group(4).slice(1), group(5).slice(1), group(6)];
  let versionText = group(2);
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isWildcard(major) || major === '') {
    versionText = `0.0.0${prerelease}`;
    dirty = true;
  } else if (isWildcard(minor) || minor === '') {
    versionText = `${major}.0.0${prerelease}`;
    dirty = minorDirty = true;
  } else if (isWildcard(patch) || patch === '') {
    versionText = `${major}.${minor}.0${prerelease}`;
    dirty = patchDirty = true;
  }
  let version: SemverVersion;
  try {
    version = parseVersion(versionText);
  } catch {
    fail('constraint Parser Error');
  }
  return { operator, version, dirty, minorDirty, patchDirty };
}

/** Rewrites each hyphen range "A - B" as ">= A, <= B ". */
function rewriteRanges(text: string): string {
  const matcher = hyphenRange.matcher(text);
  const ranges: [string, string, string][] = [];
  while (matcher.find()) ranges.push([matcher.group(0) ?? '', matcher.group(1) ?? '', matcher.group(11) ?? '']);
  let result = text;
  for (const [whole, low, high] of ranges) result = result.replace(whole, () => `>= ${low}, <= ${high} `);
  return result;
}

const CACHE_LIMIT = 256;
const parsedConstraints = new Map<string, Constraint[][]>();

/** semver.NewConstraint: OR groups of AND-ed constraints (cached: templates repeat the same constraints). */
function parseConstraints(text: string): Constraint[][] {
  const cached = parsedConstraints.get(text);
  if (cached) return cached;
  const parsed = parseConstraintsUncached(text);
  if (parsedConstraints.size >= CACHE_LIMIT) parsedConstraints.delete(parsedConstraints.keys().next().value as string);
  parsedConstraints.set(text, parsed);
  return parsed;
}

function parseConstraintsUncached(text: string): Constraint[][] {
  return rewriteRanges(text)
    .split('||')
    .map((group) => {
      if (!andGroup.matcher(group).find()) fail(`improper constraint: ${group}`);
      const parts: string[] = [];
      const matcher = anyConstraint.matcher(group);
      while (matcher.find()) parts.push(matcher.group(0) ?? '');
      return (parts.length > 0 ? parts : [group]).map(parseConstraint);
    });
}

/** Whether `v` satisfies one constraint, following Masterminds' rules operator by operator. */
function satisfies(v: SemverVersion, c: Constraint): boolean {
  const con = c.version;
  const cmp = compareVersions(v, con);
  if (c.operator === '!=') return notEqual(v, c, cmp);
  // A prerelease version only matches constraints that name a prerelease.
  if (v.prerelease !== '' && con.prerelease === '') return false;
  switch (c.operator) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c, cmp) : cmp === 0;
    case '>':
      return greaterThan(v, c, cmp);
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major > con.major) return false;
      return !(v.major === con.major && v.minor > con.minor && !c.minorDirty);
    case '~':
    case '~>':
      return tilde(v, c, cmp);
    case '^':
      return caret(v, c, cmp);
  }
}

/** ">1.x" means a higher major; ">1.2" (or ">1.2.x") a higher minor within the same major, or a higher major. */
function greaterThan(v: SemverVersion, c: Constraint, cmp: number): boolean {
  const con = c.version;
  if (!c.dirty) return cmp === 1;
  if (v.major !== con.major) return v.major > con.major;
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > con.minor;
  return cmp === 1;
}

function tilde(v: SemverVersion, c: Constraint, cmp: number): boolean {
  const con = c.version;
  if (cmp < 0) return false;
  if (con.major === 0n && con.minor === 0n && con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== con.major) return false;
  return v.minor === con.minor || c.minorDirty;
}

function caret(v: SemverVersion, c: Constraint, cmp: number): boolean {
  const con = c.version;
  if (cmp < 0) return false;
  if (con.major > 0n || c.minorDirty) return v.major === con.major;
  if (v.major > 0n) return false;
  if (con.minor > 0n || c.patchDirty) return v.minor === con.minor;
  if (v.minor > 0n) return false;
  return v.patch === con.patch;
}

function notEqual(v: SemverVersion, c: Constraint, cmp: number): boolean {
  const con = c.version;
  if (c.dirty) {
    if (v.prerelease !== '' && con.prerelease === '') return false;
    if (con.major !== v.major) return true;
    if (con.minor !== v.minor && !c.minorDirty) return true;
    if (c.minorDirty) return false;
    if (con.patch !== v.patch && !c.patchDirty) return true;
    if (c.patchDirty) {
      if (v.prerelease !== '' || con.prerelease !== '') return comparePrerelease(v.prerelease, con.prerelease) !== 0;
      return false;
    }
  }
  return cmp !== 0;
}

function semverCompare(constraint: string, version: string): boolean {
  const groups = parseConstraints(constraint);
  const v = parseVersion(version);
  return groups.some((group) => group.every((c) => satisfies(v, c)));
}

export const semverFunctions: FunctionMap = {
  semver: fixed(['string'], (s: string) => parseVersion(s)),
  semverCompare: fixed(['string', 'string'], (constraint: string, version: string) =>
    semverCompare(constraint, version),
  ),
};
