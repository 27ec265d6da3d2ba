// custos.dev/rollout-restart on the real control plane: when a synced Secret's data changes, the workloads the
// ExternalSecret names get the Secret's data-hash in their pod template (what `kubectl rollout restart` does, but
// level-based): not on the first sync, not for a drift repair that restores the same data, one rollout for several
// Secrets changing together, a clear event for a workload that does not exist, Ready=False for a malformed
// annotation, and after an operator restart only the workloads whose restart was missed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAlreadyExists, type KubeObject, Resources } from '../../../src/kube/index.js';
import { dataHash } from '../../../src/operator/externalsecret/hash.js';
import { hashAnnotationKey, restartToken } from '../../../src/operator/externalsecret/rollout-restart.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  eventsOf,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  setFakeData,
  startTestOperator,
  waitFor,
} from './harness.js';

const deployments = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true, kind: 'Deployment' };
const rollouts = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespaced: true, kind: 'Rollout' };

/** Argo Rollouts' CRD, reduced to what the test needs (the real one has a full schema; the API is the same). */
async function ensureRolloutCrd(h: Harness): Promise<void> {
  await h.client
    .create(Resources.customResourceDefinitions, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'rollouts.argoproj.io' },
      spec: {
        group: 'argoproj.io',
        names: { kind: 'Rollout', plural: 'rollouts', singular: 'rollout', shortNames: ['ro'] },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    })
    .catch((error) => {
      if (!isAlreadyExists(error)) throw error;
    });
  await waitFor('the Rollout CRD served', async () => {
    try {
      await h.client.list(rollouts, { namespace: 'default', limit: 1 });
      return true;
    } catch {
      return undefined;
    }
  });
}

interface Deployment extends KubeObject {
  spec: { template: { metadata?: { annotations?: Record<string, string> } } };
}

describe('rollout restarts (custos.dev/rollout-restart)', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle | undefined;
  let ns: string;
  const values = { a: 'alpha-1', b: 'beta-1' };
  const putValues = () =>
    setFakeData(h, ns, 'store', [
      { key: 'a', value: values.a },
      { key: 'b', value: values.b },
    ]);
  const start = () => startTestOperator(h, { namespace: ns, rolloutRestart: { debounceMs: 500, minIntervalMs: 1000 } });

  const deployment = async (name: string) => h.client.get<Deployment>(deployments, name, { namespace: ns });
  const createDeployment = (name: string) =>
    h.client.create(deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
        },
      },
    });
  const es = (name: string, key: string, restart: string) =>
    createExternalSecret(
      h,
      ns,
      name,
      {
        secretStoreRef: { name: 'store' },
        refreshInterval: '1s',
        data: [{ secretKey: 'value', remoteRef: { key } }],
      },
      { annotations: { 'custos.dev/rollout-restart': restart } },
    );
  /** The token a workload must carry for the Secret's current data (and never the plain data-hash). */
  const secretHash = async (name: string) => {
    const secret = await getSecret(h, ns, name);
    const hash = dataHash(
      Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    );
    assert.equal(secret?.metadata?.annotations?.['reconcile.external-secrets.io/data-hash'], hash);
    return restartToken(secret?.metadata?.uid ?? '', hash);
  };
  const templateHash = async (workload: string, secret: string) =>
    (await deployment(workload)).spec.template.metadata?.annotations?.[hashAnnotationKey(secret)];

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'rollout');
    await createFakeStore(h, ns, 'store', [
      { key: 'a', value: values.a },
      { key: 'b', value: values.b },
    ]);
    for (const name of ['web', 'worker', 'bystander']) await createDeployment(name);
    await ensureRolloutCrd(h);
    await h.client.create(rollouts, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'canary', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'canary' } },
        template: { metadata: { labels: { app: 'canary' } }, spec: { containers: [{ name: 'app', image: 'a:1' }] } },
        strategy: { canary: { steps: [{ setWeight: 20 }] } },
      },
    });
    await h.client.create(rollouts, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'by-ref', namespace: ns },
      spec: { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'bystander' } },
    });
    op = await start();
  });
  after(async () => {
    await op?.stop();
  });

  it('the first sync restarts nothing', async () => {
    await es('db', 'a', 'deployment/web, deploy/worker, statefulset/missing');
    await es('cache', 'b', 'deployment/web, rollout/canary, ro/by-ref');
    for (const name of ['db', 'cache']) await waitFor(`${name} synced`, () => getSecret(h, ns, name));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const name of ['web', 'worker', 'bystander']) {
      const d = await deployment(name);
      assert.equal(d.metadata?.generation, 1, `${name} untouched`);
    }
  });

  it('a changed value restarts the named workloads once, even when two Secrets of one workload change together', async () => {
    values.a = 'alpha-2';
    values.b = 'beta-2';
    await putValues();
    await waitFor('web restarted for both Secrets', async () => {
      const [db, cache] = [await secretHash('db'), await secretHash('cache')];
      return (await templateHash('web', 'db')) === db && (await templateHash('web', 'cache')) === cache
        ? true
        : undefined;
    });
    await waitFor('worker restarted for db', async () =>
      (await templateHash('worker', 'db')) === (await secretHash('db')) ? true : undefined,
    );
    assert.equal((await deployment('web')).metadata?.generation, 2, 'one rollout of web for the two Secrets');
    const plainHash = (await getSecret(h, ns, 'db'))?.metadata?.annotations?.[
      'reconcile.external-secrets.io/data-hash'
    ];
    assert.ok(plainHash && !JSON.stringify(await deployment('web')).includes(plainHash), 'no plain data-hash');
    assert.equal((await deployment('worker')).metadata?.generation, 2);
    assert.equal((await deployment('bystander')).metadata?.generation, 1, 'a workload not named is left alone');
    await waitFor('the failures reported', async () => {
      const reasons = (await eventsOf(h, ns)).filter((e) => e.reason === 'RolloutRestartFailed');
      return reasons.length >= 2 ? true : undefined;
    });
    const events = await eventsOf(h, ns);
    const restarted = events.filter((e) => e.reason === 'RolloutRestarted').map((e) => String(e.message));
    assert.ok(
      restarted.some((m) => /^restarted deployment\/web: Secret ("db", "cache"|"cache", "db") changed$/.test(m)),
    );
    const failed = events.filter((e) => e.reason === 'RolloutRestartFailed').map((e) => String(e.message));
    assert.ok(failed.some((m) => /statefulset\/missing .*StatefulSet "missing" does not exist in namespace/.test(m)));
    assert.ok(
      failed.some((m) =>
        /rollout\/by-ref .*Rollout "by-ref" has no spec.template \(it uses spec.workloadRef\)/.test(m),
      ),
      failed.join('\n'),
    );
    await waitFor('the Argo Rollout got the new revision', async () => {
      const canary = await h.client.get<Deployment>(rollouts, 'canary', { namespace: ns });
      const recorded = canary.spec.template.metadata?.annotations?.[hashAnnotationKey('cache')];
      return recorded === (await secretHash('cache')) ? true : undefined;
    });
    for (const e of events) assert.ok(!JSON.stringify(e).includes('alpha-') && !JSON.stringify(e).includes('beta-'));
  });

  it('a drift repair that restores the same data restarts nothing', async () => {
    const secret = await getSecret(h, ns, 'db');
    assert.ok(secret);
    secret.data = { value: Buffer.from('tampered').toString('base64') };
    await h.client.update(Resources.secrets, secret);
    await waitFor('repaired', async () =>
      Buffer.from((await getSecret(h, ns, 'db'))?.data?.value ?? '', 'base64').toString() === 'alpha-2'
        ? true
        : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await deployment('web')).metadata?.generation, 2);
  });

  it('a malformed annotation is Ready=False saying what to write', async () => {
    await es('typo', 'a', 'deployment:web');
    const ready = await waitFor('typo Ready=False', async () => {
      const r = readyOf(await getExternalSecret(h, ns, 'typo'));
      return r?.status === 'False' ? r : undefined;
    });
    assert.match(
      ready.message ?? '',
      /invalid custos\.dev\/rollout-restart entry "deployment:web": write <kind>\/<name>/,
    );
  });

  it('after an operator restart, only a restart the previous one missed is done', async () => {
    await op?.stop();
    op = undefined;
    // The operator was stopped after writing the new value but before restarting worker: put worker back.
    const worker = await deployment('worker');
    worker.spec.template.metadata = {
      ...worker.spec.template.metadata,
      annotations: { ...worker.spec.template.metadata?.annotations, [hashAnnotationKey('db')]: 'an-older-hash' },
    };
    await h.client.update(deployments, worker);
    const workerGeneration = (await deployment('worker')).metadata?.generation ?? 0;
    op = await start();
    await waitFor('worker caught up', async () =>
      (await templateHash('worker', 'db')) === (await secretHash('db')) ? true : undefined,
    );
    assert.equal((await deployment('worker')).metadata?.generation, workerGeneration + 1);
    assert.equal((await deployment('web')).metadata?.generation, 2, 'web had its restart: not restarted again');
    assert.equal((await deployment('bystander')).metadata?.generation, 1);
  });
});
