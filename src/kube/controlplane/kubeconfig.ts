// Writes kubeconfig files that authenticate with a client certificate against a local control plane.
import { stringify } from 'yaml';

export function kubeconfigYaml(options: {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  user: string;
  contextName?: string;
}): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const context = options.contextName ?? 'custos-local';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: context, cluster: { server: options.server, 'certificate-authority-data': b64(options.caPem) } },
    ],
    users: [
      {
        name: options.user,
        user: { 'client-certificate-data': b64(options.certPem), 'client-key-data': b64(options.keyPem) },
      },
    ],
    contexts: [{ name: context, context: { cluster: context, user: options.user, namespace: 'default' } }],
    'current-context': context,
  });
}
