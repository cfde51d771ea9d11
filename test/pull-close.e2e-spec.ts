import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';

/**
 * The close handshake of a pull (RFC 6455 §5.5.1), read byte by byte from the TCP stream: once
 * the client's close frame arrives, the server sends no more data frames; what reaches the client
 * after its close is what was already on its way, then the server's close frame, then nothing.
 */
const ENTRIES = 2000;
const ENTRY_BYTES = 16 * 1024;

let server: TestServer;
let redis: TestRedis;
const sid = uniqueKey('pull-close');

beforeAll(async () => {
  server = await startServer();
  redis = await connectRedis();
  const payload = Buffer.alloc(ENTRY_BYTES, 7);
  for (let i = 0; i < ENTRIES; i += 200) {
    await Promise.all(Array.from({ length: 200 }, () => redis.xAdd(sid, '*', { d: payload })));
  }
});

afterAll(async () => {
  await redis?.del(sid);
  await redis?.quit();
  await server?.close();
});

interface CloseTranscript {
  /** Data frames received after the client sent its close frame, before the server's. */
  dataAfterClose: number;
  /** The code of the server's close frame (null: the connection ended without one). */
  closeCode: number | null;
  /** Bytes that followed the server's close frame. */
  bytesAfterServerClose: number;
}

/** Opens `path` with a raw WebSocket handshake, closes (1000) after the first data frame. */
function pullThenClose(port: number, path: string): Promise<CloseTranscript> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const transcript: CloseTranscript = {
      dataAfterClose: 0,
      closeCode: null,
      bytesAfterServerClose: 0,
    };
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let clientClosed = false;
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (transcript.closeCode !== null) {
        transcript.bytesAfterServerClose += chunk.length;
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buffered.subarray(0, end).toString().startsWith('HTTP/1.1 101')) {
          return reject(new Error(buffered.subarray(0, end).toString()));
        }
        upgraded = true;
        buffered = buffered.subarray(end + 4);
      }
      for (;;) {
        const frame = nextFrame(buffered);
        if (!frame) return;
        buffered = buffered.subarray(frame.size);
        if (frame.opcode === 8) {
          transcript.closeCode = frame.payload.readUInt16BE(0);
          transcript.bytesAfterServerClose = buffered.length;
          return;
        }
        if (clientClosed) {
          transcript.dataAfterClose++;
        } else {
          clientClosed = true;
          socket.write(maskedClose(1000));
        }
      }
    });
    socket.on('close', () => resolve(transcript));
    socket.on('error', reject);
  });
}

/** One complete server frame at the start of `buffer` (unmasked), or null. */
function nextFrame(buffer: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (buffer.length < 2) return null;
  let length = buffer[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return null;
  return {
    opcode: buffer[0] & 0x0f,
    payload: buffer.subarray(offset, offset + length),
    size: offset + length,
  };
}

function maskedClose(code: number): Buffer {
  const mask = randomBytes(4);
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask, payload]);
}

test('after the client closes mid-catch-up, the server sends no data frame and answers the close', async () => {
  const port = Number(new URL(server.http).port);
  const transcript = await pullThenClose(port, `/data/${sid}/pull?last_entry_id=0&count=10`);
  expect(transcript.closeCode).toBe(1000);
  expect(transcript.bytesAfterServerClose).toBe(0);
  // Batches of 10 entries: of 2000 entries, all but what was on its way stay unsent.
  expect(transcript.dataAfterClose * 10).toBeLessThan(ENTRIES / 2);
});
