import { WebSocket } from 'ws';
import { CloseCode, closeCodeFor, closeReason } from './close-codes.js';
import { ErrorCode, StreamerError } from '../common/errors.js';

/** The error frame sent before a protocol close: `{"error":{"code","message"}}`. */
function errorFrame(error: StreamerError): string {
  return JSON.stringify({ error: { code: error.code, message: error.message } });
}

/** Sends the `{"error": …}` frame, then closes with the code the error maps to. */
export function closeWithError(ws: WebSocket, error: StreamerError): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(errorFrame(error));
  ws.close(closeCodeFor(error.code), closeReason(error.message));
}

/**
 * The `WebSocket` class of a server whose sockets speak the error-frame protocol, given to
 * `WebSocketServer` through its `WebSocket` option. `ws` closes on its own when a frame is over
 * `maxPayload` (1009) or a text frame is not UTF-8 (1007), without a reason: those closes follow
 * the protocol too, error frame first.
 */
export function protocolWebSocket(maxPayload: number): typeof WebSocket {
  return class ProtocolWebSocket extends WebSocket {
    override close(code?: number, reason?: string | Buffer): void {
      if (reason === undefined && this.readyState === WebSocket.OPEN) {
        const error = libraryCloseError(code, maxPayload);
        if (error) {
          this.send(errorFrame(error));
          return super.close(code, closeReason(error.message));
        }
      }
      super.close(code, reason);
    }
  };
}

function libraryCloseError(code: number | undefined, maxPayload: number): StreamerError | null {
  if (code === CloseCode.TooBig) {
    return new StreamerError(
      ErrorCode.TooLarge,
      `frame over MAX_PAYLOAD_BYTES (${maxPayload} bytes)`,
    );
  }
  if (code === CloseCode.InvalidData || code === 1002) {
    return new StreamerError(
      ErrorCode.MalformedData,
      'malformed WebSocket frame (invalid UTF-8 or protocol error)',
    );
  }
  return null;
}
