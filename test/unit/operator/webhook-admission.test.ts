// admit(): one AdmissionReview in, ESO's answer out: deletes pass, problems are joined as errors.Join does, warnings
// for unmaintained and unsupported providers, and a body that is no AdmissionReview is refused loudly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit } from '../../../src/operator/webhook/admission.js';
import { defaultProviderRegistry } from '../../../src/providers/index.js';

const registry = defaultProviderRegistry();
const review = (object: unknown, operation = 'CREATE') => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u-1', operation, object },
});
const store = (provider: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'SecretStore',
  metadata: { name: 'st', namespace: 'ns' },
  spec: { provider, ...extra },
});

describe('admit', () => {
  it('allows a delete whatever the object, and a good ExternalSecret', () => {
    assert.deepEqual(admit('ExternalSecret', review({ spec: {} }, 'DELETE'), registry), { uid: 'u-1', allowed: true });
    const good = { spec: { data: [{ secretKey: 'a', remoteRef: { key: 'k' } }] } };
    assert.deepEqual(admit('ExternalSecret', review(good), registry), { uid: 'u-1', allowed: true });
  });

  it('denies with 403 and every problem on its own line', () => {
    const bad = { spec: { target: { creationPolicy: 'None', deletionPolicy: 'Delete' } } };
    assert.deepEqual(admit('ExternalSecret', review(bad), registry), {
      uid: 'u-1',
      allowed: false,
      status: {
        code: 403,
        reason: 'Forbidden',
        message:
          "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner\neither data or dataFrom should be specified",
      },
    });
  });

  it('warns about an unmaintained provider and one Custos does not support, refuses zero or two providers', () => {
    const fake = admit('SecretStore', review(store({ fake: { data: [{ key: 'k', value: 'v' }] } })), registry);
    assert.equal(fake.allowed, true);
    assert.deepEqual(fake.warnings, ["store st isn't currently maintained. Please plan and prepare accordingly."]);
    const aws = admit('SecretStore', review(store({ aws: { service: 'SecretsManager' } })), registry);
    assert.equal(aws.allowed, true);
    assert.match(aws.warnings?.[0] ?? '', /provider aws is not supported by Custos \(supported: .*fake.*\)/);
    const two = admit('SecretStore', review(store({ fake: {}, kubernetes: {} })), registry);
    assert.equal(
      two.status?.message,
      'store error for st: secret stores must only have exactly one backend specified, found 2',
    );
    const none = admit('SecretStore', review(store({})), registry);
    assert.equal(
      none.status?.message,
      'store error for st: secret stores must only have exactly one backend specified, found 0',
    );
  });

  it('never echoes a fake value in its answer', () => {
    const answer = admit(
      'SecretStore',
      review(
        store({
          fake: {
            data: [
              { key: 'k', value: '' },
              { key: '', value: 'hunter2-value' },
            ],
          },
        }),
      ),
      registry,
    );
    assert.equal(answer.allowed, false);
    assert.doesNotMatch(JSON.stringify(answer), /hunter2/);
  });

  it('throws on a body that is not an AdmissionReview', () => {
    assert.throws(
      () => admit('ExternalSecret', { hello: 'world' }, registry),
      /not an AdmissionReview: request.uid is missing/,
    );
  });
});
