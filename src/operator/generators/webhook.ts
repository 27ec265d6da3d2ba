// ESO's Webhook generator: one HTTP call whose JSON answer becomes the generated keys. `url`, `body` and header
// values are Go templates over the data of `spec.secrets` (each Secret must carry the label
// `external-secrets.io/type: webhook`, as ESO enforces for generators); `result.jsonPath` picks the object out of
// the answer (a JSON string there is parsed again). Values come out as ESO's GetByteValue writes them: strings as
// they are, numbers without exponent, booleans as true/false, objects and arrays as Go's JSON, null as empty.
// A 404 means "does not exist", any other non-2xx answer is reported with its status and never with its body.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookSpec } from '../../api/generated/types.js';
import { isNotFound, type KubeClient, type KubeObject, Resources } from '../../kube/index.js';
import { decodeCaBundle } from '../../providers/ca-bundle.js';
import { goMarshalHtmlEscaped } from '../../providers/gojson.js';
import { isTlsTrustError } from '../../providers/json-http.js';
import { JsonPathError, jsonPathGet } from '../../providers/webhook/jsonpath.js';
import { fromJsonData, renderTemplate, TemplateError } from '../../template/index.js';
import { parseGoDuration } from '../duration.js';
import { GeneratorError } from './errors.js';

export const WEBHOOK_SECRET_LABEL = 'external-secrets.io/type';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Answers larger than this are refused rather than buffered: a generated Secret is at most 1 MiB anyway. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

type TemplateData = Record<string, Record<string, string>>;

function invalid(message: string, cause?: unknown): GeneratorError {
  return new GeneratorError('Invalid', `Webhook generator: ${message}`, cause ? { cause } : undefined);
}

function unavailable(message: string): GeneratorError {
  return new GeneratorError('Unavailable', `Webhook generator: ${message}`);
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest digits that round-trip, never an exponent. */
export function formatFloatNoExponent(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const text = String(n);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent] = match as unknown as [string, string, string, string, string];
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** One answer field as bytes, the way ESO's GetByteValue writes it. */
export function webhookValueBytes(value: unknown): Uint8Array {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number') text = formatFloatNoExponent(value);
  else if (typeof value === 'boolean') text = String(value);
  else text = goMarshalHtmlEscaped(value); // ESO uses plain json.Marshal here, which escapes HTML
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** Turns the answer body into the generated map: JSON, then jsonPath, then (for a string) JSON again. */
export function webhookResultMap(body: string, jsonPath: string | undefined): Record<string, Uint8Array> {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw invalid('the endpoint did not answer with JSON');
  }
  if (jsonPath) {
    try {
      data = jsonPathGet(jsonPath, data);
    } catch (error) {
      if (error instanceof JsonPathError) throw invalid(`result.${error.message}`);
      throw error;
    }
  }
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw invalid(`the value at result.jsonPath ${jsonPath ?? '$'} is a string that is not a JSON object`);
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const kind = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    throw invalid(`the answer at result.jsonPath ${jsonPath ?? '$'} is ${kind}; it must be a JSON object`);
  }
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(data)) out[key] = webhookValueBytes(value);
  return out;
}

async function readObject(
  client: KubeClient,
  kind: 'Secret' | 'ConfigMap',
  name: string,
  namespace: string,
  signal: AbortSignal | undefined,
): Promise<KubeObject & { data?: Record<string, string> }> {
  const type = kind === 'Secret' ? Resources.secrets : Resources.configMaps;
  try {
    return await client.get(type, name, { namespace, signal });
  } catch (error) {
    if (isNotFound(error)) {
      throw new GeneratorError(
        'NotFound',
        `Webhook generator: ${kind} "${name}" not found in namespace "${namespace}"`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

async function templateData(
  client: KubeClient,
  namespace: string,
  spec: WebhookSpec,
  signal: AbortSignal | undefined,
): Promise<TemplateData> {
  const data: TemplateData = {};
  for (const [index, entry] of (spec.secrets ?? []).entries()) {
    const field = `spec.secrets[${index}]`;
    if (!entry?.name) throw invalid(`${field}.name is required`);
    const secretName = entry.secretRef?.name;
    if (!secretName) throw invalid(`${field}.secretRef.name is required`);
    const secret = await readObject(client, 'Secret', secretName, namespace, signal);
    const label = secret.metadata?.labels?.[WEBHOOK_SECRET_LABEL];
    if (label !== 'webhook') {
      throw invalid(
        `Secret "${secretName}" (${field}) needs the label ${WEBHOOK_SECRET_LABEL}: webhook before a webhook may read it`,
      );
    }
    const values = data[entry.name] ?? {};
    data[entry.name] = values;
    for (const [key, encoded] of Object.entries(secret.data ?? {})) {
      values[key] = Buffer.from(encoded, 'base64').toString('utf8');
    }
  }
  return data;
}

function render(field: string, text: string | undefined, data: TemplateData): string {
  if (!text) return '';
  try {
    // Secret values fill these templates, so errors must not quote data.
    return renderTemplate(field, text, fromJsonData(data), { redactValues: true });
  } catch (error) {
    if (error instanceof TemplateError) throw invalid(`${field}: ${error.message}`);
    throw error;
  }
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
  const object = await readObject(client, provider.type, provider.name, namespace, signal);
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

interface WebhookCall {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string;
  ca?: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

function send(call: WebhookCall): Promise<{ status: number; body: string }> {
  const requestFn = call.url.protocol === 'https:' ? httpsRequest : httpRequest;
  // Origin only: a path or query rendered from spec.secrets may hold a credential.
  const where = `${call.method} ${call.url.origin}`;
  return new Promise((resolve, reject) => {
    const req = requestFn(
      call.url,
      {
        method: call.method,
        headers: call.headers,
        timeout: call.timeoutMs,
        signal: call.signal,
        ...(call.ca ? { ca: call.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(unavailable(`${where} answered with more than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(unavailable(`${where} gave no answer within ${call.timeoutMs / 1000} s`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof GeneratorError) return reject(error);
      if (isTlsTrustError(error.code)) {
        return reject(
          invalid(
            `${where}: the server certificate is not trusted (${error.code}); set spec.caBundle or spec.caProvider`,
          ),
        );
      }
      reject(unavailable(`cannot reach ${where}: ${error.code ?? error.message}`));
    });
    req.end(call.body || undefined);
  });
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
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (full.timeout) {
    try {
      timeoutMs = parseGoDuration(full.timeout);
    } catch (error) {
      throw invalid(`spec.timeout: ${(error as Error).message}`);
    }
    if (timeoutMs <= 0) throw invalid('spec.timeout must be positive');
  }
  const data = await templateData(client, namespace, full, signal);
  const urlText = render('spec.url', full.url, data);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw invalid('spec.url does not render to an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`spec.url must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(full.headers ?? {})) {
    headers[name] = render(`spec.headers["${name}"]`, value, data);
  }
  const body = render('spec.body', full.body, data);
  const ca = url.protocol === 'https:' ? await trustedCa(client, namespace, full, signal) : undefined;
  const method = (full.method || 'GET').toUpperCase();
  const answer = await send({ url, method, headers, body, ca, timeoutMs, signal });
  const where = `${method} ${url.origin}`;
  if (answer.status === 404)
    throw new GeneratorError('NotFound', `Webhook generator: ${where}: Secret does not exist (404)`);
  if (answer.status < 200 || answer.status >= 300) {
    // The body may echo credentials or generated values; only the status is reported.
    throw unavailable(`${where}: endpoint gave error ${answer.status}`);
  }
  return webhookResultMap(answer.body, full.result?.jsonPath);
}
