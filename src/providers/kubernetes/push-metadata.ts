// PushSecret `metadata` for the kubernetes provider (ESO providers/v1/kubernetes/metadata.go):
//   apiVersion: kubernetes.external-secrets.io/v1alpha1
//   kind: PushSecretMetadata
//   spec: {sourceMergePolicy: Merge|Replace, targetMergePolicy: Merge|Replace|Ignore, labels, annotations, remoteNamespace}
// Labels/annotations of the pushed Secret: the source Secret's, merged with (or replaced by) spec.labels/annotations,
// then merged into (or replacing, or ignored for) the remote Secret's own.
import { parse as parseYaml } from 'yaml';
import { ProviderConfigError } from '../errors.js';

export const PUSH_METADATA_API_VERSION = 'kubernetes.external-secrets.io/v1alpha1';
export const PUSH_METADATA_KIND = 'PushSecretMetadata';

export interface PushMetadataSpec {
  sourceMergePolicy?: string;
  targetMergePolicy?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  remoteNamespace?: string;
}

const SPEC_FIELDS = new Set(['sourceMergePolicy', 'targetMergePolicy', 'labels', 'annotations', 'remoteNamespace']);
const WHAT = `${PUSH_METADATA_API_VERSION} ${PUSH_METADATA_KIND}`;

export function parsePushMetadata(raw: unknown): PushMetadataSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  let doc = raw;
  if (typeof raw === 'string') {
    try {
      doc = parseYaml(raw);
    } catch (error) {
      throw new ProviderConfigError(
        `unable to parse metadata parameters: failed to parse ${WHAT}: ${(error as Error).message}`,
      );
    }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ProviderConfigError(`unable to parse metadata parameters: expected a ${WHAT} object`);
  }
  const { apiVersion, kind, spec } = doc as { apiVersion?: unknown; kind?: unknown; spec?: unknown };
  if (apiVersion !== PUSH_METADATA_API_VERSION) {
    throw new ProviderConfigError(
      `unable to parse metadata parameters: unexpected apiVersion "${String(apiVersion ?? '')}", expected "${PUSH_METADATA_API_VERSION}"`,
    );
  }
  if (kind !== PUSH_METADATA_KIND) {
    throw new ProviderConfigError(
      `unable to parse metadata parameters: unexpected kind "${String(kind ?? '')}", expected "${PUSH_METADATA_KIND}"`,
    );
  }
  if (spec === undefined || spec === null) return {};
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ProviderConfigError(`unable to parse metadata parameters: ${WHAT} spec must be an object`);
  }
  for (const field of Object.keys(spec)) {
    if (!SPEC_FIELDS.has(field)) {
      throw new ProviderConfigError(`unable to parse metadata parameters: unknown field "spec.${field}" in ${WHAT}`);
    }
  }
  return spec as PushMetadataSpec;
}

type Meta = { labels?: Record<string, string>; annotations?: Record<string, string> };

export function pushedMetadata(source: Meta, target: Meta, meta: PushMetadataSpec | undefined): Required<Meta> {
  let labels = source.labels;
  let annotations = source.annotations;
  if (meta) {
    switch (meta.sourceMergePolicy ?? '') {
      case '':
      case 'Merge':
        labels = { ...labels, ...meta.labels };
        annotations = { ...annotations, ...meta.annotations };
        break;
      case 'Replace':
        labels = meta.labels;
        annotations = meta.annotations;
        break;
      default:
        throw new ProviderConfigError(
          `failed to merge source metadata: unexpected source merge policy "${meta.sourceMergePolicy}"`,
        );
    }
  }
  switch (meta?.targetMergePolicy ?? '') {
    case '':
    case 'Merge':
      return { labels: { ...target.labels, ...labels }, annotations: { ...target.annotations, ...annotations } };
    case 'Replace':
      return { labels: { ...labels }, annotations: { ...annotations } };
    case 'Ignore':
      return { labels: { ...target.labels }, annotations: { ...target.annotations } };
    default:
      throw new ProviderConfigError(
        `failed to merge target metadata: unexpected target merge policy "${meta?.targetMergePolicy}"`,
      );
  }
}
