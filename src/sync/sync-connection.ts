import { WebSocket } from 'ws';
import type { StreamerError } from '../common/errors.js';
import type { Gap } from '../streams/sessions/gaps.js';
import type { BatchEntry } from '../streams/sessions/pull-session.js';
import type { EntrySource } from '../sampling/decimated-source.js';
import type { SyncSink } from '../sampling/sync-session.js';
import { Tuple, tuplesFrame } from '../sampling/tuple.js';
import { IdleHeartbeat } from '../ws/idle-heartbeat.js';
import { SocketBacklog } from '../ws/socket-backlog.js';
import { closeWithError } from '../ws/socket-errors.js';

export interface SyncConnectionOptions {
  /** Wait for any text frame from the client after each batch. */
  ack: boolean;
  /** Empty batch after this many ms without data (0: never). */
  heartbeatMs: number;
  /** Socket backlog (bytes) above which no batch is sent until it drains to half. */
  highWater: number;
  /** Send the `{"tuples": …}` frame before each synchronized batch. */
  tuples: boolean;
  onDelivered?: (entries: number, bytes: number) => void;
}

const EMPTY = Buffer.alloc(0);

/**
 * The sending side of a synchronized or decimated pull: the plain pull's frames (gap frames,
 * then the `[[sid, id, offset], …]` header and one binary frame of payloads), with the tuples
 * frame before the header when asked; paced by the socket backlog and `ack`.
 */
export class SyncConnection implements SyncSink {
  private session: EntrySource | null = null;
  private awaitingAck = false;
  private closed = false;
  private readonly heartbeat: IdleHeartbeat;
  private readonly backlog: SocketBacklog;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: SyncConnectionOptions,
  ) {
    ws.on('message', (_data: Buffer, isBinary: boolean) => {
      if (this.options.ack && !isBinary && this.awaitingAck) {
        this.awaitingAck = false;
        this.session?.pump();
      }
    });
    ws.once('close', () => this.stop());
    this.backlog = new SocketBacklog(ws, options.highWater, () => this.session?.pump());
    this.heartbeat = new IdleHeartbeat(options.heartbeatMs, () => {
      if (this.closed || !this.canSend()) return;
      this.ws.send('[]');
      this.ws.send(EMPTY);
      this.sent();
    });
  }

  attach(session: EntrySource): void {
    this.session = session;
  }

  canSend(): boolean {
    if (this.closed || this.awaitingAck || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.backlog.full()) return false;
    return true;
  }

  send(batch: BatchEntry[], gaps?: readonly Gap[], _written?: undefined, tuples?: Tuple[]): void {
    if (gaps) for (const gap of gaps) this.ws.send(JSON.stringify({ gap }));
    if (tuples && this.options.tuples) this.ws.send(tuplesFrame(tuples));
    let offset = 0;
    const header = batch.map(({ sid, id, data }) => {
      const item = [sid, id, offset];
      offset += data.length;
      return item;
    });
    this.ws.send(JSON.stringify(header));
    const body =
      batch.length === 1
        ? batch[0].data
        : Buffer.concat(
            batch.map((e) => e.data),
            offset,
          );
    this.ws.send(body, this.backlog.afterWrite);
    this.sent();
    this.options.onDelivered?.(batch.length, offset);
  }

  fail(error: StreamerError): void {
    this.stop();
    closeWithError(this.ws, error);
  }

  private sent(): void {
    this.heartbeat.sent();
    if (this.options.ack) this.awaitingAck = true;
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.heartbeat.stop();
    this.session?.close();
  }
}
