// ESO's ECRAuthorizationToken generator: a docker login for Amazon ECR from GetAuthorizationToken, as the keys
// `username`, `password`, `proxy_endpoint` (the registry URL; private scope only) and `expires_at` (Unix seconds).
// `scope: public` asks ECR Public, whose API lives only in us-east-1, so that scope always calls us-east-1
// (ESO calls the spec's region, which fails for any other region). Credentials: aws-session.ts.
import type { ECRAuthorizationTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { awsCallError, awsClientConfig, awsCredentials } from './aws-session.js';
import { GeneratorError } from './errors.js';

const WHERE = 'ECRAuthorizationToken generator';
export const ECR_PUBLIC_REGION = 'us-east-1';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** The user and password inside an authorization token (base64 of "user:password"). */
function splitToken(token: string | undefined): { username: string; password: string } {
  const parts = Buffer.from(token ?? '', 'base64')
    .toString('utf8')
    .split(':');
  if (parts.length !== 2)
    throw new GeneratorError('Unavailable', `${WHERE}: the authorization token is not user:password`);
  return { username: parts[0] as string, password: parts[1] as string };
}

const unixSeconds = (date: Date | undefined) => String(Math.floor((date?.getTime() ?? 0) / 1000));

export async function generateECRAuthorizationToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<ECRAuthorizationTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.region) throw new GeneratorError('Invalid', `${WHERE}: spec.region is required, e.g. eu-west-1`);
  const scope = spec.scope || 'private';
  if (scope !== 'private' && scope !== 'public') {
    throw new GeneratorError('Invalid', `${WHERE}: spec.scope "${scope}" is not valid; use private or public`);
  }
  const region = scope === 'public' ? ECR_PUBLIC_REGION : spec.region;
  const credentials = await awsCredentials(client, {
    generator: 'ECRAuthorizationToken',
    auth: spec.auth,
    role: spec.role,
    region,
    namespace,
    signal,
  });
  if (scope === 'public') {
    const { ECRPUBLICClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr-public');
    const ecr = new ECRPUBLICClient({ ...awsClientConfig(region), credentials });
    try {
      const out = await ecr.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal });
      const data = out.authorizationData;
      const { username, password } = splitToken(data?.authorizationToken);
      return { username: utf8(username), password: utf8(password), expires_at: utf8(unixSeconds(data?.expiresAt)) };
    } catch (error) {
      throw awsCallError(WHERE, 'ECR Public GetAuthorizationToken', error);
    } finally {
      ecr.destroy();
    }
  }
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  const ecr = new ECRClient({ ...awsClientConfig(region), credentials });
  try {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal });
    const all = out.authorizationData ?? [];
    if (all.length !== 1) {
      throw new GeneratorError('Unavailable', `${WHERE}: expected 1 authorization token from ECR, got ${all.length}`);
    }
    const data = all[0];
    const { username, password } = splitToken(data?.authorizationToken);
    return {
      username: utf8(username),
      password: utf8(password),
      proxy_endpoint: utf8(data?.proxyEndpoint ?? ''),
      expires_at: utf8(unixSeconds(data?.expiresAt)),
    };
  } catch (error) {
    throw awsCallError(WHERE, `ECR GetAuthorizationToken in ${region}`, error);
  } finally {
    ecr.destroy();
  }
}
