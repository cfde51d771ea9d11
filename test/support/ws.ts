import { WebSocket, RawData } from 'ws';

export interface Frame {
  data: Buffer;
  isBinary: boolean;
}

/**
 * A WebSocket client that records every frame and lets tests await the next one, the close,
 * or the handshake refusal — no sleeps.
 */
export class TestSocket {
  readonly ws: WebSocket;
  private readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  closeCode: number | null = null;
  closeReason = '';
  refusedStatus: number | null = null;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    this.ws = new WebSocket(url, { maxPayload: 0 });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        this.refusedStatus = res.statusCode ?? 0;
        reject(new Error(`refused with HTTP ${res.statusCode}`));
      });
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve({ code, reason: this.closeReason });
        this.notify();
      });
      this.ws.once('unexpected-response', () => resolve({ code: -1, reason: 'refused' }));
    });
    this.ws.on('message', (data: RawData, isBinary) => {
      this.frames.push({ data: toBuffer(data), isBinary });
      this.notify();
    });
    this.ws.on('error', () => undefined);
  }

  static async open(url: string): Promise<TestSocket> {
    const socket = new TestSocket(url);
    await socket.opened;
    return socket;
  }

  /** The next frame, waiting up to `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closeCode !== null)
        throw new Error(
          `socket closed (${this.closeCode} ${this.closeReason}) while waiting for a frame`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  async nextText(timeoutMs?: number): Promise<string> {
    const frame = await this.next(timeoutMs);
    if (frame.isBinary) throw new Error('expected a text frame, got binary');
    return frame.data.toString('utf8');
  }

  async nextJson<T = unknown>(timeoutMs?: number): Promise<T> {
    return JSON.parse(await this.nextText(timeoutMs)) as T;
  }

  async nextBinary(timeoutMs?: number): Promise<Buffer> {
    const frame = await this.next(timeoutMs);
    if (!frame.isBinary)
      throw new Error(`expected a binary frame, got text ${frame.data.toString().slice(0, 200)}`);
    return frame.data;
  }

  /** Reads one pull batch: header then binary, split into entries. */
  async nextBatch(timeoutMs?: number): Promise<{ sid: string; id: string; data: Buffer }[]> {
    const header = await this.nextJson<[string, string, number][]>(timeoutMs);
    const body = await this.nextBinary(timeoutMs);
    return header.map(([sid, id, start], i) => ({
      sid,
      id,
      data: body.subarray(start, i + 1 < header.length ? header[i + 1][2] : body.length),
    }));
  }

  /** Frames received and not yet consumed. */
  pending(): number {
    return this.frames.length;
  }

  send(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.ws.send(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

/** Polls `check` until it stops throwing / returns truthy, or fails after `timeoutMs`. */
export async function expectEventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 20,
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined && value !== null) {
        return value as Exclude<T, false | null | undefined>;
      }
      lastError = new Error('condition still false');
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
