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
 * it); node commands (CLIENT UNBLOCK), PING and per-master scans go through at once. With the gate
 * disabled (no memory limit) the channel itself.
 */
export function gatedCommands(channel: RedisCommands, gate: MemoryGate): RedisCommands {
  return gate.enabled ? new GatedCommands(channel, gate) : channel;
}

class GatedCommands implements RedisCommands {
  constructor(
    private readonly channel: RedisCommands,
    private readonly gate: MemoryGate,
  ) {}

  send<T>(key: string | undefined, args: CommandArgs, options?: SendOptions): Promise<T> {
    const held = this.gate.wait();
    if (held === null) return this.channel.send<T>(key, args, options);
    return held.then(() => this.channel.send<T>(key, args, options));
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
