// Differential test of the ACRAccessToken generator: the real ESO v0.16.2 (its own generator with Azure's SDK for
// Go, linked into tools/eso-oracle) and Custos sign in as the same principals at the same Azure double
// (test/helpers/azure-double.ts) and must write the same Secrets, status and events: a service principal, a scoped
// token, a managed identity of the node, workload identity, and a wrong secret. ESO reaches Azure AD through the
// double as an HTTPS proxy (its login host follows environmentType only) and trusts the test run's CA through
// SSL_CERT_FILE; Custos uses AZURE_AUTHORITY_HOST. Custos finds the metadata service at
// AZURE_POD_IDENTITY_AUTHORITY_HOST; ESO's MSAL version ignores that setting, so it reaches the double as its HTTP
// proxy (HTTP_PROXY) for 169.254.169.254.
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { type AzureDouble, startAzureDouble } from '../../helpers/azure-double.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoProcess, esoVersion } from '../../helpers/eso-oracle.js';
import { caFile } from '../../helpers/test-ca.js';
import { compareCase, type DiffCase, skip, startBoth, stopBoth } from './eso-differential-harness.js';
import { createNamespace, type Harness, harness, reviewToken, saveEnv } from './harness.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';
const TENANT = '72f988bf-0000-4000-8000-000000000002';
const SP = { clientId: '21111111-2222-3333-4444-555555555555', clientSecret: 'diff~secret.value-0123456789' };
const MI = {
  clientId: 'daaaaaaa-0000-4000-8000-00000000000a',
  resourceId: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/node',
};
const WI = 'dccccccc-0000-4000-8000-00000000000c';
const ENV_KEYS = [
  'AZURE_AUTHORITY_HOST',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'KUBECONFIG',
] as const;

describe(
  `differential: the ACRAccessToken generator, Custos and the real ESO ${esoVersion} on an Azure double`,
  { skip },
  () => {
    let h: Harness;
    let azure: AzureDouble;
    let nsEso: string;
    let nsCustos: string;
    let eso: EsoProcess | undefined;
    let op: OperatorHandle | undefined;
    const restoreEnv = saveEnv(ENV_KEYS);

    const generator = (name: string, spec: Record<string, unknown>) => async (hh: Harness, namespace: string) => {
      await hh.client.create(GeneratorResources.ACRAccessToken, {
        apiVersion,
        kind: 'ACRAccessToken',
        metadata: { name, namespace },
        spec: { registry: azure.registryHost, tenantId: TENANT, ...spec },
      });
    };
    const fromGenerator = (name: string) => ({
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'ACRAccessToken' as const, name } } }],
    });
    const sp = (secretKey: string) => ({
      servicePrincipal: {
        secretRef: { clientId: { name: 'azure-sp', key: 'id' }, clientSecret: { name: 'azure-sp', key: secretKey } },
      },
    });

    const cases: DiffCase[] = [
      { name: 'acr-sp', setup: generator('sp', { auth: sp('secret') }), spec: fromGenerator('sp') },
      {
        name: 'acr-scoped',
        setup: generator('scoped', { auth: sp('secret'), scope: 'repository:app:pull' }),
        spec: fromGenerator('scoped'),
      },
      // By client ID: without identityId ESO v0.16.2 asks for a user-assigned identity with an empty ID and fails
      // ("empty managedidentity.UserAssignedClientID"); Custos uses the node's identity (acr-generator.test.ts).
      {
        name: 'acr-managed-identity',
        setup: generator('mi', { auth: { managedIdentity: { identityId: MI.clientId } } }),
        spec: fromGenerator('mi'),
      },
      {
        name: 'acr-workload-identity',
        setup: async (hh, namespace) => {
          await hh.client.create(Resources.serviceAccounts, {
            metadata: {
              name: 'acr-puller',
              namespace,
              annotations: { 'azure.workload.identity/client-id': WI, 'azure.workload.identity/tenant-id': TENANT },
            },
          });
          await generator('wi', { auth: { workloadIdentity: { serviceAccountRef: { name: 'acr-puller' } } } })(
            hh,
            namespace,
          );
        },
        spec: fromGenerator('wi'),
      },
      {
        name: 'acr-wrong-secret',
        fails: true,
        failureMessages: {
          eso: /^could not get secret data from provider$/,
          custos: /answered 401: invalid_client: AADSTS7000215/,
        },
        setup: generator('wrong', { auth: sp('wrong') }),
        spec: fromGenerator('wrong'),
      },
    ];

    before(async () => {
      h = await harness();
      nsEso = await createNamespace(h, 'diff-acr-eso');
      nsCustos = await createNamespace(h, 'diff-acr-custos');
      azure = await startAzureDouble({
        tenant: TENANT,
        servicePrincipals: [SP],
        federated: { [WI]: [nsEso, nsCustos].map((ns) => `system:serviceaccount:${ns}:acr-puller`) },
        managedIdentities: [MI],
        verifyAssertion: (token) => reviewToken(h, token, ['api://AzureADTokenExchange']),
      });
      for (const namespace of [nsEso, nsCustos]) {
        await h.client.create(Resources.secrets, {
          metadata: { name: 'azure-sp', namespace },
          stringData: { id: SP.clientId, secret: SP.clientSecret, wrong: 'not-the-secret' },
        });
      }
      const { kubeconfigPath } = await integration.cluster();
      Object.assign(process.env, {
        AZURE_AUTHORITY_HOST: azure.authorityHost,
        AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl,
        HTTPS_PROXY: azure.httpUrl,
        HTTP_PROXY: azure.httpUrl,
        NO_PROXY: '127.0.0.1,localhost',
        SSL_CERT_FILE: caFile(),
        KUBECONFIG: kubeconfigPath,
      });
      ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
    });

    after(async () => {
      await stopBoth(eso, op);
      await azure?.stop();
      restoreEnv();
    });

    for (const c of cases) {
      it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
    }
  },
);
