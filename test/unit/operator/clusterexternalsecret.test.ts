// ClusterExternalSecret building blocks: label selectors, namespace selection, the child ExternalSecret and its
// ownership marker, the status shape and refreshTime parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelector } from '../../../src/api/generated/types.js';
import type { KubeObject } from '../../../src/kube/index.js';
import {
  ALREADY_EXISTS_REASON,
  buildStatus,
  type ClusterExternalSecretObject,
  cesOfNamespaceFinalizer,
  childName,
  compileSelector,
  DEFAULT_REFRESH_MS,
  desiredChild,
  FORCE_SYNC_ANNOTATION,
  hasValidNamespaceFinalizer,
  InvalidSelectorError,
  isOwnedBy,
  matchesSelector,
  namespaceFinalizer,
  owningCes,
  refreshInterval,
  statusEqual,
  statusPatch,
  targetNamespaces,
  updatedChild,
} from '../../../src/operator/clusterexternalsecret/index.js';

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});

function ces(
  spec: Partial<NonNullable<ClusterExternalSecretObject['spec']>> = {},
  annotations = {},
): ClusterExternalSecretObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterExternalSecret',
    metadata: { name: 'shared', uid: 'uid-1', annotations },
    spec: {
      externalSecretSpec: { secretStoreRef: { name: 'store', kind: 'ClusterSecretStore' }, data: [] },
      ...spec,
    },
  };
}

describe('label selectors', () => {
  const labels = { team: 'a', tier: 'web' };
  const cases: [string, LabelSelector, boolean][] = [
    ['empty selector matches everything', {}, true],
    ['matchLabels equal', { matchLabels: { team: 'a' } }, true],
    ['matchLabels differ', { matchLabels: { team: 'b' } }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'web'] }] }, true],
    ['In on a missing key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, false],
    ['NotIn on a missing key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['x'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    ['inherited properties are not labels', { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, false],
    [
      'inherited properties are not labels (DoesNotExist)',
      { matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] },
      true,
    ],
    [
      'all requirements must hold',
      { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] },
      false,
    ],
  ];
  for (const [title, selector, expected] of cases) {
    it(title, () => assert.equal(matchesSelector(selector, labels), expected));
  }

  it('rejects malformed expressions with a message that says what to fix', () => {
    const bad: [LabelSelector, RegExp][] = [
      [
        { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
        /"Equals" is not a valid operator; use In, NotIn/,
      ],
      [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, /operator In needs at least one value/],
      [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /operator Exists must not have values/],
    ];
    for (const [selector, pattern] of bad) {
      assert.throws(
        () => compileSelector(selector, 'spec.namespaceSelectors[0]'),
        (e: unknown) => {
          assert.ok(e instanceof InvalidSelectorError);
          assert.match(e.message, /^spec\.namespaceSelectors\[0\]\.matchExpressions\[0\]/);
          assert.match(e.message, pattern);
          return true;
        },
      );
    }
  });
});

describe('target namespaces', () => {
  const all = [ns('a', { env: 'prod' }), ns('b', { env: 'dev' }), ns('c'), ns('d', { env: 'prod', pci: 'yes' })];

  it('ORs namespaceSelectors, the deprecated namespaceSelector and the namespaces list, sorted', () => {
    const spec = ces({
      namespaceSelectors: [{ matchLabels: { pci: 'yes' } }],
      namespaceSelector: { matchLabels: { env: 'dev' } },
      namespaces: ['c', 'missing'],
    }).spec;
    assert.deepEqual(targetNamespaces(spec, all), ['b', 'c', 'd']);
  });

  it('an empty selector selects every namespace; no selectors select none', () => {
    assert.deepEqual(targetNamespaces(ces({ namespaceSelectors: [{}] }).spec, all), ['a', 'b', 'c', 'd']);
    assert.deepEqual(targetNamespaces(ces({}).spec, all), []);
    assert.deepEqual(targetNamespaces(ces({ namespaceSelectors: [] }).spec, all), []);
  });

  it('names the broken selector', () => {
    const spec = ces({
      namespaceSelectors: [{}, { matchExpressions: [{ key: 'x', operator: 'in', values: ['y'] }] }],
    }).spec;
    assert.throws(
      () => targetNamespaces(spec, all),
      /spec\.namespaceSelectors\[1\]\.matchExpressions\[0\]: "in" is not a valid operator/,
    );
  });
});

describe('child ExternalSecret', () => {
  it('is named externalSecretName, or the CES name', () => {
    assert.equal(childName(ces()), 'shared');
    assert.equal(childName(ces({ externalSecretName: 'app-secret' })), 'app-secret');
  });

  it('copies the spec verbatim, sets externalSecretMetadata and the CES as controller owner', () => {
    const parent = ces(
      { externalSecretMetadata: { labels: { app: 'x' }, annotations: { note: 'n' } } },
      { [FORCE_SYNC_ANNOTATION]: '123', unrelated: 'not copied' },
    );
    const child = desiredChild(parent, 'team-a');
    assert.deepEqual(child, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name: 'shared',
        namespace: 'team-a',
        labels: { app: 'x' },
        annotations: { note: 'n', [FORCE_SYNC_ANNOTATION]: '123' },
        ownerReferences: [
          {
            apiVersion: 'external-secrets.io/v1',
            kind: 'ClusterExternalSecret',
            name: 'shared',
            uid: 'uid-1',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: parent.spec?.externalSecretSpec,
    });
    assert.notEqual(child.spec, parent.spec?.externalSecretSpec, 'a copy, not a shared reference');
    assert.ok(isOwnedBy(child, 'shared'));
    assert.equal(owningCes(child), 'shared');
  });

  it('is not ours without a controller reference to a CES of that name', () => {
    const ref = { apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', name: 'shared', uid: 'u' };
    assert.equal(isOwnedBy({ metadata: { ownerReferences: [ref] } }, 'shared'), false, 'not a controller reference');
    assert.equal(isOwnedBy({ metadata: { ownerReferences: [{ ...ref, controller: true }] } }, 'other'), false);
    assert.equal(
      isOwnedBy(
        { metadata: { ownerReferences: [{ ...ref, kind: 'Deployment', apiVersion: 'apps/v1', controller: true }] } },
        'shared',
      ),
      false,
    );
    assert.equal(
      isOwnedBy(
        { metadata: { ownerReferences: [{ ...ref, apiVersion: 'external-secrets.io/v1beta1', controller: true }] } },
        'shared',
      ),
      true,
    );
    assert.equal(isOwnedBy({ metadata: {} }, 'shared'), false);
  });

  it('updating keeps finalizers and other owners, replaces labels/annotations, drops a removed force-sync', () => {
    const parent = ces({ externalSecretMetadata: { labels: { app: 'y' } } });
    const existing = {
      ...desiredChild(ces({}, { [FORCE_SYNC_ANNOTATION]: '1' }), 'ns1'),
      status: { refreshTime: 'x' },
    };
    existing.metadata = {
      ...existing.metadata,
      resourceVersion: '42',
      finalizers: ['externalsecrets.external-secrets.io/externalsecret-cleanup'],
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'c' },
        ...(existing.metadata?.ownerReferences ?? []).map((r) => ({ ...r, uid: 'old-uid' })),
      ],
    };
    const { object, metadataDiffers, specDiffers } = updatedChild(parent, existing);
    assert.equal(metadataDiffers, true);
    assert.equal(specDiffers, false);
    assert.equal(object.metadata?.resourceVersion, '42');
    assert.deepEqual(object.metadata?.finalizers, ['externalsecrets.external-secrets.io/externalsecret-cleanup']);
    assert.deepEqual(object.metadata?.labels, { app: 'y' });
    assert.deepEqual(object.metadata?.annotations, {});
    assert.deepEqual(
      object.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}/${r.uid}`),
      ['ConfigMap/cm/c', 'ClusterExternalSecret/shared/uid-1'],
      'a recreated CES of the same name adopts the child with its new uid',
    );
    assert.equal('status' in object, false);
  });

  it('reports no change when the child already matches', () => {
    const parent = ces({ externalSecretMetadata: { labels: { a: 'b' } } });
    const { metadataDiffers, specDiffers } = updatedChild(parent, desiredChild(parent, 'ns'));
    assert.deepEqual([metadataDiffers, specDiffers], [false, false]);
    const edited = desiredChild(parent, 'ns');
    edited.spec = { ...edited.spec, refreshInterval: '5m' };
    assert.equal(updatedChild(parent, edited).specDiffers, true);
  });

  it("writes refreshInterval in Go's duration form, as ESO's copy through its Go types does", () => {
    const child = (refreshInterval: string) =>
      desiredChild(ces({ externalSecretSpec: { refreshInterval } }), 'ns').spec?.refreshInterval;
    assert.deepEqual(['1h', '90s', '0', '1.5h', '500ms', 'not-a-duration'].map(child), [
      '1h0m0s',
      '1m30s',
      '0s',
      '1h30m0s',
      '500ms',
      'not-a-duration',
    ]);
    const parent = ces({ externalSecretSpec: { refreshInterval: '15m' } });
    const existing = desiredChild(parent, 'ns');
    assert.equal(existing.spec?.refreshInterval, '15m0s');
    assert.equal(updatedChild(parent, existing).specDiffers, false, 'a child ESO wrote needs no update');
    assert.equal(
      updatedChild(parent, { ...existing, spec: { ...existing.spec, refreshInterval: '15m' } }).specDiffers,
      true,
      'a child with the short form is rewritten once',
    );
  });

  it('uses ESO finalizer names', () => {
    assert.equal(namespaceFinalizer('shared'), 'externalsecrets.external-secrets.io/ces-shared');
    assert.equal(cesOfNamespaceFinalizer(namespaceFinalizer('a.b-c')), 'a.b-c');
    assert.equal(cesOfNamespaceFinalizer('kubernetes'), undefined);
    assert.equal(hasValidNamespaceFinalizer('a'.repeat(59)), true);
    assert.equal(hasValidNamespaceFinalizer('a'.repeat(60)), false, 'finalizer name part would exceed 63 characters');
    assert.equal(cesOfNamespaceFinalizer('externalsecrets.external-secrets.io/ces-'), undefined);
  });
});

describe('status', () => {
  it('sorts namespaces and is Ready=True without failures', () => {
    assert.deepEqual(buildStatus('es', ['b', 'a', 'b'], new Map()), {
      externalSecretName: 'es',
      provisionedNamespaces: ['a', 'b'],
      conditions: [{ type: 'Ready', status: 'True' }],
    });
  });

  it('lists failures with their reason and is Ready=False with ESO message', () => {
    const status = buildStatus(
      'es',
      [],
      new Map([
        ['z', 'boom'],
        ['m', ALREADY_EXISTS_REASON],
      ]),
    );
    assert.deepEqual(status, {
      externalSecretName: 'es',
      failedNamespaces: [
        { namespace: 'm', reason: 'external secret already exists in namespace' },
        { namespace: 'z', reason: 'boom' },
      ],
      conditions: [{ type: 'Ready', status: 'False', message: 'one or more namespaces failed' }],
    });
    assert.deepEqual(statusPatch(status).status.provisionedNamespaces, null, 'the patch removes absent lists');
  });

  it('treats absent and empty lists alike, and notices real differences', () => {
    const built = buildStatus('es', [], new Map());
    assert.ok(statusEqual({ ...built, provisionedNamespaces: [], failedNamespaces: [] }, built));
    assert.equal(statusEqual(undefined, built), false);
    assert.equal(statusEqual(buildStatus('es', ['a'], new Map()), built), false);
  });
});

describe('refreshTime', () => {
  it('defaults to 1h, parses Go durations, 0 disables, bad values say what to write', () => {
    assert.deepEqual(refreshInterval(undefined), { ms: DEFAULT_REFRESH_MS });
    assert.deepEqual(refreshInterval('1m30s'), { ms: 90_000 });
    assert.deepEqual(refreshInterval('0'), { ms: 0 });
    const bad = refreshInterval('10 minutes');
    assert.ok('error' in bad && /not a Go duration; use e\.g\. "1h"/.test(bad.error));
    assert.ok('error' in refreshInterval('-1h'));
  });
});
