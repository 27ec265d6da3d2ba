// Rules ESO enforces for ExternalSecrets in its validating webhook rather than in the CRD (reference/eso.md
// sections 2.4, 2.9 and 6), with ESO's own messages and order: the admission webhook (src/operator/webhook)
// answers with them, and the offline validator reports the same. The CRD stays as permissive as ESO's.
import type { OfflineCheck } from './dsl.js';

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const present = (value: unknown) => value !== undefined && value !== null;
/** Go's %q for the ASCII strings these messages quote. */
const quoted = (value: string) => JSON.stringify(value);

const SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
const SERVICE_ACCOUNT_NAME = 'kubernetes.io/service-account.name';
const BOOTSTRAP_TOKEN = 'bootstrap.kubernetes.io/token';
/** templateFrom targets a Secret may use (compared case-insensitively, as ESO does). */
const SECRET_TEMPLATE_TARGETS = ['Data', 'Annotations', 'Labels'];

function policyErrors(target: Json): string[] {
  // Defaults as the CRD applies them before any webhook sees the object.
  const creation = target.creationPolicy ?? 'Owner';
  const deletion = target.deletionPolicy ?? 'Retain';
  const errors: string[] = [];
  if (deletion === 'Delete' && (creation === 'Merge' || creation === 'None' || creation === 'CreateOrMerge')) {
    errors.push(
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
    );
  }
  if (deletion === 'Merge' && creation === 'None') {
    errors.push('deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with');
  }
  return errors;
}

/** Templates that would let an ExternalSecret mint long-lived tokens beyond its RBAC. */
function privilegedTemplateError(template: Json): string | undefined {
  if (template.type === SERVICE_ACCOUNT_TOKEN) {
    if (SERVICE_ACCOUNT_NAME in asObject(asObject(template.metadata).annotations)) {
      return `template.type=${quoted(SERVICE_ACCOUNT_TOKEN)} with annotation ${quoted(SERVICE_ACCOUNT_NAME)} is not allowed`;
    }
    for (const from of asArray(template.templateFrom)) {
      if (String(asObject(from).target ?? '').toLowerCase() === 'annotations') {
        return `template.type=${quoted(SERVICE_ACCOUNT_TOKEN)} with templateFrom target=${quoted('Annotations')} is not allowed`;
      }
    }
  }
  if (template.type === BOOTSTRAP_TOKEN) return `template.type=${quoted(BOOTSTRAP_TOKEN)} is not allowed`;
  return undefined;
}

/** Any other templateFrom target is a path into the rendered object: type, immutable, ownerReferences... */
function templateFromTargetErrors(spec: Json): string[] {
  const manifest = asObject(asObject(spec.target).manifest);
  const targetsSecret =
    !present(asObject(spec.target).manifest) || (manifest.apiVersion === 'v1' && manifest.kind === 'Secret');
  if (!targetsSecret) return [];
  const allowed = SECRET_TEMPLATE_TARGETS.map((t) => t.toLowerCase());
  return asArray(asObject(asObject(spec.target).template).templateFrom)
    .map((from) => String(asObject(from).target ?? ''))
    .filter((target) => target !== '' && !allowed.includes(target.toLowerCase()))
    .map(
      (target) =>
        `templateFrom target=${quoted(target)} is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`,
    );
}

function dataFromErrors(entry: unknown): string[] {
  const e = asObject(entry);
  const sourceRef = present(e.sourceRef) ? asObject(e.sourceRef) : undefined;
  const generator = present(sourceRef?.generatorRef);
  const find = present(e.find);
  const extract = present(e.extract);
  const errors: string[] = [];
  if ([find, extract, generator].filter(Boolean).length > 1) {
    errors.push('extract, find, or generatorRef cannot be set at the same time');
  }
  if (!find && !extract && !sourceRef) errors.push('either extract, find, or sourceRef must be set to dataFrom');
  if (sourceRef && !generator && !present(sourceRef.storeRef)) {
    errors.push('generatorRef or storeRef must be set when using sourceRef in dataFrom');
  }
  return errors;
}

function duplicateKeyErrors(spec: Json): string[] {
  if ((asObject(spec.target).deletionPolicy ?? 'Retain') !== 'Retain') return [];
  const seen = new Set<unknown>();
  const errors: string[] = [];
  for (const entry of asArray(spec.data)) {
    const key = asObject(entry).secretKey;
    if (seen.has(key)) errors.push(`duplicate secretKey found: ${String(key ?? '')}`);
    seen.add(key);
  }
  return errors;
}

/** What ESO's webhook rejects in an ExternalSecret spec, one message per problem, in ESO's order. */
export function externalSecretWebhookErrors(specValue: unknown): string[] {
  const spec = asObject(specValue);
  const target = asObject(spec.target);
  const errors = [...policyErrors(target)];
  if (asArray(spec.data).length === 0 && asArray(spec.dataFrom).length === 0) {
    errors.push('either data or dataFrom should be specified');
  }
  const privileged = privilegedTemplateError(asObject(target.template));
  if (privileged) errors.push(privileged);
  errors.push(...templateFromTargetErrors(spec));
  for (const entry of asArray(spec.dataFrom)) errors.push(...dataFromErrors(entry));
  errors.push(...duplicateKeyErrors(spec));
  return errors;
}

export const EXTERNAL_SECRET_WEBHOOK_RULES: OfflineCheck[] = [{ problems: externalSecretWebhookErrors }];
