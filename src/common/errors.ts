/** Every failure the service reports on purpose. Each transport maps these codes exhaustively. */
export enum ErrorCode {
  /** Malformed client data: bad header, offsets, entry id, frame type out of turn. */
  MalformedData = 'MALFORMED_DATA',
  /** A well-formed request the client may not make (sid not in the URL, ...). */
  NotAllowed = 'NOT_ALLOWED',
  /** Invalid argument: bad sid, bad query parameter, meta that is not an object. */
  BadRequest = 'BAD_REQUEST',
  /** A frame or body over MAX_PAYLOAD_BYTES. */
  TooLarge = 'TOO_LARGE',
  /** Redis answered with an error (wrong type, ...), or an unexpected server failure. */
  Internal = 'INTERNAL',
  /** Redis cannot be reached right now; retrying later may work. */
  Unavailable = 'UNAVAILABLE',
  /** The server is shutting down. */
  ShuttingDown = 'SHUTTING_DOWN',
  /** Too many connections. */
  Overloaded = 'OVERLOADED',
  /** Auth is on and the token is missing, malformed, badly signed, expired or not yet valid. */
  Unauthenticated = 'UNAUTHENTICATED',
  /** A valid token without the permission for one of the request's streams. */
  Forbidden = 'FORBIDDEN',
  /** An open connection's token reached its `exp`. */
  TokenExpired = 'TOKEN_EXPIRED',
}

export class StreamerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** More for the client beside `error` in an HTTP answer (e.g. what an import wrote before failing). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'StreamerError';
  }
}

/** `err` as a coded error: unexpected failures become INTERNAL with their message. */
export function asStreamerError(err: unknown): StreamerError {
  if (err instanceof StreamerError) return err;
  return new StreamerError(ErrorCode.Internal, err instanceof Error ? err.message : String(err));
}

export const malformed = (message: string) => new StreamerError(ErrorCode.MalformedData, message);
export const badRequest = (message: string) => new StreamerError(ErrorCode.BadRequest, message);

/** HTTP status for each code (used by the HTTP filter and the upgrade refusals). */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.MalformedData:
    case ErrorCode.BadRequest:
      return 400;
    case ErrorCode.Unauthenticated:
    case ErrorCode.TokenExpired:
      return 401;
    case ErrorCode.NotAllowed:
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.TooLarge:
      return 413;
    case ErrorCode.Internal:
      return 500;
    case ErrorCode.Unavailable:
    case ErrorCode.ShuttingDown:
    case ErrorCode.Overloaded:
      return 503;
  }
}
