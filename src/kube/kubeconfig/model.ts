// Parses kubeconfig YAML into plain entries and merges several files the way kubectl does. Fields the operator
// cannot honour are not dropped silently: the entry remembers why it is unusable and Kubeconfig throws that
// reason only when the entry is actually used (other contexts in the same file may be fine).
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ExecEnvVar {
  name: string;
  value: string;
}

/** users[].user.exec: a client-go credential plugin (client.authentication.k8s.io/v1 or v1beta1). */
export interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: ExecEnvVar[];
  provideClusterInfo: boolean;
  interactiveMode?: string;
  installHint?: string;
}

export interface ClusterEntry {
  name: string;
  server: string;
  /** certificate-authority-data: base64 of PEM. */
  caData?: string;
  /** certificate-authority: an absolute path (relative ones are resolved at load). */
  caFile?: string;
  tlsServerName?: string;
  skipTLSVerify: boolean;
  /** Never set by the in-house parser (proxy-url makes the entry unusable); here for KubeConfigSource. */
  proxyUrl?: string;
  /** Where the entry came from (file path, "in-cluster", "options"), for errors. */
  source?: string;
  /** Set when the entry cannot be used: the reason, naming the field and what to do. */
  unusable?: string;
}

export interface UserEntry {
  name: string;
  token?: string;
  tokenFile?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  impersonateUser?: string;
  exec?: ExecConfig;
  /** Directory relative exec commands are resolved against. */
  baseDir?: string;
  source?: string;
  unusable?: string;
}

export interface ContextEntry {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

export interface KubeconfigData {
  clusters: ClusterEntry[];
  users: UserEntry[];
  contexts: ContextEntry[];
  currentContext?: string;
}

type Mapping = Record<string, unknown>;

const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses one kubeconfig document. `baseDir` resolves relative paths; `source` names the file in errors. */
export function parseKubeconfig(text: string, source: string, baseDir?: string): KubeconfigData {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    // The parser's own message quotes the offending line, which may hold a token: report the position only.
    const pos = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = pos ? ` (line ${pos.line}, column ${pos.col})` : '';
    throw new Error(`kubeconfig ${source} is not valid YAML${where}; fix the file or point --kubeconfig elsewhere`);
  }
  if (doc === null || doc === undefined) return { clusters: [], users: [], contexts: [] };
  if (!isMapping(doc)) throw new Error(`kubeconfig ${source} is not a YAML mapping (apiVersion, clusters, ...)`);
  const at = (what: string) => `kubeconfig ${source}: ${what}`;
  const resolve = (path: string) => (baseDir && !isAbsolute(path) ? join(baseDir, path) : path);
  const current = doc['current-context'];
  return {
    clusters: namedList(doc, 'clusters', 'cluster', at).map(([name, body]) =>
      parseCluster(name, body, source, resolve),
    ),
    users: namedList(doc, 'users', 'user', at).map(([name, body]) => parseUser(name, body, source, resolve, baseDir)),
    contexts: namedList(doc, 'contexts', 'context', at).map(([name, body]) => ({
      name,
      cluster: str(body.cluster) ?? '',
      user: str(body.user) ?? '',
      namespace: str(body.namespace) || undefined,
    })),
    currentContext: typeof current === 'string' && current ? current : undefined,
  };
}

/** kubectl's merge of several files: the first file that defines a name wins, and so does its current-context. */
export function mergeKubeconfigs(configs: KubeconfigData[]): KubeconfigData {
  const merged: KubeconfigData = { clusters: [], users: [], contexts: [] };
  const add = <T extends { name: string }>(into: T[], items: T[]) => {
    for (const item of items) if (!into.some((existing) => existing.name === item.name)) into.push(item);
  };
  for (const config of configs) {
    add(merged.clusters, config.clusters);
    add(merged.users, config.users);
    add(merged.contexts, config.contexts);
    merged.currentContext ??= config.currentContext;
  }
  return merged;
}

function namedList(doc: Mapping, list: string, field: string, at: (what: string) => string): Array<[string, Mapping]> {
  const items = doc[list];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw new Error(at(`${list} must be a list`));
  return items.map((item, i) => {
    if (!isMapping(item) || typeof item.name !== 'string' || !item.name) {
      throw new Error(at(`${list}[${i}] needs a name`));
    }
    const body = item[field] ?? {};
    if (!isMapping(body)) throw new Error(at(`${list}[${i}] ("${item.name}"): ${field} must be a mapping`));
    return [item.name, body];
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseCluster(name: string, body: Mapping, source: string, resolve: (path: string) => string): ClusterEntry {
  const caFile = str(body['certificate-authority']) || undefined;
  const entry: ClusterEntry = {
    name,
    server: (str(body.server) ?? '').replace(/\/+$/, ''),
    caData: str(body['certificate-authority-data']) || undefined,
    caFile: caFile ? resolve(caFile) : undefined,
    tlsServerName: str(body['tls-server-name']) || undefined,
    skipTLSVerify: body['insecure-skip-tls-verify'] === true,
    source,
  };
  const what = `cluster "${name}" in ${source}`;
  if (!entry.server) entry.unusable = `${what} has no server; set clusters[].cluster.server`;
  else if (body['proxy-url']) {
    entry.unusable = `${what} sets proxy-url, which the operator does not support; remove it and reach the API server directly (or through a transparent proxy)`;
  } else if (entry.caData && entry.caFile) {
    entry.unusable = `${what} sets both certificate-authority and certificate-authority-data; keep one`;
  }
  return entry;
}

function parseUser(
  name: string,
  body: Mapping,
  source: string,
  resolve: (path: string) => string,
  baseDir: string | undefined,
): UserEntry {
  const file = (field: string) => {
    const value = str(body[field]);
    return value ? resolve(value) : undefined;
  };
  const entry: UserEntry = {
    name,
    token: str(body.token) || undefined,
    tokenFile: file('tokenFile'),
    certData: str(body['client-certificate-data']) || undefined,
    certFile: file('client-certificate'),
    keyData: str(body['client-key-data']) || undefined,
    keyFile: file('client-key'),
    username: str(body.username) || undefined,
    password: str(body.password),
    impersonateUser: str(body.as) || undefined,
    baseDir,
    source,
  };
  const what = `user "${name}" in ${source}`;
  try {
    if (body.exec !== undefined && body.exec !== null) entry.exec = parseExec(body.exec, what);
  } catch (error) {
    entry.unusable = (error as Error).message;
    return entry;
  }
  entry.unusable = userProblem(entry, body, what);
  return entry;
}

function userProblem(entry: UserEntry, body: Mapping, what: string): string | undefined {
  const provider = body['auth-provider'];
  if (provider) {
    const providerName = isMapping(provider) ? (str(provider.name) ?? '?') : '?';
    return `${what} uses auth-provider "${providerName}", which is not supported (these legacy plugins were removed from kubectl); use an exec credential plugin instead, e.g. gke-gcloud-auth-plugin for GKE or kubelogin for OIDC/Azure`;
  }
  for (const field of ['as-uid', 'as-groups', 'as-user-extra']) {
    if (body[field] !== undefined) return `${what} sets ${field}, which is not supported; remove it (only "as" is)`;
  }
  if (entry.certData && entry.certFile) {
    return `${what} sets both client-certificate and client-certificate-data; keep one`;
  }
  if (entry.keyData && entry.keyFile) return `${what} sets both client-key and client-key-data; keep one`;
  if (Boolean(entry.certData || entry.certFile) !== Boolean(entry.keyData || entry.keyFile)) {
    return `${what} has a client certificate without a client key (or the other way round); set both`;
  }
  if ((entry.token || entry.tokenFile) && (entry.username || entry.password)) {
    return `${what} sets both a token and username/password; keep one authentication method`;
  }
  return undefined;
}

const execApiVersions = new Set(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']);

function parseExec(value: unknown, what: string): ExecConfig {
  if (!isMapping(value)) throw new Error(`${what}: exec must be a mapping`);
  const command = str(value.command);
  if (!command) throw new Error(`${what}: exec.command is missing; name the credential plugin to run`);
  const apiVersion = str(value.apiVersion) ?? '';
  if (!execApiVersions.has(apiVersion)) {
    throw new Error(
      `${what}: exec.apiVersion "${apiVersion}" is not supported; use client.authentication.k8s.io/v1 or v1beta1`,
    );
  }
  const args = value.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new Error(`${what}: exec.args must be a list of strings`);
  }
  const env = value.env ?? [];
  if (!Array.isArray(env) || !env.every((e) => isMapping(e) && typeof e.name === 'string')) {
    throw new Error(`${what}: exec.env must be a list of {name, value}`);
  }
  const interactiveMode = str(value.interactiveMode);
  if (interactiveMode === 'Always') {
    throw new Error(
      `${what}: the exec plugin needs a terminal (interactiveMode: Always), which the operator does not have; use a plugin that works without one`,
    );
  }
  return {
    apiVersion,
    command,
    args: args as string[],
    env: (env as Mapping[]).map((e) => ({ name: e.name as string, value: str(e.value) ?? '' })),
    provideClusterInfo: value.provideClusterInfo === true,
    interactiveMode,
    installHint: str(value.installHint),
  };
}
