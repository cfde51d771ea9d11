import { Injectable } from '@nestjs/common';
import { DeviceEventLog } from './device-events.js';
import { DevicePresence } from './device-presence.service.js';
import { DeviceRepository } from './device.repository.js';

/** The answers of the mutations: what changed, under the original's keys. */
export type ChangeReport = Record<string, boolean>;

/** The original's device mutations (docs/devices.md), answering what it answers. */
@Injectable()
export class DeviceMutations {
  constructor(
    private readonly repository: DeviceRepository,
    private readonly presence: DevicePresence,
    private readonly events: DeviceEventLog,
  ) {}

  /** The original's `connectDevice`: marks the device connected until `disconnectDevice`. */
  async connect(id: string, meta: Record<string, unknown> | null): Promise<ChangeReport> {
    const isNew = await this.repository.addSeen(id);
    const state = await this.presence.change(id, 'connect', true);
    if (meta !== null) await this.repository.setMeta(id, meta);
    // As the original: every connect is announced, with its metadata.
    await this.events.connected(id, true, meta ?? undefined);
    if (meta !== null) await this.events.meta(id, meta);
    return {
      connection_status_changed: state.changed,
      connected: state.connected,
      is_new_device: isNew,
      meta_set: meta !== null,
      'fired:device.connected': true,
      'fired:device.meta': meta !== null,
    };
  }

  async updateMeta(id: string, meta: Record<string, unknown>): Promise<ChangeReport> {
    await this.repository.addSeen(id);
    await this.repository.setMeta(id, meta);
    await this.events.meta(id, meta);
    return { meta_set: true, 'fired:device.meta': true };
  }

  /**
   * The original's `disconnectDevice`: undoes `connectDevice`. A device with push connections
   * open stays connected (and nothing is announced) until they close.
   */
  async disconnect(id: string): Promise<ChangeReport> {
    const state = await this.presence.change(id, 'disconnect');
    return {
      connection_status_changed: state.changed,
      connected: state.connected,
      'fired:device.connected': state.changed,
    };
  }
}
