/**
 * Domain errors. Each carries a stable `code` for clients; one exception filter (and the socket
 * gateway) maps them to HTTP statuses and acks. Messages never include secrets.
 */
export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends AppError {
  readonly code = 'invalid_request';
  readonly httpStatus = 400;
}

export class NotFoundError extends AppError {
  readonly code = 'not_found';
  readonly httpStatus = 404;
}

export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
  readonly httpStatus = 401;
}

/** Webex (or the simulator) could not be reached or answered unusably. */
export class UpstreamError extends AppError {
  readonly code = 'upstream_error';
  readonly httpStatus = 502;
}

export class ServiceUnavailableError extends AppError {
  readonly code = 'unavailable';
  readonly httpStatus = 503;
}

/** A limit refused the caller; HTTP adds `Retry-After` (RFC 9110 §10.2.3) from `retryAfterMs`. */
export class RateLimitedError extends AppError {
  readonly code = 'rate_limited';
  readonly httpStatus = 429;
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }

  get retryAfterS(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}

/** `KIOSK_ENROLLMENT=required` and the caller holds no valid kiosk credential. */
export class KioskNotEnrolledError extends AppError {
  readonly code = 'kiosk_not_enrolled';
  readonly httpStatus = 403;
}
