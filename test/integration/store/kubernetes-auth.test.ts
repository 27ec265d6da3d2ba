// Kubernetes login against the real control plane's TokenReview, and namespace scoping through claim templates.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { storeClient } from './client.js';

describe('kubernetes auth method', { skip: integration.skipReason }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-store-k8s-'));
  let server: StoreServer;
  let api: ReturnType<typeof storeClient>;
  let admin: string;
  let accessId: string;
  let core: CoreV1Api;
  let namespace: string;
  let otherNamespace: string;

  async function saToken(ns: string, name: string, audiences: string[] = []): Promise<string> {
    const { status } = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name,
      body: { spec: { audiences, expirationSeconds: 600 } },
    });
    return status!.token;
  }

  const item = (path: string) => ({
    path,
    ciphertext: randomBytes(48).toString('base64'),
    keyId: randomBytes(16).toString('base64'),
    generation: 1,
  });

  before(async () => {
    const cluster = await integration.cluster();
    core = cluster.kc.makeApiClient(CoreV1Api);
    namespace = uniqueName('joplin');
    otherNamespace = uniqueName('bootstrap');
    for (const ns of [namespace, otherNamespace]) {
      await core.createNamespace({ body: { metadata: { name: ns } } });
      await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'eso' } } });
    }
    server = await createStoreServer({ location: { dataDir, env: {} } });
    api = storeClient(server.url);
    const creds = await bootstrap(server.context.storage, server.context.auth);
    admin = await api.login(creds.admin.accessId, creds.admin.accessKey);
    const method = await api.call('POST', '/v1/admin/auth-methods', {
      token: admin,
      body: { name: 'cluster', type: 'kubernetes', config: { kubeconfigPath: cluster.kubeconfigPath } },
    });
    assert.equal(method.status, 201, method.text);
    accessId = method.body.accessId;
    await api.call('PUT', '/v1/admin/roles', {
      token: admin,
      body: { name: 'mdapi', rules: [{ path: '/mdapi/{{namespace}}/*', capabilities: ['read', 'list', 'create'] }] },
    });
    await api.call('POST', '/v1/admin/roles/bind', { token: admin, body: { role: 'mdapi', accessId } });
    assert.equal(
      (await api.call('POST', '/v1/items', { token: admin, body: item(`/mdapi/${otherNamespace}/admin/token`) }))
        .status,
      201,
    );
  });
  after(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in with a ServiceAccount token and gets namespace and serviceaccount claims', async () => {
    const login = await api.call('POST', '/v1/auth/login', {
      body: { type: 'kubernetes', accessId, jwt: await saToken(namespace, 'eso') },
    });
    assert.equal(login.status, 200, login.text);
    assert.deepEqual(login.body.identity.claims, { namespace, serviceaccount: 'eso' });
  });

  it('reads its own namespace and is refused another one, existing or not, with the same answer', async () => {
    const login = await api.call('POST', '/v1/auth/login', {
      body: { type: 'kubernetes', accessId, jwt: await saToken(namespace, 'eso') },
    });
    const token = login.body.token as string;
    assert.equal(
      (await api.call('POST', '/v1/items', { token, body: item(`/mdapi/${namespace}/app/key`) })).status,
      201,
    );
    assert.equal((await api.call('GET', `/v1/items?path=/mdapi/${namespace}/app/key`, { token })).status, 200);
    const existing = await api.call('GET', `/v1/items?path=/mdapi/${otherNamespace}/admin/token`, { token });
    const missing = await api.call('GET', `/v1/items?path=/mdapi/${otherNamespace}/admin/nope`, { token });
    assert.equal(existing.status, 403);
    assert.equal(missing.status, 403);
    assert.equal(existing.body.error.code, missing.body.error.code);
  });

  it('works with server, CA and a reviewer ServiceAccount token instead of a kubeconfig', async () => {
    const cluster = await integration.cluster();
    const reviewerNs = uniqueName('reviewer');
    await core.createNamespace({ body: { metadata: { name: reviewerNs } } });
    await core.createNamespacedServiceAccount({ namespace: reviewerNs, body: { metadata: { name: 'custos-store' } } });
    await cluster.kc.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        metadata: { name: reviewerNs },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
        subjects: [{ kind: 'ServiceAccount', name: 'custos-store', namespace: reviewerNs }],
      },
    });
    const reviewerToken = await saToken(reviewerNs, 'custos-store');
    const caData = cluster.kc.getCurrentCluster()?.caData;
    assert.ok(caData, 'the test kubeconfig carries its CA inline');
    const method = await api.call('POST', '/v1/admin/auth-methods', {
      token: admin,
      body: {
        name: 'cluster-direct',
        type: 'kubernetes',
        config: {
          server: cluster.server,
          caCert: Buffer.from(caData, 'base64').toString(),
          reviewerToken,
        },
      },
    });
    assert.equal(method.status, 201, method.text);
    assert.equal(method.body.config.reviewerToken, undefined, 'the reviewer token is not shown back');
    assert.equal(method.body.config.reviewerTokenSealed, undefined);
    const stored = await server.context.storage.getAuthMethod(method.body.accessId);
    assert.ok(!JSON.stringify(stored).includes(reviewerToken), 'the reviewer token is stored in the clear');
    const login = await api.call('POST', '/v1/auth/login', {
      body: { type: 'kubernetes', accessId: method.body.accessId, jwt: await saToken(namespace, 'eso') },
    });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.identity.claims.namespace, namespace);
  });

  it('refuses a forged token, a token for another audience and a namespace outside the bound list', async () => {
    const forged = await api.call('POST', '/v1/auth/login', {
      body: { type: 'kubernetes', accessId, jwt: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' },
    });
    assert.equal(forged.status, 401);
    assert.match(forged.body.error.message, /did not authenticate/);
    const cluster = await integration.cluster();
    const audienceBound = await api.call('POST', '/v1/admin/auth-methods', {
      token: admin,
      body: {
        name: 'cluster-aud',
        type: 'kubernetes',
        config: { kubeconfigPath: cluster.kubeconfigPath, audiences: ['custos'] },
      },
    });
    const wrongAudience = await api.call('POST', '/v1/auth/login', {
      body: {
        type: 'kubernetes',
        accessId: audienceBound.body.accessId,
        jwt: await saToken(namespace, 'eso', ['other']),
      },
    });
    assert.equal(wrongAudience.status, 401);
    const rightAudience = await api.call('POST', '/v1/auth/login', {
      body: {
        type: 'kubernetes',
        accessId: audienceBound.body.accessId,
        jwt: await saToken(namespace, 'eso', ['custos']),
      },
    });
    assert.equal(rightAudience.status, 200, rightAudience.text);
    const nsBound = await api.call('POST', '/v1/admin/auth-methods', {
      token: admin,
      body: {
        name: 'cluster-ns',
        type: 'kubernetes',
        config: { kubeconfigPath: cluster.kubeconfigPath, boundNamespaces: [namespace] },
      },
    });
    const outside = await api.call('POST', '/v1/auth/login', {
      body: { type: 'kubernetes', accessId: nsBound.body.accessId, jwt: await saToken(otherNamespace, 'eso') },
    });
    assert.equal(outside.status, 401);
    assert.match(outside.body.error.message, /not allowed/);
  });
});
