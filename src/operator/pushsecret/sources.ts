// The Secrets a PushSecret pushes: one by name, all matching a label selector (names from the metadata-only
// cache, data by GET: Secret values are never cached cluster-wide), or a generator's output.
import type { GeneratorRef, PushSecretSelector } from '../../api/generated/types.js';
import { type Informer, isNotFound, type KubeClient, type KubeObject, Resources } from '../../kube/index.js';
import { matchesLabelSelector } from '../labelselector.js';
import { PushSpecError, type SourceSecret } from './entries.js';
import { GENERATED_SECRET_NAME } from './resources.js';

/** The named source Secret does not exist (ESO: SourceDeleted once it had been synced). */
export class SourceMissingError extends Error {
  override name = 'SourceMissingError';
}

export type GeneratorRunner = (ref: GeneratorRef, namespace: string) => Promise<Record<string, Uint8Array>>;

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

function toSource(secret: SecretObject): SourceSecret {
  const data: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(secret.data ?? {}))
    data[key] = new Uint8Array(Buffer.from(value, 'base64'));
  return {
    name: secret.metadata?.name ?? '',
    type: secret.type,
    data,
    labels: secret.metadata?.labels ?? {},
    annotations: secret.metadata?.annotations ?? {},
  };
}

/** True if the selector picks a Secret with this name and these labels (name wins over selector, as in ESO). */
export function selectsSecret(selector: PushSecretSelector | undefined, name: string, labels: Record<string, string>) {
  const secret = selector?.secret;
  if (!secret) return false;
  if (secret.name) return secret.name === name;
  if (secret.selector) return matchesLabelSelector(secret.selector, labels);
  return false;
}

export interface SourceResolverOptions {
  client: KubeClient;
  /** Metadata-only cache of Secrets (names and labels). */
  secretMeta: Informer<KubeObject>;
  generators: GeneratorRunner;
}

export async function resolveSources(
  options: SourceResolverOptions,
  namespace: string,
  selector: PushSecretSelector | undefined,
  signal?: AbortSignal,
): Promise<SourceSecret[]> {
  if (selector?.secret?.name) {
    const name = selector.secret.name;
    try {
      return [toSource(await options.client.get<SecretObject>(Resources.secrets, name, { namespace, signal }))];
    } catch (error) {
      if (isNotFound(error))
        throw new SourceMissingError(`source Secret "${name}" does not exist in namespace "${namespace}"`);
      throw error;
    }
  }
  if (selector?.secret?.selector) {
    const names = options.secretMeta
      .list()
      .filter((s) => s.metadata?.namespace === namespace)
      .filter((s) => selectsSecret(selector, s.metadata?.name ?? '', s.metadata?.labels ?? {}))
      .map((s) => s.metadata?.name ?? '')
      .sort();
    const out: SourceSecret[] = [];
    for (const name of names) {
      try {
        out.push(toSource(await options.client.get<SecretObject>(Resources.secrets, name, { namespace, signal })));
      } catch (error) {
        if (!isNotFound(error)) throw error; // deleted since the cache saw it: no longer selected
      }
    }
    return out;
  }
  if (selector?.generatorRef) {
    const data = await options.generators(selector.generatorRef, namespace);
    return [{ name: GENERATED_SECRET_NAME, data, labels: {}, annotations: {} }];
  }
  throw new PushSpecError('spec.selector must set secret.name, secret.selector or generatorRef');
}
