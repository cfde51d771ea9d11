import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { Principal } from '../auth/principal.js';
import { streamChannel } from '../streams/formats/stream-formats.js';
import type { StreamRepository } from '../streams/repositories/stream.repository.js';
import type { ChannelDirectory, ViewerChannel } from './channel-directory.js';
import type { LiveFeeds } from './live-feeds.js';
import { FrameWriter } from '../ws/ws-frames.js';
import { FoxgloveViewer } from './viewer.js';

const channel: ViewerChannel = {
  sid: 'cam',
  plan: streamChannel({ format: 'json' }, undefined),
  advertised: { id: 3, topic: 'cam', encoding: 'json', schemaName: '', schema: '' },
};

/** A socket that records what is written; `bufferedAmount` is the test's to set. */
function fakes() {
  const socket = Object.assign(new EventEmitter(), {
    written: [] as Buffer[],
    cork: () => undefined,
    uncork: () => undefined,
    write(chunk: Buffer) {
      this.written.push(chunk);
      return true;
    },
  });
  const ws = { readyState: WebSocket.OPEN, bufferedAmount: 0, sent: [] as unknown[] };
  Object.assign(ws, { send: (data: unknown) => ws.sent.push(data) });
  const dropped: number[] = [];
  const directory = { join: () => Promise.resolve([channel]), leave: () => undefined };
  const feeds = { join: () => Promise.resolve(), leave: () => undefined };
  const viewer = new FoxgloveViewer(
    ws as unknown as WebSocket,
    new FrameWriter(socket as unknown as Socket),
    Principal.unrestricted(),
    {
      directory: directory as unknown as ChannelDirectory,
      feeds: feeds as unknown as LiveFeeds,
      repository: {} as StreamRepository,
      budgetBytes: 100,
      highWaterBytes: 10,
      playbackPageBytes: 1000,
      onSent: () => undefined,
      onDropped: (n) => dropped.push(n),
    },
  );
  return { socket, ws, viewer, dropped };
}

/** The timestamps of the Message Data frames written (13-byte header: opcode, sub id, time). */
const messageTimes = (written: Buffer[]) =>
  written.filter((b) => b.length === 13 && b[0] === 1).map((b) => b.readBigUInt64LE(5));

describe('FoxgloveViewer', () => {
  it('advertises each channel once and keeps a slow viewer to its byte budget, oldest dropped', async () => {
    const { socket, ws, viewer, dropped } = fakes();
    await viewer.start();
    viewer.added([channel]);
    expect(ws.sent.filter((t) => String(t).includes('"advertise"'))).toHaveLength(1);
    viewer.onMessage(
      Buffer.from(JSON.stringify({ op: 'subscribe', subscriptions: [{ id: 9, channelId: 3 }] })),
      false,
    );

    ws.bufferedAmount = 1000; // the socket is full: nothing is written
    for (let i = 1; i <= 5; i++)
      viewer.live('cam', `${i}-0`, BigInt(i), Buffer.alloc(0), Buffer.alloc(40));
    expect(messageTimes(socket.written)).toEqual([]);
    // 5 × 40 bytes over a 100-byte budget: the three oldest went.
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(3);

    ws.bufferedAmount = 0;
    socket.emit('drain');
    expect(messageTimes(socket.written)).toEqual([4n, 5n]);
    viewer.close();
  });
});
