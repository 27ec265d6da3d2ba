// installCrds failure reporting; the success path runs against a real API server in test/integration/api/.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { CrdInstallError, installCrds } from '../../../src/api/install.js';

function unreachableCluster(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'admin', token: 'not-a-real-token' }],
    contexts: [{ name: 'gone', cluster: 'gone', user: 'admin' }],
    currentContext: 'gone',
  });
  return kc;
}

describe('installCrds', () => {
  it('names the CRD it could not apply and why, without leaking the credentials', async () => {
    const error = await installCrds(unreachableCluster(), { timeoutMs: 1000 }).then(
      () => assert.fail('must fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CrdInstallError);
    assert.equal(error.crd, 'externalsecrets.external-secrets.io');
    assert.match(error.message, /^cannot apply CRD externalsecrets\.external-secrets\.io: .*ECONNREFUSED/);
    assert.doesNotMatch(error.message, /not-a-real-token/);
  });
});
