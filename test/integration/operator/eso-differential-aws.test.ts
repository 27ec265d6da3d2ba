// Differential test of the ECRAuthorizationToken and STSSessionToken generators: the real ESO v0.16.2 (its own
// generators and AWS SDK for Go v1, linked into tools/eso-oracle) and Custos (AWS SDK for JavaScript v3) ask the
// same AWS double (test/helpers/aws-double.ts; it checks both sides' SigV4 signatures) as the same identities and
// must write the same Secrets, status and events. The double answers deterministically per identity, so the
// values compare exactly. ESO's SDK has no ECR endpoint setting, so ESO reaches the double as an HTTPS proxy
// (HTTPS_PROXY, with the double's CA in AWS_CA_BUNDLE, which its SDK trusts; SSL_CERT_FILE alone was not enough);
// Custos through AWS_ENDPOINT_URL. On failures ESO's condition says only "could not get secret data from provider";
// Custos's names AWS's reason (a deliberate difference).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { type AwsDouble, startAwsDouble } from '../../helpers/aws-double.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { type EsoProcess, esoVersion } from '../../helpers/eso-oracle.js';
import { compareCase, type DiffCase, skip, startBoth, stopBoth } from './eso-differential-harness.js';
import { createNamespace, type Harness, harness, reviewToken, saveEnv } from './harness.js';

const USER = {
  name: 'ci',
  accessKeyId: 'AKIAEXAMPLEDIFF00001',
  secretAccessKey: 'diffSecretKey/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const MFA = { serialNumber: 'arn:aws:iam::123456789012:mfa/ci', code: '654321' };
const ENV_KEYS = [
  'AWS_ENDPOINT_URL',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'HTTPS_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'AWS_CA_BUNDLE',
  'KUBECONFIG',
];
const apiVersion = 'generators.external-secrets.io/v1alpha1';
const clusterGenerator = uniqueName('ecr-cluster');
const keysRef = {
  secretRef: {
    accessKeyIDSecretRef: { name: 'aws-keys', key: 'id' },
    secretAccessKeySecretRef: { name: 'aws-keys', key: 'secret' },
  },
};

describe(
  `differential: ECR and STS generators, Custos and the real ESO ${esoVersion} on an AWS double`,
  { skip },
  () => {
    let h: Harness;
    let aws: AwsDouble;
    let nsEso: string;
    let nsCustos: string;
    let eso: EsoProcess | undefined;
    let op: OperatorHandle | undefined;
    let certDir: string | undefined;
    const restoreEnv = saveEnv(ENV_KEYS);

    const generator =
      (kind: 'ECRAuthorizationToken' | 'STSSessionToken', name: string, spec: Record<string, unknown>) =>
      async (hh: Harness, namespace: string) => {
        await hh.client.create(GeneratorResources[kind], { apiVersion, kind, metadata: { name, namespace }, spec });
      };
    const fromGenerator = (kind: 'ECRAuthorizationToken' | 'STSSessionToken', name: string) => ({
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind, name } } }],
    });

    const cases: DiffCase[] = [
      {
        name: 'ecr-keys',
        setup: generator('ECRAuthorizationToken', 'ecr', { region: 'eu-west-1', auth: keysRef }),
        spec: fromGenerator('ECRAuthorizationToken', 'ecr'),
      },
      {
        name: 'ecr-public',
        setup: generator('ECRAuthorizationToken', 'ecr-public', {
          region: 'us-east-1',
          scope: 'public',
          auth: keysRef,
        }),
        spec: fromGenerator('ECRAuthorizationToken', 'ecr-public'),
      },
      {
        name: 'ecr-role',
        setup: generator('ECRAuthorizationToken', 'ecr-role', {
          region: 'eu-west-1',
          role: 'arn:aws:iam::123456789012:role/ecr-reader',
          auth: keysRef,
        }),
        spec: fromGenerator('ECRAuthorizationToken', 'ecr-role'),
      },
      {
        name: 'ecr-irsa',
        setup: async (hh, namespace) => {
          await hh.client.create(Resources.serviceAccounts, {
            metadata: {
              name: 'puller',
              namespace,
              annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/irsa' },
            },
          });
          await generator('ECRAuthorizationToken', 'ecr-irsa', {
            region: 'eu-west-1',
            auth: { jwt: { serviceAccountRef: { name: 'puller' } } },
          })(hh, namespace);
        },
        spec: fromGenerator('ECRAuthorizationToken', 'ecr-irsa'),
      },
      {
        // A ClusterGenerator wrapping the ECR spec: the keys Secret is read in each referencing namespace.
        name: 'ecr-cluster-generator',
        spec: {
          dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'ClusterGenerator', name: clusterGenerator } } }],
        },
      },
      {
        name: 'ecr-dockerconfig',
        spec: {
          ...fromGenerator('ECRAuthorizationToken', 'ecr'),
          target: {
            template: {
              type: 'kubernetes.io/dockerconfigjson',
              data: {
                '.dockerconfigjson':
                  '{"auths":{"{{ .proxy_endpoint }}":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}',
              },
            },
          },
        },
      },
      {
        name: 'sts-session',
        setup: generator('STSSessionToken', 'session', {
          region: 'eu-west-1',
          auth: keysRef,
          requestParameters: { sessionDuration: 3600, serialNumber: MFA.serialNumber, tokenCode: MFA.code },
        }),
        spec: fromGenerator('STSSessionToken', 'session'),
      },
      {
        name: 'sts-default-chain',
        setup: generator('STSSessionToken', 'from-env', { region: 'eu-west-1' }),
        spec: fromGenerator('STSSessionToken', 'from-env'),
      },
      {
        name: 'ecr-wrong-key',
        fails: true,
        failureMessages: {
          eso: /^could not get secret data from provider$/,
          custos: /ECR GetAuthorizationToken in eu-west-1 failed: SignatureDoesNotMatch/,
        },
        setup: generator('ECRAuthorizationToken', 'wrong-key', {
          region: 'eu-west-1',
          auth: { secretRef: { ...keysRef.secretRef, secretAccessKeySecretRef: { name: 'aws-keys', key: 'wrong' } } },
        }),
        spec: fromGenerator('ECRAuthorizationToken', 'wrong-key'),
      },
      {
        name: 'sts-wrong-mfa',
        fails: true,
        failureMessages: {
          eso: /^could not get secret data from provider$/,
          custos: /STS GetSessionToken in eu-west-1 failed: AccessDenied: MultiFactorAuthentication failed/,
        },
        setup: generator('STSSessionToken', 'wrong-mfa', {
          region: 'eu-west-1',
          auth: keysRef,
          requestParameters: { serialNumber: MFA.serialNumber, tokenCode: '000000' },
        }),
        spec: fromGenerator('STSSessionToken', 'wrong-mfa'),
      },
    ];

    before(async () => {
      h = await harness();
      aws = await startAwsDouble({
        users: [{ ...USER, mfa: MFA }],
        roles: [
          { name: 'ecr-reader', trust: { users: ['ci'] } },
          { name: 'irsa', trust: {} },
        ],
        proxyRegions: ['eu-west-1', 'us-east-1'],
        verifyWebIdentity: (token) => reviewToken(h, token, ['sts.amazonaws.com']),
      });
      nsEso = await createNamespace(h, 'diff-aws-eso');
      nsCustos = await createNamespace(h, 'diff-aws-custos');
      for (const namespace of [nsEso, nsCustos]) {
        aws.trust('irsa', `system:serviceaccount:${namespace}:puller`);
        await h.client.create(Resources.secrets, {
          metadata: { name: 'aws-keys', namespace },
          stringData: {
            id: USER.accessKeyId,
            secret: USER.secretAccessKey,
            wrong: 'a-wrong-secret-access-key-000000000000',
          },
        });
      }
      certDir = mkdtempSync(join(tmpdir(), 'aws-double-'));
      writeFileSync(join(certDir, 'ca.pem'), aws.certificatePem);
      const { kubeconfigPath } = await integration.cluster();
      // Both operators inherit this environment: ESO (a child process) uses the proxy, Custos the endpoint URL;
      // the keys are the default chain's of the sts-default-chain case.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: aws.url,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ACCESS_KEY_ID: USER.accessKeyId,
        AWS_SECRET_ACCESS_KEY: USER.secretAccessKey,
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
        HTTPS_PROXY: aws.url,
        NO_PROXY: '127.0.0.1,localhost',
        SSL_CERT_FILE: join(certDir, 'ca.pem'),
        AWS_CA_BUNDLE: join(certDir, 'ca.pem'),
        KUBECONFIG: kubeconfigPath,
      });
      await h.client.create(GeneratorResources.ClusterGenerator, {
        apiVersion,
        kind: 'ClusterGenerator',
        metadata: { name: clusterGenerator },
        spec: {
          kind: 'ECRAuthorizationToken',
          generator: { ecrAuthorizationTokenSpec: { region: 'eu-west-1', auth: keysRef } },
        },
      });
      ({ eso, op } = await startBoth(h, kubeconfigPath, nsEso, nsCustos));
    });

    after(async () => {
      await stopBoth(eso, op);
      await h.client.delete(GeneratorResources.ClusterGenerator, clusterGenerator).catch(() => undefined);
      await aws?.stop();
      restoreEnv();
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    });

    for (const c of cases) {
      it(c.name, () => compareCase(h, c, nsEso, nsCustos, eso));
    }

    it('both sides called AWS as the same identities; ESO through the proxy, Custos directly', () => {
      const calls = (proxied: boolean) =>
        [
          ...new Set(aws.calls.filter((c) => c.proxied === proxied).map((c) => `${c.service} ${c.action} ${c.status}`)),
        ].sort();
      const ofEso = calls(true);
      assert.ok(ofEso.includes('ecr GetAuthorizationToken 200'), String(ofEso));
      assert.deepEqual(calls(false), ofEso);
      const callers = (proxied: boolean) =>
        [
          ...new Set(
            aws.calls
              .filter((c) => c.proxied === proxied && c.status === 200)
              .map((c) => c.caller.replace(/\/[^/]+$/, '')),
          ),
        ].sort();
      assert.deepEqual(callers(false), callers(true));
    });
  },
);
