export const ERROR_CODES = [
  'bad_frame',
  'bad_nick',
  'nick_taken',
  'no_such_nick',
  'bad_room',
  'not_in_room',
  'wrong_password',
  'too_large',
  'rate_limited',
  'not_matched',
  'forbidden',
  'banned',
  'unavailable',
  'unconfirmed',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A refusal that the client should see as an `error` frame. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Redis could not be reached in time; clients see `unavailable`. */
export class UnavailableError extends ProtocolError {
  constructor(cause?: unknown) {
    super('unavailable', 'the service is briefly unavailable, try again');
    this.name = 'UnavailableError';
    this.cause = cause;
  }
}

/** Anything else went wrong on our side (a Redis reply error, a bug); the cause is logged. */
export class InternalError extends ProtocolError {
  constructor(cause?: unknown) {
    super('internal', 'something went wrong on our side; it was logged');
    this.name = 'InternalError';
    this.cause = cause;
  }
}
