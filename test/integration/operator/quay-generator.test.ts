// QuayAccessToken generator on the real control plane against a Quay double (test/helpers/quay-double.ts, HTTPS
// under the test run's CA): the service account's token, with its audiences, is checked by a real TokenReview and
// federated into a robot token; a robot that does not trust the account and a missing service account are refused
// with what to fix; and an ExternalSecret turns the answer into a dockerconfigjson Secret through the operator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { type QuayDouble, startQuayDouble } from '../../helpers/quay-double.js';
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

describe('QuayAccessToken generator', { skip: integration.skipReason }, () => {
  let h: Harness;
  let quay: QuayDouble;
  let ns: string;
  let op: OperatorHandle | undefined;

  const create = (name: string, spec: Record<string, unknown>) =>
    h.client.create(GeneratorResources.QuayAccessToken, {
      apiVersion,
      kind: 'QuayAccessToken',
      metadata: { name, namespace: ns },
      spec: { url: quay.host, ...spec },
    });
  const generate = async (name: string) =>
    textOf(await resolveGenerator(h.client, ns, { apiVersion, kind: 'QuayAccessToken', name }));
  const failure = (name: string) => generatorError(() => generate(name), name);

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'quay-gen');
    quay = await startQuayDouble({
      robots: { 'myorg+puller': [`system:serviceaccount:${ns}:puller`], 'myorg+other': [] },
      verifyToken: (token) => reviewToken(h, token, ['quay.example']),
    });
    for (const name of ['puller', 'stranger']) {
      await h.client.create(Resources.serviceAccounts, { metadata: { name, namespace: ns } });
    }
  });

  after(async () => {
    await op?.stop();
    await quay?.stop();
  });

  it('federates the service account`s token (with its audience) into a robot token', async () => {
    await create('puller', {
      url: `https://${quay.host}`,
      robotAccount: 'myorg+puller',
      serviceAccountRef: { name: 'puller', audiences: ['quay.example'] },
    });
    const out = await generate('puller');
    const token = quay.robotToken('myorg+puller', `system:serviceaccount:${ns}:puller`);
    assert.deepEqual(out, {
      registry: quay.host,
      auth: Buffer.from(`myorg+puller:${token}`).toString('base64'),
      expiry: String(quay.exp),
    });
  });

  it('a robot that does not trust the account, a wrong audience and a missing account say what to fix', async () => {
    await create('stranger', {
      robotAccount: 'myorg+puller',
      serviceAccountRef: { name: 'stranger', audiences: ['quay.example'] },
    });
    const stranger = await failure('stranger');
    assert.equal(stranger.code, 'Invalid');
    assert.match(
      stranger.message,
      /Quay at 127\.0\.0\.1:\d+ \(robot myorg\+puller\) answered 401: Unauthorized: no federation configuration matches the token; check the robot account's federation settings/,
    );
    await create('no-audience', { robotAccount: 'myorg+puller', serviceAccountRef: { name: 'puller' } });
    assert.match((await failure('no-audience')).message, /answered 401/);
    await create('ghost', { robotAccount: 'myorg+puller', serviceAccountRef: { name: 'ghost' } });
    assert.match((await failure('ghost')).message, /service account ".*\/ghost": it does not exist/);
  });

  it('through the operator: a dockerconfigjson Secret, and no robot token in the log', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createExternalSecret(h, ns, 'quay-pull', {
      refreshInterval: '30m',
      target: {
        name: 'quay-pull',
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': '{"auths":{"{{ .registry }}":{"auth":"{{ .auth }}"}}}' },
        },
      },
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion, kind: 'QuayAccessToken', name: 'puller' } } }],
    });
    const secret = await waitFor('quay-pull', () => getSecret(h, ns, 'quay-pull'));
    const token = quay.robotToken('myorg+puller', `system:serviceaccount:${ns}:puller`);
    assert.deepEqual(JSON.parse(decode(secret.data)['.dockerconfigjson'] ?? '{}'), {
      auths: { [quay.host]: { auth: Buffer.from(`myorg+puller:${token}`).toString('base64') } },
    });
    assert.ok(!h.logs.join('\n').includes(token), 'the robot token reached the operator log');
  });
});
