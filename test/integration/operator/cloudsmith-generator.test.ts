// CloudsmithAccessToken generator (an ESO v2.x kind; ESO v0.16.2, the ESO that runs here, does not have it, so there
// is no differential test) on the real control plane against a Cloudsmith double (test/helpers/cloudsmith-double.ts,
// HTTPS under the test run's CA): the service account's token, with its audience, checked by a real TokenReview and
// exchanged for a Cloudsmith token; a service that does not trust the account and an incomplete spec say what to
// fix; and an ExternalSecret turns the answer into a dockerconfigjson Secret for docker.cloudsmith.io.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { type CloudsmithDouble, startCloudsmithDouble } from '../../helpers/cloudsmith-double.js';
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
  startTestOperator,
  textOf,
  waitFor,
} from './harness.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';

describe('CloudsmithAccessToken generator', { skip: integration.skipReason }, () => {
  let h: Harness;
  let cloudsmith: CloudsmithDouble;
  let ns: string;
  let op: OperatorHandle | undefined;
  const subject = () => `system:serviceaccount:${ns}:publisher`;

  const create = (name: string, spec: Record<string, unknown>) =>
    h.client.create(GeneratorResources.CloudsmithAccessToken, {
      apiVersion,
      kind: 'CloudsmithAccessToken',
      metadata: { name, namespace: ns },
      spec: {
        apiUrl: cloudsmith.url,
        orgSlug: 'acme',
        serviceAccountRef: { name: 'publisher', audiences: ['cloudsmith'] },
        ...spec,
      },
    });
  const generate = async (name: string) =>
    textOf(await resolveGenerator(h.client, ns, { apiVersion, kind: 'CloudsmithAccessToken', name }));
  const failure = (name: string) => generatorError(() => generate(name), name);

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'cloudsmith-gen');
    cloudsmith = await startCloudsmithDouble({
      services: { 'acme/ci-pusher': [`system:serviceaccount:${ns}:publisher`] },
      verifyToken: (token) => reviewToken(h, token, ['cloudsmith']),
    });
    await h.client.create(Resources.serviceAccounts, { metadata: { name: 'publisher', namespace: ns } });
  });

  after(async () => {
    await op?.stop();
    await cloudsmith?.stop();
  });

  it('exchanges the service account`s token (with its audience) for a Cloudsmith token', async () => {
    await create('pusher', { serviceSlug: 'ci-pusher' });
    const token = cloudsmith.token('acme', 'ci-pusher', subject());
    assert.deepEqual(await generate('pusher'), {
      auth: Buffer.from(`token:${token}`).toString('base64'),
      expiry: String(cloudsmith.exp),
    });
    assert.deepEqual(cloudsmith.calls.at(-1), {
      path: '/openid/acme/',
      service: 'ci-pusher',
      subject: subject(),
      status: 201,
    });
  });

  it('a service that does not trust the account, and a spec without orgSlug, say what to fix', async () => {
    await create('other', { serviceSlug: 'other-service' });
    const refused = await failure('other');
    assert.equal(refused.code, 'Invalid');
    assert.match(
      refused.message,
      /Cloudsmith at https:\/\/127\.0\.0\.1:\d+ \(organization acme, service other-service\) answered 401: Authentication credentials were not provided or are invalid\.; check the service's OIDC provider settings/,
    );
    // The CRD requires orgSlug, as ESO's does: the API server refuses the object and names the field.
    await assert.rejects(
      h.client.create(GeneratorResources.CloudsmithAccessToken, {
        apiVersion,
        kind: 'CloudsmithAccessToken',
        metadata: { name: 'no-org', namespace: ns },
        spec: { serviceSlug: 'ci-pusher', serviceAccountRef: { name: 'publisher' } },
      }),
      /orgSlug/,
    );
  });

  it('through the operator: a dockerconfigjson Secret for docker.cloudsmith.io, and no token in the log', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createExternalSecret(h, ns, 'cloudsmith-pull', {
      refreshInterval: '1h',
      target: {
        name: 'cloudsmith-pull',
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': '{"auths":{"docker.cloudsmith.io":{"auth":"{{ .auth }}"}}}' },
        },
      },
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'CloudsmithAccessToken', name: 'pusher' } } }],
    });
    const secret = await waitFor('cloudsmith-pull', () => getSecret(h, ns, 'cloudsmith-pull'));
    const token = cloudsmith.token('acme', 'ci-pusher', subject());
    assert.deepEqual(JSON.parse(decode(secret.data)['.dockerconfigjson'] ?? '{}'), {
      auths: { 'docker.cloudsmith.io': { auth: Buffer.from(`token:${token}`).toString('base64') } },
    });
    assert.ok(!h.logs.join('\n').includes(token), 'the Cloudsmith token reached the operator log');
  });
});
