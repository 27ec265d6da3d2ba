// The Secrets a webhook may read and how they reach its templates, shared by the store provider and the generator:
// ESO lets a webhook read only Secrets labelled `external-secrets.io/type: webhook`, and each `secrets[]` entry puts
// that Secret's keys under its name (`{{ .<name>.<key> }}`).
import type { WebhookTemplateData } from './call.js';

export const WEBHOOK_SECRET_LABEL = 'external-secrets.io/type';

export function isWebhookSecret(labels: Record<string, string> | undefined): boolean {
  return labels?.[WEBHOOK_SECRET_LABEL] === 'webhook';
}

/** Adds a Secret's decoded keys under `name`; a second entry with the same name adds to the first. */
export function addTemplateSecret(data: WebhookTemplateData, name: string, values: Record<string, Buffer>): void {
  const target = data[name] ?? {};
  data[name] = target;
  for (const [key, bytes] of Object.entries(values)) target[key] = bytes.toString('utf8');
}
