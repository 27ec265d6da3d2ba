// `custos status`: a readable table of ExternalSecrets and whether they are in sync.
//
//   custos status [-n NAMESPACE | -A] [--kubeconfig FILE] [-o table|json]
//
// Columns: NAMESPACE, NAME, STORE (kind/name of the store, or "generator"), REFRESH (refreshInterval, or the
// refreshPolicy when it is CreatedOnce/OnChange), STATUS (Ready, NotReady, Unknown, or Pending when the operator
// has not reported yet), REASON (the Ready condition's reason), LAST SYNC (age of status.refreshTime) and KEYS (how
// many keys its target Secret holds, from one list of the managed Secrets; only key names are kept, values are
// dropped at once; "?" when the Secrets may not be listed). Below the table, every ExternalSecret that is not
// Ready is listed with its condition message.
//
// Exit codes (for scripts and CI): 0 = every ExternalSecret listed is Ready (or there are none); 1 = at least one
// is not Ready; 2 = the cluster could not be asked (bad kubeconfig, unreachable API server, CRDs missing).
import { type Command, Option } from 'commander';
import type { ExternalSecret } from '../api/generated/types.js';
import { isNotFound, KubeClient, Kubeconfig, type KubeObject, Resources, type ResourceType } from '../kube/index.js';

export const ExternalSecrets: ResourceType = {
  group: 'external-secrets.io',
  version: 'v1',
  plural: 'externalsecrets',
  namespaced: true,
  kind: 'ExternalSecret',
};

export type SyncState = 'Ready' | 'NotReady' | 'Unknown' | 'Pending';

/** One ExternalSecret as `custos status` shows it (also the JSON output shape). */
export interface StatusRow {
  namespace: string;
  name: string;
  /** "ClusterSecretStore/name", "SecretStore/name", "generator", or "-". */
  store: string;
  refresh: string;
  ready: boolean;
  status: SyncState;
  reason: string;
  message: string;
  /** status.refreshTime (RFC 3339), or null if it never synced. */
  lastSync: string | null;
  /** Name of the target Secret (spec.target.name, or the ExternalSecret's name). */
  target: string;
  /** Key names of the target Secret (sorted); null when there is no such Secret; absent when not known. */
  keys?: string[] | null;
}

export interface ExternalSecretObject extends KubeObject {
  spec?: ExternalSecret['spec'];
  status?: ExternalSecret['status'];
}

export interface StatusOptions {
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  output?: 'table' | 'json';
}

/** Where the command writes and how it ends; replaced in tests. */
export interface StatusIo {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
  now(): number;
}

/** The real process: stdout, stderr, exit code and clock. */
export const processIo: StatusIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  now: () => Date.now(),
};

export function registerStatusCommand(program: Command, io: StatusIo = processIo): void {
  program
    .command('status')
    .description(
      'list ExternalSecrets with their store, refresh interval, sync status and last sync; ' +
        'exits 1 if any is not Ready, 2 if the cluster cannot be asked',
    )
    .option(
      '-n, --namespace <namespace>',
      'namespace to list (default: the kubeconfig context namespace, or "default")',
    )
    .option('-A, --all-namespaces', 'list ExternalSecrets in every namespace', false)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options: StatusOptions) => {
      io.setExitCode(await runStatus(options, io));
    });
}

/** Runs the command; returns the exit code. */
export async function runStatus(options: StatusOptions, io: StatusIo): Promise<number> {
  if (options.allNamespaces && options.namespace) {
    io.stderr('custos status: use either --namespace or --all-namespaces, not both\n');
    return 2;
  }
  let items: ExternalSecretObject[];
  let namespace: string | undefined;
  let secretKeys: SecretKeys | undefined;
  try {
    const kc = loadKubeconfig(options.kubeconfig);
    namespace = options.allNamespaces ? undefined : (options.namespace ?? contextNamespace(kc));
    const client = new KubeClient(kc, { userAgent: 'custos-status' });
    try {
      items = await listAll(client, namespace);
      secretKeys = await managedSecretKeys(client, namespace);
    } finally {
      client.close();
    }
  } catch (error) {
    io.stderr(`custos status: ${explain(error)}\n`);
    return 2;
  }
  const rows = items.map((es) => withKeys(toStatusRow(es), secretKeys)).sort(byNamespaceAndName);
  if (options.output === 'json') {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (rows.length === 0) {
    io.stderr(namespace ? `No ExternalSecrets found in namespace ${namespace}.\n` : 'No ExternalSecrets found.\n');
  } else {
    io.stdout(formatStatusTable(rows, io.now()));
  }
  return rows.every((row) => row.ready) ? 0 : 1;
}

/** The kubeconfig from this file, or from $KUBECONFIG, ~/.kube/config or the in-cluster account. */
export function loadKubeconfig(file: string | undefined): Kubeconfig {
  const kc = new Kubeconfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}

/** The namespace of the kubeconfig's current context, or "default". */
export function contextNamespace(kc: Kubeconfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

/** Every ExternalSecret in the namespace (all namespaces when undefined), read in pages of 500. */
export async function listAll(
  client: KubeClient,
  namespace: string | undefined,
  labelSelector?: string,
): Promise<ExternalSecretObject[]> {
  const items: ExternalSecretObject[] = [];
  let next: string | undefined;
  do {
    const page = await client.list<ExternalSecretObject>(ExternalSecrets, {
      namespace,
      labelSelector,
      limit: 500,
      continue: next,
    });
    items.push(...page.items);
    next = page.metadata?.continue || undefined;
  } while (next);
  return items;
}

/** Key names of the Secrets the operators manage, by "namespace/name"; undefined when they may not be listed. */
type SecretKeys = Map<string, string[]>;

async function managedSecretKeys(client: KubeClient, namespace: string | undefined): Promise<SecretKeys | undefined> {
  const keys: SecretKeys = new Map();
  let next: string | undefined;
  try {
    do {
      const page = await client.list<KubeObject & { data?: Record<string, string> }>(Resources.secrets, {
        namespace,
        labelSelector: 'reconcile.external-secrets.io/managed=true',
        limit: 500,
        continue: next,
      });
      // Only the key names survive this loop; the values are never kept or printed.
      for (const secret of page.items) {
        keys.set(`${secret.metadata?.namespace}/${secret.metadata?.name}`, Object.keys(secret.data ?? {}).sort());
      }
      next = page.metadata?.continue || undefined;
    } while (next);
  } catch {
    return undefined; // e.g. RBAC allows ExternalSecrets but not Secrets: the table still helps without KEYS
  }
  return keys;
}

function withKeys(row: StatusRow, secretKeys: SecretKeys | undefined): StatusRow {
  return secretKeys ? { ...row, keys: secretKeys.get(`${row.namespace}/${row.target}`) ?? null } : row;
}

/** An error from the API server in a sentence (a 404 means the CRDs are missing). */
export function explain(error: unknown): string {
  if (isNotFound(error)) {
    return 'the API server does not serve external-secrets.io/v1 ExternalSecrets; install the Custos (or ESO) CRDs first';
  }
  return error instanceof Error ? error.message : String(error);
}

export function byNamespaceAndName(
  a: { namespace: string; name: string },
  b: { namespace: string; name: string },
): number {
  return a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

/** How one ExternalSecret is summarised. */
export function toStatusRow(es: ExternalSecretObject): StatusRow {
  const spec = es.spec ?? {};
  const ready = es.status?.conditions?.find((c) => c.type === 'Ready');
  const status: SyncState = !ready
    ? 'Pending'
    : ready.status === 'True'
      ? 'Ready'
      : ready.status === 'False'
        ? 'NotReady'
        : 'Unknown';
  const message = ready
    ? oneLine(ready.message ?? '')
    : "no status yet: the operator has not processed this ExternalSecret (is it running, and is the store's controller class its own?)";
  return {
    namespace: es.metadata?.namespace ?? '',
    name: es.metadata?.name ?? '',
    store: storeOf(spec),
    refresh: refreshOf(spec),
    ready: status === 'Ready',
    status,
    reason: ready?.reason ?? '',
    message,
    lastSync: es.status?.refreshTime ?? null,
    target: spec.target?.name || es.metadata?.name || '',
  };
}

function storeOf(spec: NonNullable<ExternalSecretObject['spec']>): string {
  const ref = spec.secretStoreRef;
  if (ref?.name) return `${ref.kind || 'SecretStore'}/${ref.name}`;
  const usesGenerator = (spec.dataFrom ?? []).some((d) => d.sourceRef?.generatorRef);
  return usesGenerator ? 'generator' : '-';
}

function refreshOf(spec: NonNullable<ExternalSecretObject['spec']>): string {
  if (spec.refreshPolicy === 'CreatedOnce' || spec.refreshPolicy === 'OnChange') return spec.refreshPolicy;
  return spec.refreshInterval ?? '1h0m0s';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The table (and the not-ready details below it), kubectl style; `keys: false` leaves out the KEYS column. */
export function formatStatusTable(rows: StatusRow[], now: number, options: { keys?: boolean } = {}): string {
  const withKeys = options.keys !== false;
  const header = ['NAMESPACE', 'NAME', 'STORE', 'REFRESH', 'STATUS', 'REASON', 'LAST SYNC', 'KEYS'];
  if (!withKeys) header.pop();
  const cells = rows.map((r) => [
    r.namespace,
    r.name,
    r.store,
    r.refresh,
    r.status,
    r.reason || '-',
    r.lastSync ? formatAge(now - Date.parse(r.lastSync)) : 'never',
    ...(withKeys ? [r.keys === undefined ? '?' : r.keys === null ? '-' : String(r.keys.length)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: string[]) =>
    `${values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd()}\n`;
  let out = line(header) + cells.map(line).join('');
  const notReady = rows.filter((r) => !r.ready);
  if (notReady.length > 0) {
    out += `\n${notReady.length} of ${rows.length} not ready:\n`;
    for (const r of notReady)
      out += `  ${r.namespace}/${r.name}: ${r.message || `(no message; reason ${r.reason || 'none'})`}\n`;
  }
  return out;
}

/** A short human age ("45s", "3m20s", "5h", "12d"), like kubectl's AGE column. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  const years = Math.floor(days / 365);
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`;
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return two(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return two(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return two(days, 'd', hours % 24, 'h');
  if (days < 365 * 2) return `${days}d`;
  if (years < 8) return two(years, 'y', days % 365, 'd');
  return `${years}y`;
}
