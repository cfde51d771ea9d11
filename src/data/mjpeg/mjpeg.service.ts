import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { LimitsConfig } from '../../config/config-sections.js';
import { badRequest, ErrorCode, StreamerError } from '../../common/errors.js';
import { DATA_OBSERVER } from '../../common/data-observer.js';
import type { DataObserver } from '../../common/data-observer.js';
import { BatchEntry, PullSession, PullSink } from '../../streams/sessions/pull-session.js';
import { PullSessions } from '../../streams/sessions/pull-sessions.js';
import { parseSidList } from '../../streams/ids/sid.js';
import { FramePacer } from '../ws/frame-pacer.js';

/** The multipart boundary between frames (never appears in a part header). */
const MJPEG_BOUNDARY = 'redis-streamer-frame';
const MJPEG_CONTENT_TYPE = `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`;
const MJPEG_CSP =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/**
 * Each frame is followed at once by the next delimiter: browsers show a part only when they see
 * the boundary after it (they do not trust Content-Length), so a frame is on screen as soon as
 * it is sent, not when the next one comes.
 */
const DELIMITER = Buffer.from(`\r\n--${MJPEG_BOUNDARY}\r\n`);
const FIRST_DELIMITER = DELIMITER.subarray(2);

/** A JPEG starts with the SOI marker `FF D8`. */
function isJpeg(data: Buffer): boolean {
  return data.length >= 2 && data[0] === 0xff && data[1] === 0xd8;
}

/** The part headers of one frame (the delimiter before them was sent after the previous frame). */
function partHeader(length: number, entryId: string): Buffer {
  return Buffer.from(
    `Content-Type: image/jpeg\r\nContent-Length: ${length}\r\nX-Entry-Id: ${entryId}\r\n\r\n`,
  );
}

/** What a viewer holds right now (for tests and diagnostics). */
export interface ViewerState {
  sid: string;
  /** Newest entry id the viewer's session has taken (sent or held). */
  cursor: string | undefined;
  /** Bytes written to the response that the socket has not taken yet. */
  bufferedBytes: number;
}

/**
 * `GET /data/{sid}/mjpeg` (SPEC "MJPEG view"): a `latest` pull session on the shared read hub
 * per viewer, written as `multipart/x-mixed-replace` parts.
 *
 * Memory per viewer is one frame: the session keeps only the newest entry (older ones are
 * skipped), and nothing is written while the response has not drained the previous frame.
 * Entries that are not JPEG are skipped.
 */
@Injectable()
export class MjpegService implements BeforeApplicationShutdown {
  private readonly viewers = new Set<MjpegViewer>();
  private stopping = false;

  constructor(
    private readonly sessions: PullSessions,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /**
   * Validates the request (throws a `StreamerError` before anything is written), then keeps `res`
   * open and streams frames until the client goes, the session fails or the server stops.
   */
  open(segment: string, maxFps: number, res: ServerResponse): void {
    if (this.stopping) throw new StreamerError(ErrorCode.ShuttingDown, 'server shutting down');
    const sids = parseSidList(segment, this.config.MAX_SIDS_PER_REQUEST);
    if (sids.length !== 1) {
      throw badRequest('an MJPEG view shows one stream: name a single stream id in the URL');
    }

    res.writeHead(200, {
      'Content-Type': MJPEG_CONTENT_TYPE,
      'Cache-Control': 'no-store, no-cache, must-revalidate',
      Pragma: 'no-cache',
      // Reverse proxies must pass frames on as they come.
      'X-Accel-Buffering': 'no',
      // Opened in a tab, the browser shows the frames in an image document of its own making,
      // which styles itself inline.
      'Content-Security-Policy': MJPEG_CSP,
    });
    res.write(FIRST_DELIMITER);
    const viewer = new MjpegViewer(sids[0], res, maxFps, this.observer, () =>
      this.viewers.delete(viewer),
    );
    this.viewers.add(viewer);
    // `0` with `latest`: the newest entry of the stream first, then each new one.
    const session = this.sessions.create(
      { sids, cursors: ['0'], count: 1, latest: true, onDropped: this.observer.dropped },
      viewer,
    );
    viewer.attach(session);
    void session.start();
  }

  /** Viewers open now. */
  state(): ViewerState[] {
    return [...this.viewers].map((v) => v.state());
  }

  /** Ends every view before the HTTP server and the hub stop. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const viewer of [...this.viewers]) viewer.end();
  }
}

/** One open MJPEG response: paces frames (max_fps, socket drain) and skips non-JPEG entries. */
class MjpegViewer implements PullSink {
  private session: PullSession | null = null;
  private closed = false;
  private draining = false;
  private readonly pacer: FramePacer;

  constructor(
    private readonly sid: string,
    private readonly res: ServerResponse,
    maxFps: number,
    private readonly observer: DataObserver,
    private readonly onClosed: () => void,
  ) {
    this.pacer = new FramePacer(maxFps, () => this.session?.pump());
    res.once('close', () => this.stop());
    res.on('drain', () => {
      this.draining = false;
      this.session?.pump();
    });
  }

  attach(session: PullSession): void {
    this.session = session;
    if (this.closed) session.close();
  }

  canSend(): boolean {
    return !this.closed && !this.draining && this.pacer.ready();
  }

  send(batch: BatchEntry[]): void {
    // With `latest` and one stream a batch is one entry: the newest one.
    const { id, data } = batch[batch.length - 1];
    if (!isJpeg(data)) return;
    const { res } = this;
    res.cork();
    res.write(partHeader(data.length, id));
    res.write(data);
    const more = res.write(DELIMITER);
    process.nextTick(() => res.uncork());
    if (!more) this.draining = true;
    this.pacer.sent();
    this.observer.pulled(1, data.length);
  }

  fail(_error: StreamerError): void {
    // Headers are sent: the only way to tell the client is to end the body.
    this.end();
  }

  /** Ends the response (after a delimiter, so the last frame was complete). */
  end(): void {
    if (this.closed) return;
    this.res.end();
    this.stop();
  }

  state(): ViewerState {
    return {
      sid: this.sid,
      cursor: this.session?.cursor(this.sid),
      bufferedBytes: this.res.writableLength,
    };
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.pacer.stop();
    this.session?.close();
    this.onClosed();
  }
}
