// ESO's ACRAccessToken generator: a token for Azure Container Registry, as the keys `username` (always
// 00000000-0000-0000-0000-000000000000, ACR's user for tokens) and `password`. First an Azure AD (Entra ID) access
// token for Azure Resource Manager, by one of auth.servicePrincipal (client ID and secret from a Secret; OAuth client
// credentials), auth.managedIdentity (the node's instance metadata service, optionally for one identity) or
// auth.workloadIdentity (a Kubernetes service account token as the client assertion, with the client and tenant of
// its azure.workload.identity annotations, or the operator's own AZURE_* environment without serviceAccountRef).
// ACR then exchanges it for a refresh token (POST /oauth2/exchange), which is the password unless `scope` asks for
// a narrower access token (POST /oauth2/token). Endpoints follow environmentType as ESO's do; AZURE_AUTHORITY_HOST
// and AZURE_POD_IDENTITY_AUTHORITY_HOST (the Azure SDK's settings) override the login and metadata hosts.
import { readFile } from 'node:fs/promises';
import type { ACRAccessTokenSpec, ServiceAccountSelector } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { webhookUrl } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';
import { readReferencedKey, serviceAccountAnnotations, serviceAccountToken } from './inputs.js';
import { answerField, callTokenEndpoint } from './token-endpoint.js';

const WHERE = 'ACRAccessToken generator';
export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';
export const CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
export const TENANT_ID_ANNOTATION = 'azure.workload.identity/tenant-id';
const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
const DEFAULT_IMDS = 'http://169.254.169.254';

/** Azure clouds: login host, the Resource Manager audience and the classic management endpoint (ESO's table). */
const CLOUDS: Record<string, { login: string; arm: string; management: string }> = {
  PublicCloud: {
    login: 'https://login.microsoftonline.com/',
    arm: 'https://management.azure.com/',
    management: 'https://management.core.windows.net/',
  },
  ChinaCloud: {
    login: 'https://login.chinacloudapi.cn/',
    arm: 'https://management.chinacloudapi.cn/',
    management: 'https://management.core.chinacloudapi.cn/',
  },
  USGovernmentCloud: {
    login: 'https://login.microsoftonline.us/',
    arm: 'https://management.usgovcloudapi.net/',
    management: 'https://management.core.usgovcloudapi.net/',
  },
  GermanCloud: {
    login: 'https://login.microsoftonline.de/',
    arm: 'https://management.microsoftazure.de/',
    management: 'https://management.core.cloudapi.de/',
  },
};

const invalid = (message: string) => new GeneratorError('Invalid', `${WHERE}: ${message}`);
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

function cloudOf(environmentType: string | undefined) {
  const cloud = CLOUDS[environmentType || 'PublicCloud'] ?? CLOUDS.PublicCloud;
  const login = process.env.AZURE_AUTHORITY_HOST || cloud?.login || '';
  return { ...(cloud as (typeof CLOUDS)['PublicCloud']), login: login.endsWith('/') ? login : `${login}/` };
}

/** One form POST or GET to an OAuth-style endpoint; the named field of its JSON answer. */
async function tokenCall(
  what: string,
  url: string,
  field: string,
  request: { method: 'GET' | 'POST'; form?: Record<string, string>; headers?: Record<string, string> },
  signal: AbortSignal | undefined,
): Promise<string> {
  const answer = await callTokenEndpoint(WHERE, what, webhookUrl('the Azure endpoint', url), request, signal);
  return answerField(WHERE, what, answer, field);
}

async function secretText(
  client: KubeClient,
  namespace: string,
  ref: { name?: string; key?: string } | undefined,
  field: string,
  signal?: AbortSignal,
) {
  const value = await readReferencedKey(client, ref, namespace, { generator: 'ACRAccessToken', field }, signal);
  return value.toString('utf8').trim();
}

async function servicePrincipalToken(
  client: KubeClient,
  namespace: string,
  spec: ACRAccessTokenSpec,
  signal?: AbortSignal,
) {
  if (!spec.tenantId) throw invalid('spec.tenantId is required with auth.servicePrincipal');
  const ref = spec.auth.servicePrincipal?.secretRef;
  const clientId = await secretText(
    client,
    namespace,
    ref?.clientId,
    'spec.auth.servicePrincipal.secretRef.clientId',
    signal,
  );
  const clientSecret = await secretText(
    client,
    namespace,
    ref?.clientSecret,
    'spec.auth.servicePrincipal.secretRef.clientSecret',
    signal,
  );
  const cloud = cloudOf(spec.environmentType);
  return tokenCall(
    `Azure AD (${cloud.login}) for client ${clientId}`,
    `${cloud.login}${spec.tenantId}/oauth2/v2.0/token`,
    'access_token',
    {
      method: 'POST',
      form: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: `${cloud.arm}.default`,
      },
    },
    signal,
  );
}

async function managedIdentityToken(spec: ACRAccessTokenSpec, signal?: AbortSignal) {
  const cloud = cloudOf(spec.environmentType);
  const host = (process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST || DEFAULT_IMDS).replace(/\/+$/, '');
  const query = new URLSearchParams({ 'api-version': '2018-02-01', resource: cloud.arm });
  const id = spec.auth.managedIdentity?.identityId;
  // A resource ID contains slashes; anything else is a client ID (as ESO decides). IMDS names them so.
  if (id) query.set(id.includes('/') ? 'msi_res_id' : 'client_id', id);
  return tokenCall(
    `the instance metadata service (${host}) for ${id ? `managed identity ${id}` : 'the managed identity of the node'}`,
    `${host}/metadata/identity/oauth2/token?${query}`,
    'access_token',
    { method: 'GET', headers: { Metadata: 'true' } },
    signal,
  );
}

async function federatedCredential(
  client: KubeClient,
  namespace: string,
  ref: ServiceAccountSelector | undefined,
  signal?: AbortSignal,
): Promise<{ clientId: string; tenantId: string; assertion: string }> {
  if (!ref) {
    const clientId = process.env.AZURE_CLIENT_ID;
    const tenantId = process.env.AZURE_TENANT_ID;
    const file = process.env.AZURE_FEDERATED_TOKEN_FILE;
    if (!clientId || !tenantId || !file) {
      throw invalid(
        "auth.workloadIdentity without serviceAccountRef uses the operator pod's AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE, which are not all set; set serviceAccountRef or label the operator for Azure workload identity",
      );
    }
    try {
      return { clientId, tenantId, assertion: (await readFile(file, 'utf8')).trim() };
    } catch {
      throw invalid(`AZURE_FEDERATED_TOKEN_FILE names ${file}, which cannot be read`);
    }
  }
  const annotations = await serviceAccountAnnotations(client, namespace, ref.name, WHERE, signal);
  const clientId = annotations[CLIENT_ID_ANNOTATION];
  const tenantId = annotations[TENANT_ID_ANNOTATION];
  for (const [value, annotation] of [
    [clientId, CLIENT_ID_ANNOTATION],
    [tenantId, TENANT_ID_ANNOTATION],
  ] as const) {
    if (!value) throw invalid(`service account "${namespace}/${ref.name}" has no ${annotation} annotation`);
  }
  const audiences = [FEDERATION_AUDIENCE, ...(ref.audiences ?? [])];
  const assertion = await serviceAccountToken(client, namespace, ref.name, audiences, WHERE);
  return { clientId: clientId as string, tenantId: tenantId as string, assertion };
}

async function workloadIdentityToken(
  client: KubeClient,
  namespace: string,
  spec: ACRAccessTokenSpec,
  signal?: AbortSignal,
) {
  const { clientId, tenantId, assertion } = await federatedCredential(
    client,
    namespace,
    spec.auth.workloadIdentity?.serviceAccountRef,
    signal,
  );
  const cloud = cloudOf(spec.environmentType);
  return tokenCall(
    `Azure AD (${cloud.login}) for workload identity ${clientId}`,
    `${cloud.login}${tenantId}/oauth2/v2.0/token`,
    'access_token',
    {
      method: 'POST',
      form: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        // ESO asks for the classic management endpoint with "/.default" appended, slash doubled; Azure AD takes it.
        scope: `${cloud.management}/.default`,
      },
    },
    signal,
  );
}

export async function generateACRAccessToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<ACRAccessTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.registry) throw invalid('spec.registry is required, e.g. myregistry.azurecr.io');
  const full = spec as ACRAccessTokenSpec;
  const auth = full.auth ?? {};
  let aadToken: string;
  if (auth.servicePrincipal) aadToken = await servicePrincipalToken(client, namespace, full, signal);
  else if (auth.managedIdentity) aadToken = await managedIdentityToken(full, signal);
  else if (auth.workloadIdentity) aadToken = await workloadIdentityToken(client, namespace, full, signal);
  else throw invalid('spec.auth needs one of servicePrincipal, managedIdentity or workloadIdentity');
  const registry = full.registry.replace(/^https:\/\//, '').replace(/\/+$/, '');
  const refreshToken = await tokenCall(
    `ACR ${registry} (token exchange)`,
    `https://${registry}/oauth2/exchange`,
    'refresh_token',
    {
      method: 'POST',
      form: { grant_type: 'access_token', service: registry, tenant: full.tenantId ?? '', access_token: aadToken },
    },
    signal,
  );
  let password = refreshToken;
  if (full.scope) {
    password = await tokenCall(
      `ACR ${registry} (access token for scope ${full.scope})`,
      `https://${registry}/oauth2/token`,
      'access_token',
      {
        method: 'POST',
        form: { grant_type: 'refresh_token', service: registry, scope: full.scope, refresh_token: refreshToken },
      },
      signal,
    );
  }
  return { username: utf8(ACR_USERNAME), password: utf8(password) };
}
