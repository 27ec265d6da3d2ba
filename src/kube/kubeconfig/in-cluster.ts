// The in-cluster configuration of a pod: API server from KUBERNETES_SERVICE_HOST/PORT, credentials from the
// mounted service account (token re-read as the kubelet rotates it, ca.crt, namespace).
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { KubeconfigData } from './model.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterSources {
  env?: NodeJS.ProcessEnv;
  /** The mounted service account directory (tests point it at a temp dir). */
  serviceAccountDir?: string;
}

/** True when this process looks like it runs in a pod: the service env vars and a token file are there. */
export function inClusterAvailable(sources: InClusterSources = {}): boolean {
  const env = sources.env ?? process.env;
  const dir = sources.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  return Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) && existsSync(join(dir, 'token'));
}

export function inClusterConfig(sources: InClusterSources = {}): KubeconfigData {
  const env = sources.env ?? process.env;
  const dir = sources.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error(
      'not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; pass --kubeconfig or set KUBECONFIG',
    );
  }
  const namespaceFile = join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const source = `in-cluster config (${dir})`;
  return {
    clusters: [
      {
        name: 'in-cluster',
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        caFile: join(dir, 'ca.crt'),
        skipTLSVerify: false,
        source,
      },
    ],
    users: [{ name: 'in-cluster', tokenFile: join(dir, 'token'), source }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', namespace: namespace || undefined }],
    currentContext: 'in-cluster',
  };
}
