// ACRAccessToken generator on the real control plane against an Azure double (test/helpers/azure-double.ts, HTTPS
// under the test run's CA): a service principal's secret, the node's managed identity (default, by client ID and by
// resource ID), workload identity with a service account token checked by a real TokenReview, a narrower scope,
// and the failures a user meets (wrong secret, missing annotation, no auth), each saying what to fix. Finally an
// ExternalSecret turns the token into a dockerconfigjson Secret through the operator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { type AzureDouble, startAzureDouble } from '../../helpers/azure-double.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  generatorError,
  getSecret,
  type Harness,
  harness,
  reviewToken,
  saveEnv,
  startTestOperator,
  textOf,
  waitFor,
} from './harness.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';
const TENANT = '72f988bf-0000-4000-8000-000000000001';
const SP = { clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'sp~secret.value-0123456789' };
const MI = {
  clientId: 'aaaaaaaa-0000-4000-8000-00000000000a',
  resourceId: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/puller',
};
const MI2 = {
  clientId: 'bbbbbbbb-0000-4000-8000-00000000000b',
  resourceId: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other',
};
const WI = 'cccccccc-0000-4000-8000-00000000000c';
const ENV_KEYS = ['AZURE_AUTHORITY_HOST', 'AZURE_POD_IDENTITY_AUTHORITY_HOST'] as const;

describe('ACRAccessToken generator', { skip: integration.skipReason }, () => {
  let h: Harness;
  let azure: AzureDouble;
  let ns: string;
  let op: OperatorHandle | undefined;
  const restoreEnv = saveEnv(ENV_KEYS);

  const create = (name: string, spec: Record<string, unknown>) =>
    h.client.create(GeneratorResources.ACRAccessToken, {
      apiVersion,
      kind: 'ACRAccessToken',
      metadata: { name, namespace: ns },
      spec: { registry: azure.registryHost, tenantId: TENANT, ...spec },
    });
  const generate = async (name: string) =>
    textOf(await resolveGenerator(h.client, ns, { apiVersion, kind: 'ACRAccessToken', name }));
  const failure = (name: string) => generatorError(() => generate(name), name);
  const sp = (secretKey = 'secret') => ({
    servicePrincipal: {
      secretRef: { clientId: { name: 'azure-sp', key: 'id' }, clientSecret: { name: 'azure-sp', key: secretKey } },
    },
  });
  const callsSince = (start: number) => azure.calls.slice(start).map((c) => `${c.what} ${c.principal} ${c.status}`);

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'acr-gen');
    azure = await startAzureDouble({
      tenant: TENANT,
      servicePrincipals: [SP],
      federated: { [WI]: [`system:serviceaccount:${ns}:acr-puller`] },
      managedIdentities: [MI, MI2],
      verifyAssertion: (token) => reviewToken(h, token, ['api://AzureADTokenExchange']),
    });
    Object.assign(process.env, {
      AZURE_AUTHORITY_HOST: azure.authorityHost,
      AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl,
    });
    await h.client.create(Resources.secrets, {
      metadata: { name: 'azure-sp', namespace: ns },
      // Trailing newlines, as `kubectl create secret --from-file` leaves them, are trimmed (as ESO does).
      stringData: { id: `${SP.clientId}\n`, secret: `${SP.clientSecret}\n`, wrong: 'not-the-secret' },
    });
    await h.client.create(Resources.serviceAccounts, {
      metadata: {
        name: 'acr-puller',
        namespace: ns,
        annotations: { 'azure.workload.identity/client-id': WI, 'azure.workload.identity/tenant-id': TENANT },
      },
    });
    await h.client.create(Resources.serviceAccounts, {
      metadata: { name: 'no-client', namespace: ns, annotations: { 'azure.workload.identity/tenant-id': TENANT } },
    });
  });

  after(async () => {
    await op?.stop();
    await azure?.stop();
    restoreEnv();
  });

  it('service principal: Azure AD token, exchanged at the registry for a refresh token', async () => {
    await create('sp', { auth: sp() });
    const start = azure.calls.length;
    assert.deepEqual(await generate('sp'), {
      username: '00000000-0000-0000-0000-000000000000',
      password: azure.refreshToken(SP.clientId, azure.registryHost),
    });
    assert.deepEqual(callsSince(start), [`aad ${SP.clientId} 200`, `exchange ${SP.clientId} 200`]);
  });

  it('scope: the refresh token is traded for an access token of that scope', async () => {
    await create('sp-scoped', { auth: sp(), scope: 'repository:app:pull' });
    assert.equal(
      (await generate('sp-scoped')).password,
      azure.accessToken(SP.clientId, azure.registryHost, 'repository:app:pull'),
    );
  });

  it('managed identity: the node`s default one, or one named by client ID or resource ID', async () => {
    await create('mi', { auth: { managedIdentity: {} } });
    assert.equal((await generate('mi')).password, azure.refreshToken(MI.clientId, azure.registryHost));
    await create('mi-client', { auth: { managedIdentity: { identityId: MI2.clientId } } });
    assert.equal((await generate('mi-client')).password, azure.refreshToken(MI2.clientId, azure.registryHost));
    await create('mi-resource', { auth: { managedIdentity: { identityId: MI2.resourceId } } });
    assert.equal((await generate('mi-resource')).password, azure.refreshToken(MI2.clientId, azure.registryHost));
  });

  it('workload identity: the service account`s token is the client assertion of its annotated client', async () => {
    await create('wi', { auth: { workloadIdentity: { serviceAccountRef: { name: 'acr-puller' } } } });
    assert.equal((await generate('wi')).password, azure.refreshToken(WI, azure.registryHost));
    await create('wi-no-client', { auth: { workloadIdentity: { serviceAccountRef: { name: 'no-client' } } } });
    assert.match(
      (await failure('wi-no-client')).message,
      /service account ".*\/no-client" has no azure\.workload\.identity\/client-id annotation/,
    );
  });

  it('refusals carry Azure AD`s reason without the secret; no auth says what to set', async () => {
    await create('wrong', { auth: sp('wrong') });
    const wrong = await failure('wrong');
    assert.equal(wrong.code, 'Invalid');
    assert.match(
      wrong.message,
      /Azure AD \(https:\/\/127\.0\.0\.1:\d+\/\) for client 1111.* answered 401: invalid_client: AADSTS7000215: Invalid client secret provided/,
    );
    assert.ok(!wrong.message.includes('not-the-secret') && !wrong.message.includes(SP.clientSecret));
    await create('no-auth', { auth: {} });
    assert.match(
      (await failure('no-auth')).message,
      /spec\.auth needs one of servicePrincipal, managedIdentity or workloadIdentity/,
    );
  });

  it('through the operator: a dockerconfigjson Secret for the registry, and no token in the log', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createExternalSecret(h, ns, 'acr-pull', {
      refreshInterval: '1h',
      target: {
        name: 'acr-pull',
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          data: {
            '.dockerconfigjson': `{"auths":{"${azure.registryHost}":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}`,
          },
        },
      },
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'ACRAccessToken', name: 'sp' } } }],
    });
    const secret = await waitFor('acr-pull', () => getSecret(h, ns, 'acr-pull'));
    const token = azure.refreshToken(SP.clientId, azure.registryHost);
    assert.deepEqual(JSON.parse(decode(secret.data)['.dockerconfigjson'] ?? '{}'), {
      auths: {
        [azure.registryHost]: { auth: Buffer.from(`00000000-0000-0000-0000-000000000000:${token}`).toString('base64') },
      },
    });
    assert.ok(!h.logs.join('\n').includes(token), 'the registry token reached the operator log');
  });
});
