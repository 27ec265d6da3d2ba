// Keys this ExternalSecret wrote earlier, read from the Secret's metadata.managedFields under its field manager
// (ESO removes them before applying the new state, so keys dropped from the spec disappear even with Merge).
export interface OwnedKeys {
  data: string[];
  labels: string[];
  annotations: string[];
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsV1?: Record<string, unknown>;
}

function fieldKeys(node: unknown): string[] {
  if (!node || typeof node !== 'object') return [];
  return Object.keys(node)
    .filter((k) => k.startsWith('f:'))
    .map((k) => k.slice(2));
}

export function ownedKeys(managedFields: unknown[] | undefined, fieldManager: string): OwnedKeys {
  const out: OwnedKeys = { data: [], labels: [], annotations: [] };
  for (const raw of managedFields ?? []) {
    const entry = raw as ManagedFieldsEntry;
    if (entry.manager !== fieldManager || !entry.fieldsV1) continue;
    const fields = entry.fieldsV1;
    out.data.push(...fieldKeys(fields['f:data']));
    const meta = fields['f:metadata'] as Record<string, unknown> | undefined;
    out.labels.push(...fieldKeys(meta?.['f:labels']));
    out.annotations.push(...fieldKeys(meta?.['f:annotations']));
  }
  return out;
}
