// `find.tags` as a Kubernetes label selector (ESO: labels.ValidatedSelectorFromSet): every tag is `key=value`,
// keys sorted; invalid label keys or values are rejected before any request is made.
import { ProviderConfigError } from '../errors.js';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'the prefix must be a DNS subdomain (lowercase letters, digits, "-" and ".")';
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return 'the name must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return 'values must be empty or 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

export function labelSelectorFromTags(tags: Record<string, string>): string {
  const parts: string[] = [];
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key] ?? '';
    const problem = keyProblem(key) ?? valueProblem(value);
    if (problem) {
      throw new ProviderConfigError(`unable to validate selector tags: tag "${key}": ${problem}`);
    }
    parts.push(`${key}=${value}`);
  }
  return parts.join(',');
}
