// How failed AWS calls become generator errors: what the user is told to fix (Invalid) versus what the next refresh
// retries (Unavailable), with AWS's reason kept to one line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsCallError } from '../../../src/operator/generators/aws-session.js';
import { GeneratorError } from '../../../src/operator/generators/index.js';

const serviceError = (name: string, message: string, status?: number, fault?: 'client' | 'server') =>
  Object.assign(new Error(message), {
    name,
    ...(fault ? { $fault: fault } : {}),
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
  });

describe('awsCallError', () => {
  it('a refusal (4xx) is Invalid and keeps AWS`s code, message and status', () => {
    const error = awsCallError(
      'ECRAuthorizationToken generator',
      'ECR GetAuthorizationToken in eu-west-1',
      serviceError('AccessDeniedException', 'User is not authorized', 400, 'client'),
    );
    assert.equal(error.code, 'Invalid');
    assert.equal(
      error.message,
      'ECRAuthorizationToken generator: ECR GetAuthorizationToken in eu-west-1 failed: AccessDeniedException: User is not authorized (HTTP 400)',
    );
  });

  it('throttling, 5xx and network failures are Unavailable', () => {
    assert.equal(
      awsCallError('g', 'a', serviceError('ThrottlingException', 'Rate exceeded', 400, 'client')).code,
      'Unavailable',
    );
    assert.equal(awsCallError('g', 'a', serviceError('InternalFailure', 'oops', 500, 'server')).code, 'Unavailable');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const network = awsCallError('g', 'STS GetSessionToken', refused);
    assert.equal(network.code, 'Unavailable');
    assert.match(network.message, /^g: STS GetSessionToken failed: connect ECONNREFUSED/);
  });

  it('no credentials at all says which fields to set', () => {
    const none = serviceError('CredentialsProviderError', 'Could not load credentials from any providers');
    const error = awsCallError('STSSessionToken generator', 'getting AWS credentials (the default chain)', none);
    assert.equal(error.code, 'Invalid');
    assert.match(
      error.message,
      /Could not load credentials from any providers; set spec\.auth\.secretRef or spec\.auth\.jwt/,
    );
  });

  it('keeps the first line only and passes GeneratorErrors through', () => {
    const long = awsCallError(
      'g',
      'a',
      serviceError(
        'SignatureDoesNotMatch',
        'first line\nThe Canonical String for this request should have been ...',
        403,
      ),
    );
    assert.ok(!long.message.includes('Canonical'));
    const own = new GeneratorError('NotFound', 'Secret "x" not found');
    assert.equal(awsCallError('g', 'a', own), own);
  });
});
