// ExternalSecret (external-secrets.io/v1) and the types it shares with ClusterExternalSecret and PushSecret,
// field for field as ESO v2.9 declares them (reference/eso.md section 1.2).
import { condition, stringMap } from './common.js';
import {
  arr,
  bool,
  dateTime,
  dnsSubdomain,
  duration,
  exactlyOne,
  map,
  named,
  obj,
  offline,
  secretKeyName,
  sensitive,
  str,
  withDefault,
} from './dsl.js';
import { EXTERNAL_SECRET_WEBHOOK_RULES } from './externalsecret-rules.js';
import { GENERATOR_REF_KINDS } from './generator-kinds.js';

export const STORE_KINDS = ['SecretStore', 'ClusterSecretStore'] as const;

export const secretStoreRef = named(
  'SecretStoreRef',
  obj(
    {
      name: dnsSubdomain({ description: 'Name of the SecretStore or ClusterSecretStore.' }),
      kind: str({ enum: STORE_KINDS, description: 'Kind of the store; empty means SecretStore.' }),
    },
    { description: 'The store to read from.' },
  ),
);

export const generatorRef = named(
  'GeneratorRef',
  obj(
    {
      apiVersion: str({
        default: 'generators.external-secrets.io/v1alpha1',
        description: 'API version of the generator.',
      }),
      kind: str({ enum: GENERATOR_REF_KINDS, description: 'Kind of the generator.' }),
      name: dnsSubdomain({ description: 'Name of the generator resource.' }),
    },
    { required: ['kind', 'name'], description: 'A generator that produces the values.' },
  ),
);

const conversionStrategy = () =>
  str({ enum: ['Default', 'Unicode'], description: 'How key names are converted (Default or Unicode).' });
const decodingStrategy = () =>
  str({ enum: ['Auto', 'Base64', 'Base64URL', 'None'], description: 'How the fetched value is decoded.' });
const nullBytePolicy = () =>
  str({ enum: ['Ignore', 'Fail'], description: 'What to do with values that contain a NUL byte.' });

export const remoteRef = named(
  'ExternalSecretDataRemoteRef',
  obj(
    {
      key: str({ description: 'Key (path) of the secret in the provider.' }),
      property: str({ description: 'A property (JSON key) inside the secret.' }),
      version: str({ description: 'Version of the secret to read.' }),
      metadataPolicy: str({ enum: ['None', 'Fetch'], description: 'Fetch reads provider metadata instead.' }),
      conversionStrategy: conversionStrategy(),
      decodingStrategy: decodingStrategy(),
      nullBytePolicy: nullBytePolicy(),
    },
    { required: ['key'], description: 'What to read from the provider.' },
  ),
);

const storeSourceRef = named(
  'StoreSourceRef',
  exactlyOne(
    obj(
      { storeRef: secretStoreRef, generatorRef },
      { description: 'Overrides the store for this entry (generatorRef here is deprecated).' },
    ),
  ),
);

const storeGeneratorSourceRef = named(
  'StoreGeneratorSourceRef',
  exactlyOne(
    obj(
      { storeRef: secretStoreRef, generatorRef },
      { description: 'Reads this entry from another store or a generator.' },
    ),
  ),
);

export const externalSecretData = named(
  'ExternalSecretData',
  obj(
    {
      secretKey: secretKeyName({ description: 'Key in the target Secret.' }),
      remoteRef,
      sourceRef: storeSourceRef,
    },
    { required: ['secretKey', 'remoteRef'] },
  ),
);

const find = named(
  'ExternalSecretFind',
  obj(
    {
      path: str({ description: 'Only secrets under this path.' }),
      name: obj({ regexp: str({ description: 'Regular expression the secret name must match.' }) }),
      tags: stringMap(),
      conversionStrategy: conversionStrategy(),
      decodingStrategy: decodingStrategy(),
      nullBytePolicy: nullBytePolicy(),
    },
    { description: 'Finds many secrets by name or tags.' },
  ),
);

const rewrite = named(
  'ExternalSecretRewrite',
  exactlyOne(
    obj(
      {
        regexp: obj(
          {
            source: str({ description: 'Regular expression to match in each key.' }),
            target: str({ description: 'Replacement (may use $1 style groups).' }),
          },
          { required: ['source', 'target'] },
        ),
        transform: obj(
          { template: str({ description: 'Go template producing the new key from .value.' }) },
          { required: ['template'] },
        ),
        merge: obj({
          into: str({ default: '', description: 'Key to merge into; empty merges at the top level.' }),
          priority: arr(str()),
          priorityPolicy: str({ enum: ['IgnoreNotFound', 'Strict'], default: 'Strict' }),
          conflictPolicy: str({ enum: ['Ignore', 'Error'], default: 'Error' }),
          strategy: str({ enum: ['Extract', 'JSON'], default: 'Extract' }),
        }),
      },
      { description: 'One rewrite step, applied in list order.' },
    ),
  ),
);

export const externalSecretDataFrom = named(
  'ExternalSecretDataFromRemoteRef',
  obj({
    extract: remoteRef,
    find,
    rewrite: arr(rewrite),
    sourceRef: storeGeneratorSourceRef,
  }),
);

const templateRef = named(
  'TemplateRef',
  obj(
    {
      name: dnsSubdomain(),
      items: arr(
        obj(
          {
            key: secretKeyName(),
            templateAs: str({ enum: ['Values', 'KeysAndValues'], default: 'Values' }),
          },
          { required: ['key'] },
        ),
      ),
    },
    { required: ['name', 'items'] },
  ),
);

export const templateFrom = named(
  'TemplateFrom',
  obj({
    configMap: templateRef,
    secret: templateRef,
    literal: sensitive(str({ description: 'An inline template, rendered as KeysAndValues.' })),
    target: str({ default: 'Data', description: 'Where the result goes: Data, Annotations or Labels.' }),
    valuesDecodingStrategy: str({ enum: ['Auto', 'Base64', 'Base64URL', 'None'] }),
  }),
);

export const externalSecretTemplate = named(
  'ExternalSecretTemplate',
  obj(
    {
      type: str({ description: 'Type of the Secret (e.g. kubernetes.io/tls); empty keeps the existing type.' }),
      engineVersion: str({ enum: ['v2'], default: 'v2' }),
      mergePolicy: str({ enum: ['Replace', 'Merge'], default: 'Replace' }),
      metadata: named(
        'ExternalSecretTemplateMetadata',
        obj({ annotations: stringMap(), labels: stringMap(), finalizers: arr(str()) }),
      ),
      data: sensitive(map(str(), { description: 'Target keys and their Go templates.' })),
      templateFrom: arr(templateFrom),
    },
    { description: 'Templates that shape the target Secret.' },
  ),
);

const target = named(
  'ExternalSecretTarget',
  obj(
    {
      name: dnsSubdomain({ description: 'Name of the Secret; defaults to the ExternalSecret name.' }),
      creationPolicy: str({
        enum: ['Owner', 'Orphan', 'Merge', 'None', 'CreateOrMerge'],
        default: 'Owner',
        description: 'Who owns the Secret and whether it is created.',
      }),
      deletionPolicy: str({
        enum: ['Delete', 'Merge', 'Retain'],
        default: 'Retain',
        description: 'What happens to the Secret when the provider secret is gone.',
      }),
      template: externalSecretTemplate,
      manifest: obj(
        {
          apiVersion: str({ minLength: 1 }),
          kind: str({ minLength: 1 }),
        },
        { required: ['apiVersion', 'kind'], description: 'A non-Secret target (generic targets).' },
      ),
      immutable: bool({ description: 'Creates an immutable Secret.' }),
    },
    { description: 'The Secret to create.' },
  ),
);

const syncWindows = named(
  'SyncWindows',
  obj(
    {
      kind: str({ enum: ['allow', 'deny'] }),
      windows: arr(
        obj(
          {
            schedule: str({
              minLength: 1,
              pattern:
                '^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|@every [^\\s]+.*|[^\\s]+( [^\\s]+){4})$',
              description: 'Cron schedule at which a window opens.',
            }),
            duration: duration({ description: 'How long the window stays open.' }),
          },
          { required: ['schedule', 'duration'] },
        ),
        { minItems: 1 },
      ),
    },
    { required: ['kind', 'windows'], description: 'When periodic refreshes may (allow) or may not (deny) run.' },
  ),
);

export const externalSecretSpec = offline(
  named(
    'ExternalSecretSpec',
    obj({
      secretStoreRef,
      target: withDefault(target, { creationPolicy: 'Owner', deletionPolicy: 'Retain' }),
      refreshPolicy: str({
        enum: ['CreatedOnce', 'Periodic', 'OnChange'],
        description: 'When to refresh; empty behaves as Periodic.',
      }),
      refreshInterval: duration({ default: '1h0m0s', description: 'How often to refresh; "0" disables.' }),
      syncWindows,
      data: arr(externalSecretData),
      dataFrom: arr(externalSecretDataFrom),
    }),
  ),
  ...EXTERNAL_SECRET_WEBHOOK_RULES,
);

export const externalSecretStatus = named(
  'ExternalSecretStatus',
  obj({
    refreshTime: dateTime({ nullable: true, description: 'When the last sync started.' }),
    syncedResourceVersion: str(),
    conditions: arr(condition('ExternalSecretStatusCondition')),
    binding: obj({ name: str({ default: '' }) }, { mapType: 'atomic' }),
  }),
);
