// Errors from resolving and running generators. Callers branch on `code`, never on the message:
// * NotFound    — the generator object does not exist (yet); retrying later may succeed.
// * Unsupported — the kind or apiVersion is not one Custos implements; a human must change the reference.
// * Invalid     — the generator's spec is wrong; the message names the field to fix.
// * Unavailable — the generator ran but the service behind it failed or could not be reached (Webhook);
//                 retrying later may succeed.
// Messages name objects and fields, never generated values.

export type GeneratorErrorCode = 'NotFound' | 'Unsupported' | 'Invalid' | 'Unavailable';

export class GeneratorError extends Error {
  override name = 'GeneratorError';

  constructor(
    readonly code: GeneratorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
