// GCRAccessToken generator on the real control plane against a Google double (test/helpers/google-double.ts, which
// checks the JWT bearer grant's signature, audience, scope and lifetime): a service account key from a Secret, the
// operator's own credentials (a key file at GOOGLE_APPLICATION_CREDENTIALS, else the metadata server), GKE workload
// identity (the service account's token checked by a real TokenReview for the pool, then impersonation), and the
// failures a user meets (a revoked key, a Secret that holds no key, a denied impersonation, a wrong cluster).
// Finally an ExternalSecret turns the token into a kubernetes.io/dockerconfigjson Secret through the operator.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { type GoogleDouble, startGoogleDouble, TOKEN_SECONDS } from '../../helpers/google-double.js';
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
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const PULLER = 'puller@custos-test.iam.gserviceaccount.com';
const NODE = 'node@custos-test.iam.gserviceaccount.com';
const GAR_READER = 'gar-reader@custos-test.iam.gserviceaccount.com';

describe('GCRAccessToken generator', { skip: integration.skipReason }, () => {
  let h: Harness;
  let google: GoogleDouble;
  let ns: string;
  let op: OperatorHandle | undefined;
  let dir: string;
  const restoreEnv = saveEnv(['GCE_METADATA_HOST', 'GOOGLE_APPLICATION_CREDENTIALS', 'HTTPS_PROXY']);

  const create = (name: string, auth: Record<string, unknown>) =>
    h.client.create(GeneratorResources.GCRAccessToken, {
      apiVersion,
      kind: 'GCRAccessToken',
      metadata: { name, namespace: ns },
      spec: { projectID: 'custos-test', auth },
    });
  const generate = async (name: string) =>
    textOf(await resolveGenerator(h.client, ns, { apiVersion, kind: 'GCRAccessToken', name }));
  const failure = (name: string) => generatorError(() => generate(name), name);
  const keyRef = (key: string) => ({ secretRef: { secretAccessKeySecretRef: { name: 'gcp-keys', key } } });
  const expiryNear = (expiry: string | undefined, before: number) => {
    const seconds = Number(expiry);
    assert.ok(
      seconds >= Math.floor(before / 1000) + TOKEN_SECONDS - 1 && seconds <= Date.now() / 1000 + TOKEN_SECONDS + 1,
      `expiry ${expiry}`,
    );
  };

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'gcr-gen');
    google = await startGoogleDouble({
      defaultAccount: NODE,
      workloadIdentity: {
        cluster: { location: 'europe-west1', name: 'prod' },
        verifySubject: (token, audience) => reviewToken(h, token, [audience]),
        impersonation: { [GAR_READER]: [`system:serviceaccount:${ns}:puller`] },
      },
    });
    for (const [name, annotations] of [
      ['puller', { 'iam.gke.io/gcp-service-account': GAR_READER }],
      ['intruder', { 'iam.gke.io/gcp-service-account': GAR_READER }],
      ['plain', {}],
    ] as const) {
      await h.client.create(Resources.serviceAccounts, { metadata: { name, namespace: ns, annotations } });
    }
    dir = mkdtempSync(join(tmpdir(), 'gcr-'));
    const revoked = google.newKey(PULLER);
    await h.client.create(Resources.secrets, {
      metadata: { name: 'gcp-keys', namespace: ns },
      stringData: {
        'key.json': google.newKey(PULLER),
        revoked,
        notjson: 'this is not a key',
        user: JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' }),
      },
    });
    process.env.GCE_METADATA_HOST = google.metadataHost;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  });

  after(async () => {
    await op?.stop();
    await google?.stop();
    rmSync(dir, { recursive: true, force: true });
    restoreEnv();
  });

  it('a service account key from a Secret: a docker login for the registry, valid as long as Google says', async () => {
    await create('key', keyRef('key.json'));
    const start = Date.now();
    const calls = google.calls.length;
    const out = await generate('key');
    assert.deepEqual(Object.keys(out).sort(), ['expiry', 'password', 'username']);
    assert.equal(out.username, 'oauth2accesstoken');
    assert.equal(out.password, google.accessToken(PULLER, SCOPE));
    expiryNear(out.expiry, start);
    assert.deepEqual(
      google.calls.slice(calls).map((c) => `${c.endpoint} ${c.account} ${c.status}`),
      [`token ${PULLER} 200`],
    );
  });

  it('a key Google no longer knows, a Secret without a key and another kind of credentials are refused clearly', async () => {
    await create('revoked', keyRef('revoked'));
    const revoked = await failure('revoked');
    assert.equal(revoked.code, 'Invalid');
    assert.match(
      revoked.message,
      /token endpoint http:\/\/127\.0\.0\.1:\d+ for puller@.* answered 400: invalid_grant: Invalid JWT Signature\./,
    );
    await create('notjson', keyRef('notjson'));
    assert.match(
      (await failure('notjson')).message,
      /Secret "gcp-keys" key "notjson" is not a service account key \(JSON\)/,
    );
    await create('user', keyRef('user'));
    assert.match(
      (await failure('user')).message,
      /holds credentials of type "authorized_user"; a service account key is needed/,
    );
    await create('missing', keyRef('nope'));
    assert.match((await failure('missing')).message, /Secret "gcp-keys" has no key "nope"/);
    for (const error of [revoked]) assert.ok(!error.message.includes('PRIVATE KEY'));
  });

  it('no auth: the operator`s own credentials, the metadata server or GOOGLE_APPLICATION_CREDENTIALS', async () => {
    await create('own', {});
    const start = Date.now();
    const fromMetadata = await generate('own');
    assert.equal(fromMetadata.password, google.accessToken(NODE, SCOPE));
    expiryNear(fromMetadata.expiry, start);

    const file = join(dir, 'key.json');
    writeFileSync(file, google.newKey('file@custos-test.iam.gserviceaccount.com'));
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    try {
      assert.equal(
        (await generate('own')).password,
        google.accessToken('file@custos-test.iam.gserviceaccount.com', SCOPE),
      );
    } finally {
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    }
  });

  it('GKE workload identity: the account`s token for the pool, federated, then impersonating its Google account', async () => {
    process.env.HTTPS_PROXY = google.url; // the only way to Google's API hosts here
    try {
      await create('wi', { workloadIdentity: { serviceAccountRef: { name: 'puller' } } });
      const start = Date.now();
      const calls = google.calls.length;
      const out = await generate('wi');
      assert.equal(out.password, google.accessToken(GAR_READER, SCOPE));
      expiryNear(out.expiry, start);
      assert.deepEqual(
        google.calls.slice(calls).map((c) => `${c.endpoint} ${c.path.split('?')[0]} ${c.status}`),
        [
          'metadata /computeMetadata/v1/project/project-id 200',
          'metadata /computeMetadata/v1/instance/attributes/cluster-location 200',
          'metadata /computeMetadata/v1/instance/attributes/cluster-name 200',
          'sts /v1/identitybindingtoken 200',
          `iam /v1/projects/-/serviceAccounts/${GAR_READER}:generateAccessToken 200`,
        ],
      );

      // Without the iam.gke.io annotation the federated token itself is the password (ESO does the same).
      await create('wi-plain', {
        workloadIdentity: {
          serviceAccountRef: { name: 'plain' },
          clusterProjectID: 'custos-test',
          clusterLocation: 'europe-west1',
          clusterName: 'prod',
        },
      });
      assert.equal((await generate('wi-plain')).password, google.federatedToken(`system:serviceaccount:${ns}:plain`));

      await create('wi-denied', { workloadIdentity: { serviceAccountRef: { name: 'intruder' } } });
      const denied = await failure('wi-denied');
      assert.equal(denied.code, 'Invalid');
      assert.match(
        denied.message,
        /IAM Credentials for gar-reader@.* \(service account ".*\/intruder" needs roles\/iam\.workloadIdentityUser on it\) answered 403: PERMISSION_DENIED/,
      );

      await create('wi-wrong-cluster', {
        workloadIdentity: { serviceAccountRef: { name: 'puller' }, clusterName: 'staging' },
      });
      assert.match(
        (await failure('wi-wrong-cluster')).message,
        /Security Token Service .* answered 400: invalid_target/,
      );
    } finally {
      delete process.env.HTTPS_PROXY;
    }
  });

  it('through the operator: a dockerconfigjson Secret for Artifact Registry, and no token in the log', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createExternalSecret(h, ns, 'registry', {
      refreshInterval: '30m',
      target: {
        name: 'registry',
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          data: {
            '.dockerconfigjson':
              '{"auths":{"europe-docker.pkg.dev":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}',
          },
        },
      },
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'GCRAccessToken', name: 'key' } } }],
    });
    const secret = await waitFor('registry', () => getSecret(h, ns, 'registry'));
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    const token = google.accessToken(PULLER, SCOPE);
    assert.deepEqual(JSON.parse(decode(secret.data)['.dockerconfigjson'] ?? '{}'), {
      auths: { 'europe-docker.pkg.dev': { auth: Buffer.from(`oauth2accesstoken:${token}`).toString('base64') } },
    });
    assert.ok(!h.logs.join('\n').includes(token), 'the access token reached the operator log');
  });
});
