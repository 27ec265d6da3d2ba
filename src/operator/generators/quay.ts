// ESO's QuayAccessToken generator: a Quay robot account token by OIDC federation. A token of the named Kubernetes
// service account (TokenRequest in the referencing namespace, with serviceAccountRef.audiences) is presented as the
// robot's password to GET https://<url>/oauth2/federation/robot/token; Quay checks it against the robot's
// federation settings and answers a robot token. The keys: `registry` (the url without https://), `auth`
// (base64 of "<robot>:<token>", what a docker config's `auth` holds) and `expiry` (the token's exp claim).
import type { QuayAccessTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { ProviderConfigError } from '../../providers/errors.js';
import { operatorTransport, requestServiceAccountToken } from '../../providers/kubernetes/own-cluster.js';
import { webhookUrl } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';
import { answerField, callTokenEndpoint } from './token-endpoint.js';

const WHERE = 'QuayAccessToken generator';
export const DEFAULT_QUAY_URL = 'quay.io';
const TIMEOUT_MS = 10_000;
// ESO asks for no lifetime, which the API server answers with one hour.
const SA_TOKEN_SECONDS = 3600;

const invalid = (message: string) => new GeneratorError('Invalid', `${WHERE}: ${message}`);
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** The exp claim of a JWT, written as Go's strconv.FormatFloat(exp, 'f', -1, 64) writes it. */
function expiryOf(token: string): string {
  const payload = token.split('.')[1];
  let claims: { exp?: unknown } = {};
  try {
    claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
  } catch {
    throw new GeneratorError('Unavailable', `${WHERE}: Quay's robot token is not a JWT`);
  }
  if (typeof claims.exp !== 'number')
    throw new GeneratorError('Unavailable', `${WHERE}: Quay's robot token has no exp claim`);
  return Number.isInteger(claims.exp) ? claims.exp.toFixed(0) : String(claims.exp);
}

async function serviceAccountToken(client: KubeClient, namespace: string, spec: QuayAccessTokenSpec): Promise<string> {
  const ref = spec.serviceAccountRef;
  try {
    const transport = operatorTransport(client.kubeConfig);
    return (await requestServiceAccountToken(transport, namespace, ref.name, ref.audiences, SA_TOKEN_SECONDS)).token;
  } catch (error) {
    if (error instanceof ProviderConfigError) throw invalid(error.message);
    throw error;
  }
}

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
  const saToken = await serviceAccountToken(client, namespace, full);
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
    expiry: utf8(expiryOf(token)),
  };
}
