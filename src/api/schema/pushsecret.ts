// PushSecret and ClusterPushSecret (external-secrets.io/v1alpha1): push Kubernetes Secrets to providers
// (reference/eso.md 1.5).
import { condition, labelSelector, metadataTemplate } from './common.js';
import { anyJson, arr, cel, described, dnsSubdomain, duration, exactlyOne, map, named, obj, str } from './dsl.js';
import { externalSecretTemplate, generatorRef, STORE_KINDS } from './externalsecret.js';

const has = (value: unknown, key: string) =>
  typeof value === 'object' && value !== null && (value as Record<string, unknown>)[key] !== undefined;

// No CRD default: a default inside a list item is a permanent GitOps diff (ESO issue #6887), and ESO's code, like
// Custos's, reads an empty strategy as None.
const pushConversionStrategy = () => str({ enum: ['None', 'ReverseUnicode'], description: 'Empty means None.' });

const pushSecretStoreRef = named(
  'PushSecretStoreRef',
  obj({
    name: dnsSubdomain({ description: 'Name of the store.' }),
    labelSelector: described(labelSelector, 'Selects stores by label instead of by name.'),
    kind: str({ enum: STORE_KINDS, default: 'SecretStore' }),
  }),
);

const pushSecretData = named(
  'PushSecretData',
  obj(
    {
      match: obj(
        {
          secretKey: str({ description: 'Key of the source Secret; empty pushes the whole Secret.' }),
          remoteRef: obj(
            {
              remoteKey: str({ description: 'Key (path) to write in the provider.' }),
              property: str({ description: 'Property inside the remote secret.' }),
            },
            { required: ['remoteKey'] },
          ),
        },
        { required: ['remoteRef'] },
      ),
      metadata: anyJson('Provider-specific metadata (e.g. kind: PushSecretMetadata).'),
      conversionStrategy: pushConversionStrategy(),
    },
    { required: ['match'] },
  ),
);

const pushSecretRewrite = cel(
  obj({
    regexp: obj({ source: str(), target: str() }, { required: ['source', 'target'] }),
    transform: obj({ template: str() }, { required: ['template'] }),
  }),
  [
    {
      rule: '(has(self.regexp) ? 1 : 0) + (has(self.transform) ? 1 : 0) == 1',
      message: 'exactly one of regexp or transform must be set',
      test: (value) => Number(has(value, 'regexp')) + Number(has(value, 'transform')) === 1,
    },
  ],
);

const pushSecretDataTo = named(
  'PushSecretDataTo',
  cel(
    obj({
      storeRef: cel(pushSecretStoreRef, [
        {
          rule: 'has(self.name) || has(self.labelSelector)',
          message: 'storeRef needs a name or a labelSelector',
          test: (value) => has(value, 'name') || has(value, 'labelSelector'),
        },
      ]),
      remoteKey: str({ description: 'Push all matched keys as one remote secret with this key.' }),
      match: obj({ regexp: str({ description: 'Only keys matching this regular expression.' }) }),
      rewrite: arr(pushSecretRewrite),
      metadata: anyJson('Provider-specific metadata.'),
      conversionStrategy: pushConversionStrategy(),
    }),
    [
      {
        rule: '!(has(self.remoteKey) && has(self.rewrite) && size(self.rewrite) > 0)',
        message: 'remoteKey and rewrite are mutually exclusive',
        test: (value) => {
          const rewrite = has(value, 'rewrite') ? (value as { rewrite: unknown }).rewrite : undefined;
          return !(has(value, 'remoteKey') && Array.isArray(rewrite) && rewrite.length > 0);
        },
      },
    ],
  ),
);

export const pushSecretSpec = named(
  'PushSecretSpec',
  obj(
    {
      refreshInterval: duration({ default: '1h0m0s' }),
      secretStoreRefs: arr(pushSecretStoreRef),
      updatePolicy: str({ enum: ['Replace', 'IfNotExists'], default: 'Replace' }),
      deletionPolicy: str({ enum: ['Delete', 'None'], default: 'None' }),
      selector: named(
        'PushSecretSelector',
        exactlyOne(
          obj({
            secret: obj({
              name: dnsSubdomain({ description: 'Name of the source Secret.' }),
              selector: described(labelSelector, 'Selects source Secrets by label.'),
            }),
            generatorRef,
          }),
        ),
      ),
      data: arr(pushSecretData),
      dataTo: arr(pushSecretDataTo),
      template: externalSecretTemplate,
    },
    { required: ['secretStoreRefs', 'selector'] },
  ),
);

export const pushSecretStatus = named(
  'PushSecretStatus',
  obj({
    refreshTime: str({ format: 'date-time', nullable: true }),
    syncedResourceVersion: str(),
    syncedPushSecrets: map(map(pushSecretData), {
      description: 'Pushed entries by "<StoreKind>/<storeName>", then by remote key.',
    }),
    conditions: arr(condition('PushSecretStatusCondition')),
  }),
);

export const clusterPushSecretSpec = named(
  'ClusterPushSecretSpec',
  obj(
    {
      pushSecretSpec,
      refreshTime: duration(),
      pushSecretName: dnsSubdomain({ description: 'Name of the PushSecrets; defaults to this name.' }),
      pushSecretMetadata: metadataTemplate('PushSecretMetadata'),
      namespaceSelectors: arr(labelSelector),
    },
    { required: ['pushSecretSpec'] },
  ),
);

export const clusterPushSecretStatus = named(
  'ClusterPushSecretStatus',
  obj({
    failedNamespaces: arr(
      named('ClusterPushSecretNamespaceFailure', obj({ namespace: str(), reason: str() }, { required: ['namespace'] })),
    ),
    provisionedNamespaces: arr(str()),
    pushSecretName: str(),
    conditions: arr(condition('PushSecretStatusCondition')),
  }),
);
