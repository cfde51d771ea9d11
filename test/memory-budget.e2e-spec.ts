import { WebSocket } from 'ws';
import { entryOfMessage } from '../src/streams/formats/stream-formats.js';
import { parseMcap } from './support/mcap.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { ServiceProcess } from './support/service-process.js';
import { TestSocket } from './support/ws.js';

/**
 * The service started as in production (`scripts/start`) with a 128 MiB memory limit carries more
 * data than its limit through push, pull, catch-up and export: every acknowledged entry is
 * stored, every byte pulled or exported is the byte pushed, and what catch-up holds stays within
 * the budget. Correctness under the budget, not speed.
 */

const MiB = 1024 * 1024;
const LIMIT_MB = 128;

/** Payload `i` of `size` bytes: its index up front, then a byte that depends on it. */
function payload(i: number, size: number): Buffer {
  const data = Buffer.alloc(size, i % 251);
  data.writeUInt32BE(i, 0);
  return data;
}

/**
 * Pushes `count` payloads of `size` bytes over one `ack=1` connection, `window` frames in flight;
 * resolves with the acknowledged ids (the k-th is payload k).
 */
async function pushAcked(url: string, count: number, size: number, window = 32): Promise<string[]> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const acked: string[] = [];
  let sent = 0;
  const send = () => {
    while (sent < count && sent - acked.length < window) {
      ws.send(JSON.stringify([size]));
      ws.send(payload(sent++, size));
    }
  };
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as string[] | { error: unknown };
      if (!Array.isArray(reply)) return reject(new Error(JSON.stringify(reply)));
      acked.push(...reply);
      if (acked.length === count) resolve();
      else send();
    });
    ws.once('close', (code) => reject(new Error(`closed ${code} after ${acked.length} acks`)));
    send();
  });
  ws.close();
  return acked;
}

/** The service's private resident memory, as `/metrics` reports it. */
async function residentBytes(service: ServiceProcess): Promise<number> {
  const text = await (await fetch(`${service.http}/metrics`)).text();
  const match = /^redis_streamer_memory_resident_bytes (\d+)$/m.exec(text);
  if (!match) throw new Error('no redis_streamer_memory_resident_bytes');
  return Number(match[1]);
}

describe(`with MEMORY_LIMIT_MB=${LIMIT_MB}`, () => {
  let service: ServiceProcess;
  let redis: TestRedis;
  const keys: string[] = [];

  beforeAll(async () => {
    await ServiceProcess.build();
    service = await ServiceProcess.start(
      { MEMORY_LIMIT_MB: String(LIMIT_MB), STREAM_MAXLEN: '0', LOG_LEVEL: 'warn' },
      true,
    );
    redis = await connectRedis();
  }, 150_000);

  afterAll(async () => {
    await service?.stop();
    if (keys.length > 0) await redis?.del(keys);
    await redis?.quit();
  });

  it('plans for the limit: metrics show it and the budgets sized to it', async () => {
    const text = await (await fetch(`${service.http}/metrics`)).text();
    expect(text).toContain(`redis_streamer_memory_limit_bytes ${LIMIT_MB * MiB}`);
    expect(text).toContain(
      `redis_streamer_memory_budget_bytes{budget="push_in_flight"} ${8 * MiB}`,
    );
    expect(text).toContain(`redis_streamer_memory_budget_bytes{budget="pull_batch"} ${4 * MiB}`);
    // The V8 heap of the plan (96 MiB old space, 3 x 4 MiB young), not V8's default of GiBs.
    const heap = /redis_streamer_memory_budget_bytes\{budget="heap"\} (\d+)/.exec(text);
    expect(Number(heap?.[1])).toBeLessThanOrEqual(112 * MiB);
  });

  it('stores every acked entry of 160 MiB pushed, pulls and exports every byte of it', async () => {
    const sid = uniqueKey('memory-budget');
    keys.push(sid);
    const size = 256 * 1024;
    const count = 640; // 160 MiB, well over the limit
    const acked = await pushAcked(`${service.ws}/data/${sid}/push?ack=1`, count, size);
    expect(acked).toHaveLength(count);

    // Redis has every acked entry, with its payload.
    let stored = 0;
    let cursor = '-';
    for (;;) {
      const page = (await redis.sendCommand(['XRANGE', sid, cursor, '+', 'COUNT', '64'], {
        typeMapping: { [36]: Buffer },
      } as never)) as unknown as [Buffer, Buffer[]][];
      const fresh = cursor === '-' ? page : page.slice(1);
      if (fresh.length === 0) break;
      for (const [id, fields] of fresh) {
        expect(id.toString()).toBe(acked[stored]);
        expect(fields[1].equals(payload(stored, size))).toBe(true);
        stored++;
      }
      cursor = page[page.length - 1][0].toString();
    }
    expect(stored).toBe(count);

    // Pulled from the start: every entry once, in order, byte for byte.
    const pull = await TestSocket.open(`${service.ws}/data/${sid}/pull?last_entry_id=0&count=16`);
    let pulled = 0;
    while (pulled < count) {
      for (const entry of await pull.nextBatch(10_000)) {
        expect(entry.id).toBe(acked[pulled]);
        expect(entry.data.equals(payload(pulled, size))).toBe(true);
        pulled++;
      }
    }
    pull.close();

    // Exported as MCAP: every message, byte for byte.
    const res = await fetch(`${service.http}/data/${sid}/export`);
    expect(res.status).toBe(200);
    const file = parseMcap(new Uint8Array(await res.arrayBuffer()));
    expect(file.messages).toHaveLength(count);
    file.messages.forEach((message, i) => {
      const schema = file.schemas.get(file.channels.get(message.channelId)!.schemaId)?.name;
      expect(entryOfMessage(schema, Buffer.from(message.data))?.equals(payload(i, size))).toBe(
        true,
      );
    });
  }, 180_000);

  it('keeps catch-up of 4 MiB entries by two stalled pullers and a reader under the limit', async () => {
    const sid = uniqueKey('memory-catch-up');
    keys.push(sid);
    const size = 4 * MiB;
    const count = 32; // 128 MiB: the whole limit
    const acked = await pushAcked(`${service.ws}/data/${sid}/push?ack=1`, count, size, 2);
    const before = await residentBytes(service);

    const url = `${service.ws}/data/${sid}/pull?last_entry_id=0&count=48`;
    const stalled = await Promise.all([TestSocket.open(url), TestSocket.open(url)]);
    for (const socket of stalled) {
      (socket.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    }
    let peak = before;
    const sampling = setInterval(() => {
      residentBytes(service).then(
        (bytes) => (peak = Math.max(peak, bytes)),
        () => undefined,
      );
    }, 20);
    try {
      const reader = await TestSocket.open(url);
      let read = 0;
      while (read < count) {
        for (const entry of await reader.nextBatch(20_000)) {
          expect(entry.id).toBe(acked[read]);
          expect(entry.data.equals(payload(read, size))).toBe(true);
          read++;
        }
      }
      reader.close();
    } finally {
      clearInterval(sampling);
      for (const socket of stalled) socket.close();
    }
    // Memory never went above the limit: the gate shuts at 85% of it (pushes pause, reads wait),
    // and what a read lets in past the mark (a 4 MiB entry, joined from its reply chunks) fits.
    expect(peak).toBeLessThanOrEqual(LIMIT_MB * MiB);
    expect(peak).toBeGreaterThan(before);
  }, 120_000);
});
