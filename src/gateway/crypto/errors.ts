// Sentinel errors of the gateway's crypto layer. Messages name what failed and what to do, never key or value bytes.

/** An envelope, fragment file or share did not authenticate: wrong key, wrong path/version, or altered bytes. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/** Input that cannot be parsed as what it claims to be (an envelope, a share, a key file). */
export class MalformedError extends Error {
  override name = 'MalformedError';
}

/** The gateway's customer fragments are still sealed: unseal with the key file or a threshold of shares. */
export class SealedError extends Error {
  override name = 'SealedError';
  constructor(
    message = 'the gateway is sealed: unseal it with `custos fragment unseal` or start it with --unseal-key-file',
  ) {
    super(message);
  }
}

/** An envelope names a fragment generation this gateway does not hold. */
export class UnknownGenerationError extends Error {
  override name = 'UnknownGenerationError';
  constructor(readonly generation: number) {
    super(
      `the customer fragment of generation ${generation} is not in this gateway's fragment file; ` +
        'use the fragment file that was active when the item was written',
    );
  }
}
