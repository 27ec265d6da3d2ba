// ECRAuthorizationToken and STSSessionToken generators on the real control plane against the AWS double
// (test/helpers/aws-double.ts, which checks every SigV4 signature and answers as AWS does): static keys from a
// Secret, temporary keys with a session token, a role assumed with those keys, a service account's web identity
// (IRSA: the API server's token, checked by the double with a real TokenReview), the operator's own credentials
// from the environment, ECR Public, GetSessionToken with an MFA code, and the failures a user meets (wrong key,
// missing annotation, denied role, bad duration, throttling), each saying what to fix without a secret in it.
// Finally an ExternalSecret turns an ECR token into a kubernetes.io/dockerconfigjson Secret through the operator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { type AwsDouble, startAwsDouble } from '../../helpers/aws-double.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  generatorError,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  reviewToken,
  saveEnv,
  startTestOperator,
  textOf,
  waitFor,
} from './harness.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';

const USER = {
  name: 'ci',
  accessKeyId: 'AKIAEXAMPLECI0000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const MFA = { serialNumber: 'arn:aws:iam::123456789012:mfa/ci', code: '123456' };
const ENV_KEYS = [
  'HTTPS_PROXY',
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
];

describe('ECRAuthorizationToken and STSSessionToken generators', { skip: integration.skipReason }, () => {
  let h: Harness;
  let aws: AwsDouble;
  let ns: string;
  let op: OperatorHandle | undefined;
  const restoreEnv = saveEnv(ENV_KEYS);
  const userArn = () => `arn:aws:iam::${aws.account}:user/${USER.name}`;

  const keysRef = {
    secretRef: {
      accessKeyIDSecretRef: { name: 'aws-keys', key: 'id' },
      secretAccessKeySecretRef: { name: 'aws-keys', key: 'secret' },
    },
  };
  const create = (kind: 'ECRAuthorizationToken' | 'STSSessionToken', name: string, spec: Record<string, unknown>) =>
    h.client.create(GeneratorResources[kind], { apiVersion, kind, metadata: { name, namespace: ns }, spec });
  const generate = async (kind: 'ECRAuthorizationToken' | 'STSSessionToken', name: string) =>
    textOf(await resolveGenerator(h.client, ns, { apiVersion, kind, name }));
  const failure = (kind: 'ECRAuthorizationToken' | 'STSSessionToken', name: string) =>
    generatorError(() => generate(kind, name), name);
  const callsSince = (start: number) =>
    aws.calls.slice(start).map((c) => `${c.service} ${c.action} ${c.region} ${c.caller} ${c.status}`);

  before(async () => {
    h = await harness();
    aws = await startAwsDouble({
      users: [{ ...USER, mfa: MFA }],
      proxyRegions: ['eu-west-1', 'us-east-1'],
      roles: [
        { name: 'ecr-reader', trust: { users: ['ci'] } },
        { name: 'irsa', trust: { serviceAccounts: [] } },
      ],
      verifyWebIdentity: (token) => reviewToken(h, token, ['sts.amazonaws.com']),
    });
    ns = await createNamespace(h, 'aws-gen');
    process.env.AWS_ENDPOINT_URL = aws.url;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
    await h.client.create(Resources.secrets, {
      metadata: { name: 'aws-keys', namespace: ns },
      stringData: {
        id: USER.accessKeyId,
        secret: USER.secretAccessKey,
        wrong: 'not-the-secret-key-at-all-0000000000000',
      },
    });
  });

  after(async () => {
    await op?.stop();
    await aws?.stop();
    restoreEnv();
  });

  it('ECR: a docker login for the account registry of the region, signed with the keys of a Secret', async () => {
    await create('ECRAuthorizationToken', 'ecr', { region: 'eu-west-1', auth: keysRef });
    const start = aws.calls.length;
    const out = await generate('ECRAuthorizationToken', 'ecr');
    assert.deepEqual(out, {
      username: 'AWS',
      password: aws.ecrPassword(userArn(), 'eu-west-1'),
      proxy_endpoint: `https://${aws.account}.dkr.ecr.eu-west-1.amazonaws.com`,
      expires_at: String(aws.epochMs / 1000 + 12 * 3600),
    });
    assert.deepEqual(callsSince(start), [`ecr GetAuthorizationToken eu-west-1 ${userArn()} 200`]);
  });

  it('ECR Public: always us-east-1, where its API lives, and no proxy_endpoint', async () => {
    await create('ECRAuthorizationToken', 'ecr-public', { region: 'eu-west-1', scope: 'public', auth: keysRef });
    const start = aws.calls.length;
    const out = await generate('ECRAuthorizationToken', 'ecr-public');
    assert.deepEqual(Object.keys(out).sort(), ['expires_at', 'password', 'username']);
    assert.equal(out.password, aws.ecrPassword(userArn(), 'public|us-east-1'));
    assert.deepEqual(callsSince(start), [`ecr-public GetAuthorizationToken us-east-1 ${userArn()} 200`]);
  });

  it('role: assumes it with the Secret`s keys, then asks ECR as the role', async () => {
    await create('ECRAuthorizationToken', 'ecr-role', {
      region: 'eu-west-1',
      role: aws.roleArn('ecr-reader'),
      auth: keysRef,
    });
    const start = aws.calls.length;
    const out = await generate('ECRAuthorizationToken', 'ecr-role');
    assert.equal(out.password, aws.ecrPassword(aws.roleArn('ecr-reader'), 'eu-west-1'));
    assert.deepEqual(callsSince(start), [
      `sts AssumeRole eu-west-1 ${userArn()} 200`,
      `ecr GetAuthorizationToken eu-west-1 arn:aws:sts::${aws.account}:assumed-role/ecr-reader/custos-operator 200`,
    ]);
  });

  it('STS: GetSessionToken with a duration and an MFA code; the keys it gives work for ECR with their session token', async () => {
    await create('STSSessionToken', 'session', {
      region: 'eu-west-1',
      auth: keysRef,
      requestParameters: { sessionDuration: 3600, serialNumber: MFA.serialNumber, tokenCode: MFA.code },
    });
    const out = await generate('STSSessionToken', 'session');
    assert.deepEqual(Object.keys(out).sort(), ['access_key_id', 'expiration', 'secret_access_key', 'session_token']);
    assert.match(out.access_key_id ?? '', /^ASIA[0-9A-F]{16}$/);
    assert.equal(out.expiration, String(aws.epochMs / 1000 + 3600));
    // Same identity, same answer: the double is deterministic, and Custos sends what the spec says.
    assert.deepEqual(await generate('STSSessionToken', 'session'), out);

    await h.client.create(Resources.secrets, {
      metadata: { name: 'aws-session', namespace: ns },
      stringData: { id: out.access_key_id, secret: out.secret_access_key, token: out.session_token },
    });
    const sessionRef = {
      secretRef: {
        accessKeyIDSecretRef: { name: 'aws-session', key: 'id' },
        secretAccessKeySecretRef: { name: 'aws-session', key: 'secret' },
        sessionTokenSecretRef: { name: 'aws-session', key: 'token' },
      },
    };
    await create('ECRAuthorizationToken', 'ecr-session', { region: 'eu-west-1', auth: sessionRef });
    assert.equal((await generate('ECRAuthorizationToken', 'ecr-session')).username, 'AWS');
    // Without the session token the same keys are refused, as AWS refuses them.
    await create('ECRAuthorizationToken', 'ecr-no-token', {
      region: 'eu-west-1',
      auth: { secretRef: { ...sessionRef.secretRef, sessionTokenSecretRef: undefined } },
    });
    const error = await failure('ECRAuthorizationToken', 'ecr-no-token');
    assert.equal(error.code, 'Invalid');
    assert.match(
      error.message,
      /ECR GetAuthorizationToken in eu-west-1 failed: .*security token included in the request is invalid/,
    );
  });

  it('STS: a wrong MFA code and a duration out of range are refused with AWS`s reason', async () => {
    await create('STSSessionToken', 'bad-mfa', {
      region: 'eu-west-1',
      auth: keysRef,
      requestParameters: { serialNumber: MFA.serialNumber, tokenCode: '000000' },
    });
    const mfa = await failure('STSSessionToken', 'bad-mfa');
    assert.equal(mfa.code, 'Invalid');
    assert.match(
      mfa.message,
      /^STSSessionToken generator: STS GetSessionToken in eu-west-1 failed: AccessDenied: MultiFactorAuthentication failed/,
    );
    await create('STSSessionToken', 'too-short', {
      region: 'eu-west-1',
      auth: keysRef,
      requestParameters: { sessionDuration: 60 },
    });
    assert.match((await failure('STSSessionToken', 'too-short')).message, /ValidationError: .*durationSeconds/);
  });

  it('IRSA: the service account`s token is exchanged for its annotated role (AssumeRoleWithWebIdentity)', async () => {
    await h.client.create(Resources.serviceAccounts, {
      metadata: { name: 'puller', namespace: ns, annotations: { 'eks.amazonaws.com/role-arn': aws.roleArn('irsa') } },
    });
    await h.client.create(Resources.serviceAccounts, { metadata: { name: 'plain', namespace: ns } });
    // The double's role trusts exactly this service account.
    aws.trust('irsa', `system:serviceaccount:${ns}:puller`);
    await create('ECRAuthorizationToken', 'ecr-irsa', {
      region: 'eu-west-1',
      auth: { jwt: { serviceAccountRef: { name: 'puller', audiences: ['extra-audience'] } } },
    });
    const start = aws.calls.length;
    const out = await generate('ECRAuthorizationToken', 'ecr-irsa');
    assert.equal(out.password, aws.ecrPassword(aws.roleArn('irsa'), 'eu-west-1'));
    assert.deepEqual(callsSince(start), [
      'sts AssumeRoleWithWebIdentity  anonymous 200',
      `ecr GetAuthorizationToken eu-west-1 arn:aws:sts::${aws.account}:assumed-role/irsa/custos-operator 200`,
    ]);

    await create('ECRAuthorizationToken', 'ecr-plain-sa', {
      region: 'eu-west-1',
      auth: { jwt: { serviceAccountRef: { name: 'plain' } } },
    });
    const missing = await failure('ECRAuthorizationToken', 'ecr-plain-sa');
    assert.equal(missing.code, 'Invalid');
    assert.match(missing.message, /service account ".*\/plain" has no eks\.amazonaws\.com\/role-arn annotation/);
    await create('ECRAuthorizationToken', 'ecr-no-sa', {
      region: 'eu-west-1',
      auth: { jwt: { serviceAccountRef: { name: 'nobody' } } },
    });
    assert.match(
      (await failure('ECRAuthorizationToken', 'ecr-no-sa')).message,
      /service account "nobody" not found in namespace/,
    );
  });

  it('no auth: the operator`s own credentials from its environment (the SDK default chain)', async () => {
    process.env.AWS_ACCESS_KEY_ID = USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = USER.secretAccessKey;
    try {
      await create('STSSessionToken', 'from-env', { region: 'eu-west-1' });
      assert.equal((await generate('STSSessionToken', 'from-env')).expiration, String(aws.epochMs / 1000 + 43_200));
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
    await create('STSSessionToken', 'no-credentials', { region: 'eu-west-1' });
    const none = await failure('STSSessionToken', 'no-credentials');
    assert.equal(none.code, 'Invalid');
    assert.match(
      none.message,
      /getting AWS credentials \(the operator's default AWS credential chain\).*set spec\.auth\.secretRef or spec\.auth\.jwt/,
    );
  });

  it('refusals say what is wrong and never carry a key; throttling is a retryable failure', async () => {
    await create('ECRAuthorizationToken', 'wrong-key', {
      region: 'eu-west-1',
      auth: { secretRef: { ...keysRef.secretRef, secretAccessKeySecretRef: { name: 'aws-keys', key: 'wrong' } } },
    });
    const wrong = await failure('ECRAuthorizationToken', 'wrong-key');
    assert.equal(wrong.code, 'Invalid');
    assert.match(wrong.message, /SignatureDoesNotMatch/);
    assert.ok(!wrong.message.includes('not-the-secret-key') && !wrong.message.includes(USER.secretAccessKey));

    await create('ECRAuthorizationToken', 'denied-role', {
      region: 'eu-west-1',
      role: aws.roleArn('irsa'),
      auth: keysRef,
    });
    const denied = await failure('ECRAuthorizationToken', 'denied-role');
    assert.match(
      denied.message,
      /getting AWS credentials \(sts:AssumeRole of arn:aws:iam::\d+:role\/irsa with spec\.auth\.secretRef\).*AccessDenied/,
    );

    await create('ECRAuthorizationToken', 'no-key', {
      region: 'eu-west-1',
      auth: { secretRef: { ...keysRef.secretRef, accessKeyIDSecretRef: { name: 'aws-keys', key: 'nope' } } },
    });
    assert.match(
      (await failure('ECRAuthorizationToken', 'no-key')).message,
      /Secret "aws-keys" has no key "nope" \(spec\.auth\.secretRef\.accessKeyIDSecretRef\)/,
    );

    // The SDK retries throttling itself (3 attempts); once that is spent, the failure is one to retry later.
    const throttling = { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' };
    aws.failNext('GetAuthorizationToken', throttling, 1);
    assert.equal((await generate('ECRAuthorizationToken', 'ecr')).username, 'AWS');
    aws.failNext('GetAuthorizationToken', throttling, 3);
    const throttled = await failure('ECRAuthorizationToken', 'ecr');
    assert.equal(throttled.code, 'Unavailable');
    assert.match(throttled.message, /ThrottlingException: Rate exceeded/);
  });

  it('through HTTPS_PROXY: no endpoint setting, the calls go to AWS`s own hosts through the proxy', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    process.env.HTTPS_PROXY = aws.url;
    try {
      const start = aws.calls.length;
      const out = await generate('ECRAuthorizationToken', 'ecr-role');
      assert.equal(out.password, aws.ecrPassword(aws.roleArn('ecr-reader'), 'eu-west-1'));
      assert.deepEqual(
        aws.calls.slice(start).map((c) => `${c.host} ${c.action} ${c.proxied}`),
        ['sts.eu-west-1.amazonaws.com AssumeRole true', 'api.ecr.eu-west-1.amazonaws.com GetAuthorizationToken true'],
      );
    } finally {
      delete process.env.HTTPS_PROXY;
      process.env.AWS_ENDPOINT_URL = aws.url;
    }
  });

  it('through the operator: an ECR token becomes a dockerconfigjson Secret, and no password reaches the log', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createExternalSecret(h, ns, 'registry', {
      refreshInterval: '1h',
      target: {
        name: 'registry',
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          data: {
            '.dockerconfigjson':
              '{"auths":{"{{ .proxy_endpoint | replace "https://" "" }}":{"username":"{{ .username }}","password":"{{ .password }}","auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}',
          },
        },
      },
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'ECRAuthorizationToken', name: 'ecr' } } }],
    });
    const secret = await waitFor('registry', () => getSecret(h, ns, 'registry'));
    assert.equal(secret?.type, 'kubernetes.io/dockerconfigjson');
    const password = aws.ecrPassword(userArn(), 'eu-west-1');
    const host = `${aws.account}.dkr.ecr.eu-west-1.amazonaws.com`;
    assert.deepEqual(JSON.parse(decode(secret?.data)['.dockerconfigjson'] ?? '{}'), {
      auths: { [host]: { username: 'AWS', password, auth: Buffer.from(`AWS:${password}`).toString('base64') } },
    });
    const es = await getExternalSecret(h, ns, 'registry');
    assert.equal(readyOf(es)?.status, 'True');
    assert.ok(!h.logs.join('\n').includes(password), 'the ECR password reached the operator log');
  });
});
