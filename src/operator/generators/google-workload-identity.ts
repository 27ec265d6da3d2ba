// GKE workload identity for the GCRAccessToken generator, as ESO does it: a token of the Kubernetes service account
// (in the referencing namespace) for the cluster's identity pool `<project>.svc.id.goog` is exchanged at Google's
// Security Token Service (securetoken.googleapis.com identitybindingtoken) for a federated access token; when the
// account is annotated iam.gke.io/gcp-service-account, that token asks IAM Credentials (generateAccessToken) for a
// token of the Google service account, else it is used as it is. The cluster's project, location and name come
// from spec.auth.workloadIdentity or, where missing, from the node's metadata server.
import type { GCPWorkloadIdentity } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { webhookUrl } from '../../providers/webhook/call.js';
import { CLOUD_PLATFORM_SCOPE, invalid, metadataHost, metadataValue, tokenCall, WHERE } from './google-auth.js';
import { serviceAccountAnnotations, serviceAccountToken } from './inputs.js';

export const GCP_SA_ANNOTATION = 'iam.gke.io/gcp-service-account';
const SECURE_TOKEN_URL = 'https://securetoken.googleapis.com/v1/identitybindingtoken';
const IAM_CREDENTIALS_URL = 'https://iamcredentials.googleapis.com/v1';

async function clusterSetting(value: string | undefined, path: string, field: string, signal?: AbortSignal) {
  if (value) return value;
  const found = await metadataValue(path, signal);
  if (found) return found;
  throw invalid(
    `spec.auth.workloadIdentity.${field} is not set and the metadata server ${metadataHost()} does not tell it (${path}); set ${field}`,
  );
}

export async function workloadIdentityToken(
  client: KubeClient,
  namespace: string,
  identity: GCPWorkloadIdentity,
  signal?: AbortSignal,
): Promise<{ token: string; expiresAt: number }> {
  const name = identity.serviceAccountRef?.name;
  if (!name) throw invalid('spec.auth.workloadIdentity.serviceAccountRef.name is required');
  const annotations = await serviceAccountAnnotations(client, namespace, name, WHERE, signal);
  const project = await clusterSetting(identity.clusterProjectID, 'project/project-id', 'clusterProjectID', signal);
  const location = await clusterSetting(
    identity.clusterLocation,
    'instance/attributes/cluster-location',
    'clusterLocation',
    signal,
  );
  const cluster = await clusterSetting(identity.clusterName, 'instance/attributes/cluster-name', 'clusterName', signal);
  const idPool = `${project}.svc.id.goog`;
  const idProvider = `https://container.googleapis.com/v1/projects/${project}/locations/${location}/clusters/${cluster}`;

  const audiences = [idPool, ...(identity.serviceAccountRef.audiences ?? [])];
  const subjectToken = await serviceAccountToken(client, namespace, name, audiences, WHERE);
  const federated = await tokenCall(
    `Google's Security Token Service for service account "${namespace}/${name}" (pool ${idPool})`,
    webhookUrl('the Security Token Service', SECURE_TOKEN_URL),
    {
      method: 'POST',
      json: {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        subject_token: subjectToken,
        audience: `identitynamespace:${idPool}:${idProvider}`,
        scope: CLOUD_PLATFORM_SCOPE,
      },
    },
    signal,
  );
  const googleAccount = annotations[GCP_SA_ANNOTATION];
  if (!googleAccount) return federated;
  return tokenCall(
    `IAM Credentials for ${googleAccount} (service account "${namespace}/${name}" needs roles/iam.workloadIdentityUser on it)`,
    webhookUrl(
      'IAM Credentials',
      `${IAM_CREDENTIALS_URL}/projects/-/serviceAccounts/${googleAccount}:generateAccessToken`,
    ),
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${federated.token}` },
      json: { scope: [CLOUD_PLATFORM_SCOPE] },
    },
    signal,
    { token: 'accessToken', expireTime: 'expireTime' },
  );
}
