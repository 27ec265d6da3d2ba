// The operator benchmarks' shared workload: N ExternalSecrets spread over namespaces, each reading one of KEYS
// remote keys of its namespace's fake store, created at a fixed concurrency; and the readiness test they wait on.
import { type KubeClient, type KubeObject, Resources } from '../../src/kube/index.js';
import { fieldManagerFor } from '../../src/operator/externalsecret/constants.js';
import type { ExternalSecretObject } from '../../src/operator/externalsecret/reconciler.js';
import { type ApiSecret, toApi } from '../../src/operator/externalsecret/secret-object.js';
import { desiredSecret } from '../../src/operator/externalsecret/target.js';
import { OperatorResources } from '../../src/operator/resources.js';

/** Runs fn over items with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export interface Workload {
  count: number;
  /** Namespace names; ExternalSecret i goes to namespaces[i % length], store `store` in each. */
  namespaces: string[];
  keys: number;
  refresh: string;
  concurrency: number;
}

/** Creates es-0 .. es-(count-1); every namespace reads every key, so there are namespaces x keys distinct reads. */
export function createExternalSecrets(client: KubeClient, w: Workload): Promise<void> {
  const ns = w.namespaces.length;
  return pool(
    Array.from({ length: w.count }, (_, i) => i),
    w.concurrency,
    (i) =>
      client.create(OperatorResources.externalSecrets, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: `es-${i}`, namespace: w.namespaces[i % ns] },
        spec: {
          secretStoreRef: { name: 'store' },
          refreshInterval: w.refresh,
          data: [{ secretKey: 'a', remoteRef: { key: `key-${Math.floor(i / ns) % w.keys}` } }],
        },
      }),
  );
}

export function isReady(es: KubeObject): boolean {
  const conditions = (es.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions;
  return conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * The Secret the operator writes for an ExternalSecret whose key `a` reads `value` (ESO's labels, data-hash
 * annotation, controller ownerReference), built by the operator's own code, and the field manager it writes with.
 */
export function operatorSecret(
  es: ExternalSecretObject,
  targetName: string,
  value: string,
): { secret: ApiSecret; fieldManager: string } {
  const fieldManager = fieldManagerFor(es.metadata.name ?? '');
  const providerData = { a: new TextEncoder().encode(value) };
  const { secret } = desiredSecret({ es, targetName, existing: undefined, providerData, fieldManager });
  return { secret: toApi(secret), fieldManager };
}

/** The status the operator writes when an ExternalSecret becomes Ready (same fields, same sizes). */
export function readyStatus(name: string, message = 'secret synced', resourceVersion = '1') {
  const now = new Date().toISOString();
  return {
    status: {
      refreshTime: now,
      syncedResourceVersion: resourceVersion,
      conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message, lastTransitionTime: now }],
      binding: { name },
    },
  };
}

/**
 * Creates namespaces `<prefix>-0` .. `<prefix>-(count-1)`, each with a fake SecretStore `store` holding keys
 * key-0 .. key-(keys-1); `controller` sets the store's controller class. Returns the namespace names.
 */
export async function createStoreNamespaces(
  client: KubeClient,
  prefix: string,
  count: number,
  store: { keys: number; controller?: string },
): Promise<string[]> {
  const namespaces = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const data = Array.from({ length: store.keys }, (_, k) => ({ key: `key-${k}`, value: `value-${k}` }));
  for (const name of namespaces) {
    await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'store', namespace: name },
      spec: { ...(store.controller ? { controller: store.controller } : {}), provider: { fake: { data } } },
    });
  }
  return namespaces;
}
