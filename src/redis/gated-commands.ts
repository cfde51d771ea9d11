import type { MemoryGate } from '../common/memory-pressure.js';
import type {
  CommandArgs,
  NodeAddress,
  RedisCommands,
  Sender,
  SendOptions,
} from './redis-commands.js';

/**
 * `channel` whose commands wait while `gate` is shut (memory pressure: their replies would add to
 * it), and go one at a time while memory is tight (each reply, a catch-up read of large entries,
 * may hold several MiB until it is written out); node commands (CLIENT UNBLOCK), PING and per-master scans go through at once. With the gate
 * disabled (no memory limit) the channel itself.
 */
export function gatedCommands(channel: RedisCommands, gate: MemoryGate): RedisCommands {
  return gate.enabled ? new GatedCommands(channel, gate) : channel;
}

class GatedCommands implements RedisCommands {
  /** Commands sent and not answered yet. */
  private inFlight = 0;
  /** Commands waiting for their turn while memory is tight. */
  private readonly turns: (() => void)[] = [];

  constructor(
    private readonly channel: RedisCommands,
    private readonly gate: MemoryGate,
  ) {}

  send<T>(key: string | undefined, args: CommandArgs, options?: SendOptions): Promise<T> {
    if (!this.gate.tight) return this.counted(this.channel.send<T>(key, args, options));
    return this.sendInTurn(key, args, options);
  }

  /** Near the limit: waits while the gate is shut, then sends once no other command is in flight. */
  private async sendInTurn<T>(
    key: string | undefined,
    args: CommandArgs,
    options?: SendOptions,
  ): Promise<T> {
    for (;;) {
      const held = this.gate.wait();
      if (held) await held;
      else if (this.gate.tight && this.inFlight > 0)
        await new Promise<void>((resolve) => this.turns.push(resolve));
      else break;
    }
    return this.counted(this.channel.send<T>(key, args, options));
  }

  private counted<T>(sent: Promise<T>): Promise<T> {
    this.inFlight++;
    const done = () => {
      this.inFlight--;
      if (this.gate.tight) this.turns.shift()?.();
      else for (const turn of this.turns.splice(0)) turn();
    };
    sent.then(done, done);
    return sent;
  }

  sendToNode<T>(node: NodeAddress | null, args: CommandArgs): Promise<T> {
    return this.channel.sendToNode<T>(node, args);
  }

  eachMaster<T>(fn: (send: Sender) => Promise<T>): Promise<T[]> {
    return this.channel.eachMaster(fn);
  }

  pipelineOf(key: string): number {
    return this.channel.pipelineOf(key);
  }

  get onePipeline(): boolean {
    return this.channel.onePipeline;
  }

  get isReady(): boolean {
    return this.channel.isReady;
  }

  ping(): Promise<void> {
    return this.channel.ping();
  }
}
