// `spec.target.template` for generic targets (ConfigMaps, custom resources). Entries whose templateFrom target is
// Data, Labels or Annotations render exactly as for Secrets (the shared engine); any other target is a path into
// the object (`spec`, `spec.database`, `spec.items[0].name`), where the rendered text is read as YAML:
//   * literal, and items with templateAs KeysAndValues: the whole rendered YAML document is merged at the path
//     (maps key by key, anything else replaced);
//   * items with templateAs Values: each item's rendered YAML value is merged at `<path>.<item key>`.
// Path entries are rendered one at a time through the same engine (same functions, strictness and redaction) and
// their errors are renamed to the entry's real position. Nothing here reads the cluster.
import { parse as parseYaml } from 'yaml';
import type { ExternalSecretTemplate, TemplateFrom } from '../../api/generated/types.js';
import { type PathStep, parseTargetPath } from './generic-paths.js';
import { applyTemplate, type TemplateSources } from './template.js';

export interface PathWrite {
  path: string;
  steps: PathStep[];
  value: unknown;
}

export interface GenericRendered {
  /** Keys for the target's data map (ConfigMap `.data`, otherwise `spec.data`). */
  data: Record<string, Uint8Array>;
  /** Rendered template metadata; undefined without a template (the ExternalSecret's own metadata is copied). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Writes into the object, in templateFrom order, applied after data. */
  paths: PathWrite[];
}

const STANDARD_TARGETS = new Set(['', 'data', 'labels', 'annotations']);
/** Name of the stand-in ConfigMap a literal path entry is rendered from (not a valid object name: no clash). */
const LITERAL_SOURCE = 'literal template';

export class GenericTemplateError extends Error {
  override name = 'GenericTemplateError';
}

export function isPathTarget(target: string | undefined): boolean {
  return !STANDARD_TARGETS.has((target ?? '').toLowerCase());
}

export async function renderGenericTemplate(
  template: ExternalSecretTemplate | undefined,
  providerData: Record<string, Uint8Array>,
  sources: TemplateSources,
): Promise<GenericRendered> {
  if (!template) return { data: { ...providerData }, paths: [] };
  const entries = template.templateFrom ?? [];
  const standardEntries = entries.filter((e) => !isPathTarget(e.target));
  const standard = await applyTemplate({ ...template, templateFrom: standardEntries }, providerData, sources);
  const hasDataTemplates = Object.keys(template.data ?? {}).length > 0 || standardEntries.length > 0;
  // The engine copies provider data when a template has neither data nor templateFrom. A template made only of
  // path entries did say where its data goes, so nothing lands in the data map unless mergePolicy is Merge.
  const pathOnly = !hasDataTemplates && entries.length > 0 && template.mergePolicy !== 'Merge';
  const rendered: GenericRendered = {
    data: pathOnly ? {} : standard.data,
    labels: standard.labels,
    annotations: standard.annotations,
    paths: [],
  };
  for (const [index, entry] of entries.entries()) {
    if (!isPathTarget(entry.target)) continue;
    const path = entry.target ?? '';
    let steps: PathStep[];
    try {
      steps = parseTargetPath(path);
    } catch (error) {
      throw new GenericTemplateError(`templateFrom[${index}]: ${(error as Error).message}`);
    }
    for (const part of await renderPathEntry(template, entry, index, providerData, sources)) {
      const where = part.key === undefined ? path : `${path}.${part.key}`;
      const value = parseRendered(part.text, `templateFrom[${index}] (target ${where})`);
      rendered.paths.push({ path: where, steps: part.key === undefined ? steps : [...steps, part.key], value });
    }
  }
  return rendered;
}

/** Rendered text of one path entry: whole documents (key undefined) or one value per Values item. */
async function renderPathEntry(
  template: ExternalSecretTemplate,
  entry: TemplateFrom,
  index: number,
  providerData: Record<string, Uint8Array>,
  sources: TemplateSources,
): Promise<Array<{ key: string | undefined; text: string }>> {
  const out: Array<{ key: string | undefined; text: string }> = [];
  const renderOne = async (single: TemplateFrom, singleSources: TemplateSources, key: string): Promise<string> => {
    try {
      const parts = await applyTemplate(
        { engineVersion: template.engineVersion, templateFrom: [{ ...single, target: 'Data' }] },
        providerData,
        singleSources,
      );
      return new TextDecoder().decode(parts.data[key] ?? new Uint8Array());
    } catch (error) {
      throw new GenericTemplateError(renameEntry((error as Error).message, index));
    }
  };
  for (const source of ['configMap', 'secret'] as const) {
    const ref = entry[source];
    if (!ref) continue;
    for (const item of ref.items) {
      // Always rendered as a single value here; KeysAndValues is then read as a YAML document below.
      const single: TemplateFrom = {
        [source]: { name: ref.name, items: [{ key: item.key, templateAs: 'Values' }] },
        valuesDecodingStrategy: entry.valuesDecodingStrategy,
      };
      const text = await renderOne(single, sources, item.key);
      out.push({ key: item.templateAs === 'KeysAndValues' ? undefined : item.key, text });
    }
  }
  if (entry.literal !== undefined) {
    const single: TemplateFrom = {
      configMap: { name: LITERAL_SOURCE, items: [{ key: 'literal', templateAs: 'Values' }] },
      valuesDecodingStrategy: entry.valuesDecodingStrategy,
    };
    const literalSources: TemplateSources = {
      configMaps: { [LITERAL_SOURCE]: { literal: entry.literal } },
      secrets: {},
    };
    out.push({ key: undefined, text: await renderOne(single, literalSources, 'literal') });
  }
  return out;
}

/** The engine names the single entry it saw as templateFrom[0]; give it its real place and kind back. */
function renameEntry(message: string, index: number): string {
  return message
    .replaceAll('templateFrom[0]', `templateFrom[${index}]`)
    .replaceAll(`configMap "${LITERAL_SOURCE}" key "literal"`, 'literal')
    .replaceAll(`error in configmap ${LITERAL_SOURCE}: missing key literal`, 'literal is missing');
}

/** YAML 1.2 core schema, so `yes` stays a string and `5432` becomes a number. Errors never quote the text. */
function parseRendered(text: string, where: string): unknown {
  try {
    return parseYaml(text, { version: '1.2', uniqueKeys: false }) ?? null;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'syntax error';
    throw new GenericTemplateError(`${where}: the rendered template is not valid YAML (${code})`);
  }
}
