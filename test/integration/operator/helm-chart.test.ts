// The Helm chart (deploy/helm/custos-operator) rendered by a real helm (tools/helm/build.sh builds Helm v4 from the
// Go module proxy) is exactly what `custos deploy print` prints for the same settings, so the chart can never drift
// from the manifests the install test runs the operator on; it lints clean and `helm install` puts it on the real
// control plane.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { cliVersion } from '../../../src/cli/version.js';
import { isNotFound, Resources } from '../../../src/kube/index.js';
import { CHART_DIR } from '../../../src/operator/install/helm-chart.js';
import { DEFAULT_INSTALL, type InstallOptions, operatorManifests } from '../../../src/operator/install/manifests.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { repoRoot } from '../../helpers/template-corpus.js';
import { harness } from './harness.js';

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
      const deployment = await h.client.get(
        { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
        release,
        { namespace },
      );
      assert.equal(deployment.metadata?.labels?.['app.kubernetes.io/name'], release);
      await h.client.get(Resources.serviceAccounts, release, { namespace });
    } finally {
      runHelm(['uninstall', release, ...common]);
    }
    await assert.rejects(h.client.get(Resources.serviceAccounts, release, { namespace }), (e) => isNotFound(e));
  });
});
