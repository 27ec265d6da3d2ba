// Errors every provider throws. The operator branches on the class, never on the message:
// NoSecretError is the only "not found" signal, ProviderConfigError means a human must fix the store or the
// reference (no point retrying fast), ProviderUnavailableError is transient (retry with backoff).
// Messages name keys, paths and objects, never secret values.

export class ProviderError extends Error {
  override name = 'ProviderError';
}

/** The remote secret (or the requested property/version of it) does not exist. Same text as ESO's NoSecretErr. */
export class NoSecretError extends ProviderError {
  override name = 'NoSecretError';
  constructor(detail?: string) {
    super(detail ? `Secret does not exist: ${detail}` : 'Secret does not exist');
  }
}

/**
 * The remote secret is missing and, as with ESO's provider, a data[] entry reading it fails rather than being
 * skipped (kubernetes). `forSecretMap` is how the same provider's getSecretMap reports that miss (NoSecretError),
 * so one fetch can answer both (secretMapOf).
 */
export class MissingSecretError extends ProviderError {
  override name = 'MissingSecretError';
  constructor(
    message: string,
    readonly forSecretMap: ProviderError,
  ) {
    super(message);
  }
}

/** The store or the reference is wrong; the message says what to fix. */
export class ProviderConfigError extends ProviderError {
  override name = 'ProviderConfigError';
}

/** The provider could not be reached or answered with a transient failure; retrying may succeed. */
export class ProviderUnavailableError extends ProviderError {
  override name = 'ProviderUnavailableError';
}

/** `spec.provider` names a provider this build does not implement. */
export class UnsupportedProviderError extends ProviderConfigError {
  override name = 'UnsupportedProviderError';
  constructor(
    readonly providerKey: string,
    readonly supported: readonly string[],
  ) {
    super(
      `unsupported provider "${providerKey}": this Custos build implements ${supported.map((s) => `"${s}"`).join(', ')}; ` +
        'change spec.provider of the store to one of them',
    );
  }
}

export function isNoSecretError(error: unknown): error is NoSecretError {
  return error instanceof NoSecretError;
}
