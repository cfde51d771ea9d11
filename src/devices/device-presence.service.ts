import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DevicesConfig } from '../config/config-sections.js';
import { ConnectionEvents, ConnectionListener } from '../ws/connection-events.js';
import { DeviceEventLog } from './device-events.js';
import { DeviceRepository, PresenceChange, PresenceState } from './device.repository.js';

/** Longest wait on shutdown for this gateway's releases to reach Redis. */
const SHUTDOWN_WAIT_MS = 2000;

/**
 * Automatic presence (docs/devices.md). This gateway counts its open push connections per
 * device (the data path reports each one's devices through `ConnectionEvents`); the first one opening writes a hold (`gw:<gateway>` until now + TTL) into the device's
 * presence hash, the last one closing removes it. A timer every third of DEVICE_PRESENCE_TTL_S
 * renews this gateway's holds and sweeps the devices listed as connected: a crashed gateway's
 * holds run out within one TTL, and a sweep timed for that moment disconnects the device. Whoever
 * turns a device's state over (the Redis script says so, once) fires `device.connected` and
 * updates the original's connected set. Nothing here runs per message.
 */
@Injectable()
export class DevicePresence
  implements ConnectionListener, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(DevicePresence.name);
  /** This gateway's field in every presence hash. */
  readonly holder = `gw:${randomBytes(6).toString('hex')}`;
  private readonly ttlMs: number;
  /** Open push connections per device on this gateway. */
  private readonly held = new Map<string, number>();
  /** Presence changes of one device, in the order this gateway made them. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly roundMs: number;
  /** One-off sweeps of devices whose only holds run out before the next round. */
  private readonly expiries = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly repository: DeviceRepository,
    private readonly events: DeviceEventLog,
    private readonly connections: ConnectionEvents,
    @Inject(DevicesConfig) config: DevicesConfig,
  ) {
    this.ttlMs = config.DEVICE_PRESENCE_TTL_S * 1000;
    this.roundMs = Math.max(100, Math.floor(this.ttlMs / 3));
  }

  onApplicationBootstrap(): void {
    this.connections.listen(this);
    this.timer = setInterval(() => void this.tick(), this.roundMs);
    this.timer.unref();
  }

  /** By now the sockets are closed: let their releases reach Redis (bounded). */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
    await Promise.race([
      Promise.all(this.queues.values()),
      new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref()),
    ]);
  }

  opened(devices: readonly string[]): void {
    for (const id of devices) {
      const count = (this.held.get(id) ?? 0) + 1;
      this.held.set(id, count);
      if (count === 1) void this.enqueue(id, 'hold');
    }
  }

  closed(devices: readonly string[]): void {
    for (const id of devices) {
      const count = (this.held.get(id) ?? 1) - 1;
      if (count > 0) {
        this.held.set(id, count);
        continue;
      }
      this.held.delete(id);
      void this.enqueue(id, 'release');
    }
  }

  /** Devices this gateway holds connections of (for tests and metrics). */
  heldDevices(): string[] {
    return [...this.held.keys()];
  }

  /**
   * Applies a change made by a caller (the mutations), in order with this gateway's own changes
   * of the device; fires `device.connected` when it turned the state over, unless `quiet`.
   */
  change(id: string, change: PresenceChange, quiet = false): Promise<PresenceState> {
    return this.enqueue(id, change, quiet);
  }

  /** One round: renew this gateway's holds, then sweep every device listed as connected. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const renewals = [...this.held.keys()].map((id) => this.enqueue(id, 'hold'));
      const listed = await this.repository.connectedIds();
      const sweeps = listed
        .filter((id) => !this.held.has(id))
        .map((id) => this.enqueue(id, 'sweep'));
      const failed = (await Promise.allSettled([...renewals, ...sweeps])).filter(
        (result) => result.status === 'rejected',
      );
      if (failed.length > 0) {
        const reason = (failed[0] as PromiseRejectedResult).reason as Error;
        this.logger.warn(`${failed.length} device presence changes failed: ${reason.message}`);
      }
    } catch (err) {
      this.logger.warn(`device presence round failed: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private enqueue(id: string, change: PresenceChange, quiet = false): Promise<PresenceState> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.apply(id, change, quiet));
    this.queues.set(id, next);
    const cleanup = () => {
      if (this.queues.get(id) === next) this.queues.delete(id);
    };
    next.then(cleanup, (err: unknown) => {
      cleanup();
      // Callers of `change` get the error; rounds report theirs once per round and renew the
      // holds of open connections (a failed release runs out with its TTL).
      this.logger.debug(
        `device ${JSON.stringify(id)}: ${change} failed: ${(err as Error).message}`,
      );
    });
    return next;
  }

  private async apply(id: string, change: PresenceChange, quiet: boolean): Promise<PresenceState> {
    const holder = change === 'hold' || change === 'release' ? this.holder : '';
    const state = await this.repository.changePresence(id, change, holder, this.ttlMs);
    if (state.connected) {
      // Idempotent: also repairs the sets after a failure between the script and these.
      await Promise.all([this.repository.addConnected(id), this.repository.addSeen(id)]);
    } else {
      await this.repository.removeConnected(id);
    }
    if (state.changed && !quiet) await this.events.connected(id, state.connected);
    if (change === 'sweep') this.sweepAtExpiry(id, state.heldForMs);
    return state;
  }

  /**
   * Holds of live gateways are renewed every round, so theirs always last longer than a round.
   * A device whose holds all end before the next round is held by gateways that stopped
   * renewing: sweep it again right when they end, so that its disconnect is announced within
   * one TTL of the crash rather than up to a round later.
   */
  private sweepAtExpiry(id: string, heldForMs: number | null): void {
    if (heldForMs === null || heldForMs >= this.roundMs || this.expiries.has(id)) return;
    const timer = setTimeout(() => {
      this.expiries.delete(id);
      void this.enqueue(id, 'sweep');
    }, heldForMs + 1);
    timer.unref();
    this.expiries.set(id, timer);
  }
}
