import { WebSocket } from 'ws';
import { CloseCode, closeCodeFor, closeReason } from './close-codes.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { errorFrame } from '../data/protocol.js';

/** Sends the `{"error": …}` frame, then closes with the code the error maps to. */
export function closeWithError(ws: WebSocket, error: StreamerError): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(errorFrame(error));
  ws.close(closeCodeFor(error.code), closeReason(error.message));
}

/**
 * `ws` closes on its own when a frame is over `maxPayload` (1009) or a text frame is not UTF-8
 * (1007), without a reason. Make those closes follow the protocol too: error frame first.
 */
export function reportLibraryCloses(ws: WebSocket, maxPayload: number): void {
  const close = ws.close.bind(ws);
  ws.close = (code?: number, reason?: string | Buffer) => {
    if (reason === undefined && ws.readyState === WebSocket.OPEN) {
      if (code === CloseCode.TooBig) {
        const error = new StreamerError(
          ErrorCode.TooLarge,
          `frame over MAX_PAYLOAD_BYTES (${maxPayload} bytes)`,
        );
        ws.send(errorFrame(error));
        return close(code, closeReason(error.message));
      }
      if (code === CloseCode.InvalidData || code === 1002) {
        const error = new StreamerError(
          ErrorCode.MalformedData,
          'malformed WebSocket frame (invalid UTF-8 or protocol error)',
        );
        ws.send(errorFrame(error));
        return close(code, closeReason(error.message));
      }
    }
    return close(code, reason);
  };
}
