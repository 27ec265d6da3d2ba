// The `onepassword` provider (1Password Connect).
export { OnePasswordSecretsProvider, vaultOrder } from './provider.js';
