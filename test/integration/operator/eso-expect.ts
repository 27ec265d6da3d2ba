// How ESO's e2e framework compares a synced Secret with the expected one (eso.md section 7, equalSecrets): exact
// type, labels without managed/created-by, annotations without data-hash, and data.
import { decode, type SecretObject } from './harness.js';

const IGNORED_LABELS = ['reconcile.external-secrets.io/managed', 'reconcile.external-secrets.io/created-by'];
const IGNORED_ANNOTATIONS = ['reconcile.external-secrets.io/data-hash'];

export function comparable(secret: SecretObject | undefined) {
  if (!secret) return undefined;
  const strip = (map: Record<string, string> | undefined, ignored: string[]) =>
    Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => !ignored.includes(k)));
  return {
    type: secret.type,
    labels: strip(secret.metadata?.labels, IGNORED_LABELS),
    annotations: strip(secret.metadata?.annotations, IGNORED_ANNOTATIONS),
    data: decode(secret.data),
  };
}
