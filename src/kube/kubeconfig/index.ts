// Kubeconfig loading without @kubernetes/client-node (see kubeconfig.ts for what is supported).
export type { ExecCredentialStatus, ExecResult, ExecRunner } from './exec.js';
export { type InClusterSources, SERVICE_ACCOUNT_DIR } from './in-cluster.js';
export { type DefaultSources, Kubeconfig, type KubeconfigOptions, type KubeconfigOptionsShape } from './kubeconfig.js';
export type { ClusterEntry, ContextEntry, ExecConfig, UserEntry } from './model.js';
export type { KubeConfigSource } from './source.js';
