// SecretStore and ClusterSecretStore (external-secrets.io/v1): one spec type for both (reference/eso.md 1.3).
import { RE2JS } from 're2js';
import { condition, labelSelector } from './common.js';
import { arr, dnsLabel, int, intOrString, isGoDuration, named, obj, offline, str } from './dsl.js';
import { secretStoreProvider } from './providers.js';

function compiles(pattern: string): boolean {
  try {
    RE2JS.compile(pattern);
    return true;
  } catch {
    return false;
  }
}

// The API server only checks int-or-string; ESO's webhook also rejects negative or unparseable intervals and
// namespace regexes that do not compile, so the offline validator does too.
const refreshInterval = offline(
  intOrString({ description: 'How often the store is re-validated: seconds, or a Go duration such as "5m".' }),
  {
    message: 'must be a non-negative number of seconds or a Go duration such as "5m"',
    test: (value) =>
      (typeof value === 'number' && value >= 0) ||
      (typeof value === 'string' && (value === '' || (isGoDuration(value) && !value.startsWith('-')))),
  },
);

const namespaceRegexes = offline(arr(str(), { description: 'Regular expressions matching allowed namespaces.' }), {
  message: 'each entry must be a valid regular expression (Go RE2 syntax)',
  test: (value) => !Array.isArray(value) || value.every((p) => typeof p !== 'string' || compiles(p)),
});

const storeCondition = named(
  'ClusterSecretStoreCondition',
  obj(
    {
      namespaceSelector: labelSelector,
      namespaces: arr(dnsLabel(), { description: 'Namespaces allowed to use the store.' }),
      namespaceRegexes,
    },
    { description: 'Namespaces allowed to use a ClusterSecretStore; any matching condition allows.' },
  ),
);

export const secretStoreSpec = named(
  'SecretStoreSpec',
  obj(
    {
      controller: str({ description: 'Controller class; empty means every controller processes the store.' }),
      provider: secretStoreProvider,
      retrySettings: obj({ maxRetries: int({ format: 'int32' }), retryInterval: str() }),
      refreshInterval,
      conditions: arr(storeCondition, { description: 'Used only by ClusterSecretStore.' }),
    },
    { required: ['provider'] },
  ),
);

export const secretStoreStatus = named(
  'SecretStoreStatus',
  obj({
    conditions: arr(condition('SecretStoreStatusCondition')),
    capabilities: str({ description: 'ReadOnly, WriteOnly or ReadWrite.' }),
  }),
);
