// Differential test of the GCRAccessToken generator: the real ESO v0.16.2 (its own generator and Go's oauth2/google,
// linked into tools/eso-oracle) and Custos ask the same Google double (test/helpers/google-double.ts) as the same
// service accounts and must write the same Secrets, status and events: a key from a Secret (the double is the key's
// token_uri), the operator's own credentials from the metadata server (GCE_METADATA_HOST), a dockerconfigjson
// template, and a key the double refuses. Tokens are deterministic per account, so passwords compare exactly; the
// expiry is "now + lifetime" on each side and is compared by shape.
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoProcess, esoVersion } from '../../helpers/eso-oracle.js';
import { type GoogleDouble, startGoogleDouble } from '../../helpers/google-double.js';
import { compareCase, type DiffCase, skip, startBoth, stopBoth } from './eso-differential-harness.js';
import { createNamespace, type Harness, harness } from './harness.js';

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
    const saved = process.env.GCE_METADATA_HOST;

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
      [h, google] = await Promise.all([harness(), startGoogleDouble({ defaultAccount: NODE })]);
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
      // ESO (a child process) and Custos both take the metadata server's address from here.
      process.env.GCE_METADATA_HOST = google.metadataHost;
      const { kubeconfigPath } = await integration.cluster();
      ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
    });

    after(async () => {
      await stopBoth(eso, op);
      await google?.stop();
      if (saved === undefined) delete process.env.GCE_METADATA_HOST;
      else process.env.GCE_METADATA_HOST = saved;
    });

    for (const c of cases) {
      it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
    }
  },
);
