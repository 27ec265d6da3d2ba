import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version from package.json (src/cli or dist/cli are two levels below the package root). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
