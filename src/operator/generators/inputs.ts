// What generators read from the referencing object's namespace (seed, key and credential Secrets, CA ConfigMaps,
// service account tokens), with the errors every generator gives: a missing object is NotFound, a missing key is
// Invalid naming the field.
import { isNotFound, type KubeClient, type KubeObject, Resources } from '../../kube/index.js';
import { ProviderConfigError } from '../../providers/errors.js';
import { operatorTransport, requestServiceAccountToken } from '../../providers/kubernetes/own-cluster.js';
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

/** readSecretKey for a reference of the spec that may lack its name or key: that is Invalid, naming `who.field`. */
export async function readReferencedKey(
  client: KubeClient,
  ref: { name?: string; key?: string } | undefined,
  namespace: string,
  who: { generator: string; field: string },
  signal?: AbortSignal,
): Promise<Buffer> {
  if (!ref?.name || !ref.key) {
    throw new GeneratorError('Invalid', `${who.generator} generator: ${who.field} needs name and key`);
  }
  return readSecretKey(client, { name: ref.name, key: ref.key }, namespace, who, signal);
}

/** The annotations of service account `name` (IAM bindings live there); a missing account is NotFound. */
export async function serviceAccountAnnotations(
  client: KubeClient,
  namespace: string,
  name: string,
  where: string,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  try {
    const sa = await client.get(Resources.serviceAccounts, name, { namespace, signal });
    return sa.metadata?.annotations ?? {};
  } catch (error) {
    if (isNotFound(error)) {
      throw new GeneratorError('NotFound', `${where}: service account "${name}" not found in namespace "${namespace}"`);
    }
    throw error;
  }
}

/**
 * A token of service account `name` in `namespace` for `audiences` (TokenRequest, one hour unless `seconds` says
 * otherwise), for generators that federate with it; a missing account is an Invalid error prefixed with `where`.
 */
export async function serviceAccountToken(
  client: KubeClient,
  namespace: string,
  name: string,
  audiences: string[] | undefined,
  where: string,
  seconds = 3600,
): Promise<string> {
  try {
    const transport = operatorTransport(client.kubeConfig);
    return (await requestServiceAccountToken(transport, namespace, name, audiences, seconds)).token;
  } catch (error) {
    if (error instanceof ProviderConfigError) throw new GeneratorError('Invalid', `${where}: ${error.message}`);
    throw error;
  }
}
