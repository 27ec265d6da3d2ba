// An in-house kubeconfig loader with the part of @kubernetes/client-node's KubeConfig surface Custos uses.
// The operator reads its kubeconfig with this instead of client-node, which costs ~80 MB of RSS just to import.
//
// Supported: KUBECONFIG with several files (first file wins per name, current-context from the first file that
// sets one), ~/.kube/config, the in-cluster service account, certificate-authority(-data),
// client-certificate(-data)/client-key(-data), token, tokenFile, username/password, as (impersonation),
// insecure-skip-tls-verify, tls-server-name and exec credential plugins. Relative paths resolve against the
// directory of the file that names them. Not supported, with an error that says so when the entry is used:
// auth-provider plugins, proxy-url, as-groups/as-uid/as-user-extra.

import { existsSync, readFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { type ExecClusterInfo, ExecCredentialCache, type ExecRunner } from './exec.js';
import { CredentialFiles } from './files.js';
import { type InClusterSources, inClusterAvailable, inClusterConfig } from './in-cluster.js';
import {
  type ClusterEntry,
  type ContextEntry,
  type KubeconfigData,
  mergeKubeconfigs,
  parseKubeconfig,
  type UserEntry,
} from './model.js';
import type { KubeConfigSource } from './source.js';

export interface KubeconfigOptions {
  /** Clock for credential caching (token files, exec credentials). */
  now?: () => number;
  /** Runs exec credential plugins (tests replace it). */
  runExec?: ExecRunner;
}

/** Where loadFromDefault looks; tests override these instead of the real environment. */
export interface DefaultSources extends InClusterSources {
  home?: string;
}

export interface KubeconfigOptionsShape {
  clusters: ClusterEntry[];
  users: UserEntry[];
  contexts: ContextEntry[];
  currentContext?: string;
}

export class Kubeconfig implements KubeConfigSource {
  #data: KubeconfigData = { clusters: [], users: [], contexts: [] };
  #currentContext = '';
  #inCluster = false;
  readonly #files: CredentialFiles;
  readonly #exec: ExecCredentialCache;

  constructor(options: KubeconfigOptions = {}) {
    const now = options.now ?? Date.now;
    this.#files = new CredentialFiles(now);
    this.#exec = new ExecCredentialCache(now, options.runExec);
  }

  // ----- loading ---------------------------------------------------------------------------------------

  loadFromFile(path: string): void {
    const absolute = resolve(path);
    this.#use(parseKubeconfig(readKubeconfigFile(absolute), absolute, dirname(absolute)));
  }

  /** Parses kubeconfig text; relative paths in it resolve against `baseDir` (default: the working directory). */
  loadFromString(text: string, baseDir = process.cwd(), source = 'kubeconfig text'): void {
    this.#use(parseKubeconfig(text, source, baseDir));
  }

  /** $KUBECONFIG (several files, kubectl's merge), else ~/.kube/config, else the in-cluster service account. */
  loadFromDefault(sources: DefaultSources = {}): void {
    const env = sources.env ?? process.env;
    const list = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
    if (list.length > 0) {
      // As kubectl: files in the list that do not exist are skipped.
      const present = list.map((p) => resolve(p)).filter((p) => existsSync(p));
      if (present.length === 0) {
        throw new Error(`none of the files in KUBECONFIG exist (${list.join(delimiter)}); fix KUBECONFIG`);
      }
      this.#use(mergeKubeconfigs(present.map((p) => parseKubeconfig(readKubeconfigFile(p), p, dirname(p)))));
      return;
    }
    const home = sources.home ?? env.HOME ?? homedir();
    const fallback = join(home, '.kube', 'config');
    if (existsSync(fallback)) {
      this.loadFromFile(fallback);
      return;
    }
    if (inClusterAvailable(sources)) {
      this.loadFromCluster(sources);
      return;
    }
    throw new Error(
      `no kubeconfig found: KUBECONFIG is not set, ${fallback} does not exist and this is not a pod with a service account; pass --kubeconfig`,
    );
  }

  /** The in-cluster configuration (service account token re-read as it rotates). */
  loadFromCluster(sources: InClusterSources = {}): void {
    this.#use(inClusterConfig(sources));
    this.#inCluster = true;
  }

  /**
   * The pod's own namespace when this configuration is the in-cluster service account (else undefined): where
   * controller-runtime keeps a leader election Lease by default.
   */
  podNamespace(): string | undefined {
    return this.#inCluster ? this.#currentContextObject()?.namespace : undefined;
  }

  /** Entries given directly (same field names as client-node's loadFromOptions). */
  loadFromOptions(options: KubeconfigOptionsShape): void {
    this.#use({
      clusters: options.clusters.map((c) => ({ source: 'options', ...c, server: c.server.replace(/\/+$/, '') })),
      users: options.users.map((u) => ({ source: 'options', ...u })),
      contexts: options.contexts,
      currentContext: options.currentContext,
    });
  }

  #use(data: KubeconfigData): void {
    this.#data = data;
    this.#inCluster = false;
    this.#currentContext = data.currentContext ?? '';
    this.forgetCredentials();
  }

  // ----- lookup ----------------------------------------------------------------------------------------

  getCurrentContext(): string {
    return this.#currentContext;
  }

  setCurrentContext(name: string): void {
    if (!this.#data.contexts.some((c) => c.name === name)) {
      const known = this.#data.contexts.map((c) => c.name).join(', ') || 'none';
      throw new Error(`context "${name}" is not in the kubeconfig (contexts: ${known})`);
    }
    this.#currentContext = name;
  }

  getContexts(): readonly ContextEntry[] {
    return this.#data.contexts;
  }

  getClusters(): readonly ClusterEntry[] {
    return this.#data.clusters;
  }

  getUsers(): readonly UserEntry[] {
    return this.#data.users;
  }

  getContextObject(name: string): ContextEntry | null {
    return this.#data.contexts.find((c) => c.name === name) ?? null;
  }

  /** The current context's cluster; null without a current context. Throws if it is missing or unusable. */
  getCurrentCluster(): ClusterEntry | null {
    const context = this.#currentContextObject();
    if (!context) return null;
    const cluster = this.#data.clusters.find((c) => c.name === context.cluster);
    if (!cluster) {
      throw new Error(`context "${context.name}" names cluster "${context.cluster}", which is not in the kubeconfig`);
    }
    if (cluster.unusable) throw new Error(cluster.unusable);
    return cluster;
  }

  /** The current context's user; null without a current context or when the context names no user. */
  getCurrentUser(): UserEntry | null {
    const context = this.#currentContextObject();
    if (!context?.user) return null;
    const user = this.#data.users.find((u) => u.name === context.user);
    if (!user)
      throw new Error(`context "${context.name}" names user "${context.user}", which is not in the kubeconfig`);
    if (user.unusable) throw new Error(user.unusable);
    return user;
  }

  #currentContextObject(): ContextEntry | null {
    if (!this.#currentContext) return null;
    const context = this.getContextObject(this.#currentContext);
    if (!context) {
      throw new Error(
        `current-context "${this.#currentContext}" is not among the kubeconfig's contexts; fix it or pass --context`,
      );
    }
    return context;
  }

  // ----- credentials -----------------------------------------------------------------------------------

  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    if (!cluster) return;
    const user = this.getCurrentUser();
    const where = (field: string, entry: { name: string; source?: string }, kind: string) =>
      `${field} of ${kind} "${entry.name}" in ${entry.source ?? 'the kubeconfig'}`;
    const ca = cluster.caData
      ? decodeBase64(cluster.caData, where('certificate-authority-data', cluster, 'cluster'))
      : cluster.caFile
        ? this.#files.read(cluster.caFile, where('certificate-authority', cluster, 'cluster'))
        : undefined;
    if (ca) options.ca = ca;
    if (cluster.skipTLSVerify) options.rejectUnauthorized = false;
    if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    if (!user) return;

    const headers: OutgoingHttpHeaders =
      options.headers && !Array.isArray(options.headers) ? { ...(options.headers as OutgoingHttpHeaders) } : {};
    if (user.certData) options.cert = decodeBase64(user.certData, where('client-certificate-data', user, 'user'));
    else if (user.certFile) options.cert = this.#files.read(user.certFile, where('client-certificate', user, 'user'));
    if (user.keyData) options.key = decodeBase64(user.keyData, where('client-key-data', user, 'user'));
    else if (user.keyFile) options.key = this.#files.read(user.keyFile, where('client-key', user, 'user'));

    let token = user.token;
    if (!token && user.tokenFile) {
      token = this.#files
        .read(user.tokenFile, where('tokenFile', user, 'user'))
        .toString('utf8')
        .trim();
    }
    if (user.exec) {
      const status = await this.#exec.get(user.name, {
        exec: user.exec,
        describe: `user "${user.name}" in ${user.source ?? 'the kubeconfig'}`,
        baseDir: user.baseDir,
        cluster: () => this.#execClusterInfo(cluster),
      });
      if (status.clientCertificateData && status.clientKeyData) {
        options.cert = status.clientCertificateData;
        options.key = status.clientKeyData;
      }
      if (status.token) token = status.token;
    }
    if (token) headers.Authorization = `Bearer ${token}`;
    if (user.username) options.auth = `${user.username}:${user.password ?? ''}`;
    if (user.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
    options.headers = headers;
  }

  /** Forgets cached files and exec credentials (after a 401, or when another kubeconfig is loaded). */
  forgetCredentials(): void {
    this.#files.clear();
    this.#exec.clear();
  }

  #execClusterInfo(cluster: ClusterEntry): ExecClusterInfo {
    const caData =
      cluster.caData ??
      (cluster.caFile
        ? this.#files.read(cluster.caFile, `certificate-authority of cluster "${cluster.name}"`).toString('base64')
        : undefined);
    return {
      server: cluster.server,
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(caData ? { 'certificate-authority-data': caData } : {}),
    };
  }
}

function readKubeconfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read kubeconfig ${path} (${code}); fix the path or pass another --kubeconfig`);
  }
}

function decodeBase64(value: string, what: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new Error(`${what} is not valid base64; it must hold the base64 of the PEM file`);
  }
  return Buffer.from(compact, 'base64');
}
