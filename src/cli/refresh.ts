// `custos refresh`: ESO's force-sync (`kubectl annotate es NAME force-sync=$(date +%s) --overwrite`) as one command
// that can also wait for the result, for CI pipelines after rotating a secret.
//
//   custos refresh [NAME...] [-n NAMESPACE | -A] [-l SELECTOR] [--store NAME] [--wait] [--timeout 60s]
//                  [--kubeconfig FILE] [-o table|json]
//
// Each selected ExternalSecret gets a JSON merge patch setting metadata.annotations["force-sync"] to a new value;
// any change of its annotations makes the operator (Custos's or ESO's) refresh it at once. With --wait the command
// then polls the ExternalSecrets until each has a result after the patch:
// * synced: Ready=True and status.syncedResourceVersion equals resourceVersionOf(generation, labels, annotations)
//   of the patched object, which the operator writes only after a successful sync of that version;
// * failed: a Ready=False condition that differs from the one before the patch (a failed sync keeps the old
//   syncedResourceVersion and refreshTime, so the condition is the only trace);
// * still failing: it was already Ready=False and nothing changed within SETTLE_MS of the patch. The operator does
//   not rewrite a status that would stay the same, so a retry that fails exactly as before leaves no trace; after
//   that grace period the old failure is taken as the answer;
// * timeout: none of the above before --timeout (no operator running, a store of another controller class, ...).
// The result is the `custos status` table (without KEYS: this command never reads Secrets).
//
// Exit codes: 0 = everything refreshed (and, with --wait, Ready after its sync), or nothing matched; 1 = with
// --wait, at least one is not Ready after its refresh; 2 = the command could not do its work (bad flags, bad
// kubeconfig, unreachable API server, CRDs missing, a named ExternalSecret that does not exist, a failed patch);
// 3 = --timeout passed while some ExternalSecrets had no result yet (they are named on stderr).
import { type Command, Option } from 'commander';
import type { ExternalSecretStatusCondition } from '../api/generated/types.js';
import { isNotFound, KubeClient } from '../kube/index.js';
import { parseGoDuration } from '../operator/duration.js';
import { resourceVersionOf } from '../operator/externalsecret/hash.js';
import { lastRefreshOf, shouldRefresh } from '../operator/externalsecret/refresh.js';
import {
  byNamespaceAndName,
  contextNamespace,
  type ExternalSecretObject,
  ExternalSecrets,
  explain,
  formatStatusTable,
  listAll,
  loadKubeconfig,
  processIo,
  type StatusIo,
  type StatusRow,
  toStatusRow,
} from './status.js';

/** The annotation ESO's documentation uses for a forced sync (any annotation change would do). */
export const FORCE_SYNC_ANNOTATION = 'force-sync';
/** How often --wait looks at the ExternalSecrets. */
export const POLL_MS = 500;
/** How long an ExternalSecret that was already failing may show the same failure before that is the answer. */
export const SETTLE_MS = 5000;
/** Patches sent at once (the client's rate limiter spaces them further). */
const PATCH_CONCURRENCY = 8;
/** Up to this many pending ExternalSecrets are polled one by one; more are listed. */
const GET_LIMIT = 20;

export interface RefreshOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  store?: string;
  wait?: boolean;
  timeout?: string;
  kubeconfig?: string;
  output?: 'table' | 'json';
}

/** Where the command writes, how it ends and how it waits; replaced in tests. */
export interface RefreshIo extends StatusIo {
  sleep(ms: number): Promise<void>;
}

/** How --wait paces itself; replaced in unit tests. */
export interface RefreshTiming {
  pollMs: number;
  settleMs: number;
}

/** What became of one ExternalSecret after its refresh (--wait). */
export type RefreshOutcome = 'synced' | 'failed' | 'still-failing' | 'timeout' | 'deleted';

/** One row of `custos refresh --wait -o json`: the `custos status` row and the outcome. */
export interface RefreshRow extends StatusRow {
  outcome: RefreshOutcome;
}

const processRefreshIo: RefreshIo = {
  ...processIo,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function registerRefreshCommand(
  program: Command,
  io: RefreshIo = processRefreshIo,
  timing: RefreshTiming = { pollMs: POLL_MS, settleMs: SETTLE_MS },
): void {
  program
    .command('refresh')
    .argument('[names...]', 'ExternalSecrets to refresh (default: all in the namespace, or those -l/--store select)')
    .description(
      'make ExternalSecrets sync now (the force-sync annotation); with --wait, wait for the result and show it as ' +
        '`custos status` does. Exits 1 if any is not Ready after --wait, 2 on errors, 3 on timeout',
    )
    .option(
      '-n, --namespace <namespace>',
      'namespace of the ExternalSecrets (default: the kubeconfig context namespace, or "default")',
    )
    .option('-A, --all-namespaces', 'select ExternalSecrets in every namespace', false)
    .option('-l, --selector <selector>', 'label selector, e.g. app=api,tier!=dev')
    .option('--store <name>', 'only ExternalSecrets that read from the SecretStore or ClusterSecretStore of this name')
    .option('--wait', 'wait until each has synced (or failed) after the refresh', false)
    .option('--timeout <duration>', 'how long --wait waits, as a Go duration', '60s')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (names: string[], options: RefreshOptions) => {
      io.setExitCode(await runRefresh(names, options, io, timing));
    });
}

/** Runs the command; returns the exit code. */
export async function runRefresh(
  names: string[],
  options: RefreshOptions,
  io: RefreshIo,
  timing: RefreshTiming = { pollMs: POLL_MS, settleMs: SETTLE_MS },
): Promise<number> {
  const fail = (message: string) => {
    io.stderr(`custos refresh: ${message}\n`);
    return 2;
  };
  const wanted = [...new Set(names)];
  if (options.allNamespaces && options.namespace) return fail('use either --namespace or --all-namespaces, not both');
  if (wanted.length > 0 && options.allNamespaces) {
    return fail('ExternalSecrets named on the command line are looked up in one namespace; drop --all-namespaces');
  }
  if (wanted.length > 0 && (options.selector || options.store)) {
    return fail('name ExternalSecrets or select them with --selector/--store, not both');
  }
  let timeoutMs = 0;
  if (options.wait) {
    try {
      timeoutMs = parseGoDuration(options.timeout ?? '60s');
    } catch (error) {
      return fail(`--timeout: ${(error as Error).message}`);
    }
    if (!(timeoutMs > 0)) return fail('--timeout must be more than 0');
  }

  let client: KubeClient;
  let namespace: string | undefined;
  try {
    const kc = loadKubeconfig(options.kubeconfig);
    namespace = options.allNamespaces ? undefined : (options.namespace ?? contextNamespace(kc));
    client = new KubeClient(kc, { userAgent: 'custos-refresh' });
  } catch (error) {
    return fail(explain(error));
  }
  try {
    // 1. Select.
    let selected: ExternalSecretObject[];
    try {
      if (wanted.length > 0) {
        const found = await getNamed(client, namespace ?? 'default', wanted);
        if (found.missing.length > 0) {
          for (const name of found.missing)
            io.stderr(`custos refresh: ExternalSecret ${namespace}/${name} not found\n`);
          return fail('nothing was refreshed');
        }
        selected = found.items;
      } else {
        selected = (await listAll(client, namespace, options.selector || undefined)).filter(
          (es) => !options.store || readsFromStore(es, options.store),
        );
      }
    } catch (error) {
      return fail(explain(error));
    }
    selected.sort((a, b) => byNamespaceAndName(rowKey(a), rowKey(b)));

    // 2. Leave out those the operator would not refresh (they would only make --wait time out).
    const now = io.now();
    const toRefresh: ExternalSecretObject[] = [];
    for (const es of selected) {
      const why = notRefreshable(es, now);
      if (why) io.stderr(`custos refresh: skipping ${keyOf(es)}: ${why}\n`);
      else toRefresh.push(es);
    }
    if (toRefresh.length === 0) {
      if (options.output === 'json') io.stdout('[]\n');
      if (selected.length === 0) io.stderr(`No ExternalSecrets found${describeSelection(namespace, options)}.\n`);
      return 0;
    }

    // 3. Patch.
    const patched = await mapLimit(toRefresh, PATCH_CONCURRENCY, async (es) => {
      const value = forceSyncValue(es.metadata?.annotations?.[FORCE_SYNC_ANNOTATION], io.now());
      try {
        const after = await client.patch<ExternalSecretObject>(
          ExternalSecrets,
          es.metadata?.name ?? '',
          { metadata: { annotations: { [FORCE_SYNC_ANNOTATION]: value } } },
          { namespace: es.metadata?.namespace },
        );
        return { es: after, value, at: io.now(), error: undefined };
      } catch (error) {
        const message = isNotFound(error) ? 'deleted before it could be refreshed' : explain(error);
        return { es, value, at: io.now(), error: message };
      }
    });
    const done = patched.filter((p) => p.error === undefined);
    const failedPatches = patched.filter((p) => p.error !== undefined);
    for (const p of failedPatches) io.stderr(`custos refresh: ${keyOf(p.es)}: ${p.error}\n`);

    if (!options.wait || failedPatches.length > 0) {
      if (options.output === 'json') {
        const out = done.map((p) => ({
          namespace: p.es.metadata?.namespace ?? '',
          name: p.es.metadata?.name ?? '',
          forceSync: p.value,
        }));
        io.stdout(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        for (const p of done) io.stdout(`refreshed ${keyOf(p.es)}\n`);
      }
      return failedPatches.length > 0 ? 2 : 0;
    }

    // 4. Wait.
    const waited = await waitForResults(client, done, {
      namespace,
      selector: wanted.length > 0 ? undefined : options.selector || undefined,
      deadline: io.now() + timeoutMs,
      io,
      timing,
    });
    if ('error' in waited) return fail(explain(waited.error));
    const rows = done.map(({ es }) => {
      const result = waited.results.get(keyOf(es)) ?? { outcome: 'timeout' as const, es };
      return resultRow(result.es, result.outcome, options.timeout ?? '60s', timing.settleMs);
    });
    if (options.output === 'json') io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    else io.stdout(formatStatusTable(rows, io.now(), { keys: false }));
    const timedOut = rows.filter((r) => r.outcome === 'timeout');
    if (timedOut.length > 0) {
      io.stderr(
        `custos refresh: timed out after ${options.timeout ?? '60s'} waiting for ${timedOut.length} ExternalSecret(s) ` +
          `to sync: ${timedOut.map((r) => `${r.namespace}/${r.name}`).join(', ')}\n`,
      );
      return 3;
    }
    return rows.every((r) => r.ready) ? 0 : 1;
  } finally {
    client.close();
  }
}

async function getNamed(
  client: KubeClient,
  namespace: string,
  names: string[],
): Promise<{ items: ExternalSecretObject[]; missing: string[] }> {
  const items: ExternalSecretObject[] = [];
  const missing: string[] = [];
  await mapLimit(names, PATCH_CONCURRENCY, async (name) => {
    try {
      items.push(await client.get<ExternalSecretObject>(ExternalSecrets, name, { namespace }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      missing.push(name);
    }
  });
  // A 404 may also mean the API server has no ExternalSecrets at all: a list then fails and says so.
  if (missing.length > 0) await client.list(ExternalSecrets, { namespace, limit: 1 });
  return { items, missing: missing.sort() };
}

/** True if the ExternalSecret reads from a store of this name (secretStoreRef or a per-entry storeRef). */
export function readsFromStore(es: ExternalSecretObject, store: string): boolean {
  const spec = es.spec ?? {};
  if (spec.secretStoreRef?.name === store) return true;
  const entries = [...(spec.data ?? []), ...(spec.dataFrom ?? [])] as Array<{
    sourceRef?: { storeRef?: { name?: string } };
  }>;
  return entries.some((entry) => entry.sourceRef?.storeRef?.name === store);
}

/**
 * Why the operator would not refresh this ExternalSecret after a force-sync (refreshPolicy CreatedOnce, or
 * refreshInterval 0, once synced), or undefined when it would. Asks the operator's own rule.
 */
export function notRefreshable(es: ExternalSecretObject, nowMs: number): string | undefined {
  const meta = es.metadata ?? {};
  const forced = {
    // The metadata after the patch: a force-sync value unlike any current one.
    metadata: {
      generation: meta.generation,
      labels: meta.labels,
      annotations: { ...meta.annotations, [FORCE_SYNC_ANNOTATION]: `${nowMs}-custos-refresh` },
    },
    spec: es.spec,
    status: es.status,
  };
  try {
    if (shouldRefresh({ es: forced, nowMs, lastRefreshMs: lastRefreshOf(forced, undefined) })) return undefined;
  } catch {
    return undefined; // e.g. a refreshInterval the operator cannot parse: it reports that in the status
  }
  return es.spec?.refreshPolicy === 'CreatedOnce'
    ? 'refreshPolicy CreatedOnce: it synced once and is never refreshed'
    : 'refreshInterval 0: it synced once and is never refreshed';
}

/** A force-sync value unlike the current one: the time in milliseconds. */
export function forceSyncValue(current: string | undefined, nowMs: number): string {
  let value = Math.floor(nowMs);
  while (String(value) === current) value++;
  return String(value);
}

function readyOf(es: ExternalSecretObject): ExternalSecretStatusCondition | undefined {
  return es.status?.conditions?.find((c) => c.type === 'Ready');
}

function sameCondition(a: ExternalSecretStatusCondition | undefined, b: ExternalSecretStatusCondition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    (a.lastTransitionTime ?? '') === (b.lastTransitionTime ?? '')
  );
}

/**
 * The result of a refresh so far: `before` is the Ready condition on the object the PATCH returned, `current` the
 * object now, `waitedMs` the time since the patch. Undefined while there is no result yet.
 */
export function syncOutcome(
  before: ExternalSecretStatusCondition | undefined,
  current: ExternalSecretObject,
  waitedMs: number,
  settleMs: number,
): 'synced' | 'failed' | 'still-failing' | undefined {
  const ready = readyOf(current);
  if (!ready) return undefined;
  const meta = current.metadata ?? {};
  const expected = resourceVersionOf({
    generation: meta.generation,
    labels: meta.labels,
    annotations: meta.annotations,
  });
  if (ready.status === 'True' && current.status?.syncedResourceVersion === expected) return 'synced';
  if (ready.status !== 'False') return undefined;
  if (!sameCondition(before, ready)) return 'failed';
  return waitedMs >= settleMs ? 'still-failing' : undefined;
}

interface Patched {
  es: ExternalSecretObject;
  at: number;
}

interface Result {
  outcome: RefreshOutcome;
  es: ExternalSecretObject;
}

async function waitForResults(
  client: KubeClient,
  patched: Patched[],
  o: {
    namespace: string | undefined;
    selector: string | undefined;
    deadline: number;
    io: RefreshIo;
    timing: RefreshTiming;
  },
): Promise<{ results: Map<string, Result> } | { error: unknown }> {
  const results = new Map<string, Result>();
  const pending = new Map(patched.map((p) => [keyOf(p.es), { ...p, before: readyOf(p.es) }]));
  for (;;) {
    const left = o.deadline - o.io.now();
    if (left <= 0) break;
    await o.io.sleep(Math.min(o.timing.pollMs, left));
    let current: Map<string, ExternalSecretObject | undefined>;
    try {
      current = await fetchCurrent(
        client,
        [...pending.values()].map((p) => p.es),
        o.namespace,
        o.selector,
      );
    } catch (error) {
      return { error };
    }
    for (const [key, p] of pending) {
      const es = current.get(key);
      let outcome: RefreshOutcome | undefined;
      if (!es || es.metadata?.uid !== p.es.metadata?.uid) outcome = 'deleted';
      else outcome = syncOutcome(p.before, es, o.io.now() - p.at, o.timing.settleMs);
      if (es) p.es = es;
      if (outcome) {
        results.set(key, { outcome, es: p.es });
        pending.delete(key);
      }
    }
    if (pending.size === 0) break;
  }
  for (const [key, p] of pending) results.set(key, { outcome: 'timeout', es: p.es });
  return { results };
}

/** The current objects by "namespace/name" (undefined for those gone): one GET each for a few, else a list. */
async function fetchCurrent(
  client: KubeClient,
  items: ExternalSecretObject[],
  namespace: string | undefined,
  selector: string | undefined,
): Promise<Map<string, ExternalSecretObject | undefined>> {
  if (items.length <= GET_LIMIT) return getEach(client, items);
  const out = new Map<string, ExternalSecretObject | undefined>();
  const wanted = new Set(items.map(keyOf));
  for (const es of await listAll(client, namespace, selector)) if (wanted.has(keyOf(es))) out.set(keyOf(es), es);
  // Not listed: deleted, or its labels changed so that the selector no longer matches; a GET tells which.
  const unlisted = items.filter((es) => !out.has(keyOf(es)));
  for (const [key, es] of await getEach(client, unlisted)) out.set(key, es);
  return out;
}

async function getEach(
  client: KubeClient,
  items: ExternalSecretObject[],
): Promise<Map<string, ExternalSecretObject | undefined>> {
  const out = new Map<string, ExternalSecretObject | undefined>();
  await mapLimit(items, PATCH_CONCURRENCY, async (es) => {
    try {
      const name = es.metadata?.name ?? '';
      out.set(
        keyOf(es),
        await client.get<ExternalSecretObject>(ExternalSecrets, name, { namespace: es.metadata?.namespace }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      out.set(keyOf(es), undefined);
    }
  });
  return out;
}

function resultRow(es: ExternalSecretObject, outcome: RefreshOutcome, timeout: string, settleMs: number): RefreshRow {
  const row = toStatusRow(es);
  switch (outcome) {
    case 'synced':
    case 'failed':
      return { ...row, outcome };
    case 'still-failing':
      return {
        ...row,
        outcome,
        message: `${row.message} (still failing: no new status within ${settleMs / 1000}s of the refresh)`,
      };
    case 'deleted':
      return { ...row, ready: false, status: 'Unknown', outcome, message: 'deleted while waiting for its sync' };
    case 'timeout': {
      const message =
        row.status === 'Pending'
          ? `no sync within ${timeout} of the refresh; ${row.message}`
          : `no sync within ${timeout} of the refresh (is the operator running?); last status ${row.status}` +
            (row.message ? `: ${row.message}` : '');
      return { ...row, ready: false, status: 'Pending', outcome, message };
    }
  }
}

function keyOf(es: ExternalSecretObject): string {
  return `${es.metadata?.namespace ?? ''}/${es.metadata?.name ?? ''}`;
}

function rowKey(es: ExternalSecretObject): { namespace: string; name: string } {
  return { namespace: es.metadata?.namespace ?? '', name: es.metadata?.name ?? '' };
}

function describeSelection(namespace: string | undefined, options: RefreshOptions): string {
  const parts = [namespace ? ` in namespace ${namespace}` : ''];
  if (options.selector) parts.push(` matching ${options.selector}`);
  if (options.store) parts.push(` reading from store ${options.store}`);
  return parts.join('');
}

/** fn over items with at most `limit` running at once; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
