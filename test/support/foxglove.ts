import { FoxgloveClient } from '@foxglove/ws-protocol';
import type { Channel, MessageData, ServerInfo, StatusMessage } from '@foxglove/ws-protocol';
import { WebSocket } from 'ws';
import { expectEventually } from './ws.js';

export const SUBPROTOCOL = 'foxglove.websocket.v1';

/** A viewer made of @foxglove/ws-protocol's client, recording what the server says. */
export class NpmViewer {
  readonly client: FoxgloveClient;
  readonly ws: WebSocket;
  serverInfo: ServerInfo | null = null;
  readonly channels = new Map<number, Channel>();
  readonly unadvertised: number[] = [];
  readonly messages: MessageData[] = [];
  readonly statuses: StatusMessage[] = [];
  /** Every event in order, for the transcript. */
  readonly log: unknown[] = [];
  closeCode: number | null = null;

  constructor(url: string) {
    this.ws = new WebSocket(url, [SUBPROTOCOL]);
    this.client = new FoxgloveClient({ ws: this.ws as never });
    this.client.on('serverInfo', (info) => {
      this.serverInfo = info;
      this.log.push(info);
    });
    this.client.on('advertise', (channels) => {
      for (const c of channels) this.channels.set(c.id, c);
      this.log.push({ op: 'advertise', channels });
    });
    this.client.on('unadvertise', (ids) => {
      for (const id of ids) this.channels.delete(id);
      this.unadvertised.push(...ids);
      this.log.push({ op: 'unadvertise', channelIds: ids });
    });
    this.client.on('message', (m) => {
      this.messages.push(m);
      this.log.push({ op: 'message', subscriptionId: m.subscriptionId, timestamp: m.timestamp });
    });
    this.client.on('time', (t) => this.log.push({ op: 'time', timestamp: t.timestamp }));
    this.client.on('status', (s) => {
      this.statuses.push(s);
      this.log.push(s);
    });
    this.client.on('error', () => undefined);
    this.ws.on('close', (code) => (this.closeCode = code));
  }

  channelOf(topic: string): Channel | undefined {
    return [...this.channels.values()].find((c) => c.topic === topic);
  }

  async channel(topic: string): Promise<Channel> {
    return expectEventually(() => this.channelOf(topic), 10_000);
  }

  close(): void {
    this.ws.close();
  }
}

export interface RawMessage {
  subscriptionId: number;
  ns: bigint;
  data: Buffer;
}

export interface RawPlaybackState {
  status: number;
  currentTime: bigint;
  speed: number;
  didSeek: boolean;
  requestId: string;
}

/** A viewer speaking raw protocol frames (for what the npm client lacks: playback control). */
export class RawViewer {
  readonly ws: WebSocket;
  readonly texts: Record<string, unknown>[] = [];
  readonly messages: RawMessage[] = [];
  readonly times: bigint[] = [];
  readonly states: RawPlaybackState[] = [];
  closeCode: number | null = null;
  /** Wall time (performance.now) each message arrived at, for the benchmark. */
  readonly arrivals: number[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url, [SUBPROTOCOL]);
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return void this.texts.push(JSON.parse(data.toString()));
      const op = data[0];
      if (op === 1) {
        this.arrivals.push(performance.now());
        this.messages.push({
          subscriptionId: data.readUInt32LE(1),
          ns: data.readBigUInt64LE(5),
          data: data.subarray(13),
        });
      } else if (op === 2) {
        this.times.push(data.readBigUInt64LE(1));
      } else if (op === 5) {
        const idLength = data.readUInt32LE(15);
        this.states.push({
          status: data[1],
          currentTime: data.readBigUInt64LE(2),
          speed: data.readFloatLE(10),
          didSeek: data[14] === 1,
          requestId: data.toString('utf8', 19, 19 + idLength),
        });
      }
    });
    this.ws.on('close', (code) => (this.closeCode = code));
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  async channelId(topic: string): Promise<number> {
    return expectEventually(() => {
      for (const t of this.texts) {
        if (t.op !== 'advertise') continue;
        const found = (t.channels as { id: number; topic: string }[]).find(
          (c) => c.topic === topic,
        );
        if (found) return found.id;
      }
      return undefined;
    }, 10_000);
  }

  serverInfo(): Promise<Record<string, unknown>> {
    return expectEventually(() => this.texts.find((t) => t.op === 'serverInfo'), 10_000);
  }

  statuses(): Record<string, unknown>[] {
    return this.texts.filter((t) => t.op === 'status');
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** A Playback Control Request (foxglove-sdk layout). */
  control(
    command: 'play' | 'pause',
    speed: number,
    seekNs: bigint | null,
    requestId: string,
  ): void {
    const id = Buffer.from(requestId);
    const frame = Buffer.alloc(1 + 1 + 4 + 1 + 8 + 4 + id.length);
    frame[0] = 3;
    frame[1] = command === 'play' ? 0 : 1;
    frame.writeFloatLE(speed, 2);
    frame[6] = seekNs === null ? 0 : 1;
    frame.writeBigUInt64LE(seekNs ?? 0n, 7);
    frame.writeUInt32LE(id.length, 15);
    id.copy(frame, 19);
    this.ws.send(frame);
  }

  close(): void {
    this.ws.close();
  }
}
