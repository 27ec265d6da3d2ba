import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError, type KubeClient } from '../../../src/kube/index.js';
import {
  hashAnnotationKey,
  parseRestartTargets,
  RolloutRestarter,
  restartToken,
} from '../../../src/operator/externalsecret/rollout-restart.js';

describe('parseRestartTargets', () => {
  it("reads kind/name entries with kubectl's short kinds, spaces and empty entries ignored", () => {
    assert.deepEqual(parseRestartTargets(' deployment/web, deploy/api,sts/db , ds/agent, DaemonSets/x , ro/canary,'), [
      { kind: 'deployment', name: 'web' },
      { kind: 'deployment', name: 'api' },
      { kind: 'statefulset', name: 'db' },
      { kind: 'daemonset', name: 'agent' },
      { kind: 'daemonset', name: 'x' },
      { kind: 'rollout', name: 'canary' },
    ]);
    assert.deepEqual(parseRestartTargets(undefined), []);
    assert.deepEqual(parseRestartTargets('  '), []);
  });
  it('refuses what it cannot restart, saying what to write', () => {
    for (const bad of ['web', 'deployment:web', 'pod/web', 'deployment/', 'deployment/Web', 'deployment/a/b']) {
      assert.throws(
        () => parseRestartTargets(bad),
        /invalid custos\.dev\/rollout-restart entry .*: write <kind>\/<name> with kind deployment, statefulset, daemonset or rollout/,
        bad,
      );
    }
  });
});

describe('hashAnnotationKey', () => {
  it('is one pod-template annotation per Secret, a valid qualified name even for long Secret names', () => {
    assert.equal(hashAnnotationKey('db'), 'secret-hash.custos.dev/db');
    const long = hashAnnotationKey('x'.repeat(200));
    assert.match(long, /^secret-hash\.custos\.dev\/[0-9a-f]{40}$/);
    assert.notEqual(long, hashAnnotationKey(`${'x'.repeat(199)}y`));
    assert.equal(hashAnnotationKey('a'.repeat(63)), `secret-hash.custos.dev/${'a'.repeat(63)}`);
  });
});

describe('restartToken', () => {
  it('changes with the data, is keyed with the Secret uid, and is not the data-hash', () => {
    const token = restartToken('uid-1', 'hash-a');
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(restartToken('uid-1', 'hash-a'), token, 'stable');
    assert.notEqual(restartToken('uid-1', 'hash-b'), token, 'new data, new token');
    assert.notEqual(restartToken('uid-2', 'hash-a'), token, 'without the uid it cannot be recomputed');
    assert.ok(!token.includes('hash-a'));
  });
});

describe('RolloutRestarter', () => {
  /** A client whose workloads live in a map; `deny` makes the next PATCHes fail with 403. */
  function cluster() {
    const templates = new Map<string, Record<string, string>>([['ns/web', {}]]);
    const state = { deny: 0, patches: 0 };
    const client = {
      async get(_r: unknown, name: string, o: { namespace: string }) {
        const annotations = templates.get(`${o.namespace}/${name}`);
        if (!annotations) throw new KubeApiError({ status: 404, method: 'GET', path: name });
        return { metadata: { name }, spec: { template: { metadata: { annotations: { ...annotations } } } } };
      },
      async patch(
        _r: unknown,
        name: string,
        body: { spec: { template: { metadata: { annotations: object } } } },
        o: { namespace: string },
      ) {
        if (state.deny > 0) {
          state.deny--;
          throw new KubeApiError({ status: 403, method: 'PATCH', path: name });
        }
        state.patches++;
        Object.assign(templates.get(`${o.namespace}/${name}`)!, body.spec.template.metadata.annotations);
        return {};
      },
    };
    return { client: client as unknown as KubeClient, templates, state };
  }

  it('retries a refused restart (30 s, then doubling) until the permission is granted, telling each time', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { client, templates, state } = cluster();
    const events: string[] = [];
    const restarter = new RolloutRestarter({ client, debounceMs: 100 });
    state.deny = 2;
    restarter.secretChanged('ns', [{ kind: 'deployment', name: 'web' }], 'db', 'h1', (_t, reason, message) =>
      events.push(`${reason}: ${message}`),
    );
    const tick = async (ms: number) => {
      t.mock.timers.tick(ms);
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await tick(100);
    assert.match(events[0] ?? '', /^RolloutRestartFailed: .*grant it patch on apps deployments/);
    await tick(30_000);
    assert.equal(events.length, 2, 'retried after 30 s');
    await tick(59_999);
    assert.equal(state.patches, 0);
    await tick(1);
    assert.equal(state.patches, 1, 'then after 60 s, now allowed');
    assert.equal(templates.get('ns/web')?.['secret-hash.custos.dev/db'], 'h1');
    assert.match(events.at(-1) ?? '', /^RolloutRestarted: restarted deployment\/web: Secret "db" changed$/);
  });

  it('does not retry a workload that does not exist, and writes nothing when the workload already has the hash', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { client, templates, state } = cluster();
    templates.get('ns/web')!['secret-hash.custos.dev/db'] = 'h1';
    const events: string[] = [];
    const restarter = new RolloutRestarter({ client, debounceMs: 100 });
    const tell = (_t: string, reason: string) => events.push(reason);
    restarter.secretChanged(
      'ns',
      [
        { kind: 'deployment', name: 'web' },
        { kind: 'deployment', name: 'gone' },
      ],
      'db',
      'h1',
      tell,
    );
    t.mock.timers.tick(100);
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(600_000);
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(state.patches, 0);
    assert.deepEqual(events, ['RolloutRestartFailed']);
  });
});
