// The status a ClusterExternalSecret reports (ESO's shape): the child name, the namespaces provisioned (sorted),
// the namespaces that failed with a reason (sorted), and one Ready condition — True, or False with
// "one or more namespaces failed". Status is written only when it differs from what is stored.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterExternalSecretStatus } from '../../api/generated/types.js';
import { NAMESPACES_FAILED_MESSAGE } from './resources.js';

export function buildStatus(
  externalSecretName: string,
  provisioned: Iterable<string>,
  failed: ReadonlyMap<string, string>,
): ClusterExternalSecretStatus {
  const provisionedNamespaces = [...new Set(provisioned)].sort();
  const failedNamespaces = [...failed.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, reason]) => ({ namespace, reason }));
  const ready =
    failedNamespaces.length === 0
      ? { type: 'Ready', status: 'True' }
      : { type: 'Ready', status: 'False', message: NAMESPACES_FAILED_MESSAGE };
  return {
    externalSecretName,
    ...(provisionedNamespaces.length > 0 ? { provisionedNamespaces } : {}),
    ...(failedNamespaces.length > 0 ? { failedNamespaces } : {}),
    conditions: [ready],
  };
}

/** Empty lists and absent lists are the same status. */
function normalize(status: ClusterExternalSecretStatus | undefined): ClusterExternalSecretStatus {
  const s = status ?? {};
  return {
    externalSecretName: s.externalSecretName ?? '',
    provisionedNamespaces: s.provisionedNamespaces ?? [],
    failedNamespaces: (s.failedNamespaces ?? []).map((f) => ({ namespace: f.namespace, reason: f.reason ?? '' })),
    conditions: (s.conditions ?? []).map((c) => ({ type: c.type, status: c.status, message: c.message ?? '' })),
  };
}

export function statusEqual(a: ClusterExternalSecretStatus | undefined, b: ClusterExternalSecretStatus): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

/** A JSON merge patch that replaces the whole status with `status` (absent lists are removed with null). */
export function statusPatch(status: ClusterExternalSecretStatus): { status: Record<string, unknown> } {
  return {
    status: {
      externalSecretName: status.externalSecretName,
      provisionedNamespaces: status.provisionedNamespaces ?? null,
      failedNamespaces: status.failedNamespaces ?? null,
      conditions: status.conditions ?? null,
    },
  };
}
