// A real HashiCorp Vault for the vault provider's tests: tools/vault-dev (Vault v1.21.4's core and HTTP API in
// memory, like `vault server -dev`: unsealed, a known root token, KV v2 at secret/, the kv engine and the
// kubernetes, jwt/oidc, approle, userpass, cert and ldap auth methods available to mount).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callJson, freePort, type JsonReply } from './e2e-processes.js';
import { repoRoot } from './template-corpus.js';

export const vaultVersion = 'v1.21.4';

/**
 * Builds (or finds in the cache) the vault-dev binary and returns its path; undefined when Go is not installed.
 * A failed build with Go present throws: that is a broken tool, not a missing one.
 */
export function buildVault(): string | undefined {
  const r = spawnSync('bash', [join(repoRoot, 'tools', 'vault-dev', 'build.sh')], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  if (r.status === 3) return undefined;
  if (r.status !== 0) throw new Error(`vault-dev build failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  const binary = r.stdout.trim().split('\n').pop();
  if (!binary) throw new Error('vault-dev build printed no path');
  return binary;
}

/** The binary, or why the tests skip. Under CI=true a missing Go is a failure, not a skip. */
export function vaultBuildOrSkip(): { binary?: string; skip?: string } {
  const binary = buildVault();
  if (binary) return { binary };
  if (process.env.CI === 'true') throw new Error('CI needs Go to build the real Vault (tools/vault-dev/build.sh)');
  return { skip: 'Go is not installed, so the real Vault cannot be built (install Go to run)' };
}

export interface VaultOptions {
  /** Serve HTTPS with this PEM certificate and key; `ca` (default: `cert`) is what request() trusts. */
  tls?: { cert: string; key: string; ca?: string };
  /** The root token's id (default: a fixed dev token). */
  rootToken?: string;
  /** The binary to run (default: buildVault()'s). */
  binary?: string;
}

export interface VaultServer {
  /** http(s)://127.0.0.1:PORT, without a trailing slash. */
  address: string;
  rootToken: string;
  pid: number;
  /** What the server wrote on stderr so far (warnings and errors). */
  logs(): string;
  /** One call to Vault's API with the root token; `path` is below /v1/ ("sys/mounts/kv1"; "/v1/..." also works). */
  request(method: string, path: string, body?: unknown, token?: string): Promise<JsonReply>;
  /** SIGTERM (SIGKILL after 10 s); resolves when the process is gone. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Whatever happens to the test, no Vault outlives the test process.
  process.on('exit', () => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/**
 * Starts a Vault on a free port and resolves once it reports itself initialized and unsealed. A free port can be
 * taken by another process before Vault binds it (test files run in parallel): another one is then tried.
 */
export async function startVault(options: VaultOptions = {}): Promise<VaultServer> {
  const binary = options.binary ?? buildVault();
  if (!binary) throw new Error('Go is not installed, so the real Vault cannot be built');
  const tlsDir = options.tls ? mkdtempSync(join(tmpdir(), 'custos-vault-tls-')) : undefined;
  const tlsArgs: string[] = [];
  if (options.tls && tlsDir) {
    writeFileSync(join(tlsDir, 'cert.pem'), options.tls.cert);
    writeFileSync(join(tlsDir, 'key.pem'), options.tls.key, { mode: 0o600 });
    tlsArgs.push('-tls-cert', join(tlsDir, 'cert.pem'), '-tls-key', join(tlsDir, 'key.pem'));
  }
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(binary, options, tlsArgs);
      } catch (error) {
        if (attempt < 4 && /address already in use/.test((error as Error).message)) continue;
        throw error;
      }
    }
  } finally {
    // Vault reads the files at start-up; nothing needs them afterwards.
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  }
}

async function startOnce(binary: string, options: VaultOptions, tlsArgs: string[]): Promise<VaultServer> {
  installExitHook();
  const rootToken = options.rootToken ?? 'custos-dev-root';
  const listen = `127.0.0.1:${await freePort()}`;
  const child = spawn(binary, ['-listen', listen, '-root-token', rootToken, ...tlsArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8');
  child.stdout?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-200_000);
  });
  // 'error' without 'exit' is a process that never started (no binary): nothing to wait for then either.
  const exited = new Promise<void>((resolve) => {
    const gone = () => {
      running.delete(child);
      resolve();
    };
    child.once('exit', gone);
    child.once('error', gone);
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const alive = () => !spawnError && child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (alive()) child.kill('SIGTERM');
    const timer = setTimeout(() => alive() && child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vault-dev printed no VAULT_READY in 60 s:\n${stderr}`)), 60_000);
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^VAULT_READY (\S+)$/m.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        const how = spawnError?.message ?? `exited (${child.exitCode ?? child.signalCode})`;
        reject(new Error(`vault-dev ${how} before serving:\n${stderr}`));
      });
    });
    const ca = options.tls ? (options.tls.ca ?? options.tls.cert) : undefined;
    const request = (method: string, path: string, body?: unknown, token = rootToken) => {
      const below = path.replace(/^\/+/, '').replace(/^v1\//, '');
      return callJson(`${address}/v1/${below}`, { method, body, token, ca });
    };
    // VAULT_READY comes after unsealing; checking health anyway proves the HTTP API answers as a client sees it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const health = await request('GET', 'sys/health').catch((error: Error) => ({ status: 0, body: error.message }));
      if (health.status === 200 && health.body?.initialized === true && health.body?.sealed === false) break;
      if (!alive() || Date.now() > deadline) {
        throw new Error(`Vault at ${address} is not healthy (${JSON.stringify(health.body)}):\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { address, rootToken, pid: child.pid as number, logs: () => stderr, request, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
