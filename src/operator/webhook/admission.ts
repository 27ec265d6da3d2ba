// ESO's validating admission webhook, as a pure function from an AdmissionReview to its answer: ExternalSecrets by
// ESO's webhook rules (src/api/schema/externalsecret-rules.ts), SecretStores and ClusterSecretStores by their
// namespace conditions, their one provider and that provider's static checks, with ESO's messages. Deletes are
// always allowed. Several problems are joined with newlines, as Go's errors.Join does.
import { RE2JS } from 're2js';
import { externalSecretWebhookErrors } from '../../api/schema/externalsecret-rules.js';
import type { ProviderRegistry } from '../../providers/index.js';

/** The paths ESO's Helm chart points its ValidatingWebhookConfiguration at, and the kind each validates. */
export const WEBHOOK_PATHS = {
  '/validate-external-secrets-io-v1-externalsecret': 'ExternalSecret',
  '/validate-external-secrets-io-v1-secretstore': 'SecretStore',
  '/validate-external-secrets-io-v1-clustersecretstore': 'ClusterSecretStore',
} as const;
export type ValidatedKind = (typeof WEBHOOK_PATHS)[keyof typeof WEBHOOK_PATHS];

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
}

export interface Verdict {
  errors: string[];
  warnings: string[];
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};

export function validateStoreForAdmission(store: Json, registry: ProviderRegistry): Verdict {
  const name = String(asObject(store.metadata).name ?? '');
  const spec = asObject(store.spec);
  const conditionErrors: string[] = [];
  (Array.isArray(spec.conditions) ? spec.conditions : []).forEach((condition, ci) => {
    const regexes = asObject(condition).namespaceRegexes;
    (Array.isArray(regexes) ? regexes : []).forEach((regex, ri) => {
      try {
        RE2JS.compile(String(regex));
      } catch (error) {
        conditionErrors.push(
          `failed to compile ${ri}th namespace regex in ${ci}th condition: ${(error as Error).message}`,
        );
      }
    });
  });
  if (conditionErrors.length > 0) return { errors: conditionErrors, warnings: [] };

  const keys = Object.entries(asObject(spec.provider))
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key]) => key);
  if (keys.length !== 1) {
    return {
      errors: [
        `store error for ${name}: secret stores must only have exactly one backend specified, found ${keys.length}`,
      ],
      warnings: [],
    };
  }
  const key = keys[0] as string;
  if (!registry.keys().includes(key)) {
    // ESO would accept a store of a provider it links in; rejecting it would break a GitOps sync of manifests that
    // also serve ESO. The store itself reports InvalidProviderConfig.
    return {
      errors: [],
      warnings: [
        `provider ${key} is not supported by Custos (supported: ${registry.keys().join(', ')}); the store will not become Ready`,
      ],
    };
  }
  const provider = registry.get(key);
  const checked = provider.validateStore({
    kind: store.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore',
    name,
    namespace:
      typeof asObject(store.metadata).namespace === 'string' ? String(asObject(store.metadata).namespace) : undefined,
    spec: spec as never,
  });
  const warnings = [...checked.warnings];
  if (!provider.maintained)
    warnings.push(`store ${name} isn't currently maintained. Please plan and prepare accordingly.`);
  return { errors: checked.errors, warnings };
}

export function validateForAdmission(kind: ValidatedKind, object: Json, registry: ProviderRegistry): Verdict {
  if (kind === 'ExternalSecret') return { errors: externalSecretWebhookErrors(object.spec), warnings: [] };
  return validateStoreForAdmission(object, registry);
}

/**
 * The response to one AdmissionReview request for `kind`. Throws on a body that is not an AdmissionReview (the
 * server answers 400: the API server then applies the webhook's failurePolicy).
 */
export function admit(kind: ValidatedKind, review: unknown, registry: ProviderRegistry): AdmissionResponse {
  const request = asObject(asObject(review).request);
  const uid = request.uid;
  if (typeof uid !== 'string' || uid === '') throw new Error('not an AdmissionReview: request.uid is missing');
  if (request.operation === 'DELETE') return { uid, allowed: true };
  const object = asObject(request.object);
  const { errors, warnings } = validateForAdmission(kind, object, registry);
  const response: AdmissionResponse =
    errors.length === 0
      ? { uid, allowed: true }
      : { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: errors.join('\n') } };
  if (warnings.length > 0) response.warnings = warnings;
  return response;
}
