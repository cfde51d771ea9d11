import { WebSocket } from 'ws';

/**
 * A pusher with `ack=1` that keeps `window` batches in flight until it is stopped or the server
 * closes the socket. Records every id the server acknowledged and the close it got, so tests can
 * compare what was acknowledged with what Redis has.
 */
export class AckedPusher {
  readonly ws: WebSocket;
  /** Every acknowledged entry id, in order. */
  readonly acked: string[] = [];
  /** Entries sent (acknowledged or not). */
  sent = 0;
  /** The `{"error": …}` frame the server sent before closing, if any. */
  errorFrame: { code: string; message: string } | null = null;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private inFlight = 0;
  private batchNo = 0;
  private stopped = false;
  private ackWaiters: (() => void)[] = [];

  constructor(
    url: string,
    private readonly window = 8,
    private readonly entriesPerBatch = 10,
  ) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`refused with HTTP ${res.statusCode}`)),
      );
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.notify();
      });
      this.ws.once('unexpected-response', () => resolve({ code: -1, reason: 'refused' }));
    });
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return;
      const parsed = JSON.parse(data.toString()) as unknown;
      if (Array.isArray(parsed)) {
        this.acked.push(...(parsed as string[]));
        this.inFlight--;
        this.notify();
        this.fill();
      } else {
        this.errorFrame = (parsed as { error: { code: string; message: string } }).error;
      }
    });
  }

  /** Opens the socket and starts sending. */
  static async start(url: string, window?: number, entriesPerBatch?: number) {
    const pusher = new AckedPusher(url, window, entriesPerBatch);
    await pusher.opened;
    pusher.fill();
    return pusher;
  }

  /** Stops sending new batches (acks of batches in flight still arrive). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once at least `n` entries are acknowledged; rejects if the socket closes first. */
  async waitAcked(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked.length < n) {
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`closed after ${this.acked.length} acked entries`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.acked.length} of ${n} entries acked`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.ackWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.stopped = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close();
  }

  private fill(): void {
    while (!this.stopped && this.inFlight < this.window && this.ws.readyState === WebSocket.OPEN) {
      const payloads = Array.from({ length: this.entriesPerBatch }, (_, i) =>
        Buffer.from(`batch ${this.batchNo} entry ${i}`),
      );
      let end = 0;
      const offsets = payloads.map((p) => (end += p.length));
      this.ws.send(JSON.stringify(offsets));
      this.ws.send(Buffer.concat(payloads));
      this.batchNo++;
      this.inFlight++;
      this.sent += payloads.length;
    }
  }

  private notify(): void {
    const waiters = this.ackWaiters;
    this.ackWaiters = [];
    for (const w of waiters) w();
  }
}
