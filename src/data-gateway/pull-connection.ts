import { WebSocket } from 'ws';
import { StreamerError } from '../common/errors.js';
import { BatchEntry, PullSession, PullSink } from '../streams/pull-session.js';
import { packBatch } from './protocol.js';
import { FramePacer } from './frame-pacer.js';
import { closeWithError } from './socket-errors.js';

export interface PullSinkOptions {
  /** Text header + binary frame per batch (true), or bare binary frames, one per entry (false). */
  header: boolean;
  /** Wait for any text frame from the client after each batch. */
  ack: boolean;
  /** At most this many batches a second (0 = unlimited). */
  maxFps: number;
  /** Send an empty batch after this many ms without data (0 = never). */
  heartbeatMs: number;
  /** Socket backlog (bytes) above which no batch is sent until it drains. */
  highWater: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * The sending side of one `/data/{sid}/pull` connection: paces batches (ack, max_fps, socket
 * backlog), sends heartbeats, and wakes the session when it can take more.
 */
export class PullConnection implements PullSink {
  private session: PullSession | null = null;
  private awaitingAck = false;
  private lastSent = Date.now();
  private readonly pacer: FramePacer;
  private heartbeat: NodeJS.Timeout | null = null;
  private draining = false;
  private closed = false;
  private readonly afterWrite = () => {
    if (this.draining && this.ws.bufferedAmount < this.options.highWater >> 1) {
      this.draining = false;
      this.session?.pump();
    }
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly options: PullSinkOptions,
    private readonly onDelivered?: (entries: number, bytes: number) => void,
  ) {
    this.pacer = new FramePacer(options.maxFps, () => this.session?.pump());
    ws.on('message', (_data: Buffer, isBinary: boolean) => {
      if (this.options.ack && !isBinary && this.awaitingAck) {
        this.awaitingAck = false;
        this.session?.pump();
      }
    });
    ws.once('close', () => this.stop());
    if (options.header && options.heartbeatMs > 0) this.scheduleHeartbeat(options.heartbeatMs);
  }

  attach(session: PullSession): void {
    this.session = session;
  }

  canSend(): boolean {
    if (this.closed || this.awaitingAck || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.ws.bufferedAmount >= this.options.highWater) {
      this.draining = true;
      return false;
    }
    return this.pacer.ready();
  }

  send(batch: BatchEntry[]): void {
    let bytes = 0;
    if (this.options.header) {
      const { header, body } = packBatch(batch);
      this.ws.send(header);
      this.ws.send(body, this.afterWrite);
      bytes = body.length;
    } else {
      for (const entry of batch) {
        this.ws.send(entry.data, this.afterWrite);
        bytes += entry.data.length;
      }
    }
    this.sent();
    this.onDelivered?.(batch.length, bytes);
  }

  fail(error: StreamerError): void {
    this.stop();
    closeWithError(this.ws, error);
  }

  private sent(): void {
    this.lastSent = Date.now();
    if (this.options.ack) this.awaitingAck = true;
    this.pacer.sent(this.lastSent);
  }

  /** Empty batches (`[]` + empty binary frame) after `heartbeatMs` without data. */
  private scheduleHeartbeat(delay: number): void {
    this.heartbeat = setTimeout(() => {
      if (this.closed) return;
      const idle = Date.now() - this.lastSent;
      if (idle >= this.options.heartbeatMs && this.canSend()) {
        this.ws.send('[]');
        this.ws.send(EMPTY);
        this.sent();
      }
      this.scheduleHeartbeat(Math.max(1, this.options.heartbeatMs - (Date.now() - this.lastSent)));
    }, delay);
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.pacer.stop();
    this.session?.close();
  }
}
