// Typed store errors: the HTTP layer maps each code to a status; messages never carry secret values.
export type StoreErrorCode =
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'invalid'
  | 'unavailable'
  | 'rate_limited';

const statusByCode: Record<StoreErrorCode, number> = {
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  invalid: 400,
  unavailable: 503,
  rate_limited: 429,
};

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
  get status(): number {
    return statusByCode[this.code];
  }
}

export const notFound = (message: string) => new StoreError('not_found', message);
export const conflict = (message: string) => new StoreError('conflict', message);
export const invalid = (message: string) => new StoreError('invalid', message);
export const forbidden = (message: string) => new StoreError('forbidden', message);
export const unauthorized = (message: string) => new StoreError('unauthorized', message);
export const unavailable = (message: string, cause?: unknown) => new StoreError('unavailable', message, { cause });
