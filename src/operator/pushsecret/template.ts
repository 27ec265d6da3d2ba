// spec.template applied to a source Secret before it is pushed (the same engine and rules as ExternalSecret
// targets; templateFrom ConfigMaps and Secrets are read from the PushSecret's namespace).
import type { ExternalSecretTemplate } from '../../api/generated/types.js';
import { isNotFound, type KubeClient, type KubeObject, Resources } from '../../kube/index.js';
import { applyTemplate, type TemplateSources } from '../externalsecret/template.js';
import type { SourceSecret } from './entries.js';

async function fetchTemplateSources(
  client: KubeClient,
  namespace: string,
  template: ExternalSecretTemplate,
): Promise<TemplateSources> {
  const sources: TemplateSources = { configMaps: {}, secrets: {} };
  for (const from of template.templateFrom ?? []) {
    const kind = from.configMap ? 'ConfigMap' : from.secret ? 'Secret' : undefined;
    const name = from.configMap?.name ?? from.secret?.name;
    if (!kind || !name) continue;
    let object: KubeObject & { data?: Record<string, string> };
    try {
      object = await client.get(kind === 'ConfigMap' ? Resources.configMaps : Resources.secrets, name, { namespace });
    } catch (error) {
      if (isNotFound(error)) throw new Error(`error fetching templateFrom data: ${kind} ${name} not found`);
      throw error;
    }
    if (kind === 'ConfigMap') sources.configMaps[name] = object.data ?? {};
    else {
      const data: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries(object.data ?? {})) data[k] = new Uint8Array(Buffer.from(v, 'base64'));
      sources.secrets[name] = data;
    }
  }
  return sources;
}

export async function templatedSource(
  client: KubeClient,
  namespace: string,
  template: ExternalSecretTemplate | undefined,
  source: SourceSecret,
): Promise<SourceSecret> {
  if (!template) return source;
  const out = await applyTemplate(template, source.data, await fetchTemplateSources(client, namespace, template));
  return {
    name: source.name,
    type: out.type ?? source.type,
    data: out.data,
    labels: { ...source.labels, ...out.labels },
    annotations: { ...source.annotations, ...out.annotations },
  };
}
