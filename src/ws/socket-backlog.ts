import type { WebSocket } from 'ws';

/**
 * A pull connection's send window on its socket backlog: `full()` once `bufferedAmount` reached
 * `highWater`; the write callback `afterWrite` calls `wake` when the backlog drained below half
 * of it again (so a session pumps on when the client caught up).
 */
export class SocketBacklog {
  private draining = false;
  readonly afterWrite = (): void => {
    if (this.draining && this.ws.bufferedAmount < this.highWater >> 1) {
      this.draining = false;
      this.wake();
    }
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly highWater: number,
    private readonly wake: () => void,
  ) {}

  /** True when no batch should be written now (the socket has `highWater` bytes queued). */
  full(): boolean {
    if (this.ws.bufferedAmount < this.highWater) return false;
    this.draining = true;
    return true;
  }
}
