// ESO's VaultDynamicSecret generator: one request to a Vault path (GET by default; LIST, DELETE, or a write with
// `parameters` for any other method) with the store-style `provider` spec, and the answer's `data` (Data), its
// `auth` section (Auth, e.g. auth/token/create) or all of it (Raw) as the generated keys, written as ESO's
// GetByteValue writes them. References in `provider.auth` are read in the namespace of the referencing object.
// Each generation logs in afresh, as ESO does: a dynamic secret's lease is bound to the token that asked for it,
// so a credential made with a shared, older token would be revoked when that token expires, long before its own TTL.
import type { VaultDynamicSecretSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { ProviderConfigError, ProviderUnavailableError } from '../../providers/errors.js';
import { goByteValue, goByteValueOfNode } from '../../providers/gojson.js';
import { type JsonNode, parseJson } from '../../providers/json-spans.js';
import { TokenCache } from '../../providers/token-cache.js';
import { connectVault } from '../../providers/vault/connect.js';
import { type VaultResponse, vaultErrorText } from '../../providers/vault/http.js';
import type { VaultSession } from '../../providers/vault/session.js';
import { GeneratorError } from './errors.js';

const WHERE = 'VaultDynamicSecret generator';

function invalid(message: string): GeneratorError {
  return new GeneratorError('Invalid', `${WHERE}: ${message}`);
}

/** The Go client's struct fields of an answer's `auth` section, in its JSON names and zero values. */
function authSection(auth: Record<string, unknown>): Record<string, unknown> {
  return {
    client_token: auth.client_token ?? '',
    accessor: auth.accessor ?? '',
    policies: auth.policies ?? null,
    token_policies: auth.token_policies ?? null,
    identity_policies: auth.identity_policies ?? null,
    metadata: auth.metadata ?? null,
    orphan: auth.orphan ?? false,
    entity_id: auth.entity_id ?? '',
    lease_duration: auth.lease_duration ?? 0,
    renewable: auth.renewable ?? false,
    mfa_requirement: auth.mfa_requirement ?? null,
  };
}

/** The whole answer as the Go client's Secret struct marshals it (auth, wrap_info and mount_type only when set). */
function rawSection(answer: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    request_id: answer.request_id ?? '',
    lease_id: answer.lease_id ?? '',
    lease_duration: answer.lease_duration ?? 0,
    renewable: answer.renewable ?? false,
    data: answer.data ?? null,
    warnings: answer.warnings ?? null,
  };
  if (answer.auth && typeof answer.auth === 'object') out.auth = authSection(answer.auth as Record<string, unknown>);
  if (answer.wrap_info && typeof answer.wrap_info === 'object') {
    const wrap = answer.wrap_info as Record<string, unknown>;
    out.wrap_info = {
      token: wrap.token ?? '',
      accessor: wrap.accessor ?? '',
      ttl: wrap.ttl ?? 0,
      creation_time: wrap.creation_time ?? '0001-01-01T00:00:00Z',
      creation_path: wrap.creation_path ?? '',
      wrapped_accessor: wrap.wrapped_accessor ?? '',
    };
  }
  if (typeof answer.mount_type === 'string' && answer.mount_type) out.mount_type = answer.mount_type;
  return out;
}

function fieldsOf(section: unknown): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = Object.create(null);
  if (!section || typeof section !== 'object') return out;
  for (const [key, value] of Object.entries(section)) out[key] = goByteValue(value);
  return out;
}

/** The answer's `data` with numbers as Vault wrote them (the Go client keeps them as json.Number). */
function dataFields(text: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = Object.create(null);
  const root = parseJson(text);
  if (root.kind !== 'object') return out;
  let data: JsonNode | undefined;
  for (const [k, v] of root.entries) if (k === 'data') data = v;
  if (data?.kind !== 'object') return out;
  for (const [key, node] of data.entries) out[key] = goByteValueOfNode(text, node);
  return out;
}

const hasEntries = (value: unknown) =>
  Array.isArray(value) ? value.length > 0 : !!value && typeof value === 'object' && Object.keys(value).length > 0;

async function send(session: VaultSession, spec: VaultDynamicSecretSpec, path: string): Promise<VaultResponse> {
  const method = (spec.method ?? '').toUpperCase();
  if (method === '' || method === 'GET') return session.call({ method: 'GET', path, call: 'ReadSecretData' });
  if (method === 'LIST') return session.call({ method: 'GET', path, query: { list: 'true' }, call: 'ListSecrets' });
  if (method === 'DELETE') return session.call({ method: 'DELETE', path, call: 'DeleteSecret' });
  // Vault's Go client writes with PUT whatever method the spec names.
  return session.call({ method: 'PUT', path, body: spec.parameters ?? {}, call: 'WriteSecretData' });
}

function loginError(error: unknown): unknown {
  if (error instanceof ProviderConfigError) return new GeneratorError('Invalid', `${WHERE}: ${error.message}`);
  if (error instanceof ProviderUnavailableError) return new GeneratorError('Unavailable', `${WHERE}: ${error.message}`);
  return error;
}

export async function generateVaultDynamicSecret(
  client: KubeClient,
  namespace: string,
  spec: Partial<VaultDynamicSecretSpec> | undefined,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.provider) throw invalid('spec.provider is required (the Vault server and how to log in)');
  if (!spec.path) throw invalid('spec.path is required, e.g. database/creds/app');
  const path = spec.path.replace(/^\/+/, '');
  let session: VaultSession;
  let res: VaultResponse;
  try {
    session = await connectVault({
      spec: spec.provider,
      field: 'spec.provider',
      storeKind: 'SecretStore',
      namespace,
      kubeConfig: client.kubeConfig,
      retrySettings: spec.retrySettings,
      tokens: new TokenCache(),
      now: Date.now,
    });
    res = await send(session, spec as VaultDynamicSecretSpec, path);
  } catch (error) {
    throw loginError(error);
  }
  const text = res.text ?? '';
  const method = (spec.method || 'GET').toUpperCase();
  const isRead = method === 'GET' || method === 'LIST';
  if (res.status >= 400 && !(res.status === 404 && isRead)) {
    const code = res.status === 429 || res.status >= 500 ? 'Unavailable' : 'Invalid';
    throw new GeneratorError(
      code,
      `${WHERE}: Vault at ${session.server} answered ${method} ${path} with ${vaultErrorText(res)} (HTTP ${res.status})`,
    );
  }
  let answer: Record<string, unknown> | undefined;
  try {
    answer = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    throw new GeneratorError('Unavailable', `${WHERE}: Vault's answer for ${path} is not JSON`);
  }
  // Vault's Go client: a read of a missing path is no answer unless it carries data or warnings.
  if (res.status === 404 && answer && !hasEntries(answer.data) && !hasEntries(answer.warnings)) answer = undefined;
  if (!answer || typeof answer !== 'object') {
    if (spec.allowEmptyResponse) return Object.create(null);
    throw new GeneratorError(
      'Unavailable',
      `${WHERE}: unable to get dynamic secret: empty response from Vault for ${path}`,
    );
  }
  const resultType = spec.resultType ?? 'Data';
  if (resultType === 'Data') return dataFields(text);
  if (resultType === 'Auth') {
    return answer.auth && typeof answer.auth === 'object'
      ? fieldsOf(authSection(answer.auth as Record<string, unknown>))
      : fieldsOf(null);
  }
  return fieldsOf(rawSection(answer));
}
