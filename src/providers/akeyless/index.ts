export { MOUNTED_TOKEN_FILE, SA_TOKEN_SECONDS } from '../kubernetes/own-cluster.js';
export { EXPIRY_MARGIN_MS, TokenCache } from '../token-cache.js';
export { AkeylessSecretsClient, searchPath } from './client.js';
export { type AkeylessProviderOptions, AkeylessSecretsProvider, DEFAULT_API_URL } from './provider.js';
export { UNKNOWN_LIFETIME_MS } from './token-cache.js';
