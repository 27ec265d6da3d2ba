// AWS sessions of the ECRAuthorizationToken and STSSessionToken generators: credentials and the errors of AWS calls.
// Credentials are chosen as ESO chooses them: `auth.secretRef` (keys read from the referencing namespace; wins when
// both are set), else `auth.jwt` (a token of the named service account, whose annotation eks.amazonaws.com/role-arn
// names the role, exchanged with sts:AssumeRoleWithWebIdentity), else the operator's own credentials through the
// AWS SDK's default chain (environment, IRSA and Pod Identity, shared config, instance metadata). With `role`, those
// credentials then assume that role (sts:AssumeRole). The SDK is loaded on first use, so operators without AWS
// generators never pay for it.
import type { AWSAuth, SecretKeySelector } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { proxyRoutingAgent } from '../../providers/proxy.js';
import { GeneratorError } from './errors.js';
import { readReferencedKey, serviceAccountAnnotations, serviceAccountToken } from './inputs.js';

export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const AUDIENCE_ANNOTATION = 'eks.amazonaws.com/audience';
export const DEFAULT_WEB_IDENTITY_AUDIENCE = 'sts.amazonaws.com';
/** RoleSessionName of the sessions Custos opens (visible in CloudTrail). */
export const ROLE_SESSION_NAME = 'custos-operator';
const WEB_IDENTITY_TOKEN_SECONDS = 3600;

type CredentialProviders = typeof import('@aws-sdk/credential-providers');
type AwsCredentialIdentityProvider = ReturnType<CredentialProviders['fromNodeProviderChain']>;
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;
export type AwsCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface AwsCredentialsRequest {
  /** The generator kind, for messages. */
  generator: string;
  auth: AWSAuth | undefined;
  role: string | undefined;
  region: string;
  namespace: string;
  signal?: AbortSignal;
}

/**
 * ESO reads STS endpoints from AWS_STS_ENDPOINT; the SDK itself honours AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL.
 */
export function stsEndpoint(): string | undefined {
  return process.env.AWS_STS_ENDPOINT || undefined;
}

/** Settings every AWS client of a generator shares: the region and, with HTTPS_PROXY set, the proxy. */
export function awsClientConfig(region: string, endpoint?: string) {
  const agent = proxyRoutingAgent();
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(agent ? { requestHandler: { httpsAgent: agent, httpAgent: agent } } : {}),
  };
}

async function secretValue(
  client: KubeClient,
  request: AwsCredentialsRequest,
  ref: SecretKeySelector | undefined,
  field: string,
): Promise<string> {
  const who = { generator: request.generator, field: `spec.auth.secretRef.${field}` };
  return (await readReferencedKey(client, ref, request.namespace, who, request.signal)).toString('utf8');
}

async function staticCredentials(client: KubeClient, request: AwsCredentialsRequest): Promise<AwsCredentialIdentity> {
  const ref = request.auth?.secretRef ?? {};
  const secretAccessKey = await secretValue(client, request, ref.secretAccessKeySecretRef, 'secretAccessKeySecretRef');
  const accessKeyId = await secretValue(client, request, ref.accessKeyIDSecretRef, 'accessKeyIDSecretRef');
  const sessionToken = ref.sessionTokenSecretRef
    ? await secretValue(client, request, ref.sessionTokenSecretRef, 'sessionTokenSecretRef')
    : undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

async function webIdentityCredentials(
  client: KubeClient,
  request: AwsCredentialsRequest,
): Promise<AwsCredentialIdentityProvider> {
  const where = `${request.generator} generator`;
  const ref = request.auth?.jwt?.serviceAccountRef;
  if (!ref?.name) throw new GeneratorError('Invalid', `${where}: spec.auth.jwt.serviceAccountRef.name is required`);
  // A generator's service account is always the referencing object's namespace (ESO ignores ref.namespace here).
  const namespace = request.namespace;
  const annotations = await serviceAccountAnnotations(client, namespace, ref.name, where, request.signal);
  const roleArn = annotations[ROLE_ARN_ANNOTATION];
  if (!roleArn) {
    throw new GeneratorError(
      'Invalid',
      `${where}: service account "${namespace}/${ref.name}" has no ${ROLE_ARN_ANNOTATION} annotation; annotate it with the IAM role to assume`,
    );
  }
  const audiences = [annotations[AUDIENCE_ANNOTATION] || DEFAULT_WEB_IDENTITY_AUDIENCE, ...(ref.audiences ?? [])];
  const token = await serviceAccountToken(client, namespace, ref.name, audiences, where, WEB_IDENTITY_TOKEN_SECONDS);
  const { fromWebToken } = await import('@aws-sdk/credential-providers');
  return fromWebToken({
    roleArn,
    webIdentityToken: token,
    roleSessionName: ROLE_SESSION_NAME,
    clientConfig: awsClientConfig(request.region, stsEndpoint()),
  });
}

async function resolved(
  request: AwsCredentialsRequest,
  credentials: AwsCredentials,
  source: string,
): Promise<AwsCredentialIdentity> {
  if (typeof credentials !== 'function') return credentials;
  try {
    return await credentials();
  } catch (error) {
    throw awsCallError(`${request.generator} generator`, `getting AWS credentials (${source})`, error);
  }
}

/** The credentials a generator signs its AWS calls with (see the file comment for the order). */
export async function awsCredentials(
  client: KubeClient,
  request: AwsCredentialsRequest,
): Promise<AwsCredentialIdentity> {
  const providers = await import('@aws-sdk/credential-providers');
  let base: AwsCredentials;
  let source: string;
  if (request.auth?.secretRef) {
    base = await staticCredentials(client, request);
    source = 'spec.auth.secretRef';
  } else if (request.auth?.jwt) {
    base = await webIdentityCredentials(client, request);
    source = `sts:AssumeRoleWithWebIdentity for service account "${request.namespace}/${request.auth.jwt.serviceAccountRef?.name}"`;
  } else {
    base = providers.fromNodeProviderChain({ clientConfig: awsClientConfig(request.region) });
    source = "the operator's default AWS credential chain";
  }
  if (!request.role) return resolved(request, base, source);
  const assumed = providers.fromTemporaryCredentials({
    masterCredentials: base,
    params: { RoleArn: request.role, RoleSessionName: ROLE_SESSION_NAME },
    clientConfig: awsClientConfig(request.region, stsEndpoint()),
  });
  return resolved(request, assumed, `sts:AssumeRole of ${request.role} with ${source}`);
}

interface AwsServiceError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const RETRYABLE = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'ServiceUnavailable']);

/**
 * A failed AWS call as a GeneratorError: refusals (bad keys, denied, invalid parameters, no credentials) are
 * Invalid, throttling, 5xx and network failures Unavailable. AWS's own message is kept, cut to one line; it names
 * the problem, never a secret key.
 */
export function awsCallError(where: string, action: string, error: unknown): GeneratorError {
  if (error instanceof GeneratorError) return error;
  const e = (error ?? {}) as AwsServiceError;
  const name = e.name && e.name !== 'Error' ? e.name : undefined;
  const message = (e.message ?? String(error)).split('\n')[0]?.slice(0, 300) ?? '';
  const status = e.$metadata?.httpStatusCode;
  const noCredentials = name === 'CredentialsProviderError';
  const unavailable =
    !noCredentials &&
    (e.$fault === 'server' ||
      (status !== undefined && status >= 500) ||
      RETRYABLE.has(name ?? '') ||
      status === undefined);
  const hint = noCredentials
    ? '; set spec.auth.secretRef or spec.auth.jwt, or give the operator AWS credentials (environment, IRSA, Pod Identity)'
    : '';
  const detail = [name, message].filter(Boolean).join(': ');
  return new GeneratorError(
    unavailable ? 'Unavailable' : 'Invalid',
    `${where}: ${action} failed: ${detail}${status ? ` (HTTP ${status})` : ''}${hint}`,
  );
}
