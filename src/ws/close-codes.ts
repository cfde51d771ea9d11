import { ErrorCode } from '../common/errors.js';

/**
 * Every WebSocket close code the data path sends.
 *
 * | code | when                                                              | retry? |
 * |------|-------------------------------------------------------------------|--------|
 * | 1000 | normal close (client closed, or finished)                         | -      |
 * | 1001 | server shutting down                                              | yes, after a moment |
 * | 1007 | malformed data (header, offsets, entry id, frame out of turn)      | no, fix the client |
 * | 1008 | not allowed (header sid not in the URL), or the token expired    | no (new token) |
 * | 1009 | frame over MAX_PAYLOAD_BYTES                                       | no     |
 * | 1011 | server or Redis failure (e.g. WRONGTYPE)                          | maybe  |
 * | 1013 | Redis unreachable right now, or too many connections              | yes, with backoff |
 *
 * Before closing with 1007..1013 the server sends a text frame `{"error":{"code","message"}}`.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  InvalidData: 1007,
  PolicyViolation: 1008,
  TooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export function closeCodeFor(code: ErrorCode): CloseCode {
  switch (code) {
    case ErrorCode.MalformedData:
    case ErrorCode.BadRequest:
      return CloseCode.InvalidData;
    case ErrorCode.NotAllowed:
    case ErrorCode.Unauthenticated:
    case ErrorCode.Forbidden:
    case ErrorCode.TokenExpired:
      return CloseCode.PolicyViolation;
    case ErrorCode.TooLarge:
      return CloseCode.TooBig;
    case ErrorCode.Internal:
      return CloseCode.InternalError;
    case ErrorCode.Unavailable:
    case ErrorCode.Overloaded:
      return CloseCode.TryAgainLater;
    case ErrorCode.ShuttingDown:
      return CloseCode.GoingAway;
  }
}

/** A close reason must fit in 123 bytes of UTF-8. */
export function closeReason(message: string): string {
  const buf = Buffer.from(message, 'utf8');
  if (buf.length <= 123) return message;
  let end = 120;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8') + '...';
}
