export { CustosSecretsClient, MANAGED_TAG } from './client.js';
export { DEFAULT_FEED_TIMING, type FeedTiming } from './feed.js';
export { type CustosProviderOptions, CustosSecretsProvider } from './provider.js';
