import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashAnnotationKey, parseRestartTargets } from '../../../src/operator/externalsecret/rollout-restart.js';

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
