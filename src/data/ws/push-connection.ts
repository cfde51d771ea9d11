import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { ErrorCode, malformed, StreamerError } from '../../common/errors.js';
import type { Appender } from '../../streams/repositories/ordered-appender.js';
import type { YoungGarbage } from '../../common/young-garbage.js';
import { releaseFrame, RELEASED_FRAME_BYTES } from '../../ws/frame-release.js';
import { TRACKED_BATCH_BYTES } from '../../config/memory-plan.js';
import { checkFrameLength, parsePushHeader, PlannedEntry } from '../protocol.js';
import { PushBudget } from './push-budget.js';
import { closeWithError } from '../../ws/socket-errors.js';

export interface PushOptions {
  sids: readonly string[];
  /** Text header + binary frame pairs (true) or one binary frame per entry (false). */
  header: boolean;
  /** Answer each stored batch with the JSON array of its entry ids. */
  ack: boolean;
  /** XADDs in flight before the socket stops being read. */
  maxPending: number;
  /**
   * Bytes of large batches in flight to Redis before the socket is paused (the memory plan's
   * `pushConnectionBytes`). `maxPending` alone counts entries, which would let 4096 x 256 KiB
   * (1 GiB) pile up in node-redis's queue; 4 MiB (16 frames of 256 KiB) keeps Redis busy on
   * loopback. All connections together are held to the shared `PushBudget`.
   */
  maxPendingBytes: number;
}
/** Longest wait for the acks of stored batches before a protocol error closes the socket. */
const ACK_FLUSH_MS = 5000;

/**
 * One `/data/{sid}/push` connection. Entries are appended without waiting for Redis between
 * messages (node-redis pipelines them) and are stored in the order they arrived. With `ack`, each
 * batch is answered, in order, once all its entries are in Redis, also when a later frame breaks
 * the protocol (its error frame and close come after those acks). When too many XADDs are in
 * flight the socket is paused, so a fast client cannot make the server buffer without bound.
 */
export class PushConnection {
  private plan: PlannedEntry[] | null = null;
  private pending = 0;
  private pendingBytes = 0;
  private paused = false;
  private failed = false;
  private draining = false;
  private acks: Promise<unknown> = Promise.resolve();
  private readonly settled = () => this.release();
  private readonly budgetLow = () => this.maybeResume();
  private readonly rejected = (err: unknown) => {
    this.release();
    this.fail(err);
  };

  constructor(
    private readonly ws: WebSocket,
    /** The repository's appender for this connection (entries stored in call order). */
    private readonly appender: Appender,
    private readonly options: PushOptions,
    private readonly logger: Logger,
    private readonly onPushed?: (entries: number, bytes: number) => void,
    /** Counts large frames received (shared by all push connections). */
    private readonly frameGarbage?: YoungGarbage,
    private readonly budget?: PushBudget,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
  }

  /**
   * Shutdown: frames from now on are ignored (never stored, never acked: the client resends
   * them elsewhere); resolves once every batch taken before is stored and acknowledged.
   */
  async drain(): Promise<void> {
    this.draining = true;
    await this.acks;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (data.length >= RELEASED_FRAME_BYTES) this.frameGarbage?.add(data.length);
    if (this.failed || this.draining) return;
    try {
      if (!this.options.header) {
        if (!isBinary)
          throw malformed('text frame where data belongs (header=0 takes binary frames only)');
        this.storeOne(this.options.sids[0], '*', data);
        return;
      }
      if (this.plan === null) {
        if (isBinary)
          throw malformed('binary frame where a header belongs (send the JSON header first)');
        this.plan = parsePushHeader(data.toString('utf8'), this.options.sids);
        return;
      }
      if (!isBinary)
        throw malformed(
          'text frame where data belongs (a header must be followed by its binary frame)',
        );
      const plan = this.plan;
      this.plan = null;
      checkFrameLength(plan, data.length);
      if (plan.length === 1) {
        // The common case (`[len]`): no per-batch arrays.
        this.storeOne(plan[0].sid, plan[0].id, data);
        return;
      }
      const sids: string[] = new Array(plan.length);
      const ids: string[] = new Array(plan.length);
      const payloads: Buffer[] = new Array(plan.length);
      let start = 0;
      for (let i = 0; i < plan.length; i++) {
        sids[i] = plan[i].sid;
        ids[i] = plan[i].id;
        payloads[i] = data.subarray(start, plan[i].end);
        start = plan[i].end;
      }
      this.store(sids, ids, payloads, data);
    } catch (err) {
      this.fail(err);
    }
  }

  private storeOne(sid: string, id: string, payload: Buffer): void {
    const appended = this.appender.append(sid, payload, id);
    appended.then(this.settled, this.rejected);
    if (payload.length >= RELEASED_FRAME_BYTES) appended.then(() => releaseFrame(payload), noop);
    this.accepted(
      appended,
      1,
      payload.length,
      this.options.ack ? () => appended.then(asList) : null,
    );
  }

  /** Appends the entries cut from one binary `frame`, in order. */
  private store(sids: string[], ids: string[], payloads: Buffer[], frame: Buffer): void {
    const appended: Promise<string>[] = new Array(payloads.length);
    let bytes = 0;
    for (let i = 0; i < payloads.length; i++) {
      const p = this.appender.append(sids[i], payloads[i], ids[i]);
      p.then(this.settled, this.rejected);
      appended[i] = p;
      bytes += payloads[i].length;
    }
    // Replies come back in order: the last entry stored means Redis has read the whole frame.
    if (frame.length >= RELEASED_FRAME_BYTES)
      appended[appended.length - 1].then(() => releaseFrame(frame), noop);
    this.accepted(
      appended[appended.length - 1],
      payloads.length,
      bytes,
      this.options.ack ? () => Promise.all(appended) : null,
    );
  }

  /** Bookkeeping for a batch handed to Redis: backpressure, metrics and (with `ack`) the answer. */
  private accepted(
    last: Promise<string> | undefined,
    entries: number,
    bytes: number,
    newIds: (() => Promise<string[]>) | null,
  ): void {
    this.pending += entries;
    if (last && bytes >= TRACKED_BATCH_BYTES) {
      // Replies come back in order, so the batch's last entry settling frees the whole batch.
      this.pendingBytes += bytes;
      this.budget?.take(bytes);
      const done = () => {
        this.pendingBytes -= bytes;
        this.budget?.give(bytes);
        this.maybeResume();
      };
      last.then(done, done);
    }
    this.onPushed?.(entries, bytes);
    if (newIds) {
      this.acks = this.acks.then(newIds).then(
        (newIds) => {
          if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(newIds));
        },
        () => undefined,
      );
    }
    if (
      !this.paused &&
      (this.pending >= this.options.maxPending ||
        this.pendingBytes >= this.options.maxPendingBytes ||
        (this.budget?.full ?? false))
    ) {
      this.paused = true;
      this.ws.pause();
      if (this.budget?.full) this.budget.wait(this.budgetLow);
    }
  }

  private release(): void {
    this.pending--;
    this.maybeResume();
  }

  private maybeResume(): void {
    if (
      !this.paused ||
      this.pending > this.options.maxPending >> 1 ||
      this.pendingBytes > this.options.maxPendingBytes >> 1
    )
      return;
    if (this.budget && !this.budget.low) {
      // Other connections hold the shared budget: read again once they have given it back.
      this.budget.wait(this.budgetLow);
      return;
    }
    this.paused = false;
    this.ws.resume();
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const error =
      err instanceof StreamerError ? err : new StreamerError(ErrorCode.Internal, String(err));
    if (error.code === ErrorCode.Internal) this.logger.warn(`push failed: ${error.message}`);
    if (!this.options.ack) return closeWithError(this.ws, error);
    // Every batch handed to Redis is acked first (bounded wait), then the error frame and close.
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      closeWithError(this.ws, error);
    };
    const timer = setTimeout(close, ACK_FLUSH_MS);
    this.acks.then(close, close);
  }
}

function noop(): void {}

function asList(id: string): string[] {
  return [id];
}
