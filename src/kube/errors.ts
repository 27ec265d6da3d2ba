// Errors from the Kubernetes API as one class that carries what callers branch on: the HTTP status, the
// machine-readable reason of the API server's Status object (NotFound, Conflict, AlreadyExists, Expired...),
// and its human message. Network failures have status 0. Messages name the request (method and path, never
// the query string or body), so they are safe to log: request bodies (Secret data) never end up in an error.

/** The subset of metav1.Status the API server returns with a failed request. */
export interface ApiStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
    retryAfterSeconds?: number;
  };
}

export class KubeApiError extends Error {
  /** HTTP status code (0 when no response was received). */
  readonly status: number;
  /** Status.reason from the API server, or a reason derived from the HTTP status. */
  readonly reason: string;
  /** Status.message from the API server (what it says is wrong). */
  readonly apiMessage: string;
  readonly details: ApiStatus['details'];
  readonly method: string;
  readonly path: string;
  /** Seconds the server asked us to wait (Retry-After), if any. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    method: string;
    path: string;
    apiStatus?: ApiStatus;
    message?: string;
    retryAfterSeconds?: number;
    cause?: unknown;
  }) {
    const reason = init.apiStatus?.reason || reasonForHttpStatus(init.status);
    const apiMessage = init.apiStatus?.message ?? init.message ?? '';
    const where = `${init.method} ${init.path}`;
    const what = init.status === 0 ? `request failed: ${apiMessage}` : `${init.status} ${reason}: ${apiMessage}`;
    super(`${where}: ${what}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KubeApiError';
    this.status = init.status;
    this.reason = reason;
    this.apiMessage = apiMessage;
    this.details = init.apiStatus?.details;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterSeconds = init.retryAfterSeconds ?? init.apiStatus?.details?.retryAfterSeconds;
  }
}

function reasonForHttpStatus(status: number): string {
  switch (status) {
    case 0:
      return 'NetworkError';
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return `HTTP${status}`;
  }
}

function statusOf(err: unknown): number | undefined {
  return err instanceof KubeApiError ? err.status : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
/** 409 with reason Conflict: an update lost an optimistic-concurrency race (stale resourceVersion). */
export const isConflict = (err: unknown): boolean =>
  err instanceof KubeApiError && err.status === 409 && err.reason !== 'AlreadyExists';
export const isAlreadyExists = (err: unknown): boolean =>
  err instanceof KubeApiError && err.status === 409 && err.reason === 'AlreadyExists';
/** The requested resourceVersion is too old (410 Gone / reason Expired): the caller must relist. */
export const isGone = (err: unknown): boolean =>
  err instanceof KubeApiError && (err.status === 410 || err.reason === 'Expired' || err.reason === 'Gone');
export const isForbidden = (err: unknown): boolean => statusOf(err) === 403;
export const isInvalid = (err: unknown): boolean => statusOf(err) === 422;
