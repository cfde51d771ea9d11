import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { StreamModel } from '../meta/models/stream.model.js';
import { StreamMetaService } from '../meta/stream-meta.service.js';
import { deviceStreamPrefix } from '../streams/device-id.js';
import { StreamRepository } from '../streams/stream.repository.js';
import { DeviceEventLog } from './device-events.js';
import { DevicePresence } from './device-presence.service.js';
import { DeviceRepository } from './device.repository.js';
import { DeviceModel } from './models/device.model.js';

/** The answers of the mutations: what changed, under the original's keys. */
export type ChangeReport = Record<string, boolean>;

/**
 * The device API (docs/devices.md): listing devices and their streams, and the original's
 * mutations. What a caller may see is decided by the resolver; this service gets the ids.
 */
@Injectable()
export class DevicesService {
  constructor(
    private readonly repository: DeviceRepository,
    private readonly presence: DevicePresence,
    private readonly events: DeviceEventLog,
    private readonly streams: StreamRepository,
    private readonly streamMeta: StreamMetaService,
  ) {}

  /** The connected devices (or with `includeAll` every device ever seen), sorted by id. */
  async list(includeAll: boolean): Promise<DeviceModel[]> {
    const ids = (
      includeAll ? await this.repository.seenIds() : await this.repository.connectedIds()
    ).sort();
    const devices = await this.withPresence(ids);
    // The connected set may still name a device whose gateway died and nobody swept yet.
    return includeAll ? devices : devices.filter((device) => device.connected);
  }

  /** The named devices, whether known or not (as the original answers). */
  withPresence(ids: readonly string[]): Promise<DeviceModel[]> {
    return this.repository
      .presence(ids)
      .then((states) => ids.map((id, i) => new DeviceModel(id, states[i])));
  }

  meta(id: string): Promise<Record<string, unknown>> {
    return this.repository.getMeta(id);
  }

  /** The device's streams without its `<id>:` prefix (streams only, as the original lists). */
  async streamIds(id: string, who: Principal): Promise<string[]> {
    const prefix = deviceStreamPrefix(id);
    const sids = await this.streams.listSids(false, prefix);
    return sids.filter((sid) => who.canRead(sid)).map((sid) => sid.slice(prefix.length));
  }

  /** The device's streams (and streams with metadata only) the caller may read. */
  async deviceStreams(id: string, who: Principal): Promise<StreamModel[]> {
    const sids = await this.streams.listSids(true, deviceStreamPrefix(id));
    return this.streamMeta.streams(sids.filter((sid) => who.canRead(sid)));
  }

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
