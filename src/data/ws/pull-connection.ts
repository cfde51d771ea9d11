import { WebSocket } from 'ws';
import { StreamerError } from '../../common/errors.js';
import type { BatchEntry, PullSink, Written } from '../../streams/sessions/pull-session.js';
import type { Gap } from '../../streams/sessions/gaps.js';
import { batchHeader, gapFrame } from '../protocol.js';
import { FramePacer } from './frame-pacer.js';
import { closeWithError } from '../../ws/socket-errors.js';
import { IdleHeartbeat } from '../../ws/idle-heartbeat.js';
import { SocketBacklog } from '../../ws/socket-backlog.js';
import { batchPreamble, FrameWriter } from '../../ws/ws-frames.js';

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
  /** Takes the client's text frames (a group consumer's acks) instead of `ack`. */
  onText?: (data: Buffer) => void;
}

/** What a connection drives: a pull session or a group session. */
interface Session {
  pump(): void;
  close(): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Frames single-entry batches, remembering the last one: the hub hands the same entry to every
 * puller of a stream one after the other, so a fan-out frames it once and every puller writes the
 * same preamble (text header frame + binary frame header). One per application (the pull gateway).
 */
export class SinglePreambles {
  private data: Buffer = EMPTY;
  private sid = '';
  private id = '';
  private preamble: Buffer = EMPTY;

  for(entry: BatchEntry): Buffer {
    if (this.data !== entry.data || this.id !== entry.id || this.sid !== entry.sid) {
      this.preamble = batchPreamble(batchHeader([entry]).header, entry.data.length);
      this.data = entry.data;
      this.sid = entry.sid;
      this.id = entry.id;
    }
    return this.preamble;
  }
}

/**
 * The sending side of one `/data/{sid}/pull` connection: paces batches (ack, max_fps, socket
 * backlog), sends heartbeats, and wakes the session when it can take more.
 *
 * Batches are framed here and written by the ws platform's `FrameWriter`, corked: the header
 * frame and the payloads, each as Redis returned it, leave in one write (no concatenation).
 */
export class PullConnection implements PullSink {
  private session: Session | null = null;
  private awaitingAck = false;
  private readonly pacer: FramePacer;
  private readonly heartbeat: IdleHeartbeat;
  private closed = false;
  private readonly backlog: SocketBacklog;

  constructor(
    private readonly ws: WebSocket,
    /** Writes whole batches to the socket under `ws`. */
    private readonly frames: FrameWriter,
    private readonly options: PullSinkOptions,
    private readonly onDelivered?: (entries: number, bytes: number) => void,
    private readonly preambles = new SinglePreambles(),
  ) {
    this.pacer = new FramePacer(options.maxFps, () => this.session?.pump());
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.options.onText && !isBinary) {
        this.options.onText(data);
        return;
      }
      if (this.options.ack && !isBinary && this.awaitingAck) {
        this.awaitingAck = false;
        this.session?.pump();
      }
    });
    ws.once('close', () => this.stop());
    this.backlog = new SocketBacklog(ws, options.highWater, () => this.session?.pump());
    const heartbeatMs = options.header ? options.heartbeatMs : 0;
    this.heartbeat = new IdleHeartbeat(heartbeatMs, () => this.beat());
  }

  attach(session: Session): void {
    this.session = session;
  }

  canSend(): boolean {
    if (this.closed || this.awaitingAck || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.backlog.full()) return false;
    return this.pacer.ready();
  }

  send(batch: BatchEntry[], gaps?: readonly Gap[], written?: Written): void {
    if (gaps) for (const gap of gaps) this.ws.send(gapFrame(gap));
    const done = written
      ? (err?: Error | null) => {
          this.backlog.afterWrite();
          if (!err) written();
        }
      : this.backlog.afterWrite;
    let bytes: number;
    if (!this.options.header) {
      bytes = this.frames.binaryFrames(batch, done);
    } else if (batch.length === 1) {
      bytes = batch[0].data.length;
      this.frames.batch(this.preambles.for(batch[0]), batch, done);
    } else {
      const { header, length } = batchHeader(batch);
      bytes = length;
      this.frames.batch(batchPreamble(header, length), batch, done);
    }
    this.sent();
    this.onDelivered?.(batch.length, bytes);
  }

  fail(error: StreamerError): void {
    this.stop();
    closeWithError(this.ws, error);
  }

  private sent(): void {
    const now = Date.now();
    this.heartbeat.sent(now);
    if (this.options.ack) this.awaitingAck = true;
    this.pacer.sent(now);
  }

  /** An empty batch (`[]` + empty binary frame) after `heartbeatMs` without data. */
  private beat(): void {
    if (this.closed || !this.canSend()) return;
    this.ws.send('[]');
    this.ws.send(EMPTY);
    this.sent();
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.heartbeat.stop();
    this.pacer.stop();
    this.session?.close();
  }
}
