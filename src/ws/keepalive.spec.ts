import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { Keepalive } from './keepalive.js';

/** Just what the keepalive uses of a socket. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = WebSocket.CLOSED;
    this.emit('close');
  }
}

const watch = (keepalive: Keepalive) => {
  const socket = new FakeSocket();
  keepalive.watch(socket as unknown as WebSocket);
  return socket;
};

describe('Keepalive', () => {
  let keepalive: Keepalive;
  beforeEach(() => (keepalive = new Keepalive(60_000)));
  afterEach(() => keepalive.stop());

  it('pings every socket each round and keeps those that answer', () => {
    const a = watch(keepalive);
    const b = watch(keepalive);
    for (let round = 1; round <= 3; round++) {
      keepalive.tick();
      expect([a.pings, b.pings]).toEqual([round, round]);
      a.emit('pong');
      b.emit('pong');
    }
    expect(a.terminated || b.terminated).toBe(false);
  });

  it('terminates a socket that missed the previous ping (after pending I/O), and forgets it', async () => {
    const live = watch(keepalive);
    const dead = watch(keepalive);
    const late = watch(keepalive);
    keepalive.tick();
    live.emit('pong');
    keepalive.tick();
    late.emit('pong'); // read in the same loop turn as the round: still counts
    await new Promise((resolve) => setImmediate(resolve));
    expect(late.terminated).toBe(false);
    expect(dead.terminated).toBe(true);
    expect(live.terminated).toBe(false);
    expect(keepalive.size).toBe(2);
  });

  it('forgets closed sockets', () => {
    const socket = watch(keepalive);
    socket.emit('close');
    expect(keepalive.size).toBe(0);
    keepalive.tick();
    expect(socket.pings).toBe(0);
  });
});
