// Status of an ExternalSecret, shaped exactly as ESO writes it: one Ready condition whose lastTransitionTime
// changes only when its status flips, refreshTime, syncedResourceVersion and binding.
import type { ExternalSecretStatus, ExternalSecretStatusCondition } from '../../api/generated/types.js';

export function setReadyCondition(
  conditions: ExternalSecretStatusCondition[] | undefined,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: Date,
): ExternalSecretStatusCondition[] {
  const current = (conditions ?? []).find((c) => c.type === 'Ready');
  const others = (conditions ?? []).filter((c) => c.type !== 'Ready');
  const lastTransitionTime =
    current && current.status === status && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(now);
  return [...others, { type: 'Ready', status, reason, message, lastTransitionTime }];
}

/** Kubernetes metav1.Time: RFC 3339 in seconds. */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function canonical(status: ExternalSecretStatus | undefined): string {
  const s = status ?? {};
  return JSON.stringify({
    refreshTime: s.refreshTime ?? null,
    syncedResourceVersion: s.syncedResourceVersion ?? '',
    conditions: (s.conditions ?? []).map((c) => [
      c.type,
      c.status,
      c.reason ?? '',
      c.message ?? '',
      c.lastTransitionTime ?? '',
    ]),
    binding: s.binding?.name ?? '',
  });
}

export function statusEqual(a: ExternalSecretStatus | undefined, b: ExternalSecretStatus | undefined): boolean {
  return canonical(a) === canonical(b);
}

export function readyOf(status: ExternalSecretStatus | undefined): ExternalSecretStatusCondition | undefined {
  return status?.conditions?.find((c) => c.type === 'Ready');
}
