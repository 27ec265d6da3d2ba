// Adapter to the ESO target-template engine (src/template/eso-target.ts). The reconciler calls only
// applyTemplate(), so the engine's module can change without touching it. The engine is strict (a missing
// key is an error naming the key, also through `index`), which is where Custos differs from ESO on purpose.
import type { ExternalSecretTemplate } from '../../api/generated/types.js';
import { applyTargetTemplate, type TargetTemplate } from '../../template/eso-target.js';

export interface TemplateSources {
  configMaps: Record<string, Record<string, string>>;
  secrets: Record<string, Record<string, Uint8Array>>;
}

export interface TemplateOutput {
  data: Record<string, Uint8Array>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type?: string;
}

/** Renders template over the provider data; throws EsoTemplateError (no values in its message). */
export async function applyTemplate(
  template: ExternalSecretTemplate,
  providerData: Record<string, Uint8Array>,
  sources: TemplateSources,
): Promise<TemplateOutput> {
  // The API type allows any string in templateFrom[].target; the engine validates it and names a bad one.
  return applyTargetTemplate(template as TargetTemplate, providerData, sources);
}
