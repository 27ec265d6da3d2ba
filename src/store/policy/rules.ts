// Role rules evaluated for one identity: deny wins; otherwise a capability is granted when any rule grants it.
// Claim templates ("/mdapi/{{namespace}}/*") are filled from the identity's claims. A claim value is inserted as a
// literal single segment and only when it is a safe segment: a value holding "/", "*", "?", "..", braces or
// control characters can never widen access — allow rules using it are dropped, deny rules using it deny the
// whole segment instead.
import type { Capability, PathRule } from '../storage/types.js';
import { compileGlob, type PathMatcher } from './glob.js';

export const capabilities: readonly Capability[] = ['read', 'list', 'create', 'update', 'delete', 'deny'];

export interface CompiledRule {
  source: string;
  matches: PathMatcher;
  capabilities: ReadonlySet<Capability>;
}

const templatePattern = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

/** A claim value usable as one literal path segment. */
export function isSafeSegment(value: string | undefined): value is string {
  if (value === undefined || value.length === 0 || value.length > 253) return false;
  if (value === '.' || value === '..') return false;
  return !/[/*?\\{}\u0000-\u001f\u007f]/.test(value) && !value.includes('..');
}

/** Fills templates; undefined when an allow rule must be dropped. Unsafe values become "*" in deny rules. */
export function fillTemplate(pattern: string, claims: Record<string, string>, isDeny: boolean): string | undefined {
  let dropped = false;
  const filled = pattern.replace(templatePattern, (_, name: string) => {
    const value = claims[name];
    if (isSafeSegment(value)) return value;
    if (isDeny) return '*';
    dropped = true;
    return '';
  });
  return dropped ? undefined : filled;
}

export function compileRules(rules: PathRule[], claims: Record<string, string>): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    const isDeny = rule.capabilities.includes('deny');
    const filled = fillTemplate(rule.path, claims, isDeny);
    if (filled === undefined) continue;
    // A literal "*" from a claim was rejected above, so any "*" here comes from the role author.
    compiled.push({ source: filled, matches: compileGlob(filled), capabilities: new Set(rule.capabilities) });
  }
  return compiled;
}

export function isAllowed(
  rules: readonly CompiledRule[],
  path: string,
  capability: Exclude<Capability, 'deny'>,
): boolean {
  let granted = false;
  for (const rule of rules) {
    if (!rule.matches(path)) continue;
    if (rule.capabilities.has('deny')) return false;
    if (rule.capabilities.has(capability)) granted = true;
  }
  return granted;
}

/** Whether a binding's bound claims hold for these claims: every bound claim must equal one of its values. */
export function claimsSatisfy(bound: Record<string, string[]>, claims: Record<string, string>): boolean {
  return Object.entries(bound).every(([name, values]) => {
    const actual = claims[name];
    return actual !== undefined && values.includes(actual);
  });
}
