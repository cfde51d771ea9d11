import type { RedisClientType } from 'redis';

/**
 * Notices a Redis that stopped answering without closing the connection (half-open, black-holed),
 * which node-redis alone never does: its commands would wait forever. A probe PING goes out every
 * quarter of `timeoutMs` when none is in flight; replies come back in order, so a PING unanswered
 * for `timeoutMs` while no other reply arrived either (`progress`: a large reply still streaming
 * in is not a dead peer) means every command sent before it is stuck too. Then `stuck` is called
 * (the owner replaces the connection, which fails those commands). A connection that does not
 * become ready within twice `timeoutMs` (a handshake into the void) is reported the same way.
 */
export class CommandWatchdog {
  private readonly timer: NodeJS.Timeout;
  private probeSentAt = 0;
  private notReadySince = 0;
  private lastReply = 0;
  /** Call on every reply of the connection: it is alive. */
  readonly progress = (): void => {
    this.lastReply = Date.now();
  };

  constructor(
    private readonly client: RedisClientType,
    private readonly timeoutMs: number,
    private readonly stuck: (reason: string) => void,
  ) {
    this.timer = setInterval(() => this.check(), Math.max(25, timeoutMs >> 2));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const now = Date.now();
    if (!this.client.isReady) {
      this.probeSentAt = 0;
      if (this.notReadySince === 0) this.notReadySince = now;
      else if (now - this.notReadySince > 2 * this.timeoutMs) {
        this.notReadySince = 0;
        this.stuck(`not ready within ${2 * this.timeoutMs} ms`);
      }
      return;
    }
    this.notReadySince = 0;
    if (this.probeSentAt > 0) {
      const probe = this.probeSentAt;
      if (now - Math.max(probe, this.lastReply) > this.timeoutMs) {
        // After a busy event loop the answer may be waiting to be read: judge after I/O.
        setImmediate(() => {
          if (this.probeSentAt !== probe) return;
          if (Date.now() - Math.max(probe, this.lastReply) <= this.timeoutMs) return;
          this.probeSentAt = 0;
          this.stuck(`no answer within REDIS_COMMAND_TIMEOUT_MS (${this.timeoutMs} ms)`);
        });
      }
      return;
    }
    const sentAt = now;
    this.probeSentAt = sentAt;
    const answered = () => {
      if (this.probeSentAt === sentAt) this.probeSentAt = 0;
    };
    this.client.sendCommand(['PING']).then(answered, answered);
  }
}
