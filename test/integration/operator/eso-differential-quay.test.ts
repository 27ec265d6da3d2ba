// Differential test of the QuayAccessToken generator: the real ESO v0.16.2 (its own generator, linked into
// tools/eso-oracle) and Custos federate the same service accounts with the same Quay double
// (test/helpers/quay-double.ts, HTTPS under the test run's CA, which ESO trusts through SSL_CERT_FILE) and must write
// the same Secrets, status and events: a robot token, a dockerconfigjson template, and a robot that refuses.
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { type EsoProcess, esoVersion } from '../../helpers/eso-oracle.js';
import { type QuayDouble, startQuayDouble } from '../../helpers/quay-double.js';
import { caFile } from '../../helpers/test-ca.js';
import { compareCase, type DiffCase, skip, startBoth, stopBoth } from './eso-differential-harness.js';
import { createNamespace, type Harness, harness, reviewToken, saveEnv } from './harness.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';
const ENV_KEYS = ['SSL_CERT_FILE', 'KUBECONFIG'] as const;

describe(
  `differential: the QuayAccessToken generator, Custos and the real ESO ${esoVersion} on a Quay double`,
  { skip },
  () => {
    let h: Harness;
    let quay: QuayDouble;
    let nsEso: string;
    let nsCustos: string;
    let eso: EsoProcess | undefined;
    let op: OperatorHandle | undefined;
    const restoreEnv = saveEnv(ENV_KEYS);

    const generator = (name: string, robotAccount: string) => async (hh: Harness, namespace: string) => {
      await hh.client.create(GeneratorResources.QuayAccessToken, {
        apiVersion,
        kind: 'QuayAccessToken',
        metadata: { name, namespace },
        spec: { url: quay.host, robotAccount, serviceAccountRef: { name: 'puller', audiences: ['quay.example'] } },
      });
    };
    const fromGenerator = (name: string) => ({
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'QuayAccessToken' as const, name } } }],
    });

    const cases: DiffCase[] = [
      { name: 'quay-robot', setup: generator('robot', 'myorg+puller'), spec: fromGenerator('robot') },
      {
        name: 'quay-dockerconfig',
        spec: {
          ...fromGenerator('robot'),
          target: {
            template: {
              type: 'kubernetes.io/dockerconfigjson',
              data: { '.dockerconfigjson': '{"auths":{"{{ .registry }}":{"auth":"{{ .auth }}"}}}' },
            },
          },
        },
      },
      {
        name: 'quay-refused',
        fails: true,
        failureMessages: {
          eso: /^could not get secret data from provider$/,
          custos: /\(robot myorg\+other\) answered 401/,
        },
        setup: generator('other', 'myorg+other'),
        spec: fromGenerator('other'),
      },
    ];

    before(async () => {
      h = await harness();
      nsEso = await createNamespace(h, 'diff-quay-eso');
      nsCustos = await createNamespace(h, 'diff-quay-custos');
      // The robot federates with one account name: the same subject on both sides would need one namespace, so the
      // double trusts both namespaces' "puller" and derives the token from the robot alone.
      quay = await startQuayDouble({
        robots: {
          'myorg+puller': [nsEso, nsCustos].map((ns) => `system:serviceaccount:${ns}:puller`),
          'myorg+other': [],
        },
        verifyToken: (token) => reviewToken(h, token, ['quay.example']),
        tokenPerRobot: true,
      });
      for (const namespace of [nsEso, nsCustos]) {
        await h.client.create(Resources.serviceAccounts, { metadata: { name: 'puller', namespace } });
      }
      const { kubeconfigPath } = await integration.cluster();
      Object.assign(process.env, { SSL_CERT_FILE: caFile(), KUBECONFIG: kubeconfigPath });
      ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
    });

    after(async () => {
      await stopBoth(eso, op);
      await quay?.stop();
      restoreEnv();
    });

    for (const c of cases) {
      it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
    }
  },
);
