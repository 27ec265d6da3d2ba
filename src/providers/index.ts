// The provider contract and the providers Custos implements.
export { AkeylessSecretsProvider } from './akeyless/index.js';
export * from './contract.js';
export { CustosSecretsProvider } from './custos/index.js';
export * from './errors.js';
export { FakeCallLog, type FakeProviderOptions, FakeSecretsProvider } from './fake/index.js';
export { GjsonPathError, type GjsonResult, gjsonGet } from './gjson.js';
export { KubernetesSecretsProvider } from './kubernetes/index.js';
export { OnePasswordSecretsProvider } from './onepassword/index.js';
export { ProviderRegistry } from './registry.js';
export { VaultSecretsProvider } from './vault/index.js';
export { WebhookSecretsProvider } from './webhook/index.js';

import { AkeylessSecretsProvider } from './akeyless/index.js';
import { CustosSecretsProvider } from './custos/index.js';
import { type FakeProviderOptions, FakeSecretsProvider } from './fake/index.js';
import { KubernetesSecretsProvider } from './kubernetes/index.js';
import { OnePasswordSecretsProvider } from './onepassword/index.js';
import { ProviderRegistry } from './registry.js';
import { VaultSecretsProvider } from './vault/index.js';
import { WebhookSecretsProvider } from './webhook/index.js';

/** A registry with every provider of this build; pass a fake instance to count its calls in tests. */
export function defaultProviderRegistry(
  options: { fake?: FakeSecretsProvider | FakeProviderOptions } = {},
): ProviderRegistry {
  const fake = options.fake instanceof FakeSecretsProvider ? options.fake : new FakeSecretsProvider(options.fake);
  return new ProviderRegistry([
    fake,
    new KubernetesSecretsProvider(),
    new AkeylessSecretsProvider(),
    new CustosSecretsProvider(),
    new WebhookSecretsProvider(),
    new OnePasswordSecretsProvider(),
    new VaultSecretsProvider('vault'),
    new VaultSecretsProvider('openBao'),
  ]);
}
