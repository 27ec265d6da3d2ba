// Runs client-go exec credential plugins (client.authentication.k8s.io/v1 and v1beta1) and caches what they
// print until its expirationTimestamp. Never puts the plugin's output in an error: it holds the credential.
import { execFile } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import type { ExecConfig } from './model.js';

export interface ExecCredentialStatus {
  token?: string;
  /** PEM. */
  clientCertificateData?: string;
  /** PEM. */
  clientKeyData?: string;
  expirationTimestamp?: string;
}

export interface ExecResult {
  /** Exit code; null when the process was killed (e.g. by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started (e.g. ENOENT). */
  spawnError?: NodeJS.ErrnoException;
}

/** Starts a program and collects its output; replaced in unit tests. */
export type ExecRunner = (command: string, args: string[], env: NodeJS.ProcessEnv) => Promise<ExecResult>;

const pluginTimeoutMs = 60_000;

export const runProcess: ExecRunner = (command, args, env) =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { env, timeout: pluginTimeoutMs, maxBuffer: 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (err && typeof err.code === 'string') {
          resolve({ code: null, stdout: '', stderr: '', spawnError: err });
          return;
        }
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      },
    );
  });

/** Cluster details handed to plugins that set provideClusterInfo (ExecCredential spec.cluster). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** base64 of the CA PEM. */
  'certificate-authority-data'?: string;
}

export interface ExecRequest {
  exec: ExecConfig;
  /** Names the user in errors. */
  describe: string;
  /** Relative commands with a slash (./bin/plugin) resolve against the kubeconfig's directory. */
  baseDir?: string;
  cluster: () => ExecClusterInfo;
}

export interface CachedCredential {
  status: ExecCredentialStatus;
  /** Epoch ms; undefined means valid until a 401 makes the caller forget it. */
  expiresAt?: number;
}

/** Runs the plugin once and checks what it printed. */
export async function runExecPlugin(
  request: ExecRequest,
  runner: ExecRunner = runProcess,
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<CachedCredential> {
  const { exec, describe } = request;
  const command =
    exec.command.includes('/') && !isAbsolute(exec.command) && request.baseDir
      ? join(request.baseDir, exec.command)
      : exec.command;
  const execInfo = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: request.cluster() } : {}) },
  };
  const env: NodeJS.ProcessEnv = { ...baseEnv, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo) };
  for (const { name, value } of exec.env) env[name] = value;
  const what = `exec credential plugin "${exec.command}" of ${describe}`;
  const result = await runner(command, exec.args, env);
  if (result.spawnError) {
    const hint = exec.installHint ? `; ${exec.installHint.trim()}` : '; install it or fix exec.command';
    const reason =
      result.spawnError.code === 'ENOENT' ? 'was not found' : `could not be run (${result.spawnError.code})`;
    throw new Error(`${what} ${reason}${hint}`);
  }
  if (result.code !== 0) {
    const firstLine = result.stderr.trim().split('\n')[0]?.slice(0, 300) ?? '';
    const how = result.code === null ? 'was killed (timeout?)' : `exited with code ${result.code}`;
    throw new Error(`${what} ${how}${firstLine ? `: ${firstLine}` : ''}`);
  }
  return parseExecCredential(result.stdout, exec.apiVersion, what);
}

function parseExecCredential(stdout: string, apiVersion: string, what: string): CachedCredential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`${what} did not print an ExecCredential as JSON`);
  }
  const doc = parsed as { apiVersion?: unknown; kind?: unknown; status?: unknown };
  if (typeof doc !== 'object' || doc === null || doc.kind !== 'ExecCredential') {
    throw new Error(`${what} printed JSON that is not an ExecCredential (kind must be ExecCredential)`);
  }
  if (doc.apiVersion !== apiVersion) {
    throw new Error(
      `${what} answered with apiVersion "${String(doc.apiVersion)}", but the kubeconfig asks for "${apiVersion}"`,
    );
  }
  const status = doc.status as ExecCredentialStatus | undefined;
  if (typeof status !== 'object' || status === null)
    throw new Error(`${what} printed an ExecCredential without status`);
  const hasCert = typeof status.clientCertificateData === 'string' && status.clientCertificateData !== '';
  const hasKey = typeof status.clientKeyData === 'string' && status.clientKeyData !== '';
  if (hasCert !== hasKey) {
    throw new Error(
      `${what} returned only one of status.clientCertificateData and status.clientKeyData; it needs both`,
    );
  }
  if (!(typeof status.token === 'string' && status.token) && !hasCert) {
    throw new Error(`${what} returned neither status.token nor a client certificate`);
  }
  let expiresAt: number | undefined;
  if (status.expirationTimestamp !== undefined) {
    expiresAt = Date.parse(String(status.expirationTimestamp));
    if (Number.isNaN(expiresAt)) {
      throw new Error(`${what} returned status.expirationTimestamp that is not an RFC 3339 time`);
    }
  }
  return {
    status: {
      token: status.token || undefined,
      clientCertificateData: hasCert ? status.clientCertificateData : undefined,
      clientKeyData: hasKey ? status.clientKeyData : undefined,
      expirationTimestamp: status.expirationTimestamp,
    },
    expiresAt,
  };
}

/** One credential per user: reused until it expires, one plugin run at a time. */
export class ExecCredentialCache {
  readonly #entries = new Map<string, CachedCredential>();
  readonly #pending = new Map<string, Promise<CachedCredential>>();

  constructor(
    private readonly now: () => number,
    private readonly runner: ExecRunner = runProcess,
  ) {}

  async get(key: string, request: ExecRequest): Promise<ExecCredentialStatus> {
    const cached = this.#entries.get(key);
    if (cached && (cached.expiresAt === undefined || cached.expiresAt > this.now())) return cached.status;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = runExecPlugin(request, this.runner).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const fresh = await pending;
    this.#entries.set(key, fresh);
    return fresh.status;
  }

  clear(): void {
    this.#entries.clear();
  }
}
