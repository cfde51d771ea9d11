import { Injectable } from '@nestjs/common';
import { readableBy } from '../auth/access-policy.js';
import type { Principal } from '../auth/principal.js';
import { StreamModel } from '../streams-api/models/stream.model.js';
import { StreamMetaService } from '../streams-api/stream-meta.service.js';
import { deviceStreamPrefix } from './device-id.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { DeviceRepository } from './device.repository.js';
import { DeviceModel } from './models/device.model.js';

/**
 * What the device queries read (docs/devices.md): devices with their presence, metadata and
 * streams. What a caller may see is decided by the resolver; this service gets the ids.
 */
@Injectable()
export class DeviceDirectory {
  constructor(
    private readonly repository: DeviceRepository,
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
    return readableBy(who, sids, (sid) => sid).map((sid) => sid.slice(prefix.length));
  }

  /** The device's streams (and streams with metadata only) the caller may read. */
  async deviceStreams(id: string, who: Principal): Promise<StreamModel[]> {
    const sids = await this.streams.listSids(true, deviceStreamPrefix(id));
    return this.streamMeta.streams(readableBy(who, sids, (sid) => sid));
  }
}
