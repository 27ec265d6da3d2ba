// ESO's STSSessionToken generator: temporary credentials from sts:GetSessionToken (with the optional duration and
// MFA device and code of spec.requestParameters), as the keys `access_key_id`, `secret_access_key`,
// `session_token` and `expiration` (Unix seconds). Credentials: aws-session.ts.
import type { STSSessionTokenSpec } from '../../api/generated/types.js';
import type { KubeClient } from '../../kube/index.js';
import { awsCallError, awsClientConfig, awsCredentials, stsEndpoint } from './aws-session.js';
import { GeneratorError } from './errors.js';

const WHERE = 'STSSessionToken generator';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

export async function generateSTSSessionToken(
  client: KubeClient,
  namespace: string,
  spec: Partial<STSSessionTokenSpec> | undefined,
  signal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  if (!spec?.region) throw new GeneratorError('Invalid', `${WHERE}: spec.region is required, e.g. eu-west-1`);
  const region = spec.region;
  const credentials = await awsCredentials(client, {
    generator: 'STSSessionToken',
    auth: spec.auth,
    role: spec.role,
    region,
    namespace,
    signal,
  });
  const { GetSessionTokenCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ ...awsClientConfig(region, stsEndpoint()), credentials });
  const parameters = spec.requestParameters ?? {};
  try {
    const out = await sts.send(
      new GetSessionTokenCommand({
        DurationSeconds: parameters.sessionDuration,
        SerialNumber: parameters.serialNumber,
        TokenCode: parameters.tokenCode,
      }),
      { abortSignal: signal },
    );
    const issued = out.Credentials;
    if (!issued) throw new GeneratorError('Unavailable', `${WHERE}: STS answered without credentials`);
    return {
      access_key_id: utf8(issued.AccessKeyId ?? ''),
      expiration: utf8(String(Math.floor((issued.Expiration?.getTime() ?? 0) / 1000))),
      secret_access_key: utf8(issued.SecretAccessKey ?? ''),
      session_token: utf8(issued.SessionToken ?? ''),
    };
  } catch (error) {
    throw awsCallError(WHERE, `STS GetSessionToken in ${region}`, error);
  } finally {
    sts.destroy();
  }
}
