// ESO's GCRAccessToken generator: an OAuth 2.0 access token for Google Container Registry and Artifact Registry, as
// the keys `username` (always `oauth2accesstoken`), `password` (the token) and `expiry` (Unix seconds). Credentials,
// in ESO's order: `auth.secretRef` names a service account key (JSON) in the referencing namespace, which signs a
// JWT bearer grant (RFC 7523) sent to the key's token_uri (Google's by default), as Go's oauth2/google does; without
// auth, the operator's own Application Default Credentials: a key file at GOOGLE_APPLICATION_CREDENTIALS, else the
// metadata server of the node (GCE/GKE; GCE_METADATA_HOST overrides its address). `auth.workloadIdentity` (a
// Kubernetes service account bound to a Google one on GKE) is not implemented yet and says so.
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { GCRAccessTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { callWebhook, WebhookCallError, webhookUrl } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';
import { readSecretKey } from './inputs.js';

const WHERE = 'GCRAccessToken generator';
export const GCR_USERNAME = 'oauth2accesstoken';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const DEFAULT_METADATA_HOST = 'metadata.google.internal';
const TIMEOUT_MS = 30_000;

interface ServiceAccountKey {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
}

interface TokenAnswer {
  access_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

const invalid = (message: string) => new GeneratorError('Invalid', `${WHERE}: ${message}`);
const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

function parseKey(json: string, where: string): { email: string; key: KeyObject; keyId?: string; tokenUri: string } {
  let parsed: ServiceAccountKey;
  try {
    parsed = JSON.parse(json) as ServiceAccountKey;
  } catch {
    throw invalid(`${where} is not a service account key (JSON)`);
  }
  if (parsed.type !== undefined && parsed.type !== 'service_account') {
    throw invalid(`${where} holds credentials of type "${parsed.type}"; a service account key is needed`);
  }
  if (!parsed.client_email || !parsed.private_key) {
    throw invalid(`${where} lacks client_email or private_key; download a JSON key of the service account`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(parsed.private_key);
  } catch {
    throw invalid(`${where}: private_key is not a PEM private key`);
  }
  return {
    email: parsed.client_email,
    key,
    keyId: parsed.private_key_id,
    tokenUri: parsed.token_uri || DEFAULT_TOKEN_URI,
  };
}

/** The signed assertion of the JWT bearer grant: the account asks for `scope` at `aud` for one hour. */
export function jwtBearerAssertion(
  email: string,
  key: KeyObject,
  keyId: string | undefined,
  aud: string,
  nowMs = Date.now(),
) {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(keyId ? { kid: keyId } : {}) }));
  const claims = base64url(JSON.stringify({ iss: email, scope: CLOUD_PLATFORM_SCOPE, aud, exp: now + 3600, iat: now }));
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
  return `${header}.${claims}.${base64url(signature)}`;
}

async function tokenCall(
  what: string,
  url: URL,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body: string },
  signal: AbortSignal | undefined,
): Promise<{ token: string; expiresAt: number }> {
  const startedAt = Date.now();
  let answer: { status: number; body: string };
  try {
    answer = await callWebhook({
      url,
      ...init,
      timeoutMs: TIMEOUT_MS,
      signal,
      caFields: 'the operator trust store (NODE_EXTRA_CA_CERTS)',
    });
  } catch (error) {
    if (error instanceof WebhookCallError) {
      throw new GeneratorError(
        error.kind === 'config' ? 'Invalid' : 'Unavailable',
        `${WHERE}: ${what}: ${error.message}`,
      );
    }
    throw error;
  }
  let parsed: TokenAnswer = {};
  try {
    parsed = JSON.parse(answer.body) as TokenAnswer;
  } catch {
    // An HTML error page: the status says enough.
  }
  if (answer.status !== 200) {
    const reason = [parsed.error, parsed.error_description].filter((p) => typeof p === 'string').join(': ');
    const code = answer.status >= 500 || answer.status === 429 ? 'Unavailable' : 'Invalid';
    throw new GeneratorError(
      code,
      `${WHERE}: ${what} answered ${answer.status}${reason ? `: ${reason.slice(0, 300)}` : ''}`,
    );
  }
  if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
    throw new GeneratorError('Unavailable', `${WHERE}: ${what} answered without an access_token`);
  }
  const seconds = typeof parsed.expires_in === 'number' ? parsed.expires_in : 0;
  return { token: parsed.access_token, expiresAt: startedAt + seconds * 1000 };
}

async function keyToken(json: string, where: string, signal: AbortSignal | undefined) {
  const { email, key, keyId, tokenUri } = parseKey(json, where);
  const url = webhookUrl('token_uri', tokenUri);
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: jwtBearerAssertion(email, key, keyId, tokenUri),
  }).toString();
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  return tokenCall(`the token endpoint ${url.origin} for ${email}`, url, { method: 'POST', headers, body }, signal);
}

/** Application Default Credentials of the operator: a key file, else the metadata server. */
async function defaultToken(signal: AbortSignal | undefined) {
  const file = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (file) {
    let json: string;
    try {
      json = await readFile(file, 'utf8');
    } catch {
      throw invalid(`GOOGLE_APPLICATION_CREDENTIALS names ${file}, which cannot be read`);
    }
    return keyToken(json, `GOOGLE_APPLICATION_CREDENTIALS (${file})`, signal);
  }
  const host = process.env.GCE_METADATA_HOST || DEFAULT_METADATA_HOST;
  const url = new URL(
    `http://${host}/computeMetadata/v1/instance/service-accounts/default/token?scopes=${encodeURIComponent(CLOUD_PLATFORM_SCOPE)}`,
  );
  const what = `the metadata server ${host} (no spec.auth: the operator's own credentials; set spec.auth.secretRef outside Google Cloud)`;
  return tokenCall(what, url, { method: 'GET', headers: { 'Metadata-Flavor': 'Google' }, body: '' }, signal);
}

export async function generateGCRAccessToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<GCRAccessTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  const auth = spec?.auth;
  let issued: { token: string; expiresAt: number };
  if (auth?.secretRef) {
    const ref = auth.secretRef.secretAccessKeySecretRef;
    if (!ref?.name || !ref.key) throw invalid('spec.auth.secretRef.secretAccessKeySecretRef needs name and key');
    const who = { generator: 'GCRAccessToken', field: 'spec.auth.secretRef.secretAccessKeySecretRef' };
    const json = await readSecretKey(client, { name: ref.name, key: ref.key }, namespace, who, signal);
    issued = await keyToken(json.toString('utf8'), `Secret "${ref.name}" key "${ref.key}"`, signal);
  } else if (auth?.workloadIdentity) {
    throw new GeneratorError(
      'Unsupported',
      `${WHERE}: spec.auth.workloadIdentity is not implemented by Custos yet; use spec.auth.secretRef (a service account key) or run the operator with Google credentials of its own`,
    );
  } else {
    issued = await defaultToken(signal);
  }
  return {
    username: utf8(GCR_USERNAME),
    password: utf8(issued.token),
    expiry: utf8(String(Math.floor(issued.expiresAt / 1000))),
  };
}
