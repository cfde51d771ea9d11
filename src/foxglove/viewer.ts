import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { allows } from '../auth/access-policy.js';
import type { Principal } from '../auth/principal.js';
import { StreamerError } from '../common/errors.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import type { FrameWriter } from '../ws/ws-frames.js';
import { ChannelDirectory, DirectoryListener, ViewerChannel } from './channel-directory.js';
import {
  advertise,
  ClientOp,
  messageDataHeader,
  parseClientJson,
  parsePlaybackControl,
  parseSubscriptionIds,
  parseSubscriptions,
  PlaybackControlRequest,
  PlaybackStatus,
  playbackStateFrame,
  ProtocolError,
  status,
  StatusLevel,
  timeFrame,
  unadvertise,
} from './foxglove-protocol.js';
import { LiveFeeds, LiveViewer } from './live-feeds.js';
import { PlaybackReader } from './playback-reader.js';

/** What a viewer needs from the application. */
export interface ViewerContext {
  directory: ChannelDirectory;
  feeds: LiveFeeds;
  repository: StreamRepository;
  /** Bytes of live messages queued for one viewer at most; the oldest are dropped past it. */
  budgetBytes: number;
  /** Socket backlog (bytes) above which nothing more is written until it drains. */
  highWaterBytes: number;
  /** Bytes of retained entries one playback page holds, over the subscribed streams. */
  playbackPageBytes: number;
  /** Entries (and payload bytes) sent. */
  onSent: (entries: number, bytes: number) => void;
  /** Live messages dropped from a full queue. */
  onDropped: (messages: number) => void;
}

interface Subscription {
  id: number;
  channel: ViewerChannel;
}

interface Pending {
  subscriptionId: number;
  ns: bigint;
  head: Buffer;
  body: Buffer;
}

/**
 * One Foxglove viewer connection: advertises the streams its principal may read, serves its
 * subscriptions live (from the shared feeds, through a byte-bounded queue that drops the oldest
 * messages of a slow viewer) or from retained data (playback control: play, pause, seek, speed;
 * back to live at the end of the data).
 */
export class FoxgloveViewer implements LiveViewer, DirectoryListener {
  private readonly logger = new Logger(FoxgloveViewer.name);
  /** Channels advertised to this viewer, by channel id. */
  private readonly channels = new Map<number, ViewerChannel>();
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly bySid = new Map<string, Subscription>();
  private queue: Pending[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private lastTime = 0n;
  private closed = false;

  // Playback: `reader` is set while retained data is played instead of live data.
  private reader: PlaybackReader | null = null;
  private playing = true;
  private speed = 1;
  /** Sim time (ns) at `anchorWall` (ms, performance clock). */
  private anchorNs = 0n;
  private anchorWall = 0;
  /** A new seek, pause or stop bumps this; a playback loop of an older generation ends. */
  private generation = 0;
  private wake: (() => void) | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly frames: FrameWriter,
    private readonly principal: Principal,
    private readonly ctx: ViewerContext,
  ) {
    frames.onDrain(() => this.flush());
  }

  /** Advertises the readable channels (after the server info the gateway sent). */
  async start(): Promise<void> {
    const channels = await this.ctx.directory.join(this);
    if (this.closed) return this.ctx.directory.leave(this);
    this.added(channels);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPlayback();
    this.ctx.directory.leave(this);
    for (const sid of this.bySid.keys()) this.ctx.feeds.leave(sid, this);
    this.subscriptions.clear();
    this.bySid.clear();
    this.queue = [];
  }

  // --- channels ---------------------------------------------------------------------------

  added(channels: readonly ViewerChannel[]): void {
    // A channel may come twice: from the scan that `start` waits for, and in its answer.
    const readable = channels.filter(
      (c) => allows(this.principal, 'read', c.sid) && this.channels.get(c.advertised.id) !== c,
    );
    if (readable.length === 0) return;
    for (const c of readable) this.channels.set(c.advertised.id, c);
    this.sendText(advertise(readable.map((c) => c.advertised)));
  }

  removed(channels: readonly ViewerChannel[]): void {
    const ids = channels.map((c) => c.advertised.id).filter((id) => this.channels.has(id));
    if (ids.length === 0) return;
    for (const id of ids) {
      const channel = this.channels.get(id)!;
      this.channels.delete(id);
      const sub = this.bySid.get(channel.sid);
      if (sub && sub.channel === channel) this.dropSubscription(sub);
    }
    this.sendText(unadvertise(ids));
  }

  // --- client messages --------------------------------------------------------------------

  onMessage(data: Buffer, isBinary: boolean): void {
    try {
      if (isBinary) return this.onBinary(data);
      const message = parseClientJson(data.toString('utf8'));
      switch (message.op) {
        case 'subscribe':
          return this.subscribe(parseSubscriptions(message));
        case 'unsubscribe':
          return this.unsubscribe(parseSubscriptionIds(message));
        default:
          throw new ProtocolError(`unsupported op ${JSON.stringify(message.op.slice(0, 64))}`);
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.sendText(status(StatusLevel.Error, err.message));
    }
  }

  private onBinary(data: Buffer): void {
    if (data.length === 0) throw new ProtocolError('empty binary message');
    if (data[0] !== ClientOp.PlaybackControlRequest) {
      throw new ProtocolError(`unsupported binary opcode ${data[0]}`);
    }
    this.control(parsePlaybackControl(data.subarray(1)));
  }

  private subscribe(requests: { id: number; channelId: number }[]): void {
    const problems: string[] = [];
    for (const { id, channelId } of requests) {
      const channel = this.channels.get(channelId);
      if (!channel) {
        problems.push(`channel ${channelId} is not advertised`);
      } else if (this.subscriptions.has(id)) {
        problems.push(`subscription id ${id} is in use`);
      } else if (this.bySid.has(channel.sid)) {
        problems.push(`channel ${channelId} is subscribed already`);
      } else {
        const sub = { id, channel };
        this.subscriptions.set(id, sub);
        this.bySid.set(channel.sid, sub);
        this.ctx.feeds.join(channel.sid, this).catch((err: unknown) => {
          this.feedFailed(channel.sid, err as StreamerError);
        });
        if (this.reader) this.reader.add(channel.sid, Number(this.currentNs() / 1_000_000n));
      }
    }
    if (problems.length > 0) throw new ProtocolError(problems.join('; '));
  }

  private unsubscribe(ids: number[]): void {
    const unknown = ids.filter((id) => !this.subscriptions.has(id));
    for (const id of ids) {
      const sub = this.subscriptions.get(id);
      if (sub) this.dropSubscription(sub);
    }
    if (unknown.length > 0) {
      throw new ProtocolError(`no subscription ${unknown.join(', ')}`);
    }
  }

  private dropSubscription(sub: Subscription): void {
    this.subscriptions.delete(sub.id);
    this.bySid.delete(sub.channel.sid);
    this.ctx.feeds.leave(sub.channel.sid, this);
    this.reader?.remove(sub.channel.sid);
  }

  // --- live ---------------------------------------------------------------------------------

  live(sid: string, _id: string, ns: bigint, head: Buffer, body: Buffer): void {
    if (this.reader || this.closed) return;
    const sub = this.bySid.get(sid);
    if (!sub) return;
    this.queue.push({ subscriptionId: sub.id, ns, head, body });
    this.queuedBytes += head.length + body.length;
    let dropped = 0;
    while (this.queuedBytes > this.ctx.budgetBytes && this.queue.length - this.queueHead > 1) {
      const oldest = this.queue[this.queueHead++];
      this.queuedBytes -= oldest.head.length + oldest.body.length;
      dropped++;
    }
    if (dropped > 0) this.ctx.onDropped(dropped);
    this.flush();
  }

  feedFailed(sid: string, error: StreamerError): void {
    const sub = this.bySid.get(sid);
    if (!sub) return;
    this.dropSubscription(sub);
    this.sendText(status(StatusLevel.Error, `${sid}: ${error.message}`));
  }

  /** Writes queued live messages while the socket has room. */
  private flush(): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    while (this.queueHead < this.queue.length && this.hasRoom()) {
      const next = this.queue[this.queueHead++];
      this.queuedBytes -= next.head.length + next.body.length;
      this.writeMessage(next.subscriptionId, next.ns, next.head, next.body);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    if (this.hasRoom()) this.wake?.();
  }

  private hasRoom(): boolean {
    return this.ws.bufferedAmount < this.ctx.highWaterBytes;
  }

  /**
   * A Time message (when time moved on), then the Message Data (`head` + `body`), in one corked
   * write: the body goes out as it is, never copied.
   */
  private writeMessage(subscriptionId: number, ns: bigint, head: Buffer, body: Buffer): void {
    const message = [messageDataHeader(subscriptionId, ns), head, body];
    if (ns > this.lastTime) {
      this.lastTime = ns;
      this.frames.framesOfParts([[timeFrame(ns)], message]);
    } else {
      this.frames.framesOfParts([message]);
    }
    this.ctx.onSent(1, body.length);
  }

  private sendText(text: string): void {
    if (!this.closed && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  // --- playback -----------------------------------------------------------------------------

  private control(request: PlaybackControlRequest): void {
    const didSeek = request.seekTime !== null;
    const now = this.currentNs();
    if (request.seekTime !== null || (request.command === 'pause' && !this.reader)) {
      this.startPlayback(request.seekTime ?? now);
    }
    // The speed applies from the current position on.
    this.anchorNs = this.currentNs();
    this.anchorWall = performance.now();
    this.speed = request.speed;
    this.playing = request.command === 'play';
    this.generation++;
    this.wake?.();
    this.sendState(request.requestId, didSeek);
    if (this.reader && this.playing) void this.play(this.generation);
  }

  private startPlayback(fromNs: bigint): void {
    this.stopPlayback();
    // Live messages not sent yet belong to the time left behind.
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    const reader = new PlaybackReader(this.ctx.repository, this.ctx.playbackPageBytes);
    const fromMs = Number((fromNs + 999_999n) / 1_000_000n);
    for (const sid of this.bySid.keys()) reader.add(sid, fromMs);
    this.reader = reader;
    this.anchorNs = fromNs;
    this.anchorWall = performance.now();
    this.lastTime = 0n;
  }

  private stopPlayback(): void {
    this.reader = null;
    this.generation++;
    this.wake?.();
  }

  /** The viewer's time: the playback position, or the newest live time. */
  private currentNs(): bigint {
    if (!this.reader) return this.lastTime > 0n ? this.lastTime : BigInt(Date.now()) * 1_000_000n;
    if (!this.playing) return this.anchorNs;
    const elapsed = (performance.now() - this.anchorWall) * this.speed;
    return this.anchorNs + BigInt(Math.round(elapsed * 1e6));
  }

  private sendState(requestId: string | null, didSeek: boolean): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(
      playbackStateFrame({
        status: this.reader && !this.playing ? PlaybackStatus.Paused : PlaybackStatus.Playing,
        currentTime: this.currentNs(),
        speed: this.speed,
        didSeek,
        requestId,
      }),
    );
  }

  /**
   * Sends retained entries in id order, each when the playback clock reaches its time (paced
   * by `speed`), while the socket has room; at the end of the data the viewer goes live.
   */
  private async play(generation: number): Promise<void> {
    const current = () => generation === this.generation && !this.closed && this.reader !== null;
    try {
      while (current()) {
        const reader = this.reader!;
        const next = await reader.peek();
        if (!current()) return;
        if (!next) return this.backToLive();
        const ns = BigInt(next.ms) * 1_000_000n;
        const due = this.anchorWall + Number(ns - this.anchorNs) / 1e6 / this.speed;
        const wait = due - performance.now();
        if (wait > 0.5) {
          await this.sleep(wait);
          continue;
        }
        if (!this.hasRoom()) {
          await this.sleep(1000);
          continue;
        }
        reader.take(next.sid);
        const sub = this.bySid.get(next.sid);
        if (!sub) continue;
        const { data } = next.entry;
        this.writeMessage(sub.id, ns, sub.channel.plan.head(data.length, next.ms), data);
      }
    } catch (err) {
      if (!current()) return;
      this.logger.warn(`playback failed: ${(err as Error).message}`);
      this.sendText(status(StatusLevel.Error, `playback failed: ${(err as Error).message}`));
      this.backToLive();
    }
  }

  /** The retained data is played: live messages from now on. */
  private backToLive(): void {
    const at = this.lastTime;
    this.stopPlayback();
    this.playing = true;
    if (at > 0n) this.lastTime = at;
    this.sendState(null, false);
  }

  /** Waits `ms`, or until woken (socket drained, seek, pause, close). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
