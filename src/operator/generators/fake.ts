// ESO's Fake generator: returns spec.data as it is written (values as UTF-8 bytes). Meant for tests.
import type { FakeGeneratorSpec } from '../../api/generated/types.js';
import { GeneratorError } from './errors.js';

export function generateFake(spec: FakeGeneratorSpec | undefined): Record<string, Uint8Array> {
  const data = spec?.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new GeneratorError('Invalid', 'Fake generator: spec.data must be a map of strings');
  }
  const out: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') {
      throw new GeneratorError('Invalid', `Fake generator: spec.data["${key}"] must be a string`);
    }
    out[key] = new Uint8Array(Buffer.from(value, 'utf8'));
  }
  return out;
}
