import { request, IncomingMessage, ClientRequest } from 'node:http';

/** One part of a `multipart/x-mixed-replace` body. */
export interface MjpegPart {
  headers: Record<string, string>;
  data: Buffer;
}

/**
 * A client of `GET /data/{sid}/mjpeg` that parses the multipart body as it arrives. `pause()`
 * stops reading the socket (TCP backpressure reaches the server); `close()` goes away.
 */
export class MjpegReader {
  readonly parts: MjpegPart[] = [];
  /** True once the server ended the body after a complete part. */
  closedByServer = false;
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
    private readonly boundary: string,
  ) {
    res.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    res.on('end', () => {
      // Each part is followed by the next delimiter: a clean end leaves just that behind.
      this.closedByServer = this.buffer.toString() === `--${this.boundary}\r\n`;
      this.wake();
    });
    res.on('close', () => this.wake());
  }

  static open(url: string): Promise<MjpegReader> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        const type = res.headers['content-type'] ?? '';
        const boundary = /boundary=([^;]+)/.exec(type)?.[1] ?? '';
        resolve(new MjpegReader(req, res, boundary));
      });
      req.on('error', reject);
      req.end();
    });
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get contentType(): string {
    return this.res.headers['content-type'] ?? '';
  }

  /** Resolves with the `n`-th part (0-based) once it arrived. */
  async part(n: number, timeoutMs = 10_000): Promise<MjpegPart> {
    await this.until(() => this.parts.length > n, timeoutMs, `part ${n}`);
    return this.parts[n];
  }

  /** Resolves once `check` holds (checked after every received chunk). */
  async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.res.closed && !check()) throw new Error(`response closed before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  pause(): void {
    this.res.pause();
  }

  resume(): void {
    this.res.resume();
  }

  close(): void {
    this.req.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private parse(): void {
    const delimiter = `--${this.boundary}`;
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) break;
      const lines = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
      if (lines[0] !== delimiter) throw new Error(`expected ${delimiter}, got ${lines[0]}`);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length']);
      const start = headEnd + 4;
      const data = Buffer.from(this.buffer.subarray(start, start + length));
      // The next delimiter follows every part at once (browsers show a part when they see it).
      const after = start + length + 2 + delimiter.length + 2;
      if (this.buffer.length < after) break;
      if (this.buffer.subarray(start + length, after).toString() !== `\r\n${delimiter}\r\n`) {
        throw new Error('part not followed by the next delimiter');
      }
      this.parts.push({ headers, data });
      this.buffer = this.buffer.subarray(start + length + 2);
    }
    this.wake();
  }
}
