// ResourceDiscovery with a stub client: kind lookup, cache, refresh on a miss, and what its errors say.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DiscoveryError,
  KubeApiError,
  type KubeClient,
  parseApiVersion,
  ResourceDiscovery,
} from '../../../src/kube/index.js';

function stub(answers: Record<string, Array<{ name: string; kind: string; namespaced: boolean }> | undefined>) {
  const calls: string[] = [];
  const client = {
    request: async (_method: string, path: string) => {
      calls.push(path);
      const resources = answers[path];
      if (!resources) throw new KubeApiError({ status: 404, method: 'GET', path });
      return { resources };
    },
  } as unknown as KubeClient;
  return { client, calls };
}

describe('ResourceDiscovery', () => {
  it('finds the plural and scope of a kind, ignoring subresources, and caches the answer', async () => {
    const { client, calls } = stub({
      '/api/v1': [
        { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
        { name: 'namespaces/status', kind: 'Namespace', namespaced: false },
        { name: 'namespaces', kind: 'Namespace', namespaced: false },
      ],
    });
    const discovery = new ResourceDiscovery(client);
    assert.deepEqual(await discovery.resolve('v1', 'ConfigMap'), {
      group: '',
      version: 'v1',
      plural: 'configmaps',
      namespaced: true,
      kind: 'ConfigMap',
    });
    assert.equal((await discovery.resolve('v1', 'Namespace')).plural, 'namespaces');
    assert.deepEqual(calls, ['/api/v1']);
  });

  it('looks again after a miss (a CRD installed later), at most every missRetryMs', async () => {
    let now = 0;
    const answers: Record<string, Array<{ name: string; kind: string; namespaced: boolean }> | undefined> = {};
    const { client, calls } = stub(answers);
    const discovery = new ResourceDiscovery(client, { now: () => now, missRetryMs: 5000 });
    await assert.rejects(discovery.resolve('x.io/v1', 'App'), /does not serve apiVersion "x\.io\/v1"/);
    answers['/apis/x.io/v1'] = [{ name: 'apps', kind: 'App', namespaced: true }];
    await assert.rejects(discovery.resolve('x.io/v1', 'App'), DiscoveryError);
    now = 6000;
    assert.equal((await discovery.resolve('x.io/v1', 'App')).plural, 'apps');
    assert.deepEqual(calls, ['/apis/x.io/v1', '/apis/x.io/v1']);
    await assert.rejects(
      discovery.resolve('x.io/v1', 'Ap'),
      /has no kind "Ap" \(kinds are case-sensitive; served: App\)/,
    );
  });

  it('rejects malformed apiVersions, saying the expected form', () => {
    assert.deepEqual(parseApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
    assert.throws(() => parseApiVersion('a/b/c'), /use "version" or "group\/version"/);
    assert.throws(() => parseApiVersion(''), DiscoveryError);
  });
});
