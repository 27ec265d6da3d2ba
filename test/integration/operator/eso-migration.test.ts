// Switching from ESO to Custos and back, with the real ESO v0.16.2: ESO syncs a namespace of ExternalSecrets (plain,
// templated, extract, Merge into an existing Secret, Orphan, Delete, immutable); ESO stops and Custos starts on the
// same objects. Custos must write no Secret at all (it adopts ESO's, hashes and field managers included) and then
// own them (a rotation reaches the Secret). Rolling back to ESO must not rewrite them either.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { type EsoBuild, type EsoProcess, startEso } from '../../helpers/eso-oracle.js';
import { build, skip } from './eso-differential-harness.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  getSecret,
  type Harness,
  harness,
  readyOf,
  setFakeData,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

const data = (k: string) => [{ secretKey: 'value', remoteRef: { key: k } }];
const CASES: Record<string, ExternalSecretSpec> = {
  plain: { data: data('k1') },
  templated: {
    data: data('k1'),
    target: {
      template: {
        type: 'kubernetes.io/basic-auth',
        metadata: { labels: { team: 'payments' }, annotations: { owner: 'platform' } },
        data: { username: 'app', password: '{{ .value | upper }}' },
      },
    },
  },
  extract: { dataFrom: [{ extract: { key: 'json' } }] },
  merge: { data: data('k2'), target: { name: 'existing', creationPolicy: 'Merge' } },
  orphan: { data: data('k2'), target: { creationPolicy: 'Orphan' } },
  'delete-policy': { data: data('k2'), target: { deletionPolicy: 'Delete' } },
  immutable: { data: data('k2'), target: { immutable: true } },
};
const targetOf = (name: string) => (name === 'merge' ? 'existing' : name);

describe(`switching from the real ESO ${'v0.16.2'} to Custos and back`, { skip }, () => {
  let h: Harness;
  let ns: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  const klass = uniqueName('migrate');
  const storeData = (k1: string) => [
    { key: 'k1', value: k1 },
    { key: 'k2', value: 'second-value' },
    { key: 'json', value: JSON.stringify({ user: 'app', port: '5432' }) },
  ];

  /** resourceVersion of every target Secret and every ExternalSecret. */
  async function versions(): Promise<Record<string, string | undefined>> {
    const out: Record<string, string | undefined> = {};
    for (const name of Object.keys(CASES)) {
      out[`Secret ${targetOf(name)}`] = (await getSecret(h, ns, targetOf(name)))?.metadata?.resourceVersion;
      out[`ExternalSecret ${name}`] = (
        await h.client.get(OperatorResources.externalSecrets, name, { namespace: ns })
      ).metadata?.resourceVersion;
    }
    return out;
  }
  const allReady = () =>
    waitFor(
      'every ExternalSecret Ready',
      async () => {
        for (const name of Object.keys(CASES)) {
          const es = await h.client.get(OperatorResources.externalSecrets, name, { namespace: ns });
          if (readyOf(es as never)?.status !== 'True') return false;
          if (!(await getSecret(h, ns, targetOf(name)))) return false;
        }
        return true;
      },
      60_000,
    );
  const startRealEso = async () => {
    const { kubeconfigPath } = await integration.cluster();
    eso = await startEso(build as EsoBuild, {
      kubeconfigPath,
      kc: h.kc,
      controllerClass: klass,
      concurrent: 2,
      namespace: ns,
      clusterScoped: false,
    });
  };
  /** Custos has reconciled each ExternalSecret at least once. */
  const custosReconciledAll = async (operator: OperatorHandle) => {
    await waitFor('Custos to reconcile every ExternalSecret', async () => {
      const text = await operator.metrics.registry.getSingleMetricAsString('externalsecret_sync_calls_total');
      return Object.keys(CASES).every((name) => new RegExp(`name="${name}",namespace="${ns}"\\} [1-9]`).test(text));
    });
  };

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'migrate');
    await createFakeStore(h, ns, 'store', storeData('first-value'), { controller: klass });
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'existing', namespace: ns },
      stringData: { 'kept-by-user': 'mine' },
    } as KubeObject);
    for (const [name, spec] of Object.entries(CASES)) {
      await createExternalSecret(h, ns, name, { secretStoreRef: { name: 'store' }, refreshInterval: '1h', ...spec });
    }
  });
  after(async () => {
    await op?.stop();
    await eso?.stop();
  });

  it('ESO syncs; Custos takes over without writing a Secret, then owns them; ESO takes back without writes', async () => {
    await startRealEso();
    await allReady();
    await sleep(2000); // ESO's second reconcile of each (status in its cache) has happened
    eso?.assertRunning();
    const underEso = await versions();
    const esoSecrets = Object.fromEntries(
      await Promise.all(
        Object.keys(CASES).map(async (n) => [n, decode((await getSecret(h, ns, targetOf(n)))?.data)] as const),
      ),
    );
    assert.deepEqual(esoSecrets.templated, { username: 'app', password: 'FIRST-VALUE' });
    assert.deepEqual(esoSecrets.merge, { 'kept-by-user': 'mine', value: 'second-value' });
    const esoStatuses: Record<string, unknown> = {};
    for (const name of Object.keys(CASES)) {
      esoStatuses[name] = (
        await h.client.get<KubeObject & { status?: unknown }>(OperatorResources.externalSecrets, name, {
          namespace: ns,
        })
      ).status;
    }
    await eso?.stop();
    eso = undefined;

    op = await startTestOperator(h, { namespace: ns, controllerClass: klass, concurrency: 2 });
    await custosReconciledAll(op);
    await sleep(1000);
    const underCustos = await versions();
    const secretsRewritten = Object.keys(underEso).filter(
      (k) => k.startsWith('Secret') && underEso[k] !== underCustos[k],
    );
    assert.deepEqual(secretsRewritten, [], 'Custos adopted every Secret ESO wrote without writing it');
    // No status write either: Custos computes the same status ESO wrote. The one change to an ExternalSecret is
    // newer ESO's cleanup finalizer on the deletionPolicy=Delete one (v0.16.2 relies on the owner reference only).
    const objectsRewritten = Object.keys(underEso).filter(
      (k) => k.startsWith('ExternalSecret') && underEso[k] !== underCustos[k],
    );
    assert.deepEqual(objectsRewritten, ['ExternalSecret delete-policy']);
    for (const name of Object.keys(CASES)) {
      const es = await h.client.get<KubeObject & { status?: unknown }>(OperatorResources.externalSecrets, name, {
        namespace: ns,
      });
      assert.deepEqual(es.status, esoStatuses[name], `${name}: the status ESO wrote`);
      assert.deepEqual(
        es.metadata?.finalizers ?? [],
        name === 'delete-policy' ? ['externalsecrets.external-secrets.io/externalsecret-cleanup'] : [],
      );
    }

    // Custos is in charge now: a rotation reaches the Secrets that follow k1.
    await setFakeData(h, ns, 'store', storeData('rotated-value'));
    await h.client.patch(
      OperatorResources.externalSecrets,
      'plain',
      { metadata: { annotations: { 'force-sync': '1' } } },
      { namespace: ns },
    );
    await waitFor(
      'the rotation under Custos',
      async () => decode((await getSecret(h, ns, 'plain'))?.data).value === 'rotated-value',
    );
    await op.stop();
    op = undefined;

    // And back: ESO finds every Secret valid and fresh, and writes none of them.
    const beforeRollback = await versions();
    await startRealEso();
    await sleep(4000);
    (eso as EsoProcess | undefined)?.assertRunning();
    const underEsoAgain = await versions();
    const rewrittenByEso = Object.keys(beforeRollback).filter(
      (k) => k.startsWith('Secret') && beforeRollback[k] !== underEsoAgain[k],
    );
    assert.deepEqual(rewrittenByEso, [], 'ESO took the Secrets back without writing them');
    assert.equal(decode((await getSecret(h, ns, 'plain'))?.data).value, 'rotated-value');
  });
});
