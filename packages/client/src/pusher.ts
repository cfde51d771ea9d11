import { RawData, WebSocket } from 'ws';
import { accessToken, authHeaders, AuthOptions } from './auth.js';
import { parseErrorBody, StreamerClientError } from './errors.js';
import { packPush, Payload } from './frames.js';
import { queryString, sidSegment, wsBase } from './urls.js';

export interface PusherOptions extends AuthOptions {
  /** Server base URL (`http://host:port`, default `http://localhost:8000`). */
  url?: string;
  /** Ask the server to answer every batch with its entry ids (`send` then resolves to them). */
  ack?: boolean;
  /**
   * Socket backlog (bytes) above which `send` waits until the data is written, so a producer
   * faster than the network does not buffer without bound. Default 8 MiB.
   */
  highWaterBytes?: number;
}

interface PendingAck {
  resolve(ids: string[]): void;
  reject(error: Error): void;
}

/**
 * Writes entries to `ws://HOST/data/{sid}/push` (SPEC "WebSocket push"): each `send` is a JSON
 * header frame and one binary frame. Entries are stored in the order they are sent. With `ack`
 * every send resolves to the new entry ids once they are in Redis; without it a send resolves
 * once its frames are handed to the socket.
 *
 * ```ts
 * const pusher = await Pusher.connect('camera', { ack: true });
 * const [id] = await pusher.sendBatch([{ data: jpeg }]);
 * await pusher.close();
 * ```
 */
export class Pusher {
  private readonly acks: PendingAck[] = [];
  private failure: StreamerClientError | null = null;
  private serverError: { code: string; message: string } | null = null;
  private readonly closed: Promise<void>;

  private constructor(
    private readonly ws: WebSocket,
    readonly sids: readonly string[],
    private readonly options: PusherOptions,
  ) {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) this.onText(String(data));
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        const why = this.serverError
          ? `${this.serverError.code}: ${this.serverError.message}`
          : reason.toString() || `connection closed (${code})`;
        this.failure ??= new StreamerClientError(
          why,
          this.serverError?.code ?? 'CLOSED',
          undefined,
          code,
        );
        for (const ack of this.acks.splice(0)) ack.reject(this.failure);
        resolve();
      });
    });
    ws.on('error', () => undefined); // reported through 'close'
  }

  /** Opens a push connection to one stream, or several (`['cam', 'depth']`). */
  static connect(sids: string | readonly string[], options: PusherOptions = {}): Promise<Pusher> {
    const list = typeof sids === 'string' ? [sids] : [...sids];
    const url = `${wsBase(options.url)}/data/${sidSegment(list)}/push${queryString({
      ack: options.ack ? true : undefined,
      access_token: accessToken(options),
    })}`;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: 0,
      headers: authHeaders(options),
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: StreamerClientError) => {
        if (settled) return;
        settled = true;
        ws.removeAllListeners('open');
        reject(error);
      };
      ws.once('open', () => resolve(new Pusher(ws, list, options)));
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const body = parseErrorBody(text);
          fail(
            new StreamerClientError(
              `push handshake refused: HTTP ${res.statusCode}${body ? `: ${body.message}` : ''}`,
              body?.code ?? `HTTP_${res.statusCode}`,
              res.statusCode,
            ),
          );
          ws.terminate();
        });
      });
      ws.on('error', (err: Error) =>
        fail(new StreamerClientError(`cannot connect to ${url}: ${err.message}`, 'CONNECT_FAILED')),
      );
    });
  }

  /** True until the connection closed or failed. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && this.failure === null;
  }

  /** Sends one entry (to `sid`, default the URL's first stream); resolves to its id with `ack`. */
  async send(data: Payload, sid?: string): Promise<string | undefined> {
    const ids = await this.sendBatch([{ sid, data }]);
    return ids[0];
  }

  /**
   * Sends several entries as one batch (one header, one binary frame). Entries without a `sid`
   * go to the URL's first stream. Resolves to their ids with `ack`, else to `[]`.
   */
  async sendBatch(entries: readonly { sid?: string; data: Payload }[]): Promise<string[]> {
    if (this.failure) throw this.failure;
    if (this.ws.readyState !== WebSocket.OPEN) {
      throw new StreamerClientError('push connection is not open', 'CLOSED');
    }
    const { header, body } = packPush(entries, this.sids[0]);
    const acked = this.options.ack
      ? new Promise<string[]>((resolve, reject) => this.acks.push({ resolve, reject }))
      : null;
    // Both frames go out in order; waiting for the write only when the backlog is high keeps
    // the fast path free of round trips while bounding memory.
    const written = new Promise<void>((resolve, reject) => {
      this.ws.send(header);
      this.ws.send(body, { binary: true }, (err) => (err ? reject(err) : resolve()));
    });
    if (acked) {
      written.catch(() => undefined);
      return acked;
    }
    if (this.ws.bufferedAmount > (this.options.highWaterBytes ?? 8 * 1024 * 1024)) {
      await written.catch((err: Error) => {
        throw this.failure ?? new StreamerClientError(err.message, 'CLOSED');
      });
    } else {
      written.catch(() => undefined);
    }
    return [];
  }

  /**
   * Closes the connection after what was sent is written. With `ack`, waits first for the
   * answers to every batch sent, so everything acked is known to be stored.
   */
  async close(): Promise<void> {
    if (this.acks.length > 0 && this.open) {
      const last = this.acks[this.acks.length - 1];
      await new Promise<void>((resolve) => {
        const { resolve: done, reject } = last;
        last.resolve = (ids) => {
          done(ids);
          resolve();
        };
        last.reject = (err) => {
          reject(err);
          resolve();
        };
      });
    }
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000, 'done');
    }
    await this.closed;
  }

  private onText(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (Array.isArray(parsed)) {
      this.acks.shift()?.resolve(parsed.map(String));
      return;
    }
    // `{"error": …}` comes right before the server closes the connection.
    this.serverError = parseErrorBody(text);
  }
}
