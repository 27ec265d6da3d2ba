// Shared setup for operator integration tests: CRDs on the real control plane, a namespace per test, a running
// operator whose logs are captured (to check that no secret value ever reaches them), and small object helpers.
import type { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { installCrds } from '../../../src/api/install.js';
import { isNotFound, KubeClient, type KubeObject, Resources } from '../../../src/kube/index.js';
import { GeneratorError } from '../../../src/operator/generators/index.js';
import { type OperatorHandle, type OperatorOptions, startOperator } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Harness {
  kc: KubeConfig;
  client: KubeClient;
  logs: string[];
}

let crdsInstalled: Promise<unknown> | undefined;

export async function harness(): Promise<Harness> {
  const { kc } = await integration.cluster();
  crdsInstalled ??= installCrds(kc);
  await crdsInstalled;
  return { kc, client: new KubeClient(kc, { qps: 0 }), logs: [] };
}

export async function startTestOperator(h: Harness, options: Partial<OperatorOptions> = {}): Promise<OperatorHandle> {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void h.logs.push(line) });
  return startOperator({ kubeConfig: h.kc, logger, metricsAddr: '127.0.0.1:0', ...options });
}

export async function createNamespace(h: Harness, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await h.client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

/** A SecretStore with this `spec.provider` (e.g. `{ webhook: {...} }`) and any other spec fields. */
export async function createStore(
  h: Harness,
  namespace: string,
  name: string,
  provider: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<KubeObject> {
  return h.client.create(OperatorResources.secretStores, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'SecretStore',
    metadata: { name, namespace },
    spec: { provider, ...extra },
  });
}

export async function createFakeStore(
  h: Harness,
  namespace: string,
  name: string,
  data: Array<{ key: string; value: string; version?: string }>,
  extra: Record<string, unknown> = {},
): Promise<KubeObject> {
  return createStore(h, namespace, name, { fake: { data } }, extra);
}

export async function setFakeData(
  h: Harness,
  namespace: string,
  name: string,
  data: Array<{ key: string; value: string; version?: string }>,
): Promise<void> {
  await h.client.patch(OperatorResources.secretStores, name, { spec: { provider: { fake: { data } } } }, { namespace });
}

export async function createExternalSecret(
  h: Harness,
  namespace: string,
  name: string,
  spec: ExternalSecretSpec,
  metadata: Record<string, unknown> = {},
): Promise<KubeObject> {
  return h.client.create(OperatorResources.externalSecrets, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace, ...metadata },
    spec,
  });
}

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

export async function getSecret(h: Harness, namespace: string, name: string): Promise<SecretObject | undefined> {
  try {
    return await h.client.get<SecretObject>(Resources.secrets, name, { namespace });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function getExternalSecret(h: Harness, namespace: string, name: string) {
  return h.client.get<KubeObject & { status?: { conditions?: Array<Record<string, string>>; [k: string]: unknown } }>(
    OperatorResources.externalSecrets,
    name,
    { namespace },
  );
}

export function readyOf(es: { status?: { conditions?: Array<Record<string, string>> } }) {
  return es.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Polls until check returns a truthy value; fails with the last seen value after timeoutMs. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
    await sleep(100);
  }
}

export function decode(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

export async function eventsOf(h: Harness, namespace: string): Promise<Array<Record<string, unknown>>> {
  const list = await h.client.list(Resources.events, { namespace });
  return list.items as Array<Record<string, unknown>>;
}

/**
 * Lets ServiceAccount `serviceAccount` of `namespace` use `verbs` on the Secrets of `remoteNamespace` (a Role and a
 * RoleBinding there, named after the account and its namespace); creates the ServiceAccount unless told not to.
 */
export async function grantSecretAccess(
  h: Harness,
  grant: { serviceAccount: string; namespace: string; remoteNamespace: string; verbs: string[]; create?: boolean },
): Promise<void> {
  if (grant.create !== false) {
    await h.client.create(Resources.serviceAccounts, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: grant.serviceAccount, namespace: grant.namespace },
    });
  }
  const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true };
  const name = `${grant.serviceAccount}-${grant.namespace}`.slice(0, 253);
  await h.client.create(
    { ...rbac, plural: 'roles', kind: 'Role' },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: grant.remoteNamespace },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: grant.verbs }],
    },
  );
  await h.client.create(
    { ...rbac, plural: 'rolebindings', kind: 'RoleBinding' },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: grant.remoteNamespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: grant.serviceAccount, namespace: grant.namespace }],
    },
  );
}

/**
 * The API server's TokenReview of a service account token for `audiences` (what an external service such as Vault,
 * AWS STS or Quay does with the tokens it is given): the account's user name, or undefined if the token is refused.
 */
export async function reviewToken(h: Harness, token: string, audiences: string[]): Promise<string | undefined> {
  const review = await h.client.create(
    { group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', namespaced: false, kind: 'TokenReview' },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } },
  );
  const status = (review as { status?: { authenticated?: boolean; user?: { username?: string } } }).status;
  return status?.authenticated ? status.user?.username : undefined;
}

/** Generated data (or a Secret's bytes) as text. */
export function textOf(map: Record<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
}

/** The GeneratorError `run` throws; fails the test if it generates data or throws anything else. */
export async function generatorError(run: () => Promise<unknown>, what: string): Promise<GeneratorError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof GeneratorError) return error;
    throw new Error(`${what} failed with ${String(error)}, not a GeneratorError`);
  }
  throw new Error(`${what} generated data`);
}

/** Remembers `keys` of process.env; the returned function puts them back as they were. */
export function saveEnv(keys: readonly string[]): () => void {
  const saved = keys.map((key) => [key, process.env[key]] as const);
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
