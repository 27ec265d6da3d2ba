// Errors from resolving and running generators. Callers branch on `code`, never on the message:
// * NotFound    — the generator object does not exist (yet); retrying later may succeed.
// * Unsupported — the kind or apiVersion is not one Custos implements; a human must change the reference.
// * Invalid     — the generator's spec is wrong; the message names the field to fix.
// * Unavailable — the generator ran but the service behind it failed or could not be reached (Webhook);
//                 retrying later may succeed.
// * Foreign     — the generator names another controller class (spec.controller); ESO then skips the object
//                 that references it without a status, and so does Custos.
// Messages name objects and fields, never generated values.

export type GeneratorErrorCode = 'NotFound' | 'Unsupported' | 'Invalid' | 'Unavailable' | 'Foreign';

/** True if `error` (or an error it wraps) says the generator belongs to another controller class. */
export function isForeignGenerator(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof GeneratorError && e.code === 'Foreign') return true;
  }
  return false;
}

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
