import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import { COLLECT_EVERY_BYTES, YoungGarbage } from '../../common/young-garbage.js';
import { RELEASED_FRAME_BYTES } from '../../ws/frame-release.js';
import { MemoryPressure } from '../../common/memory-pressure.js';
import { planMemory } from '../../config/memory-plan.js';
import { PushBudget } from './push-budget.js';
import { PushConnection, PushOptions } from './push-connection.js';

/** Records what the server sends; `receive` plays a client frame. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  readonly sent: string[] = [];
  closeCode: number | null = null;
  paused = false;
  send(data: string): void {
    this.sent.push(data);
  }
  close(code: number): void {
    this.closeCode = code;
    this.readyState = WebSocket.CLOSING;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  receive(data: string | Buffer): void {
    this.emit('message', Buffer.from(data), typeof data !== 'string');
  }
}

/** XADDs that settle when the test says so. */
class ControlledRepository {
  readonly calls: {
    sid: string;
    payload: Buffer;
    resolve(id: string): void;
    reject(e: Error): void;
  }[] = [];
  append(sid: string, payload: Buffer): Promise<string> {
    return new Promise((resolve, reject) => this.calls.push({ sid, payload, resolve, reject }));
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function connect(options: Partial<PushOptions> = {}) {
  const ws = new FakeSocket();
  const repo = new ControlledRepository();
  new PushConnection(
    ws as unknown as WebSocket,
    repo,
    {
      sids: ['s'],
      header: true,
      ack: true,
      maxPending: 4,
      maxPendingBytes: 4 * 1024 * 1024,
      ...options,
    },
    new Logger('test'),
  );
  return { ws, repo };
}

describe('PushConnection', () => {
  it('stores header + binary pairs and acks each batch in order', async () => {
    const { ws, repo } = connect();
    ws.receive('[2,5]');
    ws.receive(Buffer.from('abcde'));
    ws.receive('[1]');
    ws.receive(Buffer.from('z'));
    expect(repo.calls.map((c) => c.payload.toString())).toEqual(['ab', 'cde', 'z']);
    repo.calls[2].resolve('3-0');
    repo.calls[0].resolve('1-0');
    repo.calls[1].resolve('2-0');
    await settle();
    expect(ws.sent).toEqual(['["1-0","2-0"]', '["3-0"]']);
  });

  it('answers the acks of stored batches before the error frame and the close', async () => {
    const { ws, repo } = connect();
    ws.receive('[3]');
    ws.receive(Buffer.from('abc'));
    ws.receive(Buffer.from('oops')); // a binary frame where a header belongs
    expect(ws.closeCode).toBeNull(); // waits for the batch already sent to Redis
    repo.calls[0].resolve('1-0');
    await settle();
    expect(ws.sent[0]).toBe('["1-0"]');
    expect(JSON.parse(ws.sent[1])).toMatchObject({ error: { code: ErrorCode.MalformedData } });
    expect(ws.closeCode).toBe(1007);
  });

  it('closes at once without ack, and ignores frames after a failure', () => {
    const { ws, repo } = connect({ ack: false });
    ws.receive(Buffer.from('no header'));
    expect(ws.closeCode).toBe(1007);
    ws.receive('[1]');
    ws.receive(Buffer.from('x'));
    expect(repo.calls).toHaveLength(0);
  });

  it('closes with 1013 when Redis is unreachable, after acking what was stored', async () => {
    const { ws, repo } = connect();
    ws.receive('[1]');
    ws.receive(Buffer.from('a'));
    ws.receive('[1]');
    ws.receive(Buffer.from('b'));
    repo.calls[0].resolve('1-0');
    repo.calls[1].reject(new StreamerError(ErrorCode.Unavailable, 'Redis unavailable'));
    await settle();
    expect(ws.sent[0]).toBe('["1-0"]');
    expect(JSON.parse(ws.sent[1])).toMatchObject({ error: { code: ErrorCode.Unavailable } });
    expect(ws.closeCode).toBe(1013);
  });

  it('pauses the socket with maxPending XADDs in flight and resumes at half', async () => {
    const { ws, repo } = connect({ header: false, ack: false, maxPending: 4 });
    for (let i = 0; i < 4; i++) ws.receive(Buffer.from(String(i)));
    expect(ws.paused).toBe(true);
    repo.calls[0].resolve('1-0');
    repo.calls[1].resolve('2-0');
    await settle();
    expect(ws.paused).toBe(false);
  });

  it('pauses the socket with 4 MiB of large entries in flight and resumes at half', async () => {
    const { ws, repo } = connect({ header: false, ack: false, maxPending: 4096 });
    const frame = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 15; i++) ws.receive(frame);
    expect(ws.paused).toBe(false);
    ws.receive(frame); // the 16th 256 KiB frame fills the 4 MiB budget
    expect(ws.paused).toBe(true);
    for (let i = 0; i < 7; i++) repo.calls[i].resolve(`${i + 1}-0`);
    await settle();
    expect(ws.paused).toBe(true);
    repo.calls[7].resolve('8-0');
    await settle();
    expect(ws.paused).toBe(false);
  });

  it('frees a large frame once Redis has stored it, and not before', async () => {
    const { ws, repo } = connect({ header: false, ack: false });
    ws.receive(Buffer.alloc(256 * 1024, 1));
    ws.receive(Buffer.alloc(256 * 1024, 2));
    const [stored, failed] = repo.calls;
    await settle();
    expect(stored.payload.length).toBe(256 * 1024);
    stored.resolve('1-0');
    failed.reject(new StreamerError(ErrorCode.Unavailable, 'Redis unavailable'));
    await settle();
    expect(stored.payload.length).toBe(0);
    // A failed XADD may still be on its way out: its frame is left to the garbage collector.
    expect(failed.payload.length).toBe(256 * 1024);
  });

  it('frees a large batch frame once its last entry is stored', async () => {
    const { ws, repo } = connect({ ack: false });
    const half = 128 * 1024;
    ws.receive(`[${half},${2 * half}]`);
    ws.receive(Buffer.alloc(2 * half, 3));
    repo.calls[0].resolve('1-0');
    await settle();
    expect(repo.calls[1].payload.length).toBe(half);
    repo.calls[1].resolve('2-0');
    await settle();
    expect(repo.calls[0].payload.length).toBe(0);
    expect(repo.calls[1].payload.length).toBe(0);
  });

  it('counts large received frames for the shared young-generation collections', () => {
    const ws = new FakeSocket();
    const collect = jest.fn();
    new PushConnection(
      ws as unknown as WebSocket,
      new ControlledRepository(),
      {
        sids: ['s'],
        header: false,
        ack: false,
        maxPending: 4096,
        maxPendingBytes: 4 * 1024 * 1024,
      },
      new Logger('test'),
      undefined,
      new YoungGarbage(collect),
    );
    const small = Buffer.alloc(RELEASED_FRAME_BYTES - 1);
    for (let i = 0; i < (2 * COLLECT_EVERY_BYTES) / small.length; i++) ws.receive(small);
    expect(collect).not.toHaveBeenCalled();
    const frame = Buffer.alloc(256 * 1024);
    for (let i = 0; i < COLLECT_EVERY_BYTES / frame.length; i++) ws.receive(frame);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('pauses every connection while the shared budget is full, resumes them at half', async () => {
    const budget = new PushBudget(1024 * 1024);
    const a = sharing(budget);
    const b = sharing(budget);
    const frame = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 3; i++) a.ws.receive(frame);
    expect(a.ws.paused).toBe(false);
    a.ws.receive(frame); // 1 MiB in flight: the budget is full
    expect(a.ws.paused).toBe(true);
    b.ws.receive(frame); // b has little of its own in flight, but the budget is shared
    expect(b.ws.paused).toBe(true);
    for (let i = 0; i < 2; i++) a.repo.calls[i].resolve(`${i + 1}-0`);
    await settle();
    expect(a.ws.paused).toBe(true); // 768 KiB still in flight
    a.repo.calls[2].resolve('3-0');
    await settle();
    expect(a.ws.paused).toBe(false);
    expect(b.ws.paused).toBe(false);
  });

  it('pauses under memory pressure whatever is in flight, resumes once relieved', async () => {
    const pressure = new MemoryPressure(
      planMemory({ bytes: 100 * 1024 * 1024, source: 'MEMORY_LIMIT_MB' }),
    );
    const budget = new PushBudget(16 * 1024 * 1024, pressure);
    const { ws, repo } = sharing(budget);
    ws.receive(Buffer.alloc(100));
    expect(ws.paused).toBe(false);
    pressure.check(90 * 1024 * 1024, 0);
    ws.receive(Buffer.alloc(100)); // a small entry: nothing of the budget held, but memory is short
    expect(ws.paused).toBe(true);
    repo.calls[0].resolve('1-0');
    repo.calls[1].resolve('2-0');
    await settle();
    expect(ws.paused).toBe(true); // nothing in flight, still short of memory
    pressure.check(70 * 1024 * 1024, 100);
    expect(ws.paused).toBe(false);
    expect(repo.calls).toHaveLength(2); // both entries stored, none lost
  });
});

/** A connection (4 MiB of its own in flight, entries unbounded) held to the shared `budget`. */
function sharing(budget: PushBudget) {
  const ws = new FakeSocket();
  const repo = new ControlledRepository();
  const options = { sids: ['s'], header: false, ack: false, maxPending: 4096 };
  new PushConnection(
    ws as unknown as WebSocket,
    repo,
    { ...options, maxPendingBytes: 4 * 1024 * 1024 },
    new Logger('test'),
    undefined,
    undefined,
    budget,
  );
  return { ws, repo };
}
