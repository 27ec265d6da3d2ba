// `find.name.regexp`: Go RE2 syntax (re2js), unanchored, as ESO's runtime/find matcher.
import { RE2JS } from 're2js';
import { ProviderConfigError } from './errors.js';

export type NameMatcher = (name: string) => boolean;

export function compileNameMatcher(regexp: string): NameMatcher {
  let re: RE2JS;
  try {
    re = RE2JS.compile(regexp);
  } catch (error) {
    throw new ProviderConfigError(
      `could not compile find.name.regexp [${regexp}]: ${(error as Error).message} (use Go RE2 syntax)`,
    );
  }
  return (name) => re.test(name);
}
