// A "referent" ClusterSecretStore resolves its credentials in the namespace of each ExternalSecret that uses it.
// Seen without such a namespace (the store controller validating the store itself) it has no credentials: ESO
// reports it as Ready with ValidationUnknown, and every other call says how the store is meant to be used.
import type { SecretsClient, Validation } from './contract.js';
import { ProviderConfigError } from './errors.js';

export function referentStoreClient(): SecretsClient {
  const refuse = async (): Promise<never> => {
    throw new ProviderConfigError(
      'this ClusterSecretStore resolves its credentials in the namespace of each ExternalSecret; use it from an ExternalSecret',
    );
  };
  const unknown: Validation = {
    result: 'Unknown',
    message: 'credentials are resolved per namespace (referent ClusterSecretStore)',
  };
  return {
    getSecret: refuse,
    getSecretMap: refuse,
    getAllSecrets: refuse,
    pushSecret: refuse,
    deleteSecret: refuse,
    secretExists: refuse,
    validate: async () => unknown,
    close: async () => {},
  };
}
