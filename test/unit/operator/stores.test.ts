// Store resolution and ESO's gates, with in-memory stand-ins for the informer caches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Informer, KubeObject } from '../../../src/kube/index.js';
import { StoreResolver, type StoreResource } from '../../../src/operator/externalsecret/stores.js';

function cache<T extends KubeObject>(objects: T[]): Informer<T> {
  return {
    getByName: (namespace: string | undefined, name: string) =>
      objects.find((o) => o.metadata?.name === name && (o.metadata?.namespace ?? undefined) === namespace),
  } as unknown as Informer<T>;
}

const ready = { conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'store validated' }] };
const fake = { provider: { fake: { data: [] } } };

function resolver(css: StoreResource[], ss: StoreResource[] = [], floodGate = true) {
  return new StoreResolver({
    secretStores: cache(ss),
    clusterSecretStores: cache(css),
    namespaces: cache<KubeObject>([
      { metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a', team: 'a' } } },
      { metadata: { name: 'team-b', labels: { 'kubernetes.io/metadata.name': 'team-b', team: 'b' } } },
    ]),
    controllerClass: 'default',
    floodGate,
  });
}

const cssWith = (conditions: unknown[], extra: Record<string, unknown> = {}): StoreResource => ({
  metadata: { name: 'css', uid: 'u', generation: 1 },
  spec: { ...fake, conditions, ...extra } as StoreResource['spec'],
  status: ready,
});
const ref = { name: 'css', kind: 'ClusterSecretStore' as const };

describe('StoreResolver', () => {
  it('a ClusterSecretStore without conditions is usable everywhere', () => {
    assert.equal(resolver([cssWith([])]).resolve(ref, 'team-b').object.kind, 'ClusterSecretStore');
  });
  it('conditions: namespaceSelector, namespaces and regexes are ORed; a miss gives ESO message', () => {
    const r = resolver([
      cssWith([{ namespaceSelector: { matchLabels: { team: 'a' } } }, { namespaceRegexes: ['^ops-'] }]),
    ]);
    assert.ok(r.resolve(ref, 'team-a'));
    assert.ok(r.resolve(ref, 'ops-x'));
    assert.throws(
      () => r.resolve(ref, 'team-b'),
      /using cluster store "css" is not allowed from namespace "team-b": denied by spec.condition/,
    );
    const byName = resolver([cssWith([{ namespaces: ['team-b'] }])]);
    assert.ok(byName.resolve(ref, 'team-b'));
  });
  it('regexes are unanchored (Go MatchString)', () => {
    assert.ok(resolver([cssWith([{ namespaceRegexes: ['eam-'] }])]).resolve(ref, 'team-a'));
  });
  it('a missing store names kind, name and namespace', () => {
    assert.throws(
      () => resolver([]).resolve({ name: 'nope' }, 'team-a'),
      /could not get SecretStore "nope" in namespace "team-a": it does not exist/,
    );
  });
  it('the flood gate refuses a store that is not Ready, with its reason; pending until first validation', () => {
    const invalid = cssWith([], {});
    invalid.status = {
      conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidProviderConfig', message: 'bad token' }],
    };
    assert.throws(
      () => resolver([invalid]).resolve(ref, 'team-a'),
      /ClusterSecretStore "css" is not ready \(InvalidProviderConfig: bad token\)/,
    );
    const fresh = cssWith([]);
    fresh.status = undefined;
    assert.throws(
      () => resolver([fresh]).resolve(ref, 'team-a'),
      (e: { pending?: boolean }) => e.pending === true,
    );
    assert.ok(resolver([fresh], [], false).resolve(ref, 'team-a'));
  });
  it('a store of another controller class is foreign and cannot be used', () => {
    const other = cssWith([], { controller: 'other' });
    const r = resolver([other]);
    assert.equal(r.isForeign(ref, 'team-a'), true);
    assert.throws(() => r.resolve(ref, 'team-a'), /unmanaged store "css"/);
    assert.equal(resolver([cssWith([], { controller: 'default' })]).isForeign(ref, 'team-a'), false);
  });
  it('the store identity changes with the spec generation (so coalesced reads never mix specs)', () => {
    const a = resolver([cssWith([])]).resolve(ref, 'team-a').identity;
    const changed = cssWith([]);
    changed.metadata = { ...changed.metadata, generation: 2 };
    assert.notEqual(resolver([changed]).resolve(ref, 'team-a').identity, a);
  });
});
