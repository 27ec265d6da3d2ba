// ESO's `webhook` provider: any HTTP(S) endpoint, reached with templated requests. `url`, `body`, header values
// and `result.jsonPath` are Go templates over `{{ .remoteRef.key }}` (also `.version`, `.property`,
// `.namespace`; query-escaped inside the URL) and the data of `spec.secrets` (`{{ .<name>.<key> }}`; each Secret
// must carry the label `external-secrets.io/type: webhook`). data[] reads the answer (or the value at
// result.jsonPath), dataFrom.extract the JSON object there; PushSecret sends the value (POST by default) with
// the value itself as the default body, and deletion sends DELETE. find is not supported (as in ESO).
import type { WebhookProvider as WebhookSpec } from '../../api/generated/types.js';
import { parseDuration } from '../../template/functions/dates-duration.js';
import { decodeCaBundle, readCaProvider } from '../ca-bundle.js';
import {
  type FetchedSecret,
  type FindRef,
  type NewClientOptions,
  type Provider,
  type PushRemoteRef,
  type PushSecretData,
  type PushSource,
  type RemoteRef,
  type SecretsClient,
  type StoreKind,
  type StoreObject,
  type StoreValidationResult,
  secretMapFromFetch,
  type Validation,
} from '../contract.js';
import { NoSecretError, ProviderConfigError, ProviderError, ProviderUnavailableError } from '../errors.js';
import { goMarshal, goQuote } from '../gojson.js';
import type { KubeTransport } from '../kubernetes/http.js';
import { operatorTransport, readSecret } from '../kubernetes/own-cluster.js';
import {
  callWebhook,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  renderWebhookField,
  type WebhookAnswer,
  WebhookCallError,
  type WebhookTemplateData,
  webhookUrl,
} from './call.js';
import { addTemplateSecret, isWebhookSecret, WEBHOOK_SECRET_LABEL } from './secrets.js';
import { answerAsMap, answerAsValue, WebhookAnswerError } from './values.js';

const FIELD = 'spec.provider.webhook';

function webhookSpecOf(store: Pick<StoreObject, 'spec'>): WebhookSpec {
  const spec = store.spec?.provider?.webhook;
  if (!spec) throw new ProviderConfigError(`missing store provider webhook: set ${FIELD}`);
  if (!spec.url) throw new ProviderConfigError(`${FIELD}.url is required`);
  return spec;
}

function timeoutOf(spec: WebhookSpec): number {
  if (!spec.timeout) return DEFAULT_WEBHOOK_TIMEOUT_MS;
  let ms: number;
  try {
    ms = Number(parseDuration(spec.timeout)) / 1e6;
  } catch (error) {
    throw new ProviderConfigError(`${FIELD}.timeout: ${(error as Error).message}`);
  }
  if (ms <= 0) throw new ProviderConfigError(`${FIELD}.timeout must be positive`);
  return ms;
}

function providerError(error: unknown): unknown {
  if (error instanceof WebhookCallError) {
    return error.kind === 'config'
      ? new ProviderConfigError(error.message)
      : new ProviderUnavailableError(error.message);
  }
  if (error instanceof WebhookAnswerError) return new ProviderError(`webhook answer: ${error.message}`);
  return error;
}

/**
 * Whether the request (url, headers, body) is the same whatever `remoteRef.property` is, so that data[] entries
 * reading properties of one key (told apart by a result.jsonPath that uses the property, e.g.
 * `$.data.{{ .remoteRef.property }}`) can share one request. Conservative: any mention of remoteRef besides
 * `.remoteRef.key`, `.remoteRef.version` and `.remoteRef.namespace`, or of "property", counts as using it.
 */
export function requestIgnoresProperty(spec: Pick<WebhookSpec, 'url' | 'body' | 'headers'>): boolean {
  const templates = [spec.url ?? '', spec.body ?? '', ...Object.values(spec.headers ?? {})];
  return templates.every((text) => {
    const rest = String(text).replace(/\.remoteRef\.(key|version|namespace)\b/g, '');
    return !/remoteRef|property/.test(rest);
  });
}

/** What a request adds to the templates besides the Secrets' data. */
type RemoteFields = Record<string, string>;

class WebhookSecretsClient implements SecretsClient {
  constructor(
    private readonly spec: WebhookSpec,
    private readonly storeKind: StoreKind,
    private readonly namespace: string,
    private readonly operator: KubeTransport,
    private readonly ca: Buffer | undefined,
    private readonly timeoutMs: number,
    private readonly apiCalls?: (call: string, failed: boolean) => void,
  ) {}

  /** `{{ .<name>.<key> }}` for each entry of spec.secrets, read (label checked) at every call as ESO does. */
  private async secretsData(): Promise<WebhookTemplateData> {
    const data: WebhookTemplateData = {};
    for (const [index, entry] of (this.spec.secrets ?? []).entries()) {
      const field = `${FIELD}.secrets[${index}]`;
      if (!entry?.name) throw new ProviderConfigError(`${field}.name is required`);
      if (!entry.secretRef?.name) {
        throw new ProviderConfigError(
          entry.serviceAccountRef
            ? `${field}.serviceAccountRef is not supported by Custos; use secretRef`
            : `${field}.secretRef.name is required`,
        );
      }
      const ref = { ...entry.secretRef, name: entry.secretRef.name };
      const namespace = this.storeKind === 'ClusterSecretStore' ? ref.namespace : this.namespace;
      if (!namespace) {
        throw new ProviderConfigError(`${field}.secretRef.namespace is required for a ClusterSecretStore`);
      }
      const secret = await readSecret(this.operator, namespace, ref.name, `reading ${field}`);
      if (!isWebhookSecret(secret.labels)) {
        throw new ProviderConfigError(
          `Secret "${namespace}/${ref.name}" (${field}) needs the label ${WEBHOOK_SECRET_LABEL}: webhook before a webhook store may read it`,
        );
      }
      addTemplateSecret(data, entry.name, secret.data);
    }
    return data;
  }

  /** Renders and sends one request; `remote` fills `.remoteRef` (query-escaped in the URL). */
  private async send(
    remote: RemoteFields,
    method: string,
    defaultBody = '',
    knownSecrets?: WebhookTemplateData,
  ): Promise<WebhookAnswer> {
    const secrets = knownSecrets ?? (await this.secretsData());
    const escaped = Object.fromEntries(Object.entries(remote).map(([k, v]) => [k, encodeURIComponent(v)]));
    const urlData = { ...secrets, remoteRef: escaped };
    const rawData = { ...secrets, remoteRef: remote };
    const url = webhookUrl(`${FIELD}.url`, renderWebhookField(`${FIELD}.url`, this.spec.url, urlData));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.spec.headers ?? {})) {
      headers[name] = renderWebhookField(`${FIELD}.headers["${name}"]`, value, rawData);
    }
    const body = renderWebhookField(`${FIELD}.body`, this.spec.body || defaultBody, rawData);
    try {
      const answer = await callWebhook({
        url,
        method,
        headers,
        body,
        ca: url.protocol === 'https:' ? this.ca : undefined,
        timeoutMs: this.timeoutMs,
        caFields: `${FIELD}.caBundle or ${FIELD}.caProvider`,
      });
      // ESO counts an answer of any status as a successful call; only no answer at all is an error.
      this.apiCalls?.('HTTPRequest', false);
      return answer;
    } catch (error) {
      this.apiCalls?.('HTTPRequest', true);
      throw error;
    }
  }

  /**
   * One request for ref; data[] and dataFrom.extract then read the answer at result.jsonPath, rendered with the
   * property they ask for. When the request itself does not use the property (requestIgnoresProperty), the
   * operator shares this answer between the properties of one key.
   */
  async fetchSecret(ref: RemoteRef): Promise<FetchedSecret> {
    const remote = {
      key: ref.key,
      version: ref.version ?? '',
      property: ref.property ?? '',
      namespace: this.namespace,
    };
    let secrets: WebhookTemplateData;
    let answer: WebhookAnswer;
    try {
      secrets = await this.secretsData(); // read once, for the request and for result.jsonPath
      answer = await this.send(remote, (this.spec.method || 'GET').toUpperCase(), '', secrets);
    } catch (error) {
      throw providerError(error);
    }
    if (answer.status === 404) throw new NoSecretError(`${answer.where} answered 404 for key "${ref.key}"`);
    if (answer.status < 200 || answer.status >= 300) {
      // The body may echo a credential; only the status is reported.
      throw new ProviderUnavailableError(`${answer.where}: endpoint gave error ${answer.status}`);
    }
    const at = <T>(property: string | undefined, read: (body: string, jsonPath: string) => T): T => {
      try {
        const jsonPath = renderWebhookField(`${FIELD}.result.jsonPath`, this.spec.result?.jsonPath, {
          ...secrets,
          remoteRef: { ...remote, property: property ?? '' },
        });
        return read(answer.body, jsonPath);
      } catch (error) {
        throw providerError(error);
      }
    };
    return {
      pick: (property) => at(property, answerAsValue),
      secretMap: (property) => at(property, answerAsMap),
    };
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return (await this.fetchSecret(ref)).pick(ref.property);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    return secretMapFromFetch(this.fetchSecret(ref), ref.property);
  }

  async getAllSecrets(_find: FindRef): Promise<Record<string, Uint8Array>> {
    throw new ProviderConfigError('the webhook provider does not support dataFrom.find (as in ESO); use extract');
  }

  async pushSecret(source: PushSource, data: PushSecretData): Promise<void> {
    const remoteKey = data.remoteRef.remoteKey;
    if (!remoteKey) throw new ProviderConfigError('remoteRef.remoteKey must be set to push to a webhook store');
    let value: string;
    if (data.secretKey) {
      const bytes = source.data[data.secretKey];
      if (bytes === undefined) {
        throw new ProviderConfigError(`the source Secret has no key "${data.secretKey}" (data[].match.secretKey)`);
      }
      value = Buffer.from(bytes).toString('utf8');
    } else {
      // The whole Secret as ESO sends it: a JSON object of the decoded values, keys sorted, HTML not escaped.
      value = goMarshal(source.data);
    }
    const remote: RemoteFields = { remoteKey, [remoteKey]: value };
    if (data.secretKey) remote.secretKey = data.secretKey;
    try {
      const method = (this.spec.method || 'POST').toUpperCase();
      // ESO's default body is `{{ .remoteRef.<remoteKey> }}`, which fails for keys such as "app-token"; `index`
      // reads the same field for every key.
      const answer = await this.send(remote, method, `{{ index .remoteRef ${goQuote(remoteKey)} }}`);
      if (answer.status < 200 || answer.status >= 300) {
        throw new ProviderUnavailableError(
          `failed to push webhook data: ${answer.where}: endpoint gave error ${answer.status}`,
        );
      }
    } catch (error) {
      throw providerError(error);
    }
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    try {
      const answer = await this.send({ remoteKey: ref.remoteKey }, 'DELETE');
      if (answer.status === 404) return;
      if (answer.status < 200 || answer.status >= 300) {
        throw new ProviderUnavailableError(`${answer.where}: delete endpoint gave error ${answer.status}`);
      }
    } catch (error) {
      throw providerError(error);
    }
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    try {
      await this.fetchSecret({ key: ref.remoteKey });
      return true;
    } catch (error) {
      if (error instanceof NoSecretError) return false;
      throw providerError(error);
    }
  }

  async validate(): Promise<Validation> {
    // ESO dials the URL's host; a templated URL is rendered without data for that.
    let url: URL;
    try {
      url = webhookUrl(`${FIELD}.url`, renderWebhookField(`${FIELD}.url`, this.spec.url, { remoteRef: {} }));
    } catch (error) {
      return { result: 'Error', message: (error as Error).message };
    }
    const { connect } = await import('node:net');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    return new Promise((resolve) => {
      const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port, timeout: 15_000 });
      const done = (validation: Validation) => {
        socket.destroy();
        resolve(validation);
      };
      socket.on('connect', () => done({ result: 'Ready' }));
      socket.on('timeout', () =>
        done({ result: 'Error', message: `${url.host} did not accept a connection within 15 s` }),
      );
      socket.on('error', (error: NodeJS.ErrnoException) =>
        done({ result: 'Error', message: `cannot connect to ${url.host}: ${error.code ?? error.message}` }),
      );
    });
  }

  async close(): Promise<void> {}
}

export class WebhookSecretsProvider implements Provider {
  readonly key = 'webhook';
  readonly capabilities = 'ReadWrite' as const;
  readonly maintained = true;
  readonly countsApiCalls = true;
  /** Properties of one key share one request when the request does not depend on the property. */
  readonly fetchesWholeSecrets = (store: Pick<StoreObject, 'spec'>): boolean => {
    const spec = store.spec?.provider?.webhook;
    return spec !== undefined && requestIgnoresProperty(spec);
  };

  async newClient({ store, namespace, kube, apiCalls }: NewClientOptions): Promise<SecretsClient> {
    const spec = webhookSpecOf(store);
    const using = store.kind === 'SecretStore' ? (store.namespace ?? namespace) : namespace;
    const operator = operatorTransport(kube.kubeConfig);
    let ca: Buffer | undefined;
    if (spec.caBundle) ca = decodeCaBundle(spec.caBundle, `${FIELD}.caBundle`);
    else if (spec.caProvider) {
      ca = await readCaProvider(
        { storeKind: store.kind, namespace: using, operator },
        spec.caProvider,
        `${FIELD}.caProvider`,
      );
    }
    return new WebhookSecretsClient(spec, store.kind, using, operator, ca, timeoutOf(spec), apiCalls);
  }

  validateStore(store: Pick<StoreObject, 'kind' | 'namespace' | 'spec'>): StoreValidationResult {
    const errors: string[] = [];
    const warnings: string[] = [];
    const spec = store.spec?.provider?.webhook;
    if (!spec) return { errors: [`${FIELD} is missing`], warnings };
    if (!spec.url) errors.push(`${FIELD}.url is required`);
    if (spec.timeout) {
      try {
        parseDuration(spec.timeout);
      } catch (error) {
        errors.push(`${FIELD}.timeout: ${(error as Error).message}`);
      }
    }
    if (spec.auth && Object.keys(spec.auth).length > 0) {
      errors.push(`${FIELD}.auth (NTLM) is not supported by Custos; send credentials with headers from spec.secrets`);
    }
    for (const [index, entry] of (spec.secrets ?? []).entries()) {
      if (entry.serviceAccountRef)
        errors.push(`${FIELD}.secrets[${index}].serviceAccountRef is not supported by Custos`);
      if (store.kind === 'ClusterSecretStore' && entry.secretRef && !entry.secretRef.namespace) {
        errors.push(`${FIELD}.secrets[${index}].secretRef.namespace is required for a ClusterSecretStore`);
      }
    }
    return { errors, warnings };
  }
}
