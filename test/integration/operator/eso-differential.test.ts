// Differential test: the real External Secrets Operator (tools/eso-oracle, ESO v0.16.2's own controllers) and
// Custos get the same fake store and the same ExternalSecret manifests, each in its own namespace of one control
// plane, and must write the same Secrets and report the same status: type, data, every label and annotation
// (data-hash included; created-by recomputed for each side's namespace), owner references, the field manager of
// the Secret, the Ready condition's status and reason, binding and syncedResourceVersion.
//
// Where Custos deliberately differs from ESO, the difference is named per case (`differs`) and asserted as such,
// so a change on either side shows up here. ESO v0.16.2 is the newest release the Go module proxy serves whole;
// Custos follows ESO v2.9 (reference/eso.md), so a version difference would be named the same way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec, PushSecretSpec } from '../../../src/api/generated/types.js';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/resolve.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import {
  PushSecretResources,
  pushSecretController,
  pushSecretStoreFinalizerController,
} from '../../../src/operator/pushsecret/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { type EsoBuild, type EsoProcess, esoVersion, startEsoWithMetrics } from '../../helpers/eso-oracle.js';
import { type Family, labelNameSets, parsePrometheusText } from '../../helpers/prometheus-text.js';
import { cases, remote } from './eso-cases-corpus.js';
import {
  build,
  compareCase,
  compareProviderApiCalls,
  compareSettled,
  createKubernetesStore,
  type DiffCase,
  type Settled,
  skip,
  startBoth,
  stopBoth,
} from './eso-differential-harness.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  getExternalSecret,
  getSecret,
  grantSecretAccess,
  type Harness,
  harness,
  readyOf,
  type SecretObject,
  setFakeData,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

// The ESO common cases, targets named after the case as in eso-cases.test.ts.
const commonCases: DiffCase[] = cases.map((c) => {
  const spec = c.spec('store');
  return {
    name: c.name,
    spec: c.withoutTargetName ? spec : { ...spec, target: { ...spec.target, name: `target-${c.name}` } },
    setup: c.setup,
    secretName: c.withoutTargetName ? c.name : `target-${c.name}`,
  };
});

const store = { name: 'store' };
// Remote values beyond the common cases': JSON of every kind for gjson's raw output, and keys with dots.
const moreRemote = [
  {
    key: 'typed',
    value:
      '{"obj": {"b": 1, "a": [true, null]}, "num": 5432.50, "arr": [1, "two"], "flag": false, "dotted.key": "dot"}',
  },
];
const moreCases: DiffCase[] = [
  {
    name: 'merge-into-existing',
    setup: async (h, namespace) => {
      await h.client.create(Resources.secrets, {
        metadata: { name: 'merge-into-existing', namespace, labels: { team: 'a' }, annotations: { note: 'kept' } },
        stringData: { existing: 'stays', one: 'overwritten' },
      });
    },
    spec: {
      secretStoreRef: store,
      target: { creationPolicy: 'Merge' },
      data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
    },
  },
  {
    name: 'orphan-policy',
    spec: {
      secretStoreRef: store,
      target: { creationPolicy: 'Orphan' },
      data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
    },
  },
  {
    name: 'template-metadata-and-type',
    spec: {
      secretStoreRef: store,
      target: {
        template: {
          type: 'kubernetes.io/basic-auth',
          metadata: { labels: { app: 'web', tier: '{{ .user }}' }, annotations: { 'owner/email': 'ops@example.com' } },
          data: { username: '{{ .user | upper }}', password: '{{ .pass | sha256sum }}' },
        },
      },
      data: [
        { secretKey: 'user', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'pass', remoteRef: { key: 'plain-two' } },
      ],
    },
  },
  {
    name: 'template-merge-policy',
    spec: {
      secretStoreRef: store,
      target: {
        template: { mergePolicy: 'Merge', data: { joined: '{{ .one }}+{{ .two }}' } },
      },
      data: [
        { secretKey: 'one', remoteRef: { key: 'plain-one' } },
        { secretKey: 'two', remoteRef: { key: 'plain-two' } },
      ],
    },
  },
  {
    // One fetch answers both in Custos (FetchedSecret.secretMap); the result must not change.
    name: 'extract-and-property-of-one-key',
    spec: {
      secretStoreRef: store,
      dataFrom: [{ extract: { key: 'json' } }],
      data: [{ secretKey: 'renamed', remoteRef: { key: 'json', property: 'one' } }],
    },
  },
  {
    name: 'extract-with-rewrite-transform',
    spec: {
      secretStoreRef: store,
      dataFrom: [{ extract: { key: 'json' }, rewrite: [{ transform: { template: 'APP_{{ .value | upper }}' } }] }],
    },
  },
  {
    name: 'find-with-regexp-rewrite',
    spec: {
      secretStoreRef: store,
      dataFrom: [
        { find: { name: { regexp: '^find-' } }, rewrite: [{ regexp: { source: 'find-(.*)', target: 'k_$1' } }] },
      ],
    },
  },
  {
    name: 'gjson-raw-values',
    spec: {
      secretStoreRef: store,
      data: [
        { secretKey: 'object', remoteRef: { key: 'typed', property: 'obj' } },
        { secretKey: 'number', remoteRef: { key: 'typed', property: 'num' } },
        { secretKey: 'array', remoteRef: { key: 'typed', property: 'arr' } },
        { secretKey: 'bool', remoteRef: { key: 'typed', property: 'flag' } },
        { secretKey: 'dotted', remoteRef: { key: 'typed', property: 'dotted\\.key' } },
        { secretKey: 'nested-array', remoteRef: { key: 'typed', property: 'obj.a.0' } },
      ],
    },
  },
  {
    name: 'extract-non-string-values',
    spec: { secretStoreRef: store, dataFrom: [{ extract: { key: 'typed' } }] },
  },
  {
    name: 'immutable-target',
    spec: {
      secretStoreRef: store,
      target: { immutable: true },
      data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
    },
  },
  {
    name: 'template-functions',
    spec: {
      secretStoreRef: store,
      target: {
        template: {
          data: {
            json: '{{ .typed | fromJson | toJson }}',
            b64: '{{ .one | b64enc }}',
            roundtrip: '{{ .one | b64enc | b64dec }}',
            joined: '{{ list .one "x" | join "," }}',
            lower: '{{ "MiXeD" | lower }}',
          },
        },
      },
      data: [
        { secretKey: 'typed', remoteRef: { key: 'typed' } },
        { secretKey: 'one', remoteRef: { key: 'plain-one' } },
      ],
    },
  },
  {
    name: 'find-without-match',
    noSecret: true,
    spec: { secretStoreRef: store, dataFrom: [{ find: { name: { regexp: '^nothing-matches' } } }] },
  },
  {
    name: 'owner-policy-over-existing-secret',
    setup: async (h, namespace) => {
      await h.client.create(Resources.secrets, {
        metadata: { name: 'owner-policy-over-existing-secret', namespace, labels: { mine: 'yes' } },
        stringData: { before: 'x' },
      });
    },
    spec: { secretStoreRef: store, data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }] },
  },
  {
    name: 'missing-remote-key',
    fails: true,
    spec: { secretStoreRef: store, data: [{ secretKey: 'x', remoteRef: { key: 'does-not-exist' } }] },
  },
  // Bad input: both report Ready=False with the same reason and ESO's fixed text; Custos adds what to fix after it.
  {
    name: 'bad-missing-store',
    fails: true,
    failureMessages: {
      eso: /^could not get secret data from provider$/,
      custos: /^could not get secret data from provider: .*SecretStore "no-such-store".*it does not exist$/,
    },
    spec: { secretStoreRef: { name: 'no-such-store' }, data: [{ secretKey: 'x', remoteRef: { key: 'plain-one' } }] },
  },
  {
    name: 'bad-invalid-regexp',
    fails: true,
    failureMessages: {
      eso: /^could not get secret data from provider$/,
      custos:
        /^could not get secret data from provider: .*could not compile find\.name\.regexp.*\(use Go RE2 syntax\)$/,
    },
    spec: { secretStoreRef: store, dataFrom: [{ find: { name: { regexp: '([' } } }] },
  },
  {
    name: 'bad-template-error',
    fails: true,
    failureMessages: {
      eso: /^could not update secret$/,
      custos: /^could not update secret: could not apply template: .*function "noSuchFunction" not defined$/,
    },
    spec: {
      secretStoreRef: store,
      target: { template: { data: { out: '{{ .one | noSuchFunction }}' } } },
      data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
    },
  },
];

describe(`differential: Custos and the real ESO ${esoVersion} on the same manifests`, { skip }, () => {
  let esoMetrics = '';
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;

  before(async () => {
    h = await harness();
    nsEso = await createNamespace(h, 'diff-eso');
    nsCustos = await createNamespace(h, 'diff-custos');
    await createFakeStore(h, nsEso, 'store', [...remote, ...moreRemote]);
    await createFakeStore(h, nsCustos, 'store', [...remote, ...moreRemote]);
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op, esoMetrics } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(() => stopBoth(eso, op));

  for (const c of [...commonCases, ...moreCases]) {
    it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
  }

  // Dashboards and alerts built for ESO query its /metrics: every family ESO exposes must be there with the same
  // type and label names, and the status gauges must say the same thing about the same objects.
  it('exposes the metrics ESO exposes, with the same labels and the same status values', async () => {
    const scrape = async (url: string) => parsePrometheusText(await (await fetch(url)).text());
    const ofEso = await scrape(esoMetrics);
    const ofCustos = await scrape(`http://${op?.httpAddress}/metrics`);
    // Go internals differ by runtime (Node's are nodejs_*); ESO's webhook server is not part of the operator.
    const runtimeSpecific = /^(go_|promhttp_|certwatcher_|controller_runtime_webhook_)/;
    const families = [...ofEso.values()].filter((f) => !runtimeSpecific.test(f.name) && f.samples.length > 0);
    assert.ok(families.length >= 20, `ESO exposes its metric families (${families.map((f) => f.name)})`);
    for (const family of families) {
      const custos = ofCustos.get(family.name);
      assert.ok(custos, `Custos exposes ${family.name}`);
      assert.equal(custos.type, family.type, `${family.name} type`);
      // Custos's work queues carry a `lane` label on top (docs/operator.md); summing over it gives ESO's series.
      assert.deepEqual(labelNameSets(custos, ['lane']), labelNameSets(family), `${family.name} label names`);
    }
    const conditions = (families: Map<string, Family>, metric: string) =>
      Object.fromEntries(
        (families.get(metric)?.samples ?? []).map((s) => [
          `${s.labels.name} ${s.labels.condition}=${s.labels.status}`,
          s.value,
        ]),
      );
    for (const metric of ['externalsecret_status_condition', 'secretstore_status_condition']) {
      assert.deepEqual(conditions(ofCustos, metric), conditions(ofEso, metric), metric);
    }
    const results = (families: Map<string, Family>) =>
      (families.get('controller_runtime_reconcile_total')?.samples ?? [])
        .filter((s) => s.labels.controller === 'externalsecret')
        .map((s) => s.labels.result)
        .sort();
    assert.deepEqual(results(ofCustos), results(ofEso), 'reconcile results counted');
    const reconciles = (families: Map<string, Family>, result: string) =>
      families
        .get('controller_runtime_reconcile_total')
        ?.samples.find((s) => s.labels.controller === 'externalsecret' && s.labels.result === result)?.value ?? 0;
    assert.ok(reconciles(ofCustos, 'requeue_after') > 0, 'reconciles that scheduled a refresh are counted');
    assert.ok(reconciles(ofCustos, 'error') > 0, 'the failing cases count as errors');
  });
});

// The kubernetes provider: both operators read Secrets of a third namespace through a store with the API server's
// URL and CA and a service account token (TokenRequest), and must write the same Secrets.
describe(`differential: the kubernetes provider, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  let esoMetrics = '';
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;

  const k8sCases: DiffCase[] = [
    {
      name: 'k8s-property',
      spec: {
        secretStoreRef: { name: 'k8s' },
        data: [
          { secretKey: 'whole-key', remoteRef: { key: 'app', property: 'one' } },
          { secretKey: 'nested', remoteRef: { key: 'app', property: 'one.name.first' } },
          { secretKey: 'plain', remoteRef: { key: 'app', property: 'two' } },
        ],
      },
    },
    {
      name: 'k8s-whole-secret',
      spec: { secretStoreRef: { name: 'k8s' }, data: [{ secretKey: 'all', remoteRef: { key: 'app' } }] },
    },
    { name: 'k8s-extract', spec: { secretStoreRef: { name: 'k8s' }, dataFrom: [{ extract: { key: 'app' } }] } },
    {
      name: 'k8s-extract-and-property',
      spec: {
        secretStoreRef: { name: 'k8s' },
        dataFrom: [{ extract: { key: 'app' } }, { extract: { key: 'app', metadataPolicy: 'Fetch' } }],
        data: [{ secretKey: 'renamed', remoteRef: { key: 'app', property: 'two' } }],
      },
    },
    {
      name: 'k8s-find-by-labels',
      spec: { secretStoreRef: { name: 'k8s' }, dataFrom: [{ find: { tags: { app: 'diff' } } }] },
    },
    {
      name: 'k8s-find-by-name',
      spec: { secretStoreRef: { name: 'k8s' }, dataFrom: [{ find: { name: { regexp: '^oth' } } }] },
    },
    {
      name: 'k8s-metadata-fetch',
      spec: {
        secretStoreRef: { name: 'k8s' },
        data: [
          { secretKey: 'labels', remoteRef: { key: 'app', metadataPolicy: 'Fetch', property: 'labels' } },
          { secretKey: 'note', remoteRef: { key: 'app', metadataPolicy: 'Fetch', property: 'annotations.note' } },
          { secretKey: 'all-metadata', remoteRef: { key: 'app', metadataPolicy: 'Fetch' } },
        ],
      },
    },
    {
      name: 'k8s-missing-secret',
      fails: true,
      spec: { secretStoreRef: { name: 'k8s' }, data: [{ secretKey: 'x', remoteRef: { key: 'does-not-exist' } }] },
    },
  ];

  before(async () => {
    h = await harness();
    const remoteNs = await createNamespace(h, 'diff-k8s-remote');
    nsEso = await createNamespace(h, 'diff-k8s-eso');
    nsCustos = await createNamespace(h, 'diff-k8s-custos');
    await h.client.create(Resources.secrets, {
      metadata: { name: 'app', namespace: remoteNs, labels: { app: 'diff' }, annotations: { note: 'hello' } },
      stringData: { one: '{"name":{"first":"Tom"},"port":5432}', two: 'plain-value' },
    });
    await h.client.create(Resources.secrets, {
      metadata: { name: 'other', namespace: remoteNs, labels: { app: 'diff' } },
      stringData: { k: 'v' },
    });
    const { kubeconfigPath } = await integration.cluster();
    for (const namespace of [nsEso, nsCustos]) {
      await grantSecretAccess(h, {
        serviceAccount: 'reader',
        namespace,
        remoteNamespace: remoteNs,
        verbs: ['get', 'list'],
      });
      await createKubernetesStore(h, namespace, 'reader', remoteNs);
    }
    ({ eso, op, esoMetrics } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(() => stopBoth(eso, op));

  for (const c of k8sCases) {
    it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
  }

  // The provider's API calls as ESO labels them (provider, call, status): which calls a store's validation and
  // these reads made, and whether they failed. Counts differ by design (Custos shares reads).
  it('counts the same kinds of provider API calls', async () => {
    // ESO v0.16.2 does not count the GET behind a `data[]` reference (its GetSecret has no ObserveAPICall), so
    // the missing Secret's failed GET shows up on Custos's side only.
    await compareProviderApiCalls(esoMetrics, op, 'Kubernetes', 'GetSecret success', (k) => k === 'GetSecret error');
  });
});

// After the first sync, the same change is made on both sides (the target edited or deleted, the remote value
// rotated or gone, the ExternalSecret's labels changed); both operators must end in the same state.
describe(`differential: changes after the first sync, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;

  // Each side's state just before the change, by namespace.
  const stateBefore = new Map<string, { secretUid?: string; syncedResourceVersion?: string }>();
  const plain = (value: string) => [{ key: 'plain-one', value }, ...remote.filter((r) => r.key.startsWith('find-'))];
  const decoded = (secret: SecretObject | undefined, key: string) => decode(secret?.data)[key];
  const changeCases: Array<DiffCase & { change: (namespace: string, store: string) => Promise<void>; until: Settled }> =
    [
      {
        name: 'target-edited',
        spec: {
          secretStoreRef: { name: 'store-target-edited' },
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: async (namespace) => {
          await h.client.patch(
            Resources.secrets,
            'target-edited',
            { data: { one: Buffer.from('tampered').toString('base64'), extra: Buffer.from('x').toString('base64') } },
            { namespace },
          );
        },
        until: (_es, secret) => decoded(secret, 'one') === 'value-one' && decoded(secret, 'extra') === undefined,
      },
      {
        name: 'target-deleted',
        spec: {
          secretStoreRef: { name: 'store-target-deleted' },
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: async (namespace) => {
          await h.client.delete(Resources.secrets, 'target-deleted', { namespace });
        },
        until: (es, secret) =>
          secret !== undefined && secret.metadata?.uid !== stateBefore.get(es.metadata?.namespace ?? '')?.secretUid,
      },
      {
        name: 'remote-rotated',
        spec: {
          secretStoreRef: { name: 'store-remote-rotated' },
          refreshInterval: '1s',
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: (namespace, store) => setFakeData(h, namespace, store, plain('rotated')),
        until: (_es, secret) => decoded(secret, 'one') === 'rotated',
      },
      {
        name: 'remote-gone-delete-policy',
        noSecret: true,
        spec: {
          secretStoreRef: { name: 'store-remote-gone-delete-policy' },
          refreshInterval: '1s',
          target: { deletionPolicy: 'Delete' },
          dataFrom: [{ find: { name: { regexp: '^find-' } } }],
        },
        change: (namespace, store) => setFakeData(h, namespace, store, plain('value-one').slice(0, 1)),
        until: (es, secret) => secret === undefined && readyOf(es)?.reason === 'SecretDeleted',
      },
      {
        name: 'remote-gone-retain-policy',
        spec: {
          secretStoreRef: { name: 'store-remote-gone-retain-policy' },
          refreshInterval: '1s',
          dataFrom: [{ find: { name: { regexp: '^find-' } } }],
        },
        change: (namespace, store) => setFakeData(h, namespace, store, plain('value-one').slice(0, 1)),
        until: (es) => readyOf(es)?.message === 'secret retained due to DeletionPolicy=Retain',
      },
      {
        name: 'labels-changed',
        spec: {
          secretStoreRef: { name: 'store-labels-changed' },
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: async (namespace) => {
          await h.client.patch(
            OperatorResources.externalSecrets,
            'labels-changed',
            { metadata: { labels: { team: 'payments' }, annotations: { note: 'changed' } } },
            { namespace },
          );
        },
        until: (es) =>
          es.status?.syncedResourceVersion !== undefined &&
          es.status.syncedResourceVersion !== stateBefore.get(es.metadata?.namespace ?? '')?.syncedResourceVersion,
      },
      {
        name: 'created-once-ignores-rotation',
        spec: {
          secretStoreRef: { name: 'store-created-once-ignores-rotation' },
          refreshPolicy: 'CreatedOnce',
          refreshInterval: '1s',
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: async (namespace, store) => {
          await setFakeData(h, namespace, store, plain('rotated'));
          await sleep(3_000);
        },
        until: (_es, secret) => secret !== undefined,
      },
      {
        name: 'created-once-target-deleted',
        spec: {
          secretStoreRef: { name: 'store-created-once-target-deleted' },
          refreshPolicy: 'CreatedOnce',
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: async (namespace) => {
          await h.client.delete(Resources.secrets, 'created-once-target-deleted', { namespace });
        },
        until: (es, secret) =>
          secret !== undefined && secret.metadata?.uid !== stateBefore.get(es.metadata?.namespace ?? '')?.secretUid,
      },
      {
        name: 'on-change-syncs-on-spec-change-only',
        spec: {
          secretStoreRef: { name: 'store-on-change-syncs-on-spec-change-only' },
          refreshPolicy: 'OnChange',
          refreshInterval: '1s',
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: async (namespace, store) => {
          await setFakeData(h, namespace, store, plain('rotated'));
          await sleep(3_000);
          const secret = await getSecret(h, namespace, 'on-change-syncs-on-spec-change-only');
          assert.equal(decoded(secret, 'one'), 'value-one', `${namespace}: no sync without a change`);
          await h.client.patch(
            OperatorResources.externalSecrets,
            'on-change-syncs-on-spec-change-only',
            { spec: { data: [{ secretKey: 'one', remoteRef: { key: 'plain-one', version: '' } }] } },
            { namespace },
          );
        },
        // The Secret is written before the status: wait for both.
        until: (es, secret) =>
          decoded(secret, 'one') === 'rotated' &&
          es.status?.syncedResourceVersion !== stateBefore.get(es.metadata?.namespace ?? '')?.syncedResourceVersion,
      },
      {
        // ESO: with refreshInterval 0, a synced ExternalSecret is not synced again, even when it changes.
        name: 'interval-zero-ignores-changes-once-synced',
        spec: {
          secretStoreRef: { name: 'store-interval-zero-ignores-changes-once-synced' },
          refreshInterval: '0',
          data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
        },
        change: async (namespace, store) => {
          await setFakeData(h, namespace, store, plain('rotated'));
          await h.client.patch(
            OperatorResources.externalSecrets,
            'interval-zero-ignores-changes-once-synced',
            { metadata: { annotations: { 'external-secrets.io/force-sync': 'now' } } },
            { namespace },
          );
          await sleep(3_000);
        },
        until: (_es, secret) => secret !== undefined,
      },
    ];

  before(async () => {
    h = await harness();
    nsEso = await createNamespace(h, 'diff-chg-eso');
    nsCustos = await createNamespace(h, 'diff-chg-custos');
    for (const namespace of [nsEso, nsCustos]) {
      for (const c of changeCases) await createFakeStore(h, namespace, `store-${c.name}`, plain('value-one'));
    }
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(() => stopBoth(eso, op));

  for (const c of changeCases) {
    it(c.name, async () => {
      for (const namespace of [nsEso, nsCustos]) {
        await createExternalSecret(h, namespace, c.name, { refreshInterval: '1h', ...c.spec });
      }
      for (const namespace of [nsEso, nsCustos]) {
        const { es, secret } = await waitFor(`first sync in ${namespace}`, async () => {
          const es = await getExternalSecret(h, namespace, c.name);
          const secret = await getSecret(h, namespace, c.name);
          return secret && readyOf(es)?.status === 'True' ? { es, secret } : undefined;
        });
        stateBefore.set(namespace, {
          secretUid: secret.metadata?.uid,
          syncedResourceVersion: es.status?.syncedResourceVersion as string | undefined,
        });
      }
      for (const namespace of [nsEso, nsCustos]) await c.change(namespace, `store-${c.name}`);
      await compareSettled(h, c, nsEso, nsCustos, eso, c.until);
    });
  }
});

// Generators: each side's namespace holds the same generator objects; ExternalSecrets take their data from them.
// Fixed output (Fake) must match exactly; random output (Password, UUID) must have the same shape: the same keys,
// lengths and counts of digits, symbols and letters.
describe(`differential: generators, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  const clusterGenerator = uniqueName('diff-gen');
  const apiVersion = 'generators.external-secrets.io/v1alpha1';
  const fromGenerator = (kind: string, name: string, rewrite?: unknown[]): ExternalSecretSpec => ({
    refreshInterval: '0',
    dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind, name } }, ...(rewrite ? { rewrite } : {}) } as never],
  });
  // Only what the generator's spec fixes: the letters' case is random unless noUpper is set (then checked), and
  // repeats are compared only where allowRepeat is false (no repeat may occur) or the length makes them certain.
  const passwordShape = (value: string) => ({
    length: value.length,
    digits: value.replace(/[^0-9]/g, '').length,
    symbols: value.replace(/[a-zA-Z0-9]/g, '').length,
    letters: value.replace(/[^a-zA-Z]/g, '').length,
    repeats: new Set(value).size < value.length,
  });
  const lowercasePasswordShape = (value: string) => ({ ...passwordShape(value), upper: /[A-Z]/.test(value) });
  const uuidShape = (value: string) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(value);

  const generatorCases: DiffCase[] = [
    { name: 'gen-fake', spec: fromGenerator('Fake', 'fixed') },
    {
      name: 'gen-fake-rewrite',
      spec: fromGenerator('Fake', 'fixed', [{ regexp: { source: '^(.*)$', target: 'app_$1' } }]),
    },
    { name: 'gen-password-defaults', spec: fromGenerator('Password', 'defaults'), shape: passwordShape },
    { name: 'gen-password-custom', spec: fromGenerator('Password', 'custom'), shape: lowercasePasswordShape },
    { name: 'gen-uuid', spec: fromGenerator('UUID', 'id'), shape: uuidShape },
    {
      name: 'gen-cluster-generator',
      spec: fromGenerator('ClusterGenerator', clusterGenerator),
      shape: passwordShape,
    },
    {
      name: 'gen-fake-with-template',
      spec: {
        ...fromGenerator('Fake', 'fixed'),
        target: { template: { data: { dsn: 'user={{ .username }} token={{ .token | upper }}' } } },
      },
    },
    {
      name: 'gen-missing-generator',
      fails: true,
      failureMessages: { eso: /^could not get secret data from provider$/, custos: /not-there/ },
      spec: fromGenerator('Password', 'not-there'),
    },
  ];

  before(async () => {
    h = await harness();
    nsEso = await createNamespace(h, 'diff-gen-eso');
    nsCustos = await createNamespace(h, 'diff-gen-custos');
    const create = (kind: keyof typeof GeneratorResources, namespace: string, name: string, spec: unknown) =>
      h.client.create(GeneratorResources[kind], { apiVersion, kind, metadata: { name, namespace }, spec });
    for (const namespace of [nsEso, nsCustos]) {
      await create('Fake', namespace, 'fixed', { data: { username: 'admin', token: 'abc' } });
      await create('Password', namespace, 'defaults', {});
      await create('Password', namespace, 'custom', {
        length: 40,
        digits: 10,
        symbols: 5,
        symbolCharacters: '-_',
        noUpper: true,
        allowRepeat: true,
      });
      await create('UUID', namespace, 'id', {});
    }
    await h.client.create(GeneratorResources.ClusterGenerator, {
      apiVersion,
      kind: 'ClusterGenerator',
      metadata: { name: clusterGenerator },
      spec: {
        kind: 'Password',
        generator: { passwordSpec: { length: 12, digits: 3, symbols: 0, allowRepeat: false } },
      },
    });
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
  });

  after(async () => {
    await stopBoth(eso, op);
    await h.client.delete(GeneratorResources.ClusterGenerator, clusterGenerator).catch(() => undefined);
  });

  for (const c of generatorCases) {
    it(c.name, () =>
      compareCase(h, { ...c, spec: { ...c.spec, secretStoreRef: undefined } as never }, nsEso, nsCustos, eso),
    );
  }
});

// ClusterSecretStores: one per side (cluster-scoped, so each carries its side's controller class and the other
// operator leaves it alone), with namespace conditions; the stores' statuses and the ExternalSecrets using them
// must agree.
describe(`differential: ClusterSecretStore, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  let h: Harness;
  let nsEso: string;
  let nsCustos: string;
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  const classes = { eso: uniqueName('diff-css-eso'), custos: uniqueName('diff-css-custos') };
  const storeOf = (side: 'eso' | 'custos', allowed: boolean) => `${classes[side]}-${allowed ? 'open' : 'closed'}`;

  before(async () => {
    h = await harness();
    nsEso = await createNamespace(h, 'diff-css-eso');
    nsCustos = await createNamespace(h, 'diff-css-custos');
    for (const [side, namespace] of [
      ['eso', nsEso],
      ['custos', nsCustos],
    ] as const) {
      for (const allowed of [true, false]) {
        await h.client.create(OperatorResources.clusterSecretStores, {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ClusterSecretStore',
          metadata: { name: storeOf(side, allowed) },
          spec: {
            controller: classes[side],
            provider: { fake: { data: remote } },
            conditions: [{ namespaces: [allowed ? namespace : 'some-other-namespace'] }],
          },
        });
      }
    }
    const { kubeconfigPath } = await integration.cluster();
    ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos, classes));
  });

  after(async () => {
    await stopBoth(eso, op);
    for (const side of ['eso', 'custos'] as const) {
      for (const allowed of [true, false]) {
        await h.client.delete(OperatorResources.clusterSecretStores, storeOf(side, allowed)).catch(() => undefined);
      }
    }
  });

  it('the stores report the same status', async () => {
    const status = async (name: string) => {
      const css = await h.client.get<{
        status?: { conditions?: Array<Record<string, string>>; capabilities?: string };
      }>(OperatorResources.clusterSecretStores, name);
      const ready = css.status?.conditions?.find((c) => c.type === 'Ready');
      return ready ? { ...ready, lastTransitionTime: undefined, capabilities: css.status?.capabilities } : undefined;
    };
    for (const allowed of [true, false]) {
      const ofEso = await waitFor("ESO's store status", () => status(storeOf('eso', allowed)));
      const ofCustos = await waitFor("Custos's store status", () => status(storeOf('custos', allowed)));
      assert.deepEqual(ofCustos, ofEso);
    }
  });

  for (const allowed of [true, false]) {
    const c: DiffCase = {
      name: allowed ? 'css-allowed-namespace' : 'css-denied-namespace',
      fails: !allowed,
      failureMessages: {
        eso: /^could not get secret data from provider$/,
        custos: /is not allowed from namespace "diff-css-custos-.*": denied by spec\.condition$/,
      },
      spec: { secretStoreRef: { name: '' }, data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }] },
    };
    it(c.name, async () => {
      for (const [side, namespace] of [
        ['eso', nsEso],
        ['custos', nsCustos],
      ] as const) {
        await createExternalSecret(h, namespace, c.name, {
          refreshInterval: '1h',
          ...c.spec,
          secretStoreRef: { kind: 'ClusterSecretStore', name: storeOf(side, allowed) },
        });
      }
      await compareSettled(h, c, nsEso, nsCustos, eso, (es) => readyOf(es)?.status === (c.fails ? 'False' : 'True'));
    });
  }
});

// PushSecret through the kubernetes provider: each side pushes the same source Secret into its own remote
// namespace; the remote Secrets and the PushSecret statuses must agree.
describe(`differential: PushSecret, Custos and the real ESO ${esoVersion}`, { skip }, () => {
  let h: Harness;
  const sides = { eso: { app: '', remote: '' }, custos: { app: '', remote: '' } };
  let eso: EsoProcess | undefined;
  let op: OperatorHandle | undefined;
  let esoMetrics = '';

  const pushCases: Array<{ name: string; spec: PushSecretSpec; remoteSecrets: string[]; fails?: boolean }> = [
    {
      name: 'push-property',
      spec: {
        secretStoreRefs: [{ name: 'k8s' }],
        selector: { secret: { name: 'db' } },
        data: [{ match: { secretKey: 'pass', remoteRef: { remoteKey: 'pushed-property', property: 'password' } } }],
      },
      remoteSecrets: ['pushed-property'],
    },
    {
      name: 'push-key-without-property',
      spec: {
        secretStoreRefs: [{ name: 'k8s' }],
        selector: { secret: { name: 'db' } },
        data: [{ match: { secretKey: 'user', remoteRef: { remoteKey: 'pushed-key' } } }],
      },
      // The kubernetes provider needs a property to push one key: both refuse, with the same message.
      fails: true,
      remoteSecrets: [],
    },
    {
      name: 'push-whole-secret',
      spec: {
        secretStoreRefs: [{ name: 'k8s' }],
        selector: { secret: { name: 'db' } },
        data: [{ match: { remoteRef: { remoteKey: 'pushed-whole' } } }],
      },
      remoteSecrets: ['pushed-whole'],
    },
  ];

  before(async () => {
    h = await harness();
    const { kubeconfigPath } = await integration.cluster();
    for (const side of ['eso', 'custos'] as const) {
      const app = await createNamespace(h, `diff-ps-${side}`);
      const remoteNs = await createNamespace(h, `diff-ps-${side}-remote`);
      sides[side] = { app, remote: remoteNs };
      await grantSecretAccess(h, {
        serviceAccount: 'pusher',
        namespace: app,
        remoteNamespace: remoteNs,
        verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
      });
      await createKubernetesStore(h, app, 'pusher', remoteNs);
      await h.client.create(Resources.secrets, {
        metadata: { name: 'db', namespace: app, labels: { app: 'db' } },
        stringData: { user: 'admin', pass: 's3cr3t-pass' },
      });
    }
    const started = await startEsoWithMetrics(build as EsoBuild, {
      kubeconfigPath,
      kc: h.kc,
      controllerClass: 'default',
      concurrent: 2,
      namespace: sides.eso.app,
      clusterScoped: false,
    });
    eso = started;
    esoMetrics = started.metricsUrl;
    op = await startTestOperator(h, {
      namespace: sides.custos.app,
      concurrency: 2,
      controllers: [pushSecretController(), pushSecretStoreFinalizerController],
    });
  });

  after(() => stopBoth(eso, op));

  for (const c of pushCases) {
    it(c.name, async () => {
      for (const side of ['eso', 'custos'] as const) {
        await h.client.create(PushSecretResources.pushSecrets, {
          apiVersion: 'external-secrets.io/v1alpha1',
          kind: 'PushSecret',
          metadata: { name: c.name, namespace: sides[side].app },
          spec: { refreshInterval: '1h', ...c.spec },
        });
      }
      const settled = async (side: 'eso' | 'custos') => {
        eso?.assertRunning();
        const ps = await h.client.get<KubeObject & { status?: Record<string, unknown> }>(
          PushSecretResources.pushSecrets,
          c.name,
          { namespace: sides[side].app },
        );
        return readyOf(ps as never)?.status === (c.fails ? 'False' : 'True') ? ps : undefined;
      };
      const ofEso = await waitFor("ESO's PushSecret", () => settled('eso'), 30_000);
      const ofCustos = await waitFor("Custos's PushSecret", () => settled('custos'), 30_000);
      const status = (ps: { status?: Record<string, unknown> }) => {
        const ready = readyOf(ps as never);
        return {
          ready: ready?.status,
          reason: ready?.reason,
          message: ready?.message,
          syncedPushSecrets: ps.status?.syncedPushSecrets,
        };
      };
      assert.deepEqual(status(ofCustos), status(ofEso), 'PushSecret status');
      const events = async (side: 'eso' | 'custos') => {
        const list = await h.client.list<KubeObject & { type?: string; reason?: string; message?: string }>(
          Resources.events,
          { namespace: sides[side].app, fieldSelector: `involvedObject.kind=PushSecret,involvedObject.name=${c.name}` },
        );
        return [...new Set(list.items.map((e) => `${e.type} ${e.reason}: ${e.message}`))].sort();
      };
      const eventsOfEso = await waitFor("ESO's PushSecret events", async () => {
        const found = await events('eso');
        return found.length > 0 ? found : undefined;
      });
      const eventsOfCustos = await waitFor(
        'the same events from Custos',
        async () => {
          const found = await events('custos');
          return JSON.stringify(found) === JSON.stringify(eventsOfEso) ? found : undefined;
        },
        5_000,
      ).catch(async () => events('custos'));
      assert.deepEqual(eventsOfCustos, eventsOfEso, 'the events on the PushSecret');
      for (const name of c.remoteSecrets) {
        const remoteOf = async (side: 'eso' | 'custos') => {
          const secret = await getSecret(h, sides[side].remote, name);
          assert.ok(secret, `${side}'s remote Secret ${name}`);
          return {
            type: secret.type,
            labels: secret.metadata?.labels ?? {},
            annotations: secret.metadata?.annotations ?? {},
            data: decode(secret.data),
          };
        };
        assert.deepEqual(await remoteOf('custos'), await remoteOf('eso'), `the remote Secret ${name}`);
      }
    });
  }

  // Pushing costs the same kinds of API calls on both sides: a GET of the target (failing when it does not exist
  // yet), then a create or an update; and store validation's SelfSubjectRulesReview.
  it('counts the same kinds of provider API calls', async () => {
    await compareProviderApiCalls(esoMetrics, op, 'Kubernetes', 'CreateSecret success');
  });
});
