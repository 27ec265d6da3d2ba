export { FakeCallLog, type FakeMethod } from './calls.js';
export { type FakeProviderOptions, FakeSecretsProvider } from './provider.js';
