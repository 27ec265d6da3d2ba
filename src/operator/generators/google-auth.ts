// Google credentials of the GCRAccessToken generator, as Go's oauth2/google gets them for ESO: a service account key
// signs a JWT bearer grant (RFC 7523) sent to the key's token_uri (Google's by default); the operator's own
// Application Default Credentials are a key file at GOOGLE_APPLICATION_CREDENTIALS, else the metadata server of the
// node (GCE_METADATA_HOST overrides its address). Every call answers a token and the instant it expires.
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { callWebhook, WebhookCallError, webhookUrl } from '../../providers/webhook/call.js';
import { GeneratorError } from './errors.js';
import { answerField, callTokenEndpoint, type TokenEndpointRequest } from './token-endpoint.js';

export const WHERE = 'GCRAccessToken generator';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const DEFAULT_METADATA_HOST = 'metadata.google.internal';

/** host[:port] of the metadata server (GCE_METADATA_HOST, as Google's libraries read it). */
export const metadataHost = () => process.env.GCE_METADATA_HOST || DEFAULT_METADATA_HOST;

interface ServiceAccountKey {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
}

export const invalid = (message: string) => new GeneratorError('Invalid', `${WHERE}: ${message}`);
const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

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

/** Where a token endpoint puts the token and its lifetime (OAuth's names, or IAM Credentials' camel case). */
export interface TokenFields {
  token: string;
  /** Seconds from now. */
  expiresIn?: string;
  /** An RFC 3339 instant. */
  expireTime?: string;
}
const OAUTH_FIELDS: TokenFields = { token: 'access_token', expiresIn: 'expires_in' };

export async function tokenCall(
  what: string,
  url: URL,
  request: TokenEndpointRequest,
  signal: AbortSignal | undefined,
  fields: TokenFields = OAUTH_FIELDS,
): Promise<{ token: string; expiresAt: number }> {
  const answer = await callTokenEndpoint(WHERE, what, url, request, signal);
  const token = answerField(WHERE, what, answer, fields.token);
  if (fields.expireTime) {
    const at = Date.parse(String(answer.body[fields.expireTime] ?? ''));
    return { token, expiresAt: Number.isNaN(at) ? answer.sentAt : at };
  }
  const seconds = Number(answer.body[fields.expiresIn ?? 'expires_in'] ?? 0);
  return { token, expiresAt: answer.sentAt + (Number.isFinite(seconds) ? seconds : 0) * 1000 };
}

export async function keyToken(json: string, where: string, signal: AbortSignal | undefined) {
  const { email, key, keyId, tokenUri } = parseKey(json, where);
  const url = webhookUrl('token_uri', tokenUri);
  const form = {
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: jwtBearerAssertion(email, key, keyId, tokenUri),
  };
  return tokenCall(`the token endpoint ${url.origin} for ${email}`, url, { method: 'POST', form }, signal);
}

/** Application Default Credentials of the operator: a key file, else the metadata server. */
export async function defaultToken(signal: AbortSignal | undefined) {
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
  const host = metadataHost();
  const url = new URL(
    `http://${host}/computeMetadata/v1/instance/service-accounts/default/token?scopes=${encodeURIComponent(CLOUD_PLATFORM_SCOPE)}`,
  );
  const what = `the metadata server ${host} (no spec.auth: the operator's own credentials; set spec.auth.secretRef outside Google Cloud)`;
  return tokenCall(what, url, { method: 'GET', headers: { 'Metadata-Flavor': 'Google' } }, signal);
}

/** One value of the metadata server (e.g. project/project-id), or undefined when it has none or cannot be reached. */
export async function metadataValue(path: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  try {
    const answer = await callWebhook({
      url: new URL(`http://${metadataHost()}/computeMetadata/v1/${path}`),
      method: 'GET',
      headers: { 'Metadata-Flavor': 'Google' },
      body: '',
      timeoutMs: 5_000,
      signal,
      caFields: 'the operator trust store (NODE_EXTRA_CA_CERTS)',
    });
    return answer.status === 200 && answer.body.trim() ? answer.body.trim() : undefined;
  } catch (error) {
    if (error instanceof WebhookCallError) return undefined;
    throw error;
  }
}
