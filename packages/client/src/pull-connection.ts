import { RawData, WebSocket } from 'ws';
import { FATAL_CLOSE_CODES, parseErrorBody, StreamerClientError } from './errors.js';
import { BatchHeader, parseBatchHeader, PulledEntry, splitBatch } from './frames.js';
import type { GapEvent } from './puller.js';
import { isTuplesFrame, TupleDescription } from './sync.js';

/** How one pull connection ended. */
export interface Outcome {
  /** The connection opened (so the backoff starts over). */
  opened: boolean;
  reason: string;
  /** Set when retrying cannot help (the server refused the request itself). */
  fatal?: StreamerClientError;
}

export interface PullConnectionOptions {
  headers: Record<string, string>;
  /** Silence (no data, no heartbeat) after which the connection is dropped; 0 = never. */
  idleMs: number;
  /** Flow control on: heartbeats are answered as well. */
  ack: boolean;
}

/** Where a connection hands what it reads, in the order the server sent it. */
export interface PullSink {
  entries(entries: PulledEntry[]): void;
  gap(gap: GapEvent): void;
  /** A synchronized pull's tuples frame (`tuples=1`): comes before its batch. */
  tuples(tuples: TupleDescription[]): void;
}

/**
 * One WebSocket pull connection: reads batch headers and bodies, gap frames and error frames,
 * drops itself after `idleMs` of silence, and settles `outcome` once, when it ends. Reconnecting
 * and the consumer's queue are the `Puller`'s.
 */
export class PullConnection {
  readonly outcome: Promise<Outcome>;
  private readonly ws: WebSocket;
  private opened = false;
  private settled = false;
  private header: BatchHeader | null = null;
  private serverError: { code: string; message: string } | null = null;
  private lastError = '';
  private idle: NodeJS.Timeout | undefined;
  private resolve!: (outcome: Outcome) => void;

  constructor(
    url: string,
    private readonly options: PullConnectionOptions,
    private readonly sink: PullSink,
  ) {
    this.outcome = new Promise<Outcome>((resolve) => (this.resolve = resolve));
    this.ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: 0,
      headers: options.headers,
    });
    this.ws.on('open', () => {
      this.opened = true;
      this.armIdle();
    });
    this.ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = parseErrorBody(text);
        const error = new StreamerClientError(
          `pull handshake refused: HTTP ${status}${body ? `: ${body.message}` : ''}`,
          body?.code ?? `HTTP_${status}`,
          status,
        );
        const retry = status >= 500 || status === 408 || status === 429;
        this.settle({ opened: false, reason: error.message, fatal: retry ? undefined : error });
        this.ws.terminate();
      });
    });
    this.ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    this.ws.on('error', (err: Error) => {
      this.lastError = this.opened ? err.message : `cannot connect to ${url}: ${err.message}`;
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      const why = this.serverError
        ? `${this.serverError.code}: ${this.serverError.message}`
        : reason.toString() || this.lastError || `connection closed (${code})`;
      const fatal = FATAL_CLOSE_CODES.has(code)
        ? new StreamerClientError(why, this.serverError?.code ?? 'PROTOCOL', undefined, code)
        : undefined;
      this.settle({ opened: this.opened, reason: `${why} [${code}]`, fatal });
    });
  }

  /** Stops reading from the socket (the consumer's queue is full). */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  /** With `ack`: asks for the next batch. */
  ack(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send('ok');
  }

  /** Closes with 1000; drops the socket a second later rather than wait for the server's answer. */
  close(): void {
    const ws = this.ws;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
      ws.close(1000, 'done');
      // Do not wait for the server's close frame to let the process exit.
      setTimeout(() => ws.terminate(), 1000).unref();
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.armIdle();
    const buf = data as Buffer;
    if (!isBinary) {
      try {
        const parsed: unknown = JSON.parse(buf.toString('utf8'));
        if (Array.isArray(parsed)) this.header = parseBatchHeader(parsed);
        else if (isGapFrame(parsed)) this.sink.gap(parsed.gap);
        else if (isTuplesFrame(parsed)) this.sink.tuples(parsed.tuples);
        else this.serverError = parseErrorBody(buf.toString('utf8'));
      } catch (err) {
        this.lastError = `bad batch header: ${(err as Error).message}`;
        this.ws.terminate();
      }
      return;
    }
    if (this.header === null) return;
    const entries = splitBatch(this.header, buf);
    this.header = null;
    if (entries.length === 0) {
      // A heartbeat: with ack the server waits for an answer to it as well.
      if (this.options.ack) this.ws.send('ok');
      return;
    }
    this.sink.entries(entries);
  }

  private armIdle(): void {
    const { idleMs } = this.options;
    if (idleMs === 0) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.lastError = `no data or heartbeat for ${idleMs} ms`;
      this.ws.terminate();
    }, idleMs);
  }

  private settle(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.idle);
    this.resolve(outcome);
  }
}

function isGapFrame(value: unknown): value is { gap: GapEvent } {
  if (typeof value !== 'object' || value === null || !('gap' in value)) return false;
  const gap = (value as { gap: unknown }).gap;
  return typeof gap === 'object' && gap !== null && 'missed' in gap && 'to' in gap;
}
