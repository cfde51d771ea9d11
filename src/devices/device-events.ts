import { Injectable } from '@nestjs/common';
import { StreamRepository } from '../streams/repositories/stream.repository.js';

/**
 * The event streams the original service appends to (its consumers read them): one entry per
 * event, field `d` = a JSON object with `device_id` and what happened.
 */
export const DEVICE_EVENT_STREAMS = {
  connected: ':event:device.connected',
  meta: ':event:device.meta',
} as const;

export type DeviceEventKind = keyof typeof DEVICE_EVENT_STREAMS;

/** The JSON of one event entry, as the original writes it. */
export interface DeviceEventBody {
  device_id: string;
  connected?: boolean;
  meta?: Record<string, unknown>;
}

/** Appends device events to their streams (capped at STREAM_MAXLEN like every stream). */
@Injectable()
export class DeviceEventLog {
  constructor(private readonly streams: StreamRepository) {}

  /** `device.connected`: `{device_id, connected}` (with `meta` when the connect carried it). */
  async connected(id: string, connected: boolean, meta?: Record<string, unknown>): Promise<void> {
    const body: DeviceEventBody = { device_id: id, connected };
    if (meta !== undefined) body.meta = meta;
    await this.fire('connected', body);
  }

  /** `device.meta`: `{device_id, meta}`. */
  async meta(id: string, meta: Record<string, unknown>): Promise<void> {
    await this.fire('meta', { device_id: id, meta });
  }

  private async fire(kind: DeviceEventKind, body: DeviceEventBody): Promise<void> {
    await this.streams.append(DEVICE_EVENT_STREAMS[kind], Buffer.from(JSON.stringify(body)));
  }
}

/** An event entry read back; null when it is not one (foreign writes to the stream). */
export function parseDeviceEvent(
  sid: string,
  payload: Buffer,
): {
  kind: DeviceEventKind;
  body: DeviceEventBody;
} | null {
  const kind = sid === DEVICE_EVENT_STREAMS.connected ? 'connected' : 'meta';
  try {
    const body = JSON.parse(payload.toString('utf8')) as unknown;
    if (typeof body !== 'object' || body === null) return null;
    const { device_id: id } = body as { device_id?: unknown };
    return typeof id === 'string' ? { kind, body: body as DeviceEventBody } : null;
  } catch {
    return null;
  }
}
