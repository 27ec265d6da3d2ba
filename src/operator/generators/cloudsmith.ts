// ESO's CloudsmithAccessToken generator (ESO v2.x): a short-lived Cloudsmith token by OIDC. A token of the named
// Kubernetes service account (TokenRequest in the referencing namespace, with serviceAccountRef.audiences) is
// exchanged with POST <apiUrl>/openid/<orgSlug>/ {oidc_token, service_slug}; Cloudsmith answers a token (a JWT). The
// keys: `auth` (base64 of "token:<token>", what a docker config's `auth` holds for Cloudsmith's registry) and
// `expiry` (the token's exp claim).
import type { CloudsmithAccessTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { webhookUrl } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';
import { serviceAccountToken } from './inputs.js';
import { answerField, callTokenEndpoint, jwtExpiry } from './token-endpoint.js';

const WHERE = 'CloudsmithAccessToken generator';
export const DEFAULT_CLOUDSMITH_API = 'https://api.cloudsmith.io';

const invalid = (message: string) => new GeneratorError('Invalid', `${WHERE}: ${message}`);
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

export async function generateCloudsmithAccessToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<CloudsmithAccessTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.orgSlug) throw invalid('spec.orgSlug is required (the Cloudsmith organization)');
  if (!spec.serviceSlug) throw invalid('spec.serviceSlug is required (the Cloudsmith service account)');
  if (!spec.serviceAccountRef?.name) throw invalid('spec.serviceAccountRef.name is required');
  const full = spec as CloudsmithAccessTokenSpec;
  const ref = full.serviceAccountRef;
  const oidcToken = await serviceAccountToken(client, namespace, ref.name, ref.audiences, WHERE);
  const api = (full.apiUrl || DEFAULT_CLOUDSMITH_API).replace(/\/+$/, '');
  const what = `Cloudsmith at ${api} (organization ${full.orgSlug}, service ${full.serviceSlug})`;
  const answer = await callTokenEndpoint(
    WHERE,
    what,
    webhookUrl('spec.apiUrl', `${api}/openid/${encodeURIComponent(full.orgSlug)}/`),
    { method: 'POST', json: { oidc_token: oidcToken, service_slug: full.serviceSlug } },
    signal,
    "check the service's OIDC provider settings (the cluster's issuer, the account's subject and audience)",
  );
  const token = answerField(WHERE, what, answer, 'token');
  return {
    auth: utf8(Buffer.from(`token:${token}`).toString('base64')),
    expiry: utf8(jwtExpiry(WHERE, "Cloudsmith's token", token)),
  };
}
