// What the Kubernetes plumbing needs from a kubeconfig: where the API server is and how to authenticate to it.
// Both the in-house Kubeconfig (./kubeconfig.ts) and @kubernetes/client-node's KubeConfig fit this shape, so tests
// and tools that still build a client-node KubeConfig can hand it to KubeClient and the operator unchanged.
import type { RequestOptions } from 'node:https';

export interface KubeConfigSource {
  getCurrentContext(): string;
  getContextObject(name: string): { readonly namespace?: string } | null;
  /** The cluster of the current context, or null when there is none. */
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string } | null;
  /** Fills in TLS material (ca, cert, key, servername, rejectUnauthorized) and credentials (headers, auth). */
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
  /** Drops cached credentials (e.g. after a 401) so the next applyToHTTPSOptions fetches fresh ones. */
  forgetCredentials?(): void;
}
