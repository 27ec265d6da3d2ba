// Reads and writes Secrets of one namespace ("remoteNamespace") with the store's identity, with the semantics of
// ESO's providers/v1/kubernetes/client.go. A missing remote Secret is told apart as ESO does: getSecretMap
// (dataFrom[].extract) throws NoSecretError, which the operator may skip under deletionPolicy Delete/Merge, but
// getSecret (data[]) throws a plain ProviderError (ESO returns the API's NotFound there), so the ExternalSecret
// fails with SecretSyncedError and its target Secret is kept: renaming or deleting a remote Secret by mistake must
// never delete the user's Secret or strip its keys.
import { emptyMap, fromUtf8, utf8 } from '../bytes.js';
import {
  type FetchedSecret,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type PushSource,
  type RemoteRef,
  type SecretsClient,
  type StoreKind,
  secretMapFromFetch,
  type Validation,
} from '../contract.js';
import { MissingSecretError, NoSecretError, ProviderConfigError, ProviderError } from '../errors.js';
import { compileNameMatcher } from '../find-name.js';
import { GjsonPathError, type GjsonResult, gjsonGet } from '../gjson.js';
import { goMarshal } from '../gojson.js';
import { convertKeys } from '../keys.js';
import type { RemoteAccess } from './auth.js';
import { type KubeRequest, type KubeResponse, kubeCall, responseError } from './http.js';
import { labelSelectorFromTags } from './labels.js';
import { parsePushMetadata, pushedMetadata } from './push-metadata.js';

/** A Secret as the API returns it (data base64-encoded). */
export interface SecretObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    [field: string]: unknown;
  };
  type?: string;
  data?: Record<string, string>;
  [field: string]: unknown;
}

const enc = encodeURIComponent;
const LIST_PAGE = 500;

function decodeData(secret: SecretObject): Record<string, Uint8Array> {
  const out = emptyMap<Uint8Array>();
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

/** ESO marshals Secret data as map[string]string: each value is the bytes read as a (possibly invalid) string. */
function dataAsJson(secret: SecretObject): Uint8Array {
  return utf8(goMarshal(decodeData(secret)));
}

function gjson(json: string, path: string): GjsonResult {
  try {
    return gjsonGet(json, path);
  } catch (error) {
    if (error instanceof GjsonPathError) throw new ProviderConfigError(error.message);
    throw error;
  }
}

/** `property` without metadataPolicy: an exact data key first ("file.png"), else `<key>.<gjson path>`. */
function fromSecretData(secret: SecretObject, property: string): Uint8Array | undefined {
  const data = decodeData(secret);
  const exact = data[property];
  if (exact) return exact;
  const dot = property.indexOf('.');
  if (dot <= 0 || dot === property.length - 1) return undefined;
  const value = data[property.slice(0, dot)];
  if (!value) return undefined;
  const result = gjson(fromUtf8(value), property.slice(dot + 1));
  return result.exists ? utf8(result.value) : undefined;
}

/**
 * `property` with metadataPolicy Fetch: `labels` / `annotations` (as JSON), `labels.<name>`, or
 * `labels.<name>.<gjson path>` — where ESO joins the remaining segments without dots, kept for compatibility.
 */
function fromSecretMetadata(secret: SecretObject, property: string): Uint8Array | undefined {
  const path = property.split('.');
  const source = path[0] === 'labels' ? 'labels' : path[0] === 'annotations' ? 'annotations' : undefined;
  if (!source) return undefined;
  const map = secret.metadata[source];
  if (path.length === 1) return utf8(goMarshal(map ?? null));
  const value = map?.[path[1] as string];
  if (value === undefined) return undefined;
  if (path.length === 2) return utf8(value);
  const result = gjson(value, path.slice(2).join(''));
  return result.exists ? utf8(result.value) : undefined;
}

function metadataAsJson(secret: SecretObject): Uint8Array {
  return utf8(goMarshal({ labels: secret.metadata.labels ?? null, annotations: secret.metadata.annotations ?? null }));
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * getSecretMap with `property` (ESO getPropertyMap): the property selects one entry (dots first read as part of
 * the key), whose value must be a JSON object; each field becomes a key whose value is the field's JSON text —
 * so strings keep their quotes, exactly as ESO returns them.
 */
function propertyMap(key: string, property: string, source: Record<string, Uint8Array>): Record<string, Uint8Array> {
  // ESO marshals map[string][]byte, i.e. values as base64 strings, and runs gjson over that document.
  const doc = goMarshal(
    Object.fromEntries(Object.entries(source).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  );
  const lookup = (path: string): Record<string, Uint8Array> | undefined => {
    const result = gjson(doc, path);
    if (!result.exists) return undefined;
    const b64 = result.value.replace(/[\r\n]/g, '');
    if (b64.length % 4 !== 0 || !STD_BASE64.test(b64)) {
      throw new ProviderError(`property ${property} of key ${key} is not a single value (illegal base64 data)`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
    } catch {
      // Never include the parser's message: it can quote the secret.
      throw new ProviderError('failed to unmarshal secret: invalid JSON format');
    }
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ProviderError('failed to unmarshal secret: invalid JSON format');
    }
    const out = emptyMap<Uint8Array>();
    for (const [k, v] of Object.entries((parsed ?? {}) as Record<string, unknown>)) out[k] = utf8(goMarshal(v));
    return out;
  };
  const found = (property.includes('.') ? lookup(property.replaceAll('.', '\\.')) : undefined) ?? lookup(property);
  if (!found) throw new ProviderError(`property ${property} does not exist in key ${key}`);
  return found;
}

/** ESO's names for the kubernetes provider's API calls (its metric's `call` label). */
export type KubernetesApiCall =
  | 'GetSecret'
  | 'ListSecrets'
  | 'CreateSecret'
  | 'UpdateSecret'
  | 'DeleteSecret'
  | 'CreateSelfSubjectRulesReview'
  | 'CreateSelfSubjectAccessReview';

export interface KubernetesClientOptions {
  access: RemoteAccess;
  remoteNamespace: string;
  apiCalls?(call: KubernetesApiCall, failed: boolean): void;
  storeKind: StoreKind;
}

export class KubernetesSecretsClient implements SecretsClient {
  private readonly access: RemoteAccess;
  private readonly remoteNamespace: string;
  private readonly storeKind: StoreKind;
  private readonly apiCalls: KubernetesClientOptions['apiCalls'];

  constructor(options: KubernetesClientOptions) {
    this.access = options.access;
    this.remoteNamespace = options.remoteNamespace;
    this.storeKind = options.storeKind;
    this.apiCalls = options.apiCalls;
  }

  /** One API request, counted under ESO's name for it (any answer but 2xx counts as failed, as in ESO). */
  private async call(req: KubeRequest, name: KubernetesApiCall): Promise<KubeResponse> {
    let res: KubeResponse;
    try {
      res = await kubeCall(this.access.transport, req);
    } catch (error) {
      this.apiCalls?.(name, true);
      throw error;
    }
    this.apiCalls?.(name, res.status < 200 || res.status >= 300);
    if (res.status === 401) this.access.onUnauthorized();
    return res;
  }

  private fail(res: KubeResponse, action: string): ProviderError {
    return responseError(this.access.transport, res, action);
  }

  private secretPath(name: string, namespace = this.remoteNamespace): string {
    return `/api/v1/namespaces/${enc(namespace)}/secrets${name ? `/${enc(name)}` : ''}`;
  }

  /** The Secret, or undefined when it does not exist. */
  private async read(name: string, namespace = this.remoteNamespace): Promise<SecretObject | undefined> {
    if (!name) throw new ProviderConfigError('the remote key (a Secret name) is empty');
    const res = await this.call({ method: 'GET', path: this.secretPath(name, namespace) }, 'GetSecret');
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.fail(res, `cannot get Secret "${name}" in namespace "${namespace}"`);
    return res.body as SecretObject;
  }

  /** One GET of the remote Secret; every property of it, and its map for dataFrom[].extract, come from that. */
  async fetchSecret(ref: RemoteRef): Promise<FetchedSecret> {
    const secret = await this.read(ref.key);
    if (!secret) {
      // Not NoSecretError: as in ESO, a data[] entry whose Secret is missing fails the sync instead of being
      // skipped. ESO's GetSecretMap (dataFrom[].extract) does report NoSecretError.
      throw new MissingSecretError(
        `secrets "${ref.key}" not found in namespace "${this.remoteNamespace}" (the store's remoteNamespace): ` +
          'create the Secret there or fix remoteRef.key',
        new NoSecretError(`Secret "${ref.key}" not found in namespace "${this.remoteNamespace}"`),
      );
    }
    const fetchMetadata = ref.metadataPolicy === 'Fetch';
    return {
      pick: (property) => {
        if (!property) return fetchMetadata ? metadataAsJson(secret) : dataAsJson(secret);
        const value = fetchMetadata ? fromSecretMetadata(secret, property) : fromSecretData(secret, property);
        if (value) return value;
        throw new ProviderError(
          `property ${property} does not exist in ${fetchMetadata ? 'metadata' : 'data'} of secret "${ref.key}"`,
        );
      },
      secretMap: (property) => {
        const source = fetchMetadata
          ? Object.assign(emptyMap<Uint8Array>(), {
              labels: utf8(goMarshal(secret.metadata.labels ?? null)),
              annotations: utf8(goMarshal(secret.metadata.annotations ?? null)),
            })
          : decodeData(secret);
        return property ? propertyMap(ref.key, property, source) : source;
      },
    };
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return (await this.fetchSecret(ref)).pick(ref.property);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    return secretMapFromFetch(this.fetchSecret(ref), ref.property);
  }

  private async list(labelSelector?: string): Promise<SecretObject[]> {
    const items: SecretObject[] = [];
    let next: string | undefined;
    do {
      const res = await this.call(
        {
          method: 'GET',
          path: this.secretPath(''),
          query: { labelSelector, limit: String(LIST_PAGE), continue: next },
        },
        'ListSecrets',
      );
      if (res.status !== 200) throw this.fail(res, `unable to list secrets in namespace "${this.remoteNamespace}"`);
      const body = res.body as { items?: SecretObject[]; metadata?: { continue?: string } };
      items.push(...(body.items ?? []));
      next = body.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  /** find.tags (a label selector; `{}` selects all) or find.name.regexp; find.path is ignored, as in ESO. */
  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array>> {
    let secrets: SecretObject[];
    if (find.tags) {
      secrets = await this.list(labelSelectorFromTags(find.tags));
    } else if (find.name) {
      const matches = compileNameMatcher(find.name.regexp ?? '');
      secrets = (await this.list()).filter((s) => matches(s.metadata.name));
    } else {
      throw new ProviderConfigError('find needs name.regexp or tags with the kubernetes provider');
    }
    const out = emptyMap<Uint8Array>();
    for (const secret of secrets) out[secret.metadata.name] = dataAsJson(secret);
    return convertKeys(find.conversionStrategy, out);
  }

  async pushSecret(source: PushSource, data: PushSecretData): Promise<void> {
    const { remoteKey, property } = data.remoteRef;
    if (!property && data.secretKey) {
      throw new ProviderConfigError('requires property in RemoteRef to push secret value if secret key is defined');
    }
    const meta = parsePushMetadata(data.metadata);
    let namespace = this.remoteNamespace;
    if (meta?.remoteNamespace) {
      if (this.storeKind !== 'ClusterSecretStore') {
        throw new ProviderConfigError('remoteNamespace override is only supported with ClusterSecretStore');
      }
      namespace = meta.remoteNamespace;
    }

    const existing = await this.read(remoteKey, namespace);
    const remoteData = existing ? decodeData(existing) : emptyMap<Uint8Array>();
    let newData: Record<string, Uint8Array>;
    if (!property) {
      newData = Object.assign(emptyMap<Uint8Array>(), source.data);
    } else {
      newData = remoteData;
      newData[property] = data.secretKey
        ? (source.data[data.secretKey] ?? new Uint8Array(0))
        : utf8(goMarshal(source.data));
    }
    const { labels, annotations } = pushedMetadata(
      { labels: source.labels, annotations: source.annotations },
      { labels: existing?.metadata.labels, annotations: existing?.metadata.annotations },
      meta,
    );
    const encoded = Object.fromEntries(Object.entries(newData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    const desired: SecretObject = {
      ...(existing ?? { apiVersion: 'v1', kind: 'Secret' }),
      metadata: { ...(existing?.metadata ?? {}), name: remoteKey, namespace, labels, annotations },
      type: source.type || 'Opaque',
      data: encoded,
    };
    if (!existing) {
      const res = await this.call(
        { method: 'POST', path: this.secretPath('', namespace), body: desired },
        'CreateSecret',
      );
      if (res.status !== 201 && res.status !== 200) {
        throw this.fail(res, `cannot create Secret "${remoteKey}" in namespace "${namespace}"`);
      }
      return;
    }
    if (sameSecret(existing, desired)) return;
    const res = await this.call(
      { method: 'PUT', path: this.secretPath(remoteKey, namespace), body: desired },
      'UpdateSecret',
    );
    if (res.status !== 200) throw this.fail(res, `cannot update Secret "${remoteKey}" in namespace "${namespace}"`);
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    const secret = await this.read(ref.remoteKey);
    if (!secret) return;
    if (ref.property) {
      const data = secret.data ?? {};
      if (!Object.hasOwn(data, ref.property)) return;
      if (Object.keys(data).length > 1) {
        const { [ref.property]: _removed, ...rest } = data;
        const res = await this.call(
          {
            method: 'PUT',
            path: this.secretPath(ref.remoteKey),
            body: { ...secret, data: rest },
          },
          'UpdateSecret',
        );
        if (res.status !== 200) throw this.fail(res, `cannot update Secret "${ref.remoteKey}"`);
        return;
      }
    }
    const res = await this.call({ method: 'DELETE', path: this.secretPath(ref.remoteKey) }, 'DeleteSecret');
    if (res.status !== 200 && res.status !== 202 && res.status !== 404) {
      throw this.fail(res, `cannot delete Secret "${ref.remoteKey}" in namespace "${this.remoteNamespace}"`);
    }
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    const secret = await this.read(ref.remoteKey);
    if (!secret) return false;
    return ref.property ? Object.hasOwn(secret.data ?? {}, ref.property) : true;
  }

  /** ESO: SelfSubjectRulesReview for get on secrets in remoteNamespace, then a SelfSubjectAccessReview. */
  async validate(): Promise<Validation> {
    const unknown = (error: unknown): Validation => ({
      result: 'Unknown',
      message: `could not verify if client is valid: ${(error as Error).message}`,
    });
    try {
      const rules = await this.call(
        {
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectRulesReview',
            spec: { namespace: this.remoteNamespace },
          },
        },
        'CreateSelfSubjectRulesReview',
      );
      if (rules.status !== 201 && rules.status !== 200) return unknown(this.fail(rules, 'SelfSubjectRulesReview'));
      const resourceRules =
        (
          rules.body as {
            status?: { resourceRules?: { verbs?: string[]; apiGroups?: string[]; resources?: string[] }[] };
          }
        ).status?.resourceRules ?? [];
      const allows = resourceRules.some(
        (r) =>
          (r.resources?.includes('secrets') || r.resources?.includes('*')) &&
          (r.verbs?.includes('get') || r.verbs?.includes('*')) &&
          (!r.apiGroups?.length || r.apiGroups.includes('') || r.apiGroups.includes('*')),
      );
      if (allows) return { result: 'Ready' };
      const access = await this.call(
        {
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { resource: 'secrets', namespace: this.remoteNamespace, verb: 'get' } },
          },
        },
        'CreateSelfSubjectAccessReview',
      );
      if (access.status !== 201 && access.status !== 200) return unknown(this.fail(access, 'SelfSubjectAccessReview'));
      if ((access.body as { status?: { allowed?: boolean } }).status?.allowed) return { result: 'Ready' };
      return {
        result: 'Error',
        message: `client is not allowed to get secrets: grant ${this.access.transport.describe} get on secrets in namespace "${this.remoteNamespace}"`,
      };
    } catch (error) {
      return unknown(error);
    }
  }

  async close(): Promise<void> {}
}

/** Like apimachinery's semantic equality for the fields a push sets: absent and empty maps are equal. */
function sameSecret(a: SecretObject, b: SecretObject): boolean {
  const same = (x: Record<string, string> | undefined, y: Record<string, string> | undefined) => {
    const xk = Object.keys(x ?? {});
    const yk = Object.keys(y ?? {});
    return xk.length === yk.length && xk.every((k) => Object.hasOwn(y ?? {}, k) && y?.[k] === x?.[k]);
  };
  return (
    (a.type ?? 'Opaque') === (b.type ?? 'Opaque') &&
    same(a.data, b.data) &&
    same(a.metadata.labels, b.metadata.labels) &&
    same(a.metadata.annotations, b.metadata.annotations)
  );
}
