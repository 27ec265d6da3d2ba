// Types shared by several kinds: references to Secrets, ServiceAccounts and CAs (ESO's meta/v1), label
// selectors and status conditions.
import { arr, dateTime, dnsLabel, dnsSubdomain, map, named, obj, secretKeyName, str } from './dsl.js';

export const stringMap = () => map(str());

export const secretKeySelector = named(
  'SecretKeySelector',
  obj(
    {
      name: dnsSubdomain(),
      namespace: dnsLabel(),
      key: secretKeyName(),
    },
    // Field descriptions are left out on purpose: this type appears ~70 times and each copy costs CRD bytes.
    { description: 'A key of a Secret (namespace only honoured for ClusterSecretStore).' },
  ),
);

export const serviceAccountSelector = named(
  'ServiceAccountSelector',
  obj(
    {
      name: dnsSubdomain(),
      namespace: dnsLabel(),
      audiences: arr(str()),
    },
    { required: ['name'], description: 'A ServiceAccount whose token is requested (with audiences).' },
  ),
);

export const caProvider = named(
  'CAProvider',
  obj(
    {
      type: str({ enum: ['Secret', 'ConfigMap'], description: 'Kind of object holding the CA.' }),
      name: dnsSubdomain({ description: 'Name of the Secret or ConfigMap.' }),
      key: secretKeyName({ description: 'Key holding the PEM CA bundle.' }),
      namespace: dnsLabel({ description: 'Namespace of the object (ClusterSecretStore only).' }),
    },
    { required: ['type', 'name'], description: 'Where to read a CA bundle from.' },
  ),
);

export const caBundle = () => str({ format: 'byte', description: 'PEM CA bundle, base64 encoded.' });

export const labelSelector = named(
  'LabelSelector',
  obj(
    {
      matchExpressions: arr(
        obj(
          {
            key: str(),
            operator: str({ description: 'In, NotIn, Exists or DoesNotExist.' }),
            values: arr(str(), { listType: 'atomic' }),
          },
          { required: ['key', 'operator'] },
        ),
        { listType: 'atomic' },
      ),
      matchLabels: stringMap(),
    },
    { mapType: 'atomic', description: 'A Kubernetes label selector.' },
  ),
);

/** A Ready-style condition as ESO writes them. */
export function condition(tsName: string, fields: 'full' | 'noReason' = 'full') {
  const base = {
    type: str(),
    status: str(),
    ...(fields === 'full' ? { reason: str() } : {}),
    message: str(),
    ...(fields === 'full' ? { lastTransitionTime: dateTime() } : {}),
  };
  return named(tsName, obj(base, { required: ['type', 'status'] }));
}

export const metadataTemplate = (tsName: string) =>
  named(
    tsName,
    obj({ annotations: stringMap(), labels: stringMap() }, { description: 'Labels and annotations to set.' }),
  );
