import { Injectable } from '@nestjs/common';

/** Told when a connection that speaks for some names opens, and when it closes. */
export interface ConnectionListener {
  opened(names: readonly string[]): void;
  closed(names: readonly string[]): void;
}

/**
 * Where a route reports the connections that speak for names (what a name is, the reporting
 * feature decides at the handshake), once when each opens and once when it closes, never per
 * message; another feature listens. The reporter knows nothing of what listens.
 */
@Injectable()
export class ConnectionEvents {
  private readonly listeners: ConnectionListener[] = [];

  listen(listener: ConnectionListener): void {
    this.listeners.push(listener);
  }

  /** A connection speaking for `names` opened; call the returned function once when it closes. */
  opened(names: readonly string[]): () => void {
    for (const listener of this.listeners) listener.opened(names);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      for (const listener of this.listeners) listener.closed(names);
    };
  }
}
