// Providers by their `spec.provider` key. A store naming a provider this build does not implement gets an
// UnsupportedProviderError that names the key and the supported ones, never a crash or a silent skip.
import type { SecretStoreSpec } from '../api/generated/types.js';
import type { Provider } from './contract.js';
import { ProviderConfigError, UnsupportedProviderError } from './errors.js';

export class ProviderRegistry {
  private readonly providers = new Map<string, Provider>();

  constructor(providers: Iterable<Provider> = []) {
    for (const provider of providers) this.register(provider);
  }

  register(provider: Provider): void {
    this.providers.set(provider.key, provider);
  }

  /** Lets every provider release what outlives its clients (Provider.shutdown); failures are ignored. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.shutdown?.().catch(() => undefined)));
  }

  /** The supported keys, sorted. */
  keys(): string[] {
    return [...this.providers.keys()].sort();
  }

  get(key: string): Provider {
    const provider = this.providers.get(key);
    if (!provider) throw new UnsupportedProviderError(key, this.keys());
    return provider;
  }

  /** The key of the one provider a store spec names (`spec.provider` must have exactly one key). */
  static providerKey(spec: Pick<SecretStoreSpec, 'provider'> | undefined): string {
    const keys = Object.entries(spec?.provider ?? {})
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([key]) => key);
    if (keys.length !== 1) {
      throw new ProviderConfigError(
        keys.length === 0
          ? 'store has no provider: set exactly one key under spec.provider'
          : `store names ${keys.length} providers (${keys.join(', ')}): set exactly one key under spec.provider`,
      );
    }
    return keys[0] as string;
  }

  /** The provider for a store spec. */
  forStore(spec: Pick<SecretStoreSpec, 'provider'> | undefined): Provider {
    return this.get(ProviderRegistry.providerKey(spec));
  }
}
