// ESO's QuayAccessToken generator: a Quay robot account token by OIDC federation. A token of the named Kubernetes
// service account (TokenRequest in the referencing namespace, with serviceAccountRef.audiences) is presented as the
// robot's password to GET https://<url>/oauth2/federation/robot/token; Quay checks it against the robot's
// federation settings and answers a robot token. The keys: `registry` (the url without https://), `auth`
// (base64 of "<robot>:<token>", what a docker config's `auth` holds) and `expiry` (the token's exp claim).
import type { QuayAccessTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { webhookUrl } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';
import { serviceAccountToken } from './inputs.js';
import { answerField, callTokenEndpoint, jwtExpiry } from './token-endpoint.js';

const WHERE = 'QuayAccessToken generator';
export const DEFAULT_QUAY_URL = 'quay.io';
const TIMEOUT_MS = 10_000;

const invalid = (message: string) => new GeneratorError('Invalid', `${WHERE}: ${message}`);
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

export async function generateQuayAccessToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<QuayAccessTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.robotAccount) throw invalid('spec.robotAccount is required, e.g. myorg+puller');
  if (!spec.serviceAccountRef?.name) throw invalid('spec.serviceAccountRef.name is required');
  const full = spec as QuayAccessTokenSpec;
  const host = (full.url || DEFAULT_QUAY_URL).replace(/^https:\/\//, '').replace(/\/+$/, '');
  const ref = full.serviceAccountRef;
  const saToken = await serviceAccountToken(client, namespace, ref.name, ref.audiences, WHERE);
  const where = `Quay at ${host} (robot ${full.robotAccount})`;
  const answer = await callTokenEndpoint(
    WHERE,
    where,
    webhookUrl('spec.url', `https://${host}/oauth2/federation/robot/token`),
    {
      method: 'GET',
      headers: { Authorization: `Basic ${Buffer.from(`${full.robotAccount}:${saToken}`).toString('base64')}` },
      timeoutMs: TIMEOUT_MS,
    },
    signal,
    "check the robot account's federation settings (issuer and subject of the service account)",
  );
  const token = answerField(WHERE, where, answer, 'token');
  return {
    registry: utf8(host),
    auth: utf8(Buffer.from(`${full.robotAccount}:${token}`).toString('base64')),
    expiry: utf8(jwtExpiry(WHERE, "Quay's robot token", token)),
  };
}
