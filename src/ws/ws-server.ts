import { WebSocketServer } from 'ws';
import type { ServerOptions } from 'ws';

/**
 * How long a closing handshake may take once a close frame is sent (ours, or ours answering the
 * client's) before the connection is dropped: a client that closes while it has stopped reading
 * (its unread frames hold our close frame back) does not keep its socket and backlog for long.
 */
const CLOSE_HANDSHAKE_MS = 2000;

/**
 * A WebSocket server for one kind of route: it completes handshakes the upgrade router hands it
 * (no port, no `upgrade` listener of its own), without compression.
 */
export function routeServer(options: ServerOptions): WebSocketServer {
  // `closeTimeout` (ws 8.18) is missing from @types/ws.
  const settings = {
    noServer: true,
    perMessageDeflate: false,
    closeTimeout: CLOSE_HANDSHAKE_MS,
    ...options,
  };
  return new WebSocketServer(settings);
}
