// Rules ESO enforces for ExternalSecrets in its validating webhook rather than in the CRD (reference/eso.md
// sections 2.4, 2.9 and 6). The CRD stays as permissive as ESO's; the offline validator applies these so the
// CLI reports what ESO's webhook would reject.
import type { OfflineCheck } from './dsl.js';

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const present = (value: unknown) => value !== undefined && value !== null;

/** creationPolicy/deletionPolicy pairs ESO forbids (deletionPolicy first). */
const FORBIDDEN_POLICIES: [deletion: string, creation: string][] = [
  ['Delete', 'Merge'],
  ['Delete', 'None'],
  ['Delete', 'CreateOrMerge'],
  ['Merge', 'None'],
];

const dataOrDataFrom: OfflineCheck = {
  message: 'either data or dataFrom should be specified',
  test: (spec) => {
    const s = asObject(spec);
    return asArray(s.data).length > 0 || asArray(s.dataFrom).length > 0;
  },
};

const policyPair: OfflineCheck = {
  message:
    'target.deletionPolicy and target.creationPolicy do not go together (Delete needs Owner or Orphan; Merge needs a Secret to exist)',
  test: (spec) => {
    const target = asObject(asObject(spec).target);
    const creation = target.creationPolicy ?? 'Owner';
    const deletion = target.deletionPolicy ?? 'Retain';
    return !FORBIDDEN_POLICIES.some(([d, c]) => d === deletion && c === creation);
  },
};

const dataFromSources: OfflineCheck = {
  message:
    'each dataFrom entry needs exactly one of extract, find or sourceRef.generatorRef (sourceRef.storeRef combines with extract or find)',
  test: (spec) =>
    asArray(asObject(spec).dataFrom).every((entry) => {
      const e = asObject(entry);
      const generator = present(asObject(e.sourceRef).generatorRef);
      const sources = [present(e.extract), present(e.find), generator].filter(Boolean).length;
      return sources === 1;
    }),
};

const uniqueKeysWhenRetained: OfflineCheck = {
  message: 'data[].secretKey values must be unique when target.deletionPolicy is Retain',
  test: (spec) => {
    const s = asObject(spec);
    if ((asObject(s.target).deletionPolicy ?? 'Retain') !== 'Retain') return true;
    const keys = asArray(s.data).map((d) => asObject(d).secretKey);
    return new Set(keys).size === keys.length;
  },
};

const privilegedTemplate: OfflineCheck = {
  message:
    'the template would create a privileged Secret (bootstrap token, or service-account token bound through annotations)',
  test: (spec) => {
    const template = asObject(asObject(asObject(spec).target).template);
    if (template.type === 'bootstrap.kubernetes.io/token') return false;
    if (template.type !== 'kubernetes.io/service-account-token') return true;
    const annotations = asObject(asObject(template.metadata).annotations);
    const annotationTargets = asArray(template.templateFrom).some(
      (t) => String(asObject(t).target ?? '').toLowerCase() === 'annotations',
    );
    return !present(annotations['kubernetes.io/service-account.name']) && !annotationTargets;
  },
};

export const EXTERNAL_SECRET_WEBHOOK_RULES: OfflineCheck[] = [
  dataOrDataFrom,
  policyPair,
  dataFromSources,
  uniqueKeysWhenRetained,
  privilegedTemplate,
];
