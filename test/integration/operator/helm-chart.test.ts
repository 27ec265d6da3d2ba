// The Helm chart (deploy/helm/custos-operator) rendered by a real helm (tools/helm/build.sh builds Helm v4 from the
// Go module proxy) is exactly what `custos deploy print` prints for the same settings, so the chart can never drift
// from the manifests the install test runs the operator on; it lints clean, `helm install` puts it on the real
// control plane, and the upgrade path of docs/operator.md (Upgrading) works: `custos crds install` again, then
// `helm upgrade --skip-crds`, then `helm rollback`.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { allCrds } from '../../../src/api/crds.js';
import { cliVersion } from '../../../src/cli/version.js';
import { isNotFound, type KubeObject, Resources } from '../../../src/kube/index.js';
import { CHART_DIR } from '../../../src/operator/install/helm-chart.js';
import { DEFAULT_INSTALL, type InstallOptions, operatorManifests } from '../../../src/operator/install/manifests.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { repoRoot } from '../../helpers/template-corpus.js';
import { createExternalSecret, createFakeStore, getExternalSecret, harness } from './harness.js';

function helmOrSkip(): { helm?: string; skip?: string } {
  if (integration.skipReason) return { skip: integration.skipReason };
  const build = spawnSync('bash', [join(repoRoot, 'tools', 'helm', 'build.sh')], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  if (build.status === 0) return { helm: build.stdout.trim().split('\n').pop() };
  if (build.status === 3 && process.env.CI !== 'true') return { skip: 'no helm and no Go to build one' };
  throw new Error(`tools/helm/build.sh failed (exit ${build.status}):\n${build.stderr}`);
}
const { helm, skip } = helmOrSkip();
const chart = join(repoRoot, CHART_DIR);

function runHelm(args: string[]): string {
  const run = spawnSync(helm ?? 'helm', args, { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${run.stderr}${run.stdout}`);
  return run.stdout;
}

type Doc = { kind: string; metadata: { name: string; namespace?: string } };
type PodTemplate = {
  metadata: { annotations?: Record<string, string> };
  spec: {
    nodeSelector?: Record<string, string>;
    tolerations?: unknown[];
    containers: Array<{ args: string[]; imagePullPolicy?: string }>;
  };
};
const deployments = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
} as const;
type DeploymentObject = KubeObject & {
  spec: { replicas: number; template: { spec: { containers: Array<{ image: string; args: string[] }> } } };
};

/** `custos ...` as a user runs it: the real binary (bin/custos.js). */
const custos = (...args: string[]) =>
  promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'custos.js'), ...args], {
    cwd: repoRoot,
    timeout: 120_000,
  });

const keyed = (docs: Doc[]) =>
  new Map(docs.map((d) => [`${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`, d] as const));
const documents = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJSON() as Doc | null)
    .filter((d): d is Doc => d !== null);

describe('the Helm chart renders what custos deploy print prints', { skip }, () => {
  const cases: Array<{ name: string; release: string; set: string[]; options: Partial<InstallOptions> }> = [
    { name: 'defaults', release: 'custos-operator', set: [], options: {} },
    {
      name: 'one namespace, a class, more workers, three replicas, an image',
      release: 'custos-operator',
      set: [
        'watchNamespace=team-a',
        'controllerClass=team-a',
        'concurrency=8',
        'replicaCount=3',
        'image.repository=registry.example/custos',
        'image.tag=1.2.3',
      ],
      options: {
        watchNamespace: 'team-a',
        controllerClass: 'team-a',
        concurrency: 8,
        replicas: 3,
        image: 'registry.example/custos:1.2.3',
      },
    },
    {
      name: 'without the webhook',
      release: 'custos-operator',
      set: ['webhook.create=false'],
      options: { webhook: false },
    },
    { name: 'named after the release', release: 'secrets', set: [], options: { name: 'secrets' } },
    {
      name: 'with rollout restarts',
      release: 'custos-operator',
      set: ['rolloutRestarts.enabled=true'],
      options: { rolloutRestarts: true },
    },
    {
      name: 'with rollout restarts, in one namespace',
      release: 'custos-operator',
      set: ['rolloutRestarts.enabled=true', 'watchNamespace=team-a'],
      options: { rolloutRestarts: true, watchNamespace: 'team-a' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rendered = documents(
        runHelm(['template', c.release, chart, '--namespace', 'custos-system', ...c.set.flatMap((s) => ['--set', s])]),
      );
      const expected = operatorManifests({
        ...DEFAULT_INSTALL,
        image: `custos:${cliVersion()}`,
        ...c.options,
      }).filter((m) => m.kind !== 'Namespace') as unknown as Doc[];
      const got = keyed(rendered);
      const want = keyed(expected);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [key, doc] of want) assert.deepEqual(got.get(key), doc, key);
    });
  }

  it('renders the pod settings a chart user expects', () => {
    const rendered = documents(
      runHelm([
        'template',
        'custos-operator',
        chart,
        '-n',
        'custos-system',
        '--set',
        'nodeSelector.pool=system',
        '--set',
        'tolerations[0].key=dedicated',
        '--set',
        'tolerations[0].operator=Exists',
        '--set',
        'podAnnotations.team=platform',
        '--set',
        'extraArgs[0]=--client-qps=100',
        '--set',
        'image.pullPolicy=Always',
      ]),
    );
    const pod = (rendered.find((d) => d.kind === 'Deployment') as unknown as { spec: { template: PodTemplate } }).spec
      .template;
    assert.deepEqual(pod.spec.nodeSelector, { pool: 'system' });
    assert.deepEqual(pod.spec.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
    assert.deepEqual(pod.metadata.annotations, { team: 'platform' });
    assert.equal(pod.spec.containers[0]?.args.at(-1), '--client-qps=100');
    assert.equal(pod.spec.containers[0]?.imagePullPolicy, 'Always');
  });

  it('lints clean, and helm install puts it on the real control plane', async () => {
    runHelm(['lint', '--strict', chart]);
    const h = await harness();
    const { kubeconfigPath } = await integration.cluster();
    const release = uniqueName('custos-helm').slice(0, 40);
    const namespace = uniqueName('helm');
    // Without the webhook: this control plane is shared with other test files, and a webhook with no pods behind
    // it (no kubelet here) would refuse their ExternalSecrets.
    const common = ['--kubeconfig', kubeconfigPath, '--namespace', namespace];
    // --skip-crds: the CRDs are there already (installed with `custos crds install`, as docs/operator.md says to do
    // on a cluster that has CRDs; Helm v4's server-side apply of crds/ would report a field conflict).
    runHelm([
      'install',
      release,
      chart,
      ...common,
      '--create-namespace',
      '--skip-crds',
      '--set',
      'webhook.create=false',
    ]);
    try {
      const deployment = await h.client.get(deployments, release, { namespace });
      assert.equal(deployment.metadata?.labels?.['app.kubernetes.io/name'], release);
      await h.client.get(Resources.serviceAccounts, release, { namespace });
    } finally {
      runHelm(['uninstall', release, ...common]);
    }
    await assert.rejects(h.client.get(Resources.serviceAccounts, release, { namespace }), (e) => isNotFound(e));
  });

  it('upgrades as docs/operator.md says: custos crds install again, helm upgrade --skip-crds, helm rollback', async () => {
    const h = await harness();
    const { kubeconfigPath } = await integration.cluster();
    const release = uniqueName('custos-upg').slice(0, 40);
    const namespace = uniqueName('helm-upgrade');
    const common = ['--kubeconfig', kubeconfigPath, '--namespace', namespace];
    const crdNames = allCrds().map((c) => c.metadata.name);
    const installCrds = async () => {
      const { stdout } = await custos('crds', 'install', '--kubeconfig', kubeconfigPath);
      assert.deepEqual(
        stdout.trim().split('\n'),
        crdNames.map((name) => `customresourcedefinition/${name} established`),
      );
    };
    const crdVersion = async () =>
      (await h.client.get(Resources.customResourceDefinitions, 'externalsecrets.external-secrets.io')).metadata
        ?.resourceVersion;
    const operator = async () => {
      const d = await h.client.get<DeploymentObject>(deployments, release, { namespace });
      const container = d.spec.template.spec.containers[0];
      return {
        replicas: d.spec.replicas,
        image: container?.image,
        concurrency: container?.args.find((a) => a.startsWith('--concurrency=')),
        webhook: container?.args.some((a) => a.startsWith('--webhook-addr=')),
      };
    };

    // The install (the CRDs: the harness applied them already, this is the documented first step).
    await installCrds();
    const installed = runHelm([
      'install',
      release,
      chart,
      ...common,
      '--create-namespace',
      '--skip-crds',
      '--set',
      'webhook.create=false',
    ]);
    assert.match(installed, /custos crds install/, 'NOTES.txt reminds of the CRDs');
    try {
      const before = { replicas: 2, image: `custos:${cliVersion()}`, concurrency: undefined, webhook: false };
      assert.deepEqual(await operator(), before);
      // An ExternalSecret that exists before the upgrade. Its store has a class no operator serves, so no test
      // operator on this shared control plane syncs it; only the upgrade could change it.
      const store = await createFakeStore(h, namespace, 'store', [{ key: 'k', value: 'v' }], {
        controller: `${release}-none`,
      });
      const es = await createExternalSecret(h, namespace, 'es', {
        secretStoreRef: { name: 'store', kind: 'SecretStore' },
        data: [{ secretKey: 'k', remoteRef: { key: 'k' } }],
      });

      // The upgrade: the new version's CRDs first (server-side apply again over the installed ones; a real schema
      // change is not made here, as this control plane's CRDs are shared with test files that check a re-install
      // rewrites nothing), then the chart with new values and --skip-crds.
      await installCrds();
      const crdsBefore = await crdVersion();
      const upgraded = runHelm([
        'upgrade',
        release,
        chart,
        ...common,
        '--skip-crds',
        '--reset-then-reuse-values',
        '--set',
        'image.tag=0.2.0',
        '--set',
        'replicaCount=3',
        '--set',
        'concurrency=8',
      ]);
      assert.match(upgraded, /was upgraded/);
      assert.deepEqual(await operator(), {
        replicas: 3,
        image: 'custos:0.2.0',
        concurrency: '--concurrency=8',
        webhook: false, // the install's webhook.create=false is kept
      });

      runHelm(['rollback', release, ...common]); // to the previous revision, the install
      assert.deepEqual(await operator(), before);
      assert.equal(await crdVersion(), crdsBefore, 'helm upgrade and rollback leave the CRDs alone');

      // The ExternalSecret and its store came through the second CRD install, the upgrade and the rollback.
      const kept = [
        [es, await getExternalSecret(h, namespace, 'es')],
        [store, await h.client.get(OperatorResources.secretStores, 'store', { namespace })],
      ] as const;
      for (const [created, now] of kept) {
        assert.equal(now.metadata?.uid, created.metadata?.uid, created.kind);
        assert.equal(now.metadata?.generation, created.metadata?.generation, created.kind);
        assert.deepEqual(now.spec, created.spec, created.kind);
      }
    } finally {
      runHelm(['uninstall', release, ...common]);
    }
  });
});
