import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import type { PullSession } from '../../streams/sessions/pull-session.js';
import { FrameWriter } from '../../ws/ws-frames.js';
import { PullConnection, PullSinkOptions } from './pull-connection.js';

/**
 * The TCP socket under the WebSocket: batches are written to it as whole frames (corked). It
 * decodes them (server frames: unmasked, lengths up to 2^32) into the WebSocket's `sent` list.
 */
class FakeRawSocket {
  private pending: Buffer[] = [];
  constructor(private readonly sent: (string | Buffer)[]) {}
  cork(): void {}
  write(chunk: Buffer, done?: () => void): boolean {
    this.pending.push(chunk);
    done?.();
    return true;
  }
  uncork(): void {
    let bytes = Buffer.concat(this.pending);
    this.pending = [];
    while (bytes.length > 0) {
      const opcode = bytes[0] & 0x0f;
      let length = bytes[1] & 0x7f;
      let offset = 2;
      if (length === 126) [length, offset] = [bytes.readUInt16BE(2), 4];
      else if (length === 127) [length, offset] = [bytes.readUInt32BE(6), 10];
      const payload = bytes.subarray(offset, offset + length);
      this.sent.push(opcode === 1 ? payload.toString() : Buffer.from(payload));
      bytes = bytes.subarray(offset + length);
    }
  }
}

/** Records the frames sent; `bufferedAmount` is set by the test. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: (string | Buffer)[] = [];
  closeCode: number | null = null;
  send(data: string | Buffer, done?: () => void): void {
    this.sent.push(data);
    done?.();
  }
  close(code: number): void {
    this.closeCode = code;
    this.readyState = WebSocket.CLOSING;
  }
}

const options: PullSinkOptions = {
  header: true,
  ack: false,
  maxFps: 0,
  heartbeatMs: 0,
  highWater: 1000,
};
const batch = [{ sid: 's', id: '1-0', data: Buffer.from('ab') }];

function connect(overrides: Partial<PullSinkOptions> = {}) {
  const ws = new FakeSocket();
  const session = { pump: jest.fn(), close: jest.fn() };
  const raw = new FakeRawSocket(ws.sent);
  const frames = new FrameWriter(raw as unknown as Socket);
  const sink = new PullConnection(ws as unknown as WebSocket, frames, {
    ...options,
    ...overrides,
  });
  sink.attach(session as unknown as PullSession);
  return { ws, sink, session };
}

describe('PullConnection', () => {
  it('sends a batch as its text header then the binary payloads', () => {
    const { ws, sink } = connect();
    sink.send(batch);
    expect(ws.sent).toEqual(['[["s","1-0",0]]', Buffer.from('ab')]);
  });

  it('with header=0 sends one bare binary frame per entry', () => {
    const { ws, sink } = connect({ header: false });
    sink.send([...batch, { sid: 's', id: '2-0', data: Buffer.from('c') }]);
    expect(ws.sent).toEqual([Buffer.from('ab'), Buffer.from('c')]);
  });

  it('with ack takes no batch until the client sends a text frame', () => {
    const { ws, sink, session } = connect({ ack: true });
    expect(sink.canSend()).toBe(true);
    sink.send(batch);
    expect(sink.canSend()).toBe(false);
    ws.emit('message', Buffer.from('x'), true); // binary frames are not acks
    expect(sink.canSend()).toBe(false);
    ws.emit('message', Buffer.from('ok'), false);
    expect(session.pump).toHaveBeenCalledTimes(1);
    expect(sink.canSend()).toBe(true);
  });

  it('stops at the high-water mark and wakes the session once drained to half', () => {
    const { ws, sink, session } = connect();
    ws.bufferedAmount = 1000;
    expect(sink.canSend()).toBe(false);
    ws.bufferedAmount = 400;
    sink.send(batch); // the write callback sees the drained socket
    expect(session.pump).toHaveBeenCalled();
  });

  it('fails with the error frame and close code, and closes the session', () => {
    const { ws, sink, session } = connect();
    sink.fail(new StreamerError(ErrorCode.Internal, 'key "s" is not a stream'));
    expect(JSON.parse(ws.sent[0] as string)).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(ws.closeCode).toBe(1011);
    expect(session.close).toHaveBeenCalled();
    expect(sink.canSend()).toBe(false);
  });

  it('closes the session when the socket closes', () => {
    const { ws, session } = connect();
    ws.emit('close');
    expect(session.close).toHaveBeenCalled();
  });
});
