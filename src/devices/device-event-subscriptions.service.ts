import { Injectable, Logger } from '@nestjs/common';
import { StreamerError } from '../common/errors.js';
import { SubscriptionSink } from '../graphql/subscription-sink.js';
import { BatchEntry } from '../streams/sessions/pull-session.js';
import { PullSessions } from '../streams/sessions/pull-sessions.js';
import { DEVICE_EVENT_STREAMS, parseDeviceEvent } from './device-events.js';
import { DeviceEventModel } from './models/device-event.model.js';

/** Events buffered per subscription before its session pauses (it catches up from Redis later). */
const BUFFER_ENTRIES = 256;
const BATCH_COUNT = 100;
/** Event entries are small JSON objects: a buffer's worth of them is far below this. */
const BUFFER_BYTES = 1024 * 1024;

type Item = DeviceEventModel | null;

/**
 * `deviceEvents` subscriptions: a pull session on the shared read hub over the two event
 * streams, from the moment of subscribing, so every gateway's events reach every subscriber.
 */
@Injectable()
export class DeviceEventSubscriptions {
  private readonly logger = new Logger(DeviceEventSubscriptions.name);

  constructor(private readonly sessions: PullSessions) {}

  /** Events for which `wanted(deviceId)` holds; ending the iteration stops the session. */
  open(
    wanted: (deviceId: string) => boolean,
  ): AsyncIterableIterator<DeviceEventModel | StreamerError> {
    const sids = [DEVICE_EVENT_STREAMS.connected, DEVICE_EVENT_STREAMS.meta];
    const sink = new SubscriptionSink<Item>(BUFFER_ENTRIES, toEvent, BUFFER_BYTES);
    const session = this.sessions.create(
      { sids, cursors: ['$', '$'], count: BATCH_COUNT, latest: false, batchBytes: BUFFER_BYTES },
      sink,
    );
    sink.attach(session);
    session.start().catch((err: unknown) => {
      this.logger.error(`device event subscription start failed: ${(err as Error).stack}`);
    });
    return new WantedEvents(sink, wanted);
  }
}

function toEvent(entry: BatchEntry): Item {
  const parsed = parseDeviceEvent(entry.sid, entry.data);
  if (!parsed) return null;
  const { kind, body } = parsed;
  return new DeviceEventModel({
    event: `device.${kind}`,
    deviceId: body.device_id,
    time: entry.id,
    connected: kind === 'connected' ? body.connected === true : null,
    meta: isObject(body.meta) ? body.meta : null,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The sink's events, leaving out unreadable entries and devices not wanted. */
class WantedEvents implements AsyncIterableIterator<DeviceEventModel | StreamerError> {
  constructor(
    private readonly sink: SubscriptionSink<Item>,
    private readonly wanted: (deviceId: string) => boolean,
  ) {}

  async next(): Promise<IteratorResult<DeviceEventModel | StreamerError>> {
    for (;;) {
      const result = await this.sink.next();
      if (result.done) return result as IteratorResult<DeviceEventModel | StreamerError>;
      const item = result.value;
      if (item instanceof StreamerError) return { value: item, done: false };
      if (item && this.wanted(item.deviceId)) return { value: item, done: false };
    }
  }

  /** The client left: stops the session at once, also while `next` waits. */
  async return(): Promise<IteratorResult<DeviceEventModel | StreamerError>> {
    await this.sink.return();
    return { value: undefined, done: true };
  }

  throw(): Promise<IteratorResult<DeviceEventModel | StreamerError>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
