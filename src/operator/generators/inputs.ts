// What generators read from the referencing object's namespace (seed, key and credential Secrets, CA ConfigMaps),
// with the errors every generator gives: a missing object is NotFound, a missing key is Invalid naming the field.
import { isNotFound, type KubeClient, type KubeObject, Resources } from '../../kube/index.js';
import { GeneratorError } from './errors.js';

export type InputObject = KubeObject & { data?: Record<string, string> };

/** Reads a Secret or ConfigMap; `who` prefixes messages, e.g. "MFA generator: seed Secret". */
export async function readInputObject(
  client: KubeClient,
  kind: 'Secret' | 'ConfigMap',
  name: string,
  namespace: string,
  who: string,
  signal?: AbortSignal,
): Promise<InputObject> {
  const type = kind === 'Secret' ? Resources.secrets : Resources.configMaps;
  try {
    return await client.get(type, name, { namespace, signal });
  } catch (error) {
    if (isNotFound(error)) {
      throw new GeneratorError('NotFound', `${who} "${name}" not found in namespace "${namespace}"`, { cause: error });
    }
    throw error;
  }
}

/** One key of a Secret, decoded; `field` names the reference in the spec for the "no such key" message. */
export async function readSecretKey(
  client: KubeClient,
  ref: { name: string; key: string },
  namespace: string,
  who: { generator: string; secret?: string; field: string },
  signal?: AbortSignal,
): Promise<Buffer> {
  const secret = await readInputObject(
    client,
    'Secret',
    ref.name,
    namespace,
    `${who.generator} generator: ${who.secret ?? 'Secret'}`,
    signal,
  );
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) {
    throw new GeneratorError(
      'Invalid',
      `${who.generator} generator: Secret "${ref.name}" has no key "${ref.key}" (${who.field})`,
    );
  }
  return Buffer.from(encoded, 'base64');
}
