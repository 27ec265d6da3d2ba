export { VaultSecretsClient } from './client.js';
export { type VaultProviderKey, type VaultProviderOptions, VaultSecretsProvider } from './provider.js';
