// generators.external-secrets.io/v1alpha1: the specs of the generator kinds Custos runs (GENERATOR_SPECS) and of
// ClusterGenerator (reference/eso.md 1.6). More kinds are added by writing their spec here and listing them there.
import { caBundle, caProvider, secretKeySelector, serviceAccountSelector } from './common.js';
import {
  anyJson,
  arr,
  bool,
  dateTime,
  duration,
  exactlyOne,
  int,
  map,
  named,
  obj,
  preserveUnknown,
  type Schema,
  sensitive,
  str,
} from './dsl.js';
import { clusterGeneratorKey, GENERATOR_KINDS, type GeneratorKind } from './generator-kinds.js';
import { vault } from './providers.js';

export const passwordSpec = named(
  'PasswordSpec',
  obj(
    {
      length: int({ default: 24, description: 'Length of the password.' }),
      digits: int({ description: 'Number of digits; default 25% of length.' }),
      symbols: int({ description: 'Number of symbols; default 25% of length.' }),
      symbolCharacters: str({ description: 'Symbols to choose from.' }),
      noUpper: bool({ default: false, description: 'No upper-case letters.' }),
      allowRepeat: bool({ default: false, description: 'Characters may repeat.' }),
      secretKeys: arr(str(), {
        minItems: 1,
        description: 'Output keys, each with its own password; default ["password"].',
      }),
      encoding: str({ enum: ['base64', 'base64url', 'base32', 'hex', 'raw'], default: 'raw' }),
    },
    { required: ['length', 'noUpper', 'allowRepeat'] },
  ),
);

export const fakeSpec = named(
  'FakeGeneratorSpec',
  obj({
    controller: str({ description: 'Controller class that processes this generator.' }),
    data: sensitive(map(str(), { description: 'Returned verbatim.' })),
  }),
);

export const uuidSpec = named('UUIDSpec', obj({}, { description: 'UUID has no settings.' }));

export const sshKeySpec = named(
  'SSHKeySpec',
  obj({
    keyType: str({ enum: ['rsa', 'ecdsa', 'ed25519'], default: 'rsa', description: 'Key type.' }),
    keySize: int({
      minimum: 256,
      maximum: 8192,
      description: 'Bits: rsa 2048 (default), 3072, 4096; ecdsa 256 (default), 384, 521; ignored for ed25519.',
    }),
    comment: str({ description: 'Comment in the public key line and the private key.' }),
  }),
);

export const mfaSpec = named(
  'MFASpec',
  obj(
    {
      secret: secretKeySelector,
      length: int({ description: 'Digits in the token; default 6.' }),
      timePeriod: int({ description: 'Seconds a token is valid; default 30.' }),
      algorithm: str({ description: 'HMAC hash: sha1 (default), sha256, sha384, sha512, sha512_256.' }),
      when: dateTime({ description: 'Fixed time to generate the token for (tests); default now.' }),
    },
    { required: ['secret'] },
  ),
);

export const webhookSpec = named(
  'WebhookSpec',
  obj(
    {
      method: str({ description: 'HTTP method; default GET.' }),
      url: str({ description: 'URL to call (Go template over spec.secrets).' }),
      headers: map(str(), { description: 'Request headers (values are Go templates).' }),
      body: str({ description: 'Request body (Go template).' }),
      timeout: duration({ description: 'Request timeout; default 30s.' }),
      result: named(
        'WebhookResult',
        obj({ jsonPath: str({ description: 'JSONPath of the object (or JSON string) to return; default $.' }) }),
      ),
      secrets: arr(
        named(
          'WebhookSecret',
          obj(
            {
              name: str({ description: "Name under which the Secret's keys appear in templates." }),
              secretRef: named(
                'WebhookSecretKeySelector',
                obj({ name: str({ description: 'Secret name.' }), key: str({ description: 'Key (informational).' }) }),
              ),
            },
            { required: ['name', 'secretRef'] },
          ),
        ),
        { description: 'Secrets (labelled external-secrets.io/type: webhook) whose data fills the templates.' },
      ),
      caBundle: caBundle(),
      caProvider,
    },
    { required: ['url', 'result'] },
  ),
);

export const githubAccessTokenSpec = named(
  'GithubAccessTokenSpec',
  obj(
    {
      url: str({
        description: 'GitHub API base URL; default https://api.github.com (GitHub Enterprise: https://<host>/api/v3).',
      }),
      appID: str({ description: 'GitHub App ID.' }),
      installID: str({ description: 'Installation ID of the App.' }),
      repositories: arr(str(), { description: 'Repositories the token may access; default all of the installation.' }),
      permissions: map(str(), { description: "Permissions of the token, e.g. contents: read; default the App's." }),
      auth: named(
        'GithubAuth',
        obj(
          {
            privateKey: named('GithubSecretRef', obj({ secretRef: secretKeySelector }, { required: ['secretRef'] })),
          },
          { required: ['privateKey'] },
        ),
      ),
    },
    { required: ['appID', 'installID', 'auth'] },
  ),
);

export const vaultDynamicSecretSpec = named(
  'VaultDynamicSecretSpec',
  obj(
    {
      controller: str({ description: 'Controller class that runs this generator.' }),
      method: str({ description: 'Vault API method: GET (default), LIST, DELETE, or any other for a write.' }),
      parameters: anyJson('Body of a write (methods other than GET, LIST and DELETE).'),
      resultType: str({
        enum: ['Data', 'Auth', 'Raw'],
        default: 'Data',
        description:
          "What becomes the data: the answer's data, its auth section (e.g. auth/token/create), or all of it.",
      }),
      retrySettings: obj({ maxRetries: int({ format: 'int32' }), retryInterval: str() }),
      provider: vault,
      path: str({ description: 'Vault path of the dynamic secret, e.g. database/creds/app.' }),
      allowEmptyResponse: bool({ default: false, description: 'An empty answer gives no data instead of an error.' }),
    },
    { required: ['provider', 'path'] },
  ),
);

// AWS credentials of the ECRAuthorizationToken and STSSessionToken generators: a Secret with keys, a service
// account's web identity (IRSA), or, with neither, the operator's own credentials (the SDK's default chain).
const awsAuth = named(
  'AWSAuth',
  obj(
    {
      secretRef: named(
        'AWSAuthSecretRef',
        obj({
          accessKeyIDSecretRef: secretKeySelector,
          secretAccessKeySecretRef: secretKeySelector,
          sessionTokenSecretRef: secretKeySelector,
        }),
      ),
      jwt: named('AWSJWTAuth', obj({ serviceAccountRef: serviceAccountSelector })),
    },
    { description: "How to get AWS credentials; neither secretRef nor jwt means the operator's own credentials." },
  ),
);

const awsRegion = () => str({ description: 'AWS region, e.g. eu-west-1.' });
const awsRole = () => str({ description: 'IAM role ARN to assume (sts:AssumeRole) with the credentials of auth.' });

export const ecrAuthorizationTokenSpec = named(
  'ECRAuthorizationTokenSpec',
  obj(
    {
      region: awsRegion(),
      auth: awsAuth,
      role: awsRole(),
      scope: str({ description: 'private (default): the account registry of the region; public: ECR Public.' }),
    },
    { required: ['region'] },
  ),
);

export const stsSessionTokenSpec = named(
  'STSSessionTokenSpec',
  obj(
    {
      region: awsRegion(),
      auth: awsAuth,
      role: awsRole(),
      requestParameters: named(
        'STSRequestParameters',
        obj({
          sessionDuration: int({
            format: 'int64',
            description: 'Lifetime in seconds (900 to 129,600; AWS default 43,200).',
          }),
          serialNumber: str({ description: 'MFA device serial number or ARN.' }),
          tokenCode: str({ description: 'Code from the MFA device.' }),
        }),
      ),
    },
    { required: ['region'] },
  ),
);

export const gcrAccessTokenSpec = named(
  'GCRAccessTokenSpec',
  obj(
    {
      auth: named(
        'GCPSMAuth',
        obj(
          {
            secretRef: named(
              'GCPSMAuthSecretRef',
              obj({ secretAccessKeySecretRef: secretKeySelector }, { description: 'A service account key (JSON).' }),
            ),
            workloadIdentity: named(
              'GCPWorkloadIdentity',
              obj(
                {
                  serviceAccountRef: serviceAccountSelector,
                  clusterLocation: str(),
                  clusterName: str(),
                  clusterProjectID: str(),
                },
                {
                  required: ['serviceAccountRef'],
                  description: 'GKE workload identity: a Kubernetes service account of the cluster.',
                },
              ),
            ),
          },
          { description: "Google credentials; neither means the operator's own (Application Default Credentials)." },
        ),
      ),
      projectID: str({ description: 'Google Cloud project ID.' }),
    },
    { required: ['auth', 'projectID'] },
  ),
);

export const quayAccessTokenSpec = named(
  'QuayAccessTokenSpec',
  obj(
    {
      url: str({ description: 'Quay host; default quay.io.' }),
      robotAccount: str({ description: 'Robot account to federate with, e.g. myorg+puller.' }),
      serviceAccountRef: serviceAccountSelector,
    },
    { required: ['robotAccount', 'serviceAccountRef'] },
  ),
);

export const acrAccessTokenSpec = named(
  'ACRAccessTokenSpec',
  obj(
    {
      auth: named(
        'ACRAuth',
        obj({
          servicePrincipal: named(
            'AzureACRServicePrincipalAuth',
            obj(
              {
                secretRef: named(
                  'AzureACRServicePrincipalAuthSecretRef',
                  obj({ clientId: secretKeySelector, clientSecret: secretKeySelector }),
                ),
              },
              { required: ['secretRef'] },
            ),
          ),
          managedIdentity: named(
            'AzureACRManagedIdentityAuth',
            obj({ identityId: str({ description: 'Client ID or resource ID of a user-assigned identity.' }) }),
          ),
          workloadIdentity: named('AzureACRWorkloadIdentityAuth', obj({ serviceAccountRef: serviceAccountSelector })),
        }),
      ),
      tenantId: str({ description: 'Azure AD tenant of the registry (and of the service principal).' }),
      registry: str({ description: 'Registry host, e.g. myregistry.azurecr.io.' }),
      scope: str({ description: 'Narrow the token to a scope, e.g. repository:app:pull; default a refresh token.' }),
      environmentType: str({
        enum: ['PublicCloud', 'USGovernmentCloud', 'ChinaCloud', 'GermanCloud'],
        default: 'PublicCloud',
        description: 'Azure cloud.',
      }),
    },
    { required: ['auth', 'registry'] },
  ),
);

export const cloudsmithAccessTokenSpec = named(
  'CloudsmithAccessTokenSpec',
  obj(
    {
      apiUrl: str({ description: 'Cloudsmith API URL; default https://api.cloudsmith.io.' }),
      orgSlug: str({ description: 'Organization slug in Cloudsmith.' }),
      serviceSlug: str({ description: 'Service (account) slug in Cloudsmith, set up for OIDC.' }),
      serviceAccountRef: serviceAccountSelector,
    },
    { required: ['orgSlug', 'serviceSlug', 'serviceAccountRef'] },
  ),
);

/** The generators Custos models; every other kind is kept verbatim inside ClusterGenerator. */
export const GENERATOR_SPECS: Partial<Record<GeneratorKind, Schema>> = {
  Password: passwordSpec,
  Fake: fakeSpec,
  UUID: uuidSpec,
  SSHKey: sshKeySpec,
  MFA: mfaSpec,
  Webhook: webhookSpec,
  GithubAccessToken: githubAccessTokenSpec,
  VaultDynamicSecret: vaultDynamicSecretSpec,
  ECRAuthorizationToken: ecrAuthorizationTokenSpec,
  STSSessionToken: stsSessionTokenSpec,
  GCRAccessToken: gcrAccessTokenSpec,
  QuayAccessToken: quayAccessTokenSpec,
  ACRAccessToken: acrAccessTokenSpec,
  CloudsmithAccessToken: cloudsmithAccessTokenSpec,
};

export const clusterGeneratorSpec = named(
  'ClusterGeneratorSpec',
  obj(
    {
      kind: str({ enum: GENERATOR_KINDS, description: 'Kind of the generator in spec.generator.' }),
      generator: named(
        'GeneratorSpec',
        exactlyOne(
          obj(
            Object.fromEntries(
              GENERATOR_KINDS.map((kind) => [
                clusterGeneratorKey(kind),
                GENERATOR_SPECS[kind] ?? preserveUnknown('Not implemented by Custos; kept as written.'),
              ]),
            ),
            { description: 'The generator settings, under <kind>Spec.' },
          ),
        ),
      ),
    },
    { required: ['kind', 'generator'] },
  ),
);
