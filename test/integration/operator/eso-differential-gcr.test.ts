// Differential test of the GCRAccessToken generator: the real ESO v0.16.2 (its own generator and Go's oauth2/google,
// linked into tools/eso-oracle) and Custos ask the same Google double (test/helpers/google-double.ts) as the same
// service accounts and must write the same Secrets, status and events: a key from a Secret (the double is the key's
// token_uri), the operator's own credentials from the metadata server (GCE_METADATA_HOST), GKE workload identity
// (through the double as HTTPS proxy for Google's API hosts), a dockerconfigjson template, and a key the double
// refuses. Tokens are deterministic per account, so passwords compare exactly; the
// expiry is "now + lifetime" on each side and is compared by shape.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoProcess, esoVersion } from '../../helpers/eso-oracle.js';
import { type GoogleDouble, startGoogleDouble } from '../../helpers/google-double.js';
import { caFile } from '../../helpers/test-ca.js';
import { compareCase, type DiffCase, skip, startBoth, stopBoth } from './eso-differential-harness.js';
import { createNamespace, decode, getSecret, type Harness, harness, reviewToken, saveEnv } from './harness.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';
const PULLER = 'puller@custos-test.iam.gserviceaccount.com';
const NODE = 'node@custos-test.iam.gserviceaccount.com';
const unixSeconds = (value: string) => (/^\d{10}$/.test(value) ? 'unix-seconds' : value);

describe(
  `differential: the GCRAccessToken generator, Custos and the real ESO ${esoVersion} on a Google double`,
  { skip },
  () => {
    let h: Harness;
    let google: GoogleDouble;
    let nsEso: string;
    let nsCustos: string;
    let eso: EsoProcess | undefined;
    let op: OperatorHandle | undefined;
    const restoreEnv = saveEnv(['GCE_METADATA_HOST', 'HTTPS_PROXY', 'SSL_CERT_FILE']);

    const generator = (name: string, auth: Record<string, unknown>) => async (hh: Harness, namespace: string) => {
      await hh.client.create(GeneratorResources.GCRAccessToken, {
        apiVersion,
        kind: 'GCRAccessToken',
        metadata: { name, namespace },
        spec: { projectID: 'custos-test', auth },
      });
    };
    const fromGenerator = (name: string) => ({
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'GCRAccessToken' as const, name } } }],
    });
    const keyRef = (key: string) => ({ secretRef: { secretAccessKeySecretRef: { name: 'gcp-keys', key } } });

    const cases: DiffCase[] = [
      { name: 'gcr-key', setup: generator('key', keyRef('key.json')), spec: fromGenerator('key'), shape: unixSeconds },
      { name: 'gcr-metadata', setup: generator('own', {}), spec: fromGenerator('own'), shape: unixSeconds },
      {
        name: 'gcr-dockerconfig',
        spec: {
          ...fromGenerator('key'),
          target: {
            template: {
              type: 'kubernetes.io/dockerconfigjson',
              data: {
                '.dockerconfigjson':
                  '{"auths":{"gcr.io":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}',
              },
            },
          },
        },
      },
      // GKE workload identity without the iam.gke.io annotation: the federated token is the password. Each side's
      // service account has its own subject, hence its own token: compared by shape; the expiry on its own below.
      {
        name: 'gcr-workload-identity',
        setup: async (hh, namespace) => {
          await hh.client.create(Resources.serviceAccounts, { metadata: { name: 'puller', namespace } });
          await generator('wi', { workloadIdentity: { serviceAccountRef: { name: 'puller' } } })(hh, namespace);
        },
        spec: fromGenerator('wi'),
        shape: (value) => (/^ya29\.wi\./.test(value) ? 'federated' : /^-?\d+$/.test(value) ? 'integer' : value),
      },
      {
        name: 'gcr-revoked-key',
        fails: true,
        failureMessages: {
          eso: /^could not get secret data from provider$/,
          custos: /answered 400: invalid_grant: Invalid JWT Signature\./,
        },
        setup: generator('revoked', keyRef('revoked')),
        spec: fromGenerator('revoked'),
      },
    ];

    before(async () => {
      h = await harness();
      google = await startGoogleDouble({
        defaultAccount: NODE,
        workloadIdentity: {
          cluster: { location: 'europe-west1', name: 'prod' },
          verifySubject: (token, audience) => reviewToken(h, token, [audience]),
          impersonation: {},
        },
      });
      nsEso = await createNamespace(h, 'diff-gcr-eso');
      nsCustos = await createNamespace(h, 'diff-gcr-custos');
      const revoked = google.newKey(PULLER);
      const key = google.newKey(PULLER);
      for (const namespace of [nsEso, nsCustos]) {
        await h.client.create(Resources.secrets, {
          metadata: { name: 'gcp-keys', namespace },
          stringData: { 'key.json': key, revoked },
        });
      }
      // ESO (a child process) and Custos both take the metadata server's address from here, and reach Google's API
      // hosts through the double as their HTTPS proxy (ESO trusting the test run's CA).
      Object.assign(process.env, {
        GCE_METADATA_HOST: google.metadataHost,
        HTTPS_PROXY: google.url,
        SSL_CERT_FILE: caFile(),
      });
      const { kubeconfigPath } = await integration.cluster();
      ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
    });

    after(async () => {
      await stopBoth(eso, op);
      await google?.stop();
      restoreEnv();
    });

    for (const c of cases) {
      it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
    }

    it('workload identity: ESO writes Go`s zero time as the expiry, Custos the token`s', async () => {
      const expiry = async (namespace: string) =>
        decode((await getSecret(h, namespace, 'gcr-workload-identity'))?.data).expiry;
      assert.equal(await expiry(nsEso), '-62135596800');
      const custos = Number(await expiry(nsCustos));
      assert.ok(custos > Date.now() / 1000 && custos <= Date.now() / 1000 + 3600, String(custos));
    });
  },
);
