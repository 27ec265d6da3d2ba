// Shared parts of the differential tests against the real ESO (tools/eso-oracle): one case, how both sides'
// results are waited for and compared (Secret, status, events), and how ESO and Custos are started side by side,
// each kept to its own namespace of the shared test control plane.
import assert from 'node:assert/strict';
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import { createdByValue, fieldManagerFor, LABEL_CREATED_BY } from '../../../src/operator/externalsecret/constants.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import { buildEso, type EsoBuild, type EsoProcess, startEsoWithMetrics } from '../../helpers/eso-oracle.js';
import { parsePrometheusText } from '../../helpers/prometheus-text.js';
import {
  createExternalSecret,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  readyOf,
  type SecretObject,
  startTestOperator,
  waitFor,
} from './harness.js';

export interface DiffCase {
  name: string;
  spec: ExternalSecretSpec;
  /** Runs in each side's namespace before the ExternalSecret is created. */
  setup?: (h: Harness, namespace: string) => Promise<void>;
  /** The name of the Secret to compare (default: the case name). */
  secretName?: string;
  /** The outcome is Ready=False and no Secret: compare the condition only. */
  fails?: boolean;
  /** The two Ready=False messages, which differ on purpose (default: a missing remote key). */
  failureMessages?: { eso: RegExp; custos: RegExp };
  /** Ready=True without any Secret written (nothing to sync). */
  noSecret?: boolean;
  /**
   * Values are random (generators): each data value is compared by this shape instead (and the data-hash
   * annotation, a hash of those values, is left out).
   */
  shape?: (value: string) => unknown;
}

export function esoBuildOrSkip(): { build?: EsoBuild; skip?: string } {
  if (integration.skipReason) return { skip: integration.skipReason };
  const build = buildEso();
  if (build) return { build };
  if (process.env.CI === 'true') throw new Error('CI needs Go to build the real ESO (tools/eso-oracle/build.sh)');
  return { skip: 'Go is not installed, so the real ESO cannot be built (install Go to run)' };
}

export const { build, skip } = esoBuildOrSkip();

/** The Secret as both operators must agree on it; created-by is checked per side, then left out. */
export function comparableSecret(
  secret: SecretObject,
  namespace: string,
  esName: string,
  shape?: (value: string) => unknown,
) {
  const labels = { ...(secret.metadata?.labels as Record<string, string> | undefined) };
  const createdBy = labels[LABEL_CREATED_BY];
  if (createdBy !== undefined) {
    assert.equal(createdBy, createdByValue(namespace, esName), `created-by label in ${namespace}`);
    delete labels[LABEL_CREATED_BY];
  }
  const owners = (secret.metadata?.ownerReferences as Array<Record<string, unknown>> | undefined)?.map(
    ({ uid: _uid, ...rest }) => rest,
  );
  // ESO v0.16.2 names the field manager after the ExternalSecret at any length; v2.9, which Custos follows, hashes
  // names whose manager would exceed 63 characters (eso.md 2.3). Both count as "the ExternalSecret's manager" here,
  // and Custos's own is checked against the v2.9 rule.
  const ownManagers = new Set([fieldManagerFor(esName), `externalsecrets.external-secrets.io/${esName}`]);
  const managers = (secret.metadata?.managedFields as Array<{ manager: string; operation: string }> | undefined)
    ?.map((m) => `${ownManagers.has(m.manager) ? "the ExternalSecret's field manager" : m.manager} ${m.operation}`)
    .sort();
  const annotations = { ...(secret.metadata?.annotations as Record<string, string> | undefined) };
  if (shape) delete annotations['reconcile.external-secrets.io/data-hash'];
  const data = decode(secret.data);
  return {
    type: secret.type,
    immutable: secret.immutable,
    labels,
    annotations,
    data: shape ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, shape(v)])) : data,
    ownerReferences: owners,
    managers,
    createdByPresent: createdBy !== undefined,
  };
}

export type ExternalSecretState = Awaited<ReturnType<typeof getExternalSecret>>;
/** When one side has settled: its ExternalSecret and target Secret (undefined when there is none). */
export type Settled = (es: ExternalSecretState, secret: SecretObject | undefined) => boolean;

export function comparableStatus(es: ExternalSecretState, failed: boolean) {
  const ready = readyOf(es);
  return {
    ready: ready?.status,
    reason: ready?.reason,
    // On errors Custos says what failed ("key ... not found"), where ESO says "could not get secret data from
    // provider": a deliberate difference, checked on its own below.
    message: failed ? undefined : ready?.message,
    binding: es.status?.binding,
    syncedResourceVersion: es.status?.syncedResourceVersion,
  };
}

/** Creates the case's ExternalSecret on both sides, waits until both settle and compares what they wrote. */
export async function compareCase(
  h: Harness,
  c: DiffCase,
  nsEso: string,
  nsCustos: string,
  eso: EsoProcess | undefined,
) {
  for (const namespace of [nsEso, nsCustos]) await c.setup?.(h, namespace);
  for (const namespace of [nsEso, nsCustos]) {
    await createExternalSecret(h, namespace, c.name, { refreshInterval: '1h', ...c.spec });
  }
  await compareSettled(h, c, nsEso, nsCustos, eso, (es) => readyOf(es)?.status === (c.fails ? 'False' : 'True'));
}

/** Waits until `until` holds on both sides, then compares the two statuses and Secrets. */
export async function compareSettled(
  h: Harness,
  c: DiffCase,
  nsEso: string,
  nsCustos: string,
  eso: EsoProcess | undefined,
  until: Settled,
) {
  const secretName = c.secretName ?? c.name;
  const settled = async (namespace: string) => {
    eso?.assertRunning();
    const es = await getExternalSecret(h, namespace, c.name);
    const secret = await getSecret(h, namespace, secretName);
    return until(es, secret) ? { es, secret } : undefined;
  };
  const ofEso = await waitFor(`ESO's ${c.name}`, () => settled(nsEso), 30_000);
  const ofCustos = await waitFor(`Custos's ${c.name}`, () => settled(nsCustos), 30_000);
  await compareEvents(h, c, nsEso, nsCustos);
  assert.deepEqual(
    comparableStatus(ofCustos.es, c.fails === true),
    comparableStatus(ofEso.es, c.fails === true),
    'ExternalSecret status',
  );
  const secretOfEso = ofEso.secret;
  const secretOfCustos = ofCustos.secret;
  if (c.fails) {
    const messages = c.failureMessages ?? {
      eso: /^could not get secret data from provider$/,
      custos: /does-not-exist/,
    };
    assert.match(readyOf(ofEso.es)?.message ?? '', messages.eso, "ESO's message");
    assert.match(readyOf(ofCustos.es)?.message ?? '', messages.custos, "Custos's message");
    assert.equal(secretOfEso, undefined, 'ESO wrote no Secret');
    assert.equal(secretOfCustos, undefined, 'Custos wrote no Secret');
    return;
  }
  if (c.noSecret) {
    assert.deepEqual([secretOfEso, secretOfCustos], [undefined, undefined], 'neither has a Secret');
    return;
  }
  assert.ok(secretOfEso, `ESO's Secret ${secretName}`);
  assert.ok(secretOfCustos, `Custos's Secret ${secretName}`);
  assert.ok(
    (secretOfCustos.metadata?.managedFields as Array<{ manager: string }> | undefined)?.some(
      (m) => m.manager === fieldManagerFor(c.name),
    ),
    "Custos writes with ESO v2.9's field manager name",
  );
  assert.deepEqual(
    comparableSecret(secretOfCustos, nsCustos, c.name, c.shape),
    comparableSecret(secretOfEso, nsEso, c.name, c.shape),
    'the Secret',
  );
}

/**
 * The distinct events each side recorded on the ExternalSecret: type, reason and (unless the case fails, where the
 * messages differ on purpose) message. Both senders are asynchronous, so this waits until the two agree or a few
 * seconds have passed, then asserts.
 */
export async function compareEvents(h: Harness, c: DiffCase, nsEso: string, nsCustos: string) {
  const eventsIn = async (namespace: string) => {
    const ofEso = namespace === nsEso;
    const list = await h.client.list<KubeObject & { type?: string; reason?: string; message?: string }>(
      Resources.events,
      { namespace, fieldSelector: `involvedObject.kind=ExternalSecret,involvedObject.name=${c.name}` },
    );
    const distinct = new Set(
      list.items
        // ESO races its own store controller: an ExternalSecret created right after its store fails once with
        // "<kind> \"<name>\" is not ready" before the store's first validation. Custos waits for that validation
        // without a failure (stores.ts, StoreError.pending), so ESO's transient warning is left out.
        .filter((e) => !(e.reason === 'UpdateFailed' && /Store "[^"]*" is not ready$/.test(e.message ?? '')))
        .map((e) => `${e.type} ${e.reason}${c.fails ? '' : `: ${e.message}`}`),
    );
    // ESO may reconcile a new ExternalSecret a second time before its own status write reaches its cache (the
    // Secret it created triggers it); for a random generator that run generates new values and rewrites the Secret
    // it just created, recording `Updated`. Custos writes a new Secret once, so only ESO's side is let off.
    if (ofEso && c.shape && distinct.has('Normal Created: secret created'))
      distinct.delete('Normal Updated: secret updated');
    return [...distinct].sort();
  };
  let events = { eso: [] as string[], custos: [] as string[] };
  const deadline = Date.now() + 5_000;
  for (;;) {
    events = { eso: await eventsIn(nsEso), custos: await eventsIn(nsCustos) };
    const agree = JSON.stringify(events.eso) === JSON.stringify(events.custos);
    if ((agree && events.eso.length > 0) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(events.custos, events.eso, 'the events on the ExternalSecret');
}

/** The kinds of one provider's API calls a /metrics page counted: "<call> <status>", sorted. */
export async function providerApiCalls(url: string, provider: string): Promise<string[]> {
  const samples =
    parsePrometheusText(await (await fetch(url)).text()).get('externalsecret_provider_api_calls_count')?.samples ?? [];
  const kinds = samples
    .filter((s) => s.labels.provider === provider && s.value > 0)
    .map((s) => `${s.labels.call} ${s.labels.status}`);
  return [...new Set(kinds)].sort();
}

/**
 * Both sides counted the same kinds of API calls of one provider ("<call> <status>"): ESO must have counted
 * `expected`, and Custos the same set once the kinds in `onlyCustos` (calls ESO leaves uncounted) are left out.
 */
export async function compareProviderApiCalls(
  esoMetrics: string,
  op: OperatorHandle | undefined,
  provider: string,
  expected: string,
  onlyCustos: (kind: string) => boolean = () => false,
): Promise<void> {
  const ofEso = await providerApiCalls(esoMetrics, provider);
  assert.ok(ofEso.includes(expected), `ESO counted ${expected} (${ofEso})`);
  const ofCustos = await providerApiCalls(`http://${op?.httpAddress}/metrics`, provider);
  assert.deepEqual(
    ofCustos.filter((kind) => !onlyCustos(kind)),
    ofEso,
  );
}

/** A SecretStore `k8s` of the kubernetes provider: the test API server by URL and CA, as `serviceAccount`. */
export async function createKubernetesStore(
  h: Harness,
  namespace: string,
  serviceAccount: string,
  remoteNamespace: string,
) {
  const { server } = await integration.cluster();
  const caBundle = h.kc.getCurrentCluster()?.caData;
  assert.ok(caBundle, 'the test kubeconfig carries its CA inline');
  await h.client.create(OperatorResources.secretStores, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'SecretStore',
    metadata: { name: 'k8s', namespace },
    spec: {
      provider: {
        kubernetes: {
          server: { url: server, caBundle },
          auth: { serviceAccount: { name: serviceAccount } },
          remoteNamespace,
        },
      },
    },
  });
}

/** The real ESO and Custos, each kept to its own namespace (ESO would otherwise take every default-class store). */
export async function startBoth(
  h: Harness,
  kubeconfigPath: string,
  nsEso: string,
  nsCustos: string,
  classes = { eso: 'default', custos: 'default' },
) {
  const eso = await startEsoWithMetrics(build as EsoBuild, {
    kubeconfigPath,
    kc: h.kc,
    controllerClass: classes.eso,
    concurrent: 2,
    namespace: nsEso,
    clusterScoped: false,
  });
  const op = await startTestOperator(h, { namespace: nsCustos, concurrency: 2, controllerClass: classes.custos });
  return { eso, op, esoMetrics: eso.metricsUrl };
}

export async function stopBoth(eso: EsoProcess | undefined, op: OperatorHandle | undefined) {
  await op?.stop();
  await eso?.stop();
}
