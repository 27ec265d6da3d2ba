// ESO's GCRAccessToken generator: an OAuth 2.0 access token for Google Container Registry and Artifact Registry, as
// the keys `username` (always `oauth2accesstoken`), `password` (the token) and `expiry` (Unix seconds). Credentials,
// in ESO's order: `auth.secretRef` (a service account key in the referencing namespace), `auth.workloadIdentity`
// (GKE workload identity through a Kubernetes service account), else the operator's own Application Default
// Credentials (google-auth.ts, google-workload-identity.ts).
import type { GCRAccessTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { defaultToken, keyToken } from './google-auth.js';
import { workloadIdentityToken } from './google-workload-identity.js';
import { readReferencedKey } from './inputs.js';

export const GCR_USERNAME = 'oauth2accesstoken';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

export async function generateGCRAccessToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<GCRAccessTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  const auth = spec?.auth;
  let issued: { token: string; expiresAt: number };
  if (auth?.secretRef) {
    const ref = auth.secretRef.secretAccessKeySecretRef;
    const who = { generator: 'GCRAccessToken', field: 'spec.auth.secretRef.secretAccessKeySecretRef' };
    const json = await readReferencedKey(client, ref, namespace, who, signal);
    issued = await keyToken(json.toString('utf8'), `Secret "${ref?.name}" key "${ref?.key}"`, signal);
  } else if (auth?.workloadIdentity) {
    issued = await workloadIdentityToken(client, namespace, auth.workloadIdentity, signal);
  } else {
    issued = await defaultToken(signal);
  }
  return {
    username: utf8(GCR_USERNAME),
    password: utf8(issued.token),
    expiry: utf8(String(Math.floor(issued.expiresAt / 1000))),
  };
}
