import { WebSocket } from 'ws';

/**
 * Reaps dead peers (SPEC "Bounds and isolation"): one timer pings every watched WebSocket each
 * `intervalMs`, and a socket that has not answered the previous ping by then is terminated, which
 * frees its `MAX_CONNECTIONS` slot and whatever it held. Half-open TCP connections and clients
 * that stopped reading are found this way; a pong is answered by every WebSocket library.
 */
export class Keepalive {
  /** Each watched socket, and whether it answered since the last ping. */
  private readonly alive = new Map<WebSocket, boolean>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs: number) {}

  /** Starts watching `ws` until it closes. */
  watch(ws: WebSocket): void {
    this.alive.set(ws, true);
    ws.on('pong', () => {
      if (this.alive.has(ws)) this.alive.set(ws, true);
    });
    ws.once('close', () => this.alive.delete(ws));
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Watched sockets (for tests). */
  get size(): number {
    return this.alive.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.alive.clear();
  }

  /** @internal one round: terminate the silent, ping the others. */
  tick(): void {
    const silent: WebSocket[] = [];
    for (const [ws, answered] of this.alive) {
      if (!answered) {
        silent.push(ws);
        continue;
      }
      if (ws.readyState !== WebSocket.OPEN) continue;
      this.alive.set(ws, false);
      ws.ping();
    }
    // After a busy event loop a pong may be waiting to be read: judge after pending I/O.
    if (silent.length > 0) setImmediate(() => this.reap(silent));
  }

  private reap(silent: readonly WebSocket[]): void {
    for (const ws of silent) {
      if (this.alive.get(ws) !== false) continue; // answered meanwhile, or gone
      this.alive.delete(ws);
      ws.terminate();
    }
    if (this.alive.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
