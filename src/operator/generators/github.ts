// ESO's GithubAccessToken generator: a GitHub App installation token under the key `token`. The App's private
// key (PEM, PKCS#1 or PKCS#8 RSA) is read from a Secret of the referencing namespace, signs a short JWT
// (RS256, iss = appID, issued 10 s in the past, valid 5 minutes, as ESO does), and that JWT asks
// POST <url>/app/installations/<installID>/access_tokens for a token, optionally narrowed to `repositories` and
// `permissions`. Errors carry GitHub's own message (never a key or a token).
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import type { GithubAccessTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { callWebhook, WebhookCallError, webhookUrl } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';
import { readSecretKey } from './inputs.js';

export const DEFAULT_GITHUB_API = 'https://api.github.com';
const TIMEOUT_MS = 30_000;

function invalid(message: string): GeneratorError {
  return new GeneratorError('Invalid', `GithubAccessToken generator: ${message}`);
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The App JWT GitHub expects: RS256 over {iss, iat, exp}. */
export function githubAppJwt(appId: string, key: KeyObject, nowMs: number = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ iss: appId, exp: now + 300, iat: now - 10 }));
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
  return `${header}.${claims}.${base64url(signature)}`;
}

function parseRsaKey(pem: Buffer, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw invalid(`${where} does not hold a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalid(`${where} holds a key of type ${key.asymmetricKeyType ?? 'unknown'}; GitHub Apps use RSA keys`);
  }
  return key;
}

async function readPrivateKey(
  client: KubeClient,
  namespace: string,
  spec: GithubAccessTokenSpec,
  signal: AbortSignal | undefined,
): Promise<KeyObject> {
  const ref = spec.auth?.privateKey?.secretRef;
  if (!ref?.name || !ref.key) throw invalid('spec.auth.privateKey.secretRef needs name and key');
  const who = { generator: 'GithubAccessToken', field: 'spec.auth.privateKey' };
  const pem = await readSecretKey(client, { name: ref.name, key: ref.key }, namespace, who, signal);
  return parseRsaKey(pem, `Secret "${ref.name}" key "${ref.key}"`);
}

function githubMessage(body: string): string | undefined {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    return typeof message === 'string' ? message.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

export async function generateGithubAccessToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<GithubAccessTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.appID) throw invalid('spec.appID is required');
  if (!spec.installID) throw invalid('spec.installID is required');
  if (!/^\d+$/.test(spec.installID)) throw invalid(`spec.installID "${spec.installID}" must be a number`);
  const full = spec as GithubAccessTokenSpec;
  const key = await readPrivateKey(client, namespace, full, signal);
  const base = (full.url || DEFAULT_GITHUB_API).replace(/\/+$/, '');
  const payload: Record<string, unknown> = {};
  if (full.permissions && Object.keys(full.permissions).length > 0) payload.permissions = full.permissions;
  if (full.repositories && full.repositories.length > 0) payload.repositories = full.repositories;
  try {
    const url = webhookUrl('spec.url', `${base}/app/installations/${full.installID}/access_tokens`);
    const answer = await callWebhook({
      url,
      method: 'POST',
      headers: {
        Authorization: `Bearer ${githubAppJwt(full.appID, key)}`,
        Accept: 'application/vnd.github.v3+json',
        'User-Agent': 'custos-operator',
        ...(Object.keys(payload).length > 0 ? { 'Content-Type': 'application/json' } : {}),
      },
      body: Object.keys(payload).length > 0 ? JSON.stringify(payload) : '',
      timeoutMs: TIMEOUT_MS,
      signal,
      caFields: 'the operator trust store (NODE_EXTRA_CA_CERTS)',
    });
    if (answer.status >= 300 || answer.status < 200) {
      const message = githubMessage(answer.body);
      const code = answer.status === 404 ? 'NotFound' : answer.status < 500 ? 'Invalid' : 'Unavailable';
      throw new GeneratorError(
        code,
        `GithubAccessToken generator: GitHub answered ${answer.status}${message ? `: ${message}` : ''} (installation ${full.installID}, app ${full.appID})`,
      );
    }
    let token: unknown;
    try {
      token = (JSON.parse(answer.body) as { token?: unknown }).token;
    } catch {
      throw invalid('GitHub did not answer with JSON');
    }
    if (typeof token !== 'string' || token === '') throw invalid('the answer has no token');
    return { token: new Uint8Array(Buffer.from(token, 'utf8')) };
  } catch (error) {
    if (error instanceof WebhookCallError) {
      throw new GeneratorError(
        error.kind === 'config' ? 'Invalid' : 'Unavailable',
        `GithubAccessToken generator: ${error.message}`,
      );
    }
    throw error;
  }
}
