// ESO's Webhook generator: one HTTP call whose JSON answer becomes the generated keys. `url`, `body` and header
// values are Go templates over the data of `spec.secrets` (each Secret must carry the label
// `external-secrets.io/type: webhook`, as ESO enforces for generators); `result.jsonPath` picks the object out of
// the answer (a JSON string there is parsed again). Values come out as ESO's GetByteValue writes them: strings as
// they are, numbers without exponent, booleans as true/false, objects and arrays as Go's JSON, null as empty.
// A 404 means "does not exist", any other non-2xx answer is reported with its status and never with its body.
import type { WebhookSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { decodeCaBundle } from '../../providers/ca-bundle.js';
import {
  callWebhook,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  renderWebhookField,
  WebhookCallError,
  type WebhookTemplateData,
  webhookUrl,
} from '../../providers/webhook/call.js';
import { addTemplateSecret, isWebhookSecret, WEBHOOK_SECRET_LABEL } from '../../providers/webhook/secrets.js';
import { answerAsMap, WebhookAnswerError } from '../../providers/webhook/values.js';
import { parseGoDuration } from '../duration.js';
import { GeneratorError } from './errors.js';
import { readInputObject } from './inputs.js';

function invalid(message: string, cause?: unknown): GeneratorError {
  return new GeneratorError('Invalid', `Webhook generator: ${message}`, cause ? { cause } : undefined);
}

/** The generated map for an answer body; an answer that is not a JSON object is a configuration error. */
export function webhookResultMap(body: string, jsonPath: string | undefined): Record<string, Uint8Array> {
  try {
    return answerAsMap(body, jsonPath);
  } catch (error) {
    if (error instanceof WebhookAnswerError) throw invalid(error.message);
    throw error;
  }
}

function fromCallError(error: unknown): unknown {
  if (!(error instanceof WebhookCallError)) return error;
  const code = error.kind === 'config' ? 'Invalid' : 'Unavailable';
  return new GeneratorError(code, `Webhook generator: ${error.message}`);
}

async function templateData(
  client: KubeClient,
  namespace: string,
  spec: WebhookSpec,
  signal: AbortSignal | undefined,
): Promise<WebhookTemplateData> {
  const data: WebhookTemplateData = {};
  for (const [index, entry] of (spec.secrets ?? []).entries()) {
    const field = `spec.secrets[${index}]`;
    if (!entry?.name) throw invalid(`${field}.name is required`);
    const secretName = entry.secretRef?.name;
    if (!secretName) throw invalid(`${field}.secretRef.name is required`);
    const secret = await readInputObject(client, 'Secret', secretName, namespace, 'Webhook generator: Secret', signal);
    if (!isWebhookSecret(secret.metadata?.labels)) {
      throw invalid(
        `Secret "${secretName}" (${field}) needs the label ${WEBHOOK_SECRET_LABEL}: webhook before a webhook may read it`,
      );
    }
    const decoded = Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([key, encoded]) => [key, Buffer.from(encoded, 'base64')]),
    );
    addTemplateSecret(data, entry.name, decoded);
  }
  return data;
}

async function trustedCa(
  client: KubeClient,
  namespace: string,
  spec: WebhookSpec,
  signal: AbortSignal | undefined,
): Promise<Buffer | undefined> {
  if (spec.caBundle) {
    try {
      return decodeCaBundle(spec.caBundle, 'spec.caBundle');
    } catch (error) {
      throw invalid((error as Error).message);
    }
  }
  const provider = spec.caProvider;
  if (!provider) return undefined;
  if (provider.namespace && provider.namespace !== namespace) {
    throw invalid(
      `spec.caProvider.namespace "${provider.namespace}" differs from the namespace "${namespace}" the generator runs for; a generator reads only its own namespace`,
    );
  }
  if (!provider.key) throw invalid('spec.caProvider.key is required');
  const who = `Webhook generator: ${provider.type}`;
  const object = await readInputObject(client, provider.type, provider.name, namespace, who, signal);
  const raw = object.data?.[provider.key];
  if (raw === undefined) {
    throw invalid(`${provider.type} "${provider.name}" has no key "${provider.key}" (spec.caProvider.key)`);
  }
  const pem = provider.type === 'Secret' ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  try {
    return decodeCaBundle(pem.toString('utf8'), 'spec.caProvider');
  } catch (error) {
    throw invalid((error as Error).message);
  }
}

/** Runs the Webhook generator for an object in `namespace`. */
export async function generateWebhook(
  client: KubeClient,
  namespace: string,
  spec: Partial<WebhookSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.url) throw invalid('spec.url is required');
  const full = spec as WebhookSpec;
  let timeoutMs = DEFAULT_WEBHOOK_TIMEOUT_MS;
  if (full.timeout) {
    try {
      timeoutMs = parseGoDuration(full.timeout);
    } catch (error) {
      throw invalid(`spec.timeout: ${(error as Error).message}`);
    }
    if (timeoutMs <= 0) throw invalid('spec.timeout must be positive');
  }
  const data = await templateData(client, namespace, full, signal);
  try {
    const url = webhookUrl('spec.url', renderWebhookField('spec.url', full.url, data));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(full.headers ?? {})) {
      headers[name] = renderWebhookField(`spec.headers["${name}"]`, value, data);
    }
    const body = renderWebhookField('spec.body', full.body, data);
    const ca = url.protocol === 'https:' ? await trustedCa(client, namespace, full, signal) : undefined;
    const method = (full.method || 'GET').toUpperCase();
    const caFields = 'spec.caBundle or spec.caProvider';
    const answer = await callWebhook({ url, method, headers, body, ca, timeoutMs, signal, caFields });
    if (answer.status === 404) {
      throw new GeneratorError('NotFound', `Webhook generator: ${answer.where}: Secret does not exist (404)`);
    }
    if (answer.status < 200 || answer.status >= 300) {
      // The body may echo credentials or generated values; only the status is reported.
      throw new GeneratorError(
        'Unavailable',
        `Webhook generator: ${answer.where}: endpoint gave error ${answer.status}`,
      );
    }
    return webhookResultMap(answer.body, full.result?.jsonPath);
  } catch (error) {
    throw fromCallError(error);
  }
}
