// spec.provider of SecretStore / ClusterSecretStore. Providers Custos implements are modelled field by field;
// every other ESO v2.9 provider key is accepted and kept verbatim (x-kubernetes-preserve-unknown-fields) so
// existing manifests apply and the operator can report the provider as unsupported instead of losing data.
import { caBundle, caProvider, secretKeySelector, serviceAccountSelector, stringMap } from './common.js';
import {
  arr,
  bool,
  described,
  dnsLabel,
  duration,
  exactlyOne,
  int,
  map,
  named,
  obj,
  preserveUnknown,
  sensitive,
  str,
  withDefault,
} from './dsl.js';

/** Our own gateway: the native Custos API. */
const custos = named(
  'CustosProvider',
  obj(
    {
      gatewayURL: str({
        pattern: '^https?://',
        description: 'Base URL of the Custos gateway, e.g. https://custos-gateway.custos.svc:8443.',
      }),
      caBundle: caBundle(),
      caProvider,
      auth: named(
        'CustosAuth',
        exactlyOne(
          obj(
            {
              kubernetes: obj(
                {
                  accessId: str({
                    minLength: 1,
                    description: "Access id of the store's kubernetes auth method that checks the token (p-...).",
                  }),
                  serviceAccountRef: serviceAccountSelector,
                  audiences: arr(str(), { description: 'Audiences of the projected token.' }),
                },
                { required: ['accessId'], description: 'Authenticate with a Kubernetes ServiceAccount token.' },
              ),
              apiKeyRef: obj(
                { accessId: secretKeySelector, accessKey: secretKeySelector },
                { required: ['accessId', 'accessKey'], description: 'Authenticate with an API key kept in a Secret.' },
              ),
            },
            { description: 'How the operator authenticates to the gateway (exactly one method).' },
          ),
        ),
      ),
    },
    { required: ['gatewayURL', 'auth'], description: 'The Custos gateway.' },
  ),
);

const akeyless = named(
  'AkeylessProvider',
  obj(
    {
      akeylessGWApiURL: str({ description: 'Akeyless API or gateway URL, e.g. https://api.akeyless.io.' }),
      authSecretRef: named(
        'AkeylessAuth',
        obj({
          secretRef: obj(
            {
              accessID: secretKeySelector,
              accessType: secretKeySelector,
              accessTypeParam: secretKeySelector,
            },
            { description: 'Credentials kept in a Secret (access ID, type and parameter).' },
          ),
          kubernetesAuth: obj(
            {
              accessID: str({ description: 'Access ID of the Kubernetes auth method.' }),
              k8sConfName: str({ description: 'Name of the Kubernetes auth config in the gateway.' }),
              serviceAccountRef: serviceAccountSelector,
              secretRef: secretKeySelector,
            },
            { required: ['accessID', 'k8sConfName'] },
          ),
        }),
      ),
      caBundle: caBundle(),
      caProvider,
    },
    {
      required: ['akeylessGWApiURL', 'authSecretRef'],
      description: 'Akeyless (or a Custos gateway speaking its API).',
    },
  ),
);

const pathWithDefault = (value: string) => str({ default: value, description: 'Mount path of the auth method.' });

const vaultAuth = named(
  'VaultAuth',
  obj(
    {
      namespace: str({ description: 'Vault namespace to authenticate in (Enterprise / OpenBao).' }),
      tokenSecretRef: secretKeySelector,
      appRole: obj(
        {
          path: pathWithDefault('approle'),
          roleId: str(),
          roleRef: secretKeySelector,
          secretRef: secretKeySelector,
        },
        { required: ['path', 'secretRef'] },
      ),
      kubernetes: obj(
        {
          mountPath: pathWithDefault('kubernetes'),
          role: str(),
          serviceAccountRef: serviceAccountSelector,
          secretRef: secretKeySelector,
        },
        { required: ['mountPath', 'role'] },
      ),
      ldap: obj(
        { path: pathWithDefault('ldap'), username: str(), secretRef: secretKeySelector },
        { required: ['path', 'username'] },
      ),
      userPass: obj(
        { path: pathWithDefault('userpass'), username: str(), secretRef: secretKeySelector },
        { required: ['path', 'username'] },
      ),
      jwt: obj(
        {
          path: pathWithDefault('jwt'),
          role: str(),
          secretRef: secretKeySelector,
          kubernetesServiceAccountToken: obj(
            {
              serviceAccountRef: serviceAccountSelector,
              audiences: arr(str()),
              expirationSeconds: int({ format: 'int64' }),
            },
            { required: ['serviceAccountRef'] },
          ),
        },
        { required: ['path'] },
      ),
      cert: obj({ path: pathWithDefault('cert'), clientCert: secretKeySelector, secretRef: secretKeySelector }),
      // Cloud auth methods Custos does not implement: kept as written so the operator can report them.
      iam: preserveUnknown('AWS IAM auth (not implemented by Custos).'),
      gcp: preserveUnknown('GCP auth (not implemented by Custos).'),
    },
    { description: 'How to authenticate to Vault; set one method.' },
  ),
);

export const vault = named(
  'VaultProvider',
  obj(
    {
      server: str({ description: 'Vault address, e.g. https://vault.example:8200.' }),
      path: str({ description: 'Mount path of the KV engine.' }),
      version: str({ enum: ['v1', 'v2'], default: 'v2' }),
      namespace: str(),
      auth: vaultAuth,
      caBundle: caBundle(),
      caProvider,
      tls: obj({ certSecretRef: secretKeySelector, keySecretRef: secretKeySelector }),
      readYourWrites: bool(),
      forwardInconsistent: bool(),
      headers: stringMap(),
      checkAndSet: obj({ required: bool() }),
    },
    { required: ['server'], description: 'HashiCorp Vault or OpenBao KV engine.' },
  ),
);

const onepassword = named(
  'OnePasswordProvider',
  obj(
    {
      connectHost: str({ description: '1Password Connect server URL.' }),
      vaults: map(int(), { description: 'Vault names and their search order (1 first).' }),
      auth: obj(
        {
          secretRef: obj(
            {
              connectTokenSecretRef: secretKeySelector,
              connectToken: described(
                secretKeySelector,
                'Custos alias of connectTokenSecretRef (written this way in some published guides).',
              ),
            },
            // ESO requires connectTokenSecretRef; Custos accepts either spelling but one must be present.
            { minProperties: 1 },
          ),
        },
        { required: ['secretRef'] },
      ),
    },
    { required: ['connectHost', 'vaults', 'auth'], description: '1Password Connect.' },
  ),
);

const kubernetes = named(
  'KubernetesProvider',
  obj(
    {
      server: obj({
        url: str({ default: 'kubernetes.default', description: 'API server URL.' }),
        caBundle: caBundle(),
        caProvider,
      }),
      auth: exactlyOne(
        obj({
          cert: obj({ clientCert: secretKeySelector, clientKey: secretKeySelector }),
          token: obj({ bearerToken: secretKeySelector }),
          serviceAccount: serviceAccountSelector,
        }),
      ),
      authRef: secretKeySelector,
      remoteNamespace: withDefault(dnsLabel({ description: 'Namespace to read Secrets from.' }), 'default'),
    },
    { description: 'Secrets of this or another Kubernetes cluster.' },
  ),
);

const fake = named(
  'FakeProvider',
  obj(
    {
      data: arr(
        obj(
          {
            key: str(),
            value: sensitive(str()),
            valueMap: sensitive(map(str(), { description: 'Deprecated: use value with a JSON object.' })),
            version: str(),
          },
          { required: ['key', 'value'] },
        ),
      ),
      validationResult: int({ description: '0 Ready, 1 Unknown, 2 Error.' }),
    },
    { required: ['data'], description: 'Static values, for tests.' },
  ),
);

const webhookSecret = named(
  'WebhookStoreSecret',
  obj(
    {
      name: str({ description: "Name under which the Secret's keys appear in templates." }),
      secretRef: secretKeySelector,
      serviceAccountRef: preserveUnknown('Token request for a ServiceAccount; not implemented by Custos.'),
    },
    { required: ['name'] },
  ),
);

const webhook = named(
  'WebhookProvider',
  obj(
    {
      method: str({ description: 'HTTP method; default GET (POST for PushSecret).' }),
      url: str({ description: 'URL to call; a Go template over remoteRef and spec.secrets.' }),
      headers: map(str(), { description: 'Request headers (values are Go templates).' }),
      auth: preserveUnknown('NTLM authentication; not implemented by Custos.'),
      body: str({ description: 'Request body (Go template).' }),
      timeout: duration({ description: 'Request timeout; default 30s.' }),
      result: named(
        'WebhookStoreResult',
        obj({ jsonPath: str({ description: 'JSONPath of the value (or object) to use; a Go template.' }) }),
      ),
      secrets: arr(webhookSecret, {
        description: 'Secrets (labelled external-secrets.io/type: webhook) whose data fills the templates.',
      }),
      caBundle: caBundle(),
      caProvider,
    },
    { required: ['url', 'result'], description: 'A generic HTTP(S) endpoint, with templated requests.' },
  ),
);

/** Provider keys of ESO v2.9 that Custos does not model (reference/eso.md section 5). */
export const PRESERVED_PROVIDERS = [
  'aws',
  'azurekv',
  'gcpsm',
  'crd',
  'conjur',
  'ibm',
  'oracle',
  'previder',
  'secretserver',
  'delinea',
  'beyondtrust',
  'beyondtrustworkloadcredentials',
  'onepasswordSDK',
  'bitwardensecretsmanager',
  'keepersecurity',
  'passbolt',
  'passworddepot',
  'dvls',
  'doppler',
  'infisical',
  'onboardbase',
  'pulumi',
  'gitlab',
  'github',
  'ngrok',
  'scaleway',
  'ovh',
  'yandexlockbox',
  'yandexcertificatemanager',
  'cloudrusm',
  'volcengine',
  'nebiusmysterybox',
  'barbican',
  'fortanix',
  'senhasegura',
  'chef',
] as const;

export const MODELLED_PROVIDERS = [
  'custos',
  'akeyless',
  'vault',
  'openBao',
  'onepassword',
  'kubernetes',
  'webhook',
  'fake',
];

const preserved = Object.fromEntries(
  PRESERVED_PROVIDERS.map((key) => [key, preserveUnknown('Not implemented by Custos.')]),
);

export const secretStoreProvider = named(
  'SecretStoreProvider',
  exactlyOne(
    obj(
      { custos, akeyless, vault, openBao: vault, onepassword, kubernetes, webhook, fake, ...preserved },
      { description: 'Exactly one provider.' },
    ),
  ),
);
