// ClusterExternalSecret (external-secrets.io/v1): stamps an ExternalSecret into many namespaces (eso.md 1.4).
import { labelSelector, metadataTemplate } from './common.js';
import { arr, described, dnsLabel, dnsSubdomain, duration, named, obj, str } from './dsl.js';
import { externalSecretSpec } from './externalsecret.js';

export const clusterExternalSecretSpec = named(
  'ClusterExternalSecretSpec',
  obj(
    {
      externalSecretSpec,
      externalSecretName: dnsSubdomain({ description: 'Name of the ExternalSecrets; defaults to this name.' }),
      externalSecretMetadata: metadataTemplate('ExternalSecretMetadata'),
      namespaceSelector: described(labelSelector, 'Deprecated: use namespaceSelectors.'),
      namespaceSelectors: arr(labelSelector, { description: 'Namespaces matching any selector get a copy.' }),
      namespaces: arr(dnsLabel(), { description: 'Deprecated: explicit namespaces, ORed with the selectors.' }),
      refreshTime: duration({ description: 'How often namespaces are re-evaluated (default 1h).' }),
    },
    { required: ['externalSecretSpec'] },
  ),
);

export const clusterExternalSecretStatus = named(
  'ClusterExternalSecretStatus',
  obj({
    externalSecretName: str(),
    failedNamespaces: arr(
      named(
        'ClusterExternalSecretNamespaceFailure',
        obj({ namespace: str(), reason: str() }, { required: ['namespace'] }),
      ),
    ),
    provisionedNamespaces: arr(str()),
    conditions: arr(
      named(
        'ClusterExternalSecretStatusCondition',
        obj({ type: str(), status: str(), message: str() }, { required: ['type', 'status'] }),
      ),
    ),
  }),
);
