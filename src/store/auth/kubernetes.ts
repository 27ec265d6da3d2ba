// Kubernetes auth: the caller's ServiceAccount JWT is checked by the configured cluster's TokenReview API; the
// store trusts only what the API server answers. Claims: namespace, serviceaccount (and pod name when bound).
// @kubernetes/client-node is imported on the first login, not at load: the CLI's main module pulls the store in
// for every command, `custos operator` included, and the library costs ~80 MB resident.
import type { KubeConfig } from '@kubernetes/client-node';
import { invalid, unauthorized } from '../errors.js';

export interface KubernetesAuthConfig {
  /** path to a kubeconfig with the right to create TokenReviews (its current context is used) */
  kubeconfigPath?: string;
  /** or the API server URL, its CA (PEM) and a reviewer token */
  server?: string;
  caCert?: string;
  reviewerToken?: string;
  /** audiences the token must carry (TokenReview spec.audiences) */
  audiences?: string[];
  /** when set, only these namespaces / service accounts may log in */
  boundNamespaces?: string[];
  boundServiceAccounts?: string[];
}

export function checkKubernetesConfig(config: KubernetesAuthConfig): void {
  if (!config.kubeconfigPath && !config.server) {
    throw invalid('kubernetes auth needs kubeconfigPath, or server (with caCert and reviewerToken)');
  }
  if (config.server && !/^https?:\/\//.test(config.server))
    throw invalid('kubernetes auth server must be an https:// URL');
}

function kubeConfigFor(config: KubernetesAuthConfig, KubeConfigClass: new () => KubeConfig): KubeConfig {
  const kc = new KubeConfigClass();
  if (config.kubeconfigPath) {
    kc.loadFromFile(config.kubeconfigPath);
    return kc;
  }
  kc.loadFromOptions({
    clusters: [
      {
        name: 'review',
        server: config.server!,
        caData: config.caCert ? Buffer.from(config.caCert).toString('base64') : undefined,
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'reviewer', token: config.reviewerToken }],
    contexts: [{ name: 'review', cluster: 'review', user: 'reviewer' }],
    currentContext: 'review',
  });
  return kc;
}

const saUser = /^system:serviceaccount:([^:]+):([^:]+)$/;

export async function reviewServiceAccountToken(
  config: KubernetesAuthConfig,
  jwt: string,
): Promise<Record<string, string>> {
  if (!jwt) throw unauthorized('kubernetes login needs the ServiceAccount token in "jwt"');
  const { AuthenticationV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const api = kubeConfigFor(config, KubeConfig).makeApiClient(AuthenticationV1Api);
  let review: Awaited<ReturnType<InstanceType<typeof AuthenticationV1Api>['createTokenReview']>>;
  try {
    review = await api.createTokenReview({
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token: jwt, audiences: config.audiences },
      },
    });
  } catch (error) {
    throw new Error(`the TokenReview call to the cluster failed: ${(error as Error).message.slice(0, 200)}`);
  }
  const status = review.status;
  if (!status?.authenticated) {
    throw unauthorized('the cluster did not authenticate this ServiceAccount token');
  }
  const match = saUser.exec(status.user?.username ?? '');
  if (!match) throw unauthorized('the token does not belong to a ServiceAccount');
  const [, namespace, serviceaccount] = match as unknown as [string, string, string];
  if (config.boundNamespaces?.length && !config.boundNamespaces.includes(namespace)) {
    throw unauthorized(`namespace ${namespace} is not allowed by this auth method`);
  }
  if (config.boundServiceAccounts?.length && !config.boundServiceAccounts.includes(serviceaccount)) {
    throw unauthorized(`service account ${serviceaccount} is not allowed by this auth method`);
  }
  const claims: Record<string, string> = { namespace, serviceaccount };
  const pod = status.user?.extra?.['authentication.kubernetes.io/pod-name']?.[0];
  if (pod) claims.pod = pod;
  return claims;
}
