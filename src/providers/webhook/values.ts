// How a webhook answer becomes secret data, with ESO's rules (providers/v1/webhook): for a map (dataFrom.extract,
// the Webhook generator) each field of the JSON object at result.jsonPath becomes a key, written as esutils'
// GetByteValue writes it; for one value (data[].remoteRef) the answer itself, or the value at result.jsonPath as
// its extractSecretData writes it (numbers rounded to integers, the first element of an array, objects as JSON).
import { formatFloatNoExponent, goByteValue, goMarshalHtml } from '../gojson.js';
import { JsonPathError, jsonPathGet } from './jsonpath.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** A webhook answer that cannot be turned into secret data; messages never quote the answer. */
export class WebhookAnswerError extends Error {
  override name = 'WebhookAnswerError';
}

/** One value answer, as extractSecretData writes it. */
export function singleValueBytes(value: unknown): Uint8Array {
  if (value === null || value === undefined) return bytes('');
  if (typeof value === 'string') return bytes(value);
  if (typeof value === 'boolean') return bytes(String(value));
  // strconv.FormatFloat(f, 'f', 0, 64): rounded to a whole number, halves to even as Go's formatting does.
  if (typeof value === 'number') return bytes(formatFloatNoExponent(roundHalfEven(value)));
  if (Array.isArray(value)) {
    if (value.length === 0) throw new WebhookAnswerError('result.jsonPath selected an empty array');
    return singleValueBytes(value[0]);
  }
  return bytes(goMarshalHtml(value));
}

function roundHalfEven(n: number): number {
  const floor = Math.floor(n);
  const diff = n - floor;
  let rounded = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  if (rounded === 0 && (n < 0 || Object.is(n, -0))) rounded = -0;
  return rounded;
}

function parseAnswer(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new WebhookAnswerError('the endpoint did not answer with JSON');
  }
}

function select(data: unknown, jsonPath: string): unknown {
  try {
    return jsonPathGet(jsonPath, data);
  } catch (error) {
    if (error instanceof JsonPathError) throw new WebhookAnswerError(`result.${error.message}`);
    throw error;
  }
}

/** A map answer: JSON, then jsonPath, then (for a string) JSON again; it must end up a JSON object. */
export function answerAsMap(body: string, jsonPath: string | undefined): Record<string, Uint8Array> {
  let data = parseAnswer(body);
  if (jsonPath) data = select(data, jsonPath);
  const where = `result.jsonPath ${jsonPath || '$'}`;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw new WebhookAnswerError(`the value at ${where} is a string that is not a JSON object`);
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const kind = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    throw new WebhookAnswerError(`the answer at ${where} is ${kind}; it must be a JSON object`);
  }
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [key, value] of Object.entries(data)) out[key] = goByteValue(value);
  return out;
}

/** A one-value answer: the body as it is without jsonPath, else the value at jsonPath. */
export function answerAsValue(body: string, jsonPath: string | undefined): Uint8Array {
  if (!jsonPath) return bytes(body);
  return singleValueBytes(select(parseAnswer(body), jsonPath));
}
