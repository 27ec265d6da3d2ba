// Differential test of the cluster-scoped kinds, ClusterExternalSecret and ClusterPushSecret: the real ESO
// (tools/eso-oracle) and Custos each get a control plane of their own (ESO's controllers for these kinds cannot be
// limited to a namespace or class, so the shared test cluster will not do), the same namespaces, the same
// ClusterSecretStore and the same manifests, and must end in the same state after every step: the parent's status
// (conditions, provisioned and failed namespaces, child name), each namespace's child (labels, annotations, owner,
// spec, Ready) and, for an ExternalSecret child, the Secret it writes; for a PushSecret child, what it reports pushed.
//
// Deliberate differences, named and left out of the comparison: Custos follows ESO v2.9, which puts a cleanup
// finalizer on the parent (and, for a CES, one per CES on each provisioned Namespace) and copies the force-sync
// annotation onto ExternalSecret children; v0.16.2 (the newest ESO the Go module proxy serves whole) has neither,
// and relies on the garbage collector alone when a parent is deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { installCrds } from '../../../src/api/install.js';
import type { ControlPlane } from '../../../src/kube/controlplane/index.js';
import { isNotFound, KubeClient, type KubeObject, Resources, type ResourceType } from '../../../src/kube/index.js';
import { ClusterExternalSecrets } from '../../../src/operator/clusterexternalsecret/index.js';
import { clusterExternalSecretOperatorController } from '../../../src/operator/clusterexternalsecret/operator-controller.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { startOperator } from '../../../src/operator/index.js';
import {
  clusterPushSecretOperatorController,
  PushSecretResources,
  pushSecretController,
  pushSecretStoreFinalizerController,
} from '../../../src/operator/pushsecret/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoBuild, type EsoProcess, esoVersion, startEsoWithMetrics } from '../../helpers/eso-oracle.js';
import { type Family, labelNameSets, parsePrometheusText } from '../../helpers/prometheus-text.js';
import { build, skip } from './eso-differential-harness.js';

type Side = 'eso' | 'custos';
const sides: Side[] = ['eso', 'custos'];

interface SideState {
  plane: ControlPlane;
  client: KubeClient;
  kc: KubeConfig;
}

// The same names on both planes, so the two states compare as they are.
const namespaces = ['team-a', 'team-b', 'team-c', 'team-d'];
const selectedLabel = { tier: 'apps' };
const remote = [
  { key: 'db/password', value: 'pw-1' },
  { key: 'db/user', value: 'app-user' },
  { key: 'api/token', value: 'tok-1' },
];

type Parent = KubeObject & {
  status?: {
    conditions?: Array<Record<string, unknown>>;
    provisionedNamespaces?: string[];
    failedNamespaces?: Array<{ namespace: string; reason?: string }>;
    externalSecretName?: string;
    pushSecretName?: string;
  };
};
type Child = KubeObject & {
  spec?: Record<string, unknown>;
  status?: {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    syncedPushSecrets?: unknown;
  };
};

/** A cluster-scoped parent kind, its child kind, and what a child produced that a user would look at. */
interface ParentKind {
  parent: ResourceType;
  child: ResourceType;
  output(client: KubeClient, child: Child): Promise<unknown>;
}

const decodeData = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

const kinds = {
  /** An ExternalSecret child produces its Secret. */
  ces: {
    parent: ClusterExternalSecrets,
    child: OperatorResources.externalSecrets,
    async output(client, child) {
      const { name, namespace } = child.metadata ?? {};
      const secret = await orUndefined(
        client.get<KubeObject & { data?: Record<string, string> }>(Resources.secrets, name ?? '', { namespace }),
      );
      return secret && { secret: decodeData(secret.data) };
    },
  },
  /** A PushSecret child reports what it pushed where, and why not. */
  cps: {
    parent: PushSecretResources.clusterPushSecrets,
    child: PushSecretResources.pushSecrets,
    async output(_client, child) {
      const ready = child.status?.conditions?.find((c) => c.type === 'Ready');
      return { message: ready?.message, syncedPushSecrets: child.status?.syncedPushSecrets };
    },
  },
} satisfies Record<string, ParentKind>;

const orUndefined = <T>(p: Promise<T>) =>
  p.catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });

/** What a user sees of one parent on one side: its status, and per namespace the child and what it produced. */
async function snapshot(client: KubeClient, kind: ParentKind, name: string, childNames: string[]) {
  const parent = await orUndefined(client.get<Parent>(kind.parent, name));
  const children: Record<string, unknown> = {};
  for (const namespace of namespaces) {
    for (const childName of childNames) {
      const child = await orUndefined(client.get<Child>(kind.child, childName, { namespace }));
      if (!child) continue;
      const ready = child.status?.conditions?.find((c) => c.type === 'Ready');
      children[`${namespace}/${childName}`] = {
        labels: child.metadata?.labels ?? {},
        annotations: child.metadata?.annotations ?? {},
        owners: child.metadata?.ownerReferences?.map(({ uid: _uid, ...rest }) => rest),
        spec: child.spec,
        ready: ready && { status: ready.status, reason: ready.reason },
        output: await kind.output(client, child),
      };
    }
  }
  const status = parent?.status;
  return {
    exists: parent !== undefined,
    status: status && {
      conditions: status.conditions?.map(({ lastTransitionTime: _t, ...rest }) => rest),
      provisionedNamespaces: status.provisionedNamespaces,
      failedNamespaces: status.failedNamespaces,
      childName: status.externalSecretName ?? status.pushSecretName,
    },
    children,
  };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

describe(`differential: ClusterExternalSecret, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  const state = {} as Record<Side, SideState>;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  let esoMetrics = '';

  const forEachSide = (fn: (s: SideState, side: Side) => Promise<unknown>) =>
    Promise.all(sides.map((side) => fn(state[side], side)));

  /**
   * Waits until ESO's state satisfies `done` (the step took effect there) and Custos's equals it, then asserts the
   * two are equal (a difference fails with the diff).
   */
  async function compareAfter(
    what: string,
    kind: ParentKind,
    name: string,
    childNames: string[],
    done: (s: Snapshot) => boolean,
    timeoutMs = 30_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    let last: Record<Side, Snapshot> | undefined;
    for (;;) {
      eso?.assertRunning();
      const [ofEso, ofCustos] = await Promise.all(
        sides.map((side) => snapshot(state[side].client, kind, name, childNames)),
      );
      last = { eso: ofEso as Snapshot, custos: ofCustos as Snapshot };
      if (done(last.eso) && JSON.stringify(last.eso) === JSON.stringify(last.custos)) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(done(last.eso), `${what}: ESO's state never got there: ${JSON.stringify(last.eso)}`);
    assert.deepEqual(last.custos, last.eso, what);
  }

  const cesSpec = (overrides: Record<string, unknown> = {}) => ({
    namespaceSelectors: [{ matchLabels: selectedLabel }],
    externalSecretMetadata: { labels: { app: 'web' }, annotations: { owner: 'platform' } },
    refreshTime: '1m',
    externalSecretSpec: {
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'shared' },
      refreshInterval: '1h',
      data: [{ secretKey: 'password', remoteRef: { key: 'db/password' } }],
    },
    ...overrides,
  });
  const patchCes = (name: string, patch: Record<string, unknown>) =>
    forEachSide((s) => s.client.patch(ClusterExternalSecrets, name, patch));
  const labelNamespace = (name: string, selected: boolean) =>
    forEachSide((s) =>
      s.client.patch(Resources.namespaces, name, { metadata: { labels: { tier: selected ? 'apps' : null } } }),
    );

  before(async () => {
    const planes = await Promise.all([integration.startPrivate(), integration.startPrivate()]);
    sides.forEach((side, i) => {
      const plane = planes[i] as ControlPlane;
      const kc = new KubeConfig();
      kc.loadFromFile(plane.kubeconfigPath);
      state[side] = { plane, kc, client: new KubeClient(kc, { qps: 0 }) };
    });
    await forEachSide(async (s) => {
      await installCrds(s.kc);
      for (const name of namespaces) {
        await s.client.create(Resources.namespaces, {
          metadata: { name, labels: name === 'team-a' || name === 'team-b' ? selectedLabel : {} },
        });
      }
      for (const namespace of namespaces) {
        await s.client.create(Resources.secrets, {
          metadata: { name: 'db', namespace },
          stringData: { password: `pw-of-${namespace}` },
        });
      }
      await s.client.create(OperatorResources.clusterSecretStores, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: 'shared' },
        spec: { provider: { fake: { data: remote } } },
      });
    });
    const started = await startEsoWithMetrics(build as EsoBuild, {
      kubeconfigPath: state.eso.plane.kubeconfigPath,
      kc: state.eso.kc,
      controllerClass: 'default',
      concurrent: 2,
      clusterScoped: true,
    });
    eso = started;
    esoMetrics = started.metricsUrl;
    op = await startOperator({
      kubeConfig: state.custos.kc,
      logger: pino({ level: 'silent' }),
      metricsAddr: '127.0.0.1:0',
      concurrency: 2,
      controllers: [
        clusterExternalSecretOperatorController,
        clusterPushSecretOperatorController,
        pushSecretController(),
        pushSecretStoreFinalizerController,
      ],
    });
  });

  after(async () => {
    await op?.stop();
    await eso?.stop();
    for (const side of sides) {
      state[side]?.client.close();
      await state[side]?.plane.stop();
    }
  });

  it('stamps a child into every selected namespace, each syncing its Secret', async () => {
    await forEachSide((s) =>
      s.client.create(ClusterExternalSecrets, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterExternalSecret',
        metadata: { name: 'apps' },
        spec: cesSpec(),
      }),
    );
    await compareAfter(
      'after create',
      kinds.ces,
      'apps',
      ['apps'],
      (s) =>
        s.status?.provisionedNamespaces?.length === 2 &&
        Object.values(s.children).every((c) => (c as { output?: unknown }).output !== undefined),
    );
  });

  it('follows namespace labels: a newly selected namespace gets a child, a deselected one loses it', async () => {
    await labelNamespace('team-c', true);
    await labelNamespace('team-a', false);
    await compareAfter(
      'after relabelling',
      kinds.ces,
      'apps',
      ['apps'],
      (s) => 'team-c/apps' in s.children && !('team-a/apps' in s.children),
    );
  });

  it('carries spec and metadata changes to every child and its Secret', async () => {
    await patchCes('apps', {
      spec: {
        externalSecretMetadata: { labels: { app: 'web', tier: 'gold' }, annotations: null },
        externalSecretSpec: {
          data: [
            { secretKey: 'password', remoteRef: { key: 'db/password' } },
            { secretKey: 'user', remoteRef: { key: 'db/user' } },
          ],
        },
      },
    });
    await compareAfter('after a spec change', kinds.ces, 'apps', ['apps'], (s) =>
      Object.values(s.children).every(
        (c) => (c as { output?: { secret: Record<string, string> } }).output?.secret.user === 'app-user',
      ),
    );
  });

  it('reports a namespace whose same-named ExternalSecret it does not own as failed, and leaves that one alone', async () => {
    await forEachSide((s) =>
      s.client.create(OperatorResources.externalSecrets, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'apps', namespace: 'team-d', labels: { mine: 'yes' } },
        spec: {
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'shared' },
          refreshInterval: '1h',
          data: [{ secretKey: 'token', remoteRef: { key: 'api/token' } }],
        },
      }),
    );
    await labelNamespace('team-d', true);
    await compareAfter(
      'with a foreign ExternalSecret in a selected namespace',
      kinds.ces,
      'apps',
      ['apps'],
      (s) => (s.status?.failedNamespaces?.length ?? 0) === 1 && s.status?.conditions?.[0]?.status === 'False',
    );
  });

  it('renames the children when externalSecretName changes, deleting the old ones', async () => {
    await labelNamespace('team-d', false);
    await patchCes('apps', { spec: { externalSecretName: 'apps-renamed' } });
    await compareAfter(
      'after a rename',
      kinds.ces,
      'apps',
      ['apps', 'apps-renamed'],
      (s) =>
        s.status?.childName === 'apps-renamed' &&
        Object.keys(s.children).every((k) => k.endsWith('/apps-renamed') || k === 'team-d/apps'),
    );
  });

  it('takes namespaces from the plain list and the selectors together', async () => {
    await forEachSide((s) =>
      s.client.create(ClusterExternalSecrets, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterExternalSecret',
        metadata: { name: 'listed' },
        spec: cesSpec({
          namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': 'team-b' } }],
          namespaces: ['team-a'],
          externalSecretMetadata: undefined,
        }),
      }),
    );
    await compareAfter(
      'with namespaces and selectors',
      kinds.ces,
      'listed',
      ['listed'],
      (s) => s.status?.provisionedNamespaces?.length === 2,
    );
  });

  it('removes every child once the ClusterExternalSecret is deleted', async () => {
    await forEachSide((s) => s.client.delete(ClusterExternalSecrets, 'apps'));
    await compareAfter(
      'after delete',
      kinds.ces,
      'apps',
      ['apps', 'apps-renamed'],
      (s) => !s.exists && Object.keys(s.children).every((k) => k === 'team-d/apps'),
      // ESO v0.16.2 leaves the children to the garbage collector, whose discovery of new kinds runs every 30 s.
      90_000,
    );
  });

  it('ClusterPushSecret: stamps a PushSecret into every selected namespace, each pushing its Secret', async () => {
    await forEachSide((s) =>
      s.client.create(PushSecretResources.clusterPushSecrets, {
        apiVersion: 'external-secrets.io/v1alpha1',
        kind: 'ClusterPushSecret',
        metadata: { name: 'push-db' },
        spec: {
          namespaceSelectors: [{ matchLabels: selectedLabel }],
          pushSecretMetadata: { labels: { app: 'db' } },
          refreshTime: '1m',
          pushSecretSpec: {
            refreshInterval: '90s',
            secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'shared' }],
            selector: { secret: { name: 'db' } },
            data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'pushed/password' } } }],
          },
        },
      }),
    );
    await compareAfter(
      'ClusterPushSecret after create',
      kinds.cps,
      'push-db',
      ['push-db'],
      (s) =>
        (s.status?.provisionedNamespaces?.length ?? 0) > 0 &&
        Object.values(s.children).every((c) => (c as { ready?: unknown }).ready !== undefined),
    );
  });

  it('ClusterPushSecret: reports a namespace with a PushSecret of the same name it does not own', async () => {
    await forEachSide((s) =>
      s.client.create(PushSecretResources.pushSecrets, {
        apiVersion: 'external-secrets.io/v1alpha1',
        kind: 'PushSecret',
        metadata: { name: 'push-db-taken', namespace: 'team-b' },
        spec: {
          secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'shared' }],
          selector: { secret: { name: 'db' } },
          data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'mine' } } }],
        },
      }),
    );
    await forEachSide((s) =>
      s.client.patch(PushSecretResources.clusterPushSecrets, 'push-db', { spec: { pushSecretName: 'push-db-taken' } }),
    );
    await compareAfter(
      'ClusterPushSecret with a foreign PushSecret in a selected namespace',
      kinds.cps,
      'push-db',
      ['push-db', 'push-db-taken'],
      (s) => (s.status?.failedNamespaces?.length ?? 0) === 1 && s.status?.childName === 'push-db-taken',
    );
  });

  it('ClusterPushSecret: removes its children once deleted', async () => {
    await forEachSide((s) => s.client.delete(PushSecretResources.clusterPushSecrets, 'push-db'));
    await compareAfter(
      'ClusterPushSecret after delete',
      kinds.cps,
      'push-db',
      ['push-db', 'push-db-taken'],
      (s) => !s.exists && Object.keys(s.children).every((k) => k === 'team-b/push-db-taken'),
      // ESO v0.16.2 leaves the children to the garbage collector, whose discovery of new kinds runs every 30 s.
      90_000,
    );
  });

  // Runs last: by now one ClusterExternalSecret is left (Ready), the others were deleted (their series removed).
  it("exposes ESO's metrics for these kinds, with the same labels and status values", async () => {
    const scrape = async (url: string) => parsePrometheusText(await (await fetch(url)).text());
    const ofEso = await scrape(esoMetrics);
    const ofCustos = await scrape(`http://${op?.httpAddress}/metrics`);
    const theseKinds = /^(clusterexternalsecret|clusterpushsecret|pushsecret)_/;
    const families = [...ofEso.values()].filter((f) => theseKinds.test(f.name) && f.samples.length > 0);
    assert.ok(families.length >= 3, `ESO exposes metrics of these kinds (${families.map((f) => f.name)})`);
    for (const family of families) {
      const custos = ofCustos.get(family.name);
      assert.ok(custos, `Custos exposes ${family.name}`);
      assert.equal(custos.type, family.type, `${family.name} type`);
      assert.deepEqual(labelNameSets(custos), labelNameSets(family), `${family.name} label names`);
    }
    const series = (families: Map<string, Family>, metric: string) =>
      Object.fromEntries(
        (families.get(metric)?.samples ?? []).map((s) => [
          `${s.labels.namespace}/${s.labels.name} ${s.labels.condition}=${s.labels.status}`,
          s.value,
        ]),
      );
    // ESO v0.16.2 never drops the pushsecret_* series of a deleted PushSecret (its controller has no RemoveMetrics
    // for them), so its series of objects that no longer exist are left out; Custos must have none of those.
    const existing = new Set(
      (await state.eso.client.list(PushSecretResources.pushSecrets)).items.map(
        (ps) => `${ps.metadata?.namespace}/${ps.metadata?.name}`,
      ),
    );
    const ofExisting = (all: Record<string, number>) =>
      Object.fromEntries(Object.entries(all).filter(([key]) => existing.has(key.split(' ')[0] as string)));
    assert.deepEqual(
      series(ofCustos, 'pushsecret_status_condition'),
      ofExisting(series(ofEso, 'pushsecret_status_condition')),
      'pushsecret_status_condition',
    );
    assert.deepEqual(
      series(ofCustos, 'clusterexternalsecret_status_condition'),
      series(ofEso, 'clusterexternalsecret_status_condition'),
      'clusterexternalsecret_status_condition',
    );
    const controllers = (families: Map<string, Family>) =>
      [...new Set(families.get('controller_runtime_reconcile_total')?.samples.map((s) => s.labels.controller))].sort();
    for (const controller of ['clusterexternalsecret', 'clusterpushsecret', 'pushsecret']) {
      assert.ok(controllers(ofCustos).includes(controller), `reconciles of ${controller} counted`);
    }
  });
});
