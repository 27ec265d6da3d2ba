export { TOKEN_EXPIRATION_SECONDS } from './auth.js';
export { DEFAULT_REMOTE_NAMESPACE, KubernetesSecretsProvider } from './provider.js';
export { PUSH_METADATA_API_VERSION, PUSH_METADATA_KIND } from './push-metadata.js';
