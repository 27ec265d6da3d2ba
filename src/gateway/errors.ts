// Gateway-level failures with the HTTP status and protocol code each maps to. The two APIs render them
// differently (native: {"error":{code,message}}, Akeyless: {"error":"…"}), from this one classification.
import { DecryptionError, MalformedError, SealedError, UnknownGenerationError } from './crypto/errors.js';
import { StoreError, type StoreErrorCode } from './store-client.js';

export type GatewayErrorCode = StoreErrorCode | 'sealed' | 'too_large' | 'internal';

export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new GatewayError('invalid', 400, message);

/** Classifies anything thrown while serving a request; unknown errors become a generic 500 without details. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof StoreError) return new GatewayError(error.code, error.status, error.message);
  if (error instanceof SealedError) return new GatewayError('sealed', 503, error.message);
  if (error instanceof UnknownGenerationError) return new GatewayError('unavailable', 503, error.message);
  if (error instanceof DecryptionError || error instanceof MalformedError) {
    // Stored data this gateway cannot open (another customer fragment, altered bytes) or an unreadable fragment
    // file: the messages say which, and never carry key or value bytes.
    return new GatewayError('internal', 500, error.message);
  }
  return new GatewayError('internal', 500, 'internal gateway error (see the gateway log)');
}
