// The ClusterExternalSecret controller on a real API server (no ExternalSecret controller runs): children are
// created, updated and deleted as namespaces and the CES change, foreign ExternalSecrets are never touched,
// status reports provisioned and failed namespaces, and deleting the CES cleans up everything it made.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { installCrds } from '../../../src/api/install.js';
import { InformerFactory, isNotFound, KubeClient, type KubeObject, Resources } from '../../../src/kube/index.js';
import {
  CES_FINALIZER,
  ClusterExternalSecretController,
  type ClusterExternalSecretObject,
  ClusterExternalSecrets,
  type ExternalSecretObject,
  ExternalSecrets,
  FORCE_SYNC_ANNOTATION,
  namespaceFinalizer,
  type ReconcileOutcome,
} from '../../../src/operator/clusterexternalsecret/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(50);
  }
}

describe('ClusterExternalSecret controller on a real API server', { skip: integration.skipReason }, () => {
  let client: KubeClient;
  let factory: InformerFactory;
  let running: Promise<void>;
  let controller: ClusterExternalSecretController;
  const stop = new AbortController();
  const logLines: string[] = [];
  const outcomes: ({ name: string } & ReconcileOutcome)[] = [];
  const run = uniqueName('ces');
  const label = 'custos-test/ces';
  const nsA = `${run}-a`.slice(0, 63);
  const nsB = `${run}-b`.slice(0, 63);
  const nsC = `${run}-c`.slice(0, 63);
  const nsD = `${run}-d`.slice(0, 63);
  const cesName = run;

  const getEs = (namespace: string, name: string) =>
    client.get<ExternalSecretObject>(ExternalSecrets, name, { namespace }).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
  const getCes = (name = cesName) =>
    client.get<ClusterExternalSecretObject>(ClusterExternalSecrets, name).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
  const getNs = (name: string) => client.get(Resources.namespaces, name);
  const setLabel = (name: string, value: string | null) =>
    client.patch(Resources.namespaces, name, { metadata: { labels: { [label]: value } } });
  const readyStatus = (ces: ClusterExternalSecretObject | undefined) =>
    ces?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

  before(async () => {
    const { kc } = await integration.cluster();
    await installCrds(kc);
    client = new KubeClient(kc);
    for (const name of [nsA, nsB, nsC, nsD]) {
      const labels: Record<string, string> = name === nsC ? {} : { [label]: run };
      await client.create(Resources.namespaces, { metadata: { name, labels } });
    }
    factory = new InformerFactory(client);
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    controller = new ClusterExternalSecretController({
      client,
      informers: factory,
      logger,
      workers: 2,
      onReconciled: (name, outcome) => outcomes.push({ name, ...outcome }),
    });
    running = controller.start(stop.signal);
  });

  after(async () => {
    // Namespace finalizers would block namespace deletion once the controller stops: strip any left over.
    await client?.delete(ClusterExternalSecrets, cesName).catch(() => undefined);
    await sleep(200);
    stop.abort();
    await running?.catch(() => undefined);
    await factory?.stop();
    for (const name of [nsA, nsB, nsC, nsD]) {
      await client?.patch(Resources.namespaces, name, { metadata: { finalizers: null } }).catch(() => undefined);
      await client?.delete(Resources.namespaces, name).catch(() => undefined);
    }
    client?.close();
  });

  it('creates a child in every selected namespace with ESO metadata, and reports them', async () => {
    await client.create(ClusterExternalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterExternalSecret',
      metadata: { name: cesName, annotations: { [FORCE_SYNC_ANNOTATION]: 'first' } },
      spec: {
        namespaceSelectors: [{ matchLabels: { [label]: run } }],
        externalSecretMetadata: { labels: { app: 'demo' }, annotations: { owner: 'platform' } },
        refreshTime: '1m',
        externalSecretSpec: {
          secretStoreRef: { name: 'shared-store', kind: 'ClusterSecretStore' },
          refreshInterval: '15m',
          data: [{ secretKey: 'password', remoteRef: { key: 'db/password' } }],
        },
      },
    });
    const ces = await eventually('status with three provisioned namespaces', async () => {
      const c = await getCes();
      return c?.status?.provisionedNamespaces?.length === 3 ? c : undefined;
    });
    assert.deepEqual(ces.status?.provisionedNamespaces, [nsA, nsB, nsD].sort());
    assert.equal(ces.status?.externalSecretName, cesName);
    assert.deepEqual(ces.status?.conditions, [{ type: 'Ready', status: 'True' }]);
    assert.ok(ces.metadata?.finalizers?.includes(CES_FINALIZER));

    const child = await getEs(nsA, cesName);
    assert.ok(child, 'child in namespace A');
    assert.deepEqual(child.metadata?.labels, { app: 'demo' });
    assert.deepEqual(child.metadata?.annotations, { owner: 'platform', [FORCE_SYNC_ANNOTATION]: 'first' });
    assert.deepEqual(
      child.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['ClusterExternalSecret', cesName, ces.metadata?.uid, true]],
    );
    assert.deepEqual(child.spec?.data, [{ secretKey: 'password', remoteRef: { key: 'db/password' } }]);
    assert.equal(child.spec?.refreshInterval, '15m0s', "refreshInterval in Go's form, as ESO writes it");
    assert.equal(await getEs(nsC, cesName), undefined, 'unselected namespace has no child');
    assert.ok((await getNs(nsA)).metadata?.finalizers?.includes(namespaceFinalizer(cesName)));
    const writes = () => logLines.filter((l) => /"msg":"(created|updated) ExternalSecret"/.test(l)).length;
    const before = writes();
    assert.deepEqual(await controller.reconcile(cesName), { requeueAfter: 60_000 }, 'runs again after refreshTime');
    assert.equal(writes(), before, 'a pass with nothing changed writes no child');
  });

  it('follows namespace label changes at once: adds and removes children and namespace finalizers', async () => {
    await setLabel(nsC, run);
    await setLabel(nsA, null);
    await eventually('child in C', async () => (await getEs(nsC, cesName)) !== undefined);
    await eventually('child in A deleted', async () => (await getEs(nsA, cesName)) === undefined);
    await eventually(
      'A released',
      async () => !(await getNs(nsA)).metadata?.finalizers?.includes(namespaceFinalizer(cesName)),
    );
    const ces = await eventually('status follows', async () => {
      const c = await getCes();
      return JSON.stringify(c?.status?.provisionedNamespaces) === JSON.stringify([nsB, nsC, nsD].sort())
        ? c
        : undefined;
    });
    assert.equal(readyStatus(ces), 'True');
  });

  it('propagates spec and metadata changes, and repairs edited or deleted children', async () => {
    await client.patch(ClusterExternalSecrets, cesName, {
      metadata: { annotations: { [FORCE_SYNC_ANNOTATION]: null } },
      spec: { externalSecretSpec: { refreshInterval: '5m' } },
    });
    await eventually('children updated', async () => {
      const child = await getEs(nsB, cesName);
      return child?.spec?.refreshInterval === '5m0s' && !(FORCE_SYNC_ANNOTATION in (child.metadata?.annotations ?? {}));
    });

    await client.patch(ExternalSecrets, cesName, { spec: { refreshInterval: '99h' } }, { namespace: nsC });
    await eventually(
      'edited child restored',
      async () => (await getEs(nsC, cesName))?.spec?.refreshInterval === '5m0s',
    );

    const before = await getEs(nsD, cesName);
    await client.delete(ExternalSecrets, cesName, { namespace: nsD });
    await eventually('deleted child recreated', async () => {
      const child = await getEs(nsD, cesName);
      return child && child.metadata?.uid !== before?.metadata?.uid;
    });
  });

  it('never touches a same-named ExternalSecret it does not own, reports the namespace, and takes over once it is gone', async () => {
    const name = uniqueName('foreign');
    await client.patch(ClusterExternalSecrets, cesName, { spec: { externalSecretName: name } });
    // A is not selected at this point, so the foreign object is there before the CES looks at A.
    await client.create(ExternalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace: nsA, labels: { mine: 'yes' } },
      spec: { refreshInterval: '7m' },
    });
    await setLabel(nsA, run);
    const ces = await eventually('A reported as failed', async () => {
      const c = await getCes();
      return c?.status?.failedNamespaces?.some((f) => f.namespace === nsA) ? c : undefined;
    });
    assert.deepEqual(ces.status?.failedNamespaces, [
      { namespace: nsA, reason: 'external secret already exists in namespace' },
    ]);
    assert.deepEqual(ces.status?.conditions, [
      { type: 'Ready', status: 'False', message: 'one or more namespaces failed' },
    ]);
    assert.equal(ces.status?.externalSecretName, name);
    const foreign = await getEs(nsA, name);
    assert.deepEqual(foreign?.metadata?.labels, { mine: 'yes' });
    assert.equal(foreign?.spec?.refreshInterval, '7m');
    assert.equal(foreign?.metadata?.ownerReferences, undefined);

    // The rename deleted every child under the old name.
    for (const namespace of [nsB, nsC, nsD]) {
      await eventually(
        `old child in ${namespace} deleted`,
        async () => (await getEs(namespace, cesName)) === undefined,
      );
      assert.ok(await getEs(namespace, name), `new child in ${namespace}`);
    }

    await client.delete(ExternalSecrets, name, { namespace: nsA });
    const healed = await eventually('A provisioned after the foreign object is gone', async () => {
      const c = await getCes();
      return readyStatus(c) === 'True' && c?.status?.provisionedNamespaces?.includes(nsA) ? c : undefined;
    });
    assert.equal(healed.status?.failedNamespaces, undefined);
    const child = await eventually('child in A', () => getEs(nsA, name));
    assert.equal(child.spec?.refreshInterval, '5m0s');
  });

  it('reports an invalid selector in status without touching the children', async () => {
    await client.patch(ClusterExternalSecrets, cesName, {
      spec: { namespaceSelectors: [{ matchExpressions: [{ key: label, operator: 'Equals', values: [run] }] }] },
    });
    const ces = await eventually('failure reported', async () => {
      const c = await getCes();
      return c?.status?.failedNamespaces?.some((f) => f.namespace === 'unknown') ? c : undefined;
    });
    assert.match(ces.status?.failedNamespaces?.[0]?.reason ?? '', /"Equals" is not a valid operator/);
    assert.equal(readyStatus(ces), 'False');
    assert.ok(
      outcomes.some((o) => o.name === cesName && o.ready === false && !o.deleted),
      'observer saw Ready=False',
    );
    await client.patch(ClusterExternalSecrets, cesName, {
      spec: { namespaceSelectors: [{ matchLabels: { [label]: run } }] },
    });
    await eventually('Ready again', async () => readyStatus(await getCes()) === 'True');
  });

  it('works for a CES whose name is too long for a namespace finalizer', async () => {
    const long = `${'long-'.repeat(12)}${run}`;
    await client.create(ClusterExternalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterExternalSecret',
      metadata: { name: long },
      spec: { namespaces: [nsD], externalSecretSpec: { refreshInterval: '2m' } },
    });
    const ces = await eventually('long-named CES ready', async () => {
      const c = await getCes(long);
      return readyStatus(c) === 'True' ? c : undefined;
    });
    assert.deepEqual(ces.status?.provisionedNamespaces, [nsD]);
    assert.equal((await getEs(nsD, long))?.spec?.refreshInterval, '2m0s');
    await client.delete(ClusterExternalSecrets, long);
    await eventually('long-named CES and its child gone', async () => {
      return (await getCes(long)) === undefined && (await getEs(nsD, long)) === undefined;
    });
  });

  it('lets a terminating namespace go and drops it from status', async () => {
    await client.delete(Resources.namespaces, nsB);
    await eventually(
      'namespace B deleted',
      async () => {
        try {
          await getNs(nsB);
          return false;
        } catch (error) {
          return isNotFound(error);
        }
      },
      30_000,
    );
    await eventually('status without B', async () => {
      const c = await getCes();
      return c?.status?.provisionedNamespaces && !c.status.provisionedNamespaces.includes(nsB);
    });
  });

  it('releases namespace finalizers of a CES that no longer exists (e.g. deleted while no operator ran)', async () => {
    const gone = namespaceFinalizer(uniqueName('gone'));
    await client.patch(Resources.namespaces, nsC, {
      metadata: { finalizers: [...((await getNs(nsC)).metadata?.finalizers ?? []), gone] },
    });
    await eventually('orphan finalizer removed', async () => !(await getNs(nsC)).metadata?.finalizers?.includes(gone));
    assert.ok((await getNs(nsC)).metadata?.finalizers?.includes(namespaceFinalizer(cesName)), 'our own one stays');
  });

  it('deletes every child and releases every namespace when the CES is deleted', async () => {
    const name = (await getCes())?.status?.externalSecretName ?? '';
    await client.delete(ClusterExternalSecrets, cesName);
    await eventually('CES gone', async () => (await getCes()) === undefined);
    await eventually('observer told it is gone', async () => outcomes.some((o) => o.name === cesName && o.deleted));
    assert.ok(outcomes.every((o) => o.durationMs >= 0));
    for (const namespace of [nsA, nsC, nsD]) {
      assert.equal(await getEs(namespace, name), undefined, `no child left in ${namespace}`);
      const ns: KubeObject = await getNs(namespace);
      assert.equal(ns.metadata?.finalizers?.includes(namespaceFinalizer(cesName)) ?? false, false);
    }
    const errors = logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    assert.deepEqual(errors, [], 'no errors logged');
    assert.ok(
      logLines.some((line) => line.includes('created ExternalSecret')),
      'the controller logged its work',
    );
  });
});
