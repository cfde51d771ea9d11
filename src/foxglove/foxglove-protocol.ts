/**
 * The frames of the Foxglove WebSocket protocol (`foxglove.websocket.v1`) this server speaks:
 * the ws-protocol specification (docs/spec.md of foxglove/ws-protocol) and its playback-control
 * extension (foxglove-sdk: `playbackControl` capability, Playback Control Request, Playback
 * State). Binary integers are little-endian. Pure functions: no socket, no Redis.
 */

export const SUBPROTOCOL = 'foxglove.websocket.v1';

/** Server binary opcodes. */
const ServerOp = { MessageData: 1, Time: 2, PlaybackState: 5 } as const;
/** Client binary opcodes. */
export const ClientOp = {
  MessageData: 1,
  ServiceCallRequest: 2,
  PlaybackControlRequest: 3,
} as const;

export const StatusLevel = { Info: 0, Warning: 1, Error: 2 } as const;
export type StatusLevel = (typeof StatusLevel)[keyof typeof StatusLevel];

export const PlaybackStatus = { Playing: 0, Paused: 1, Buffering: 2, Ended: 3 } as const;
export type PlaybackStatus = (typeof PlaybackStatus)[keyof typeof PlaybackStatus];

const PlaybackCommand = { Play: 0, Pause: 1 } as const;

/** A channel as advertised. */
export interface AdvertisedChannel {
  id: number;
  topic: string;
  encoding: string;
  schemaName: string;
  /** Protobuf schemas base64-encoded, JSON Schemas as text, '' for none. */
  schema: string;
  schemaEncoding?: string;
}

/** Nanoseconds as the protocol's `{sec, nsec}`. */
function timeOf(ns: bigint): { sec: number; nsec: number } {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

export function serverInfo(info: {
  name: string;
  capabilities: string[];
  sessionId: string;
  metadata: Record<string, string>;
  range: { start: bigint; end: bigint } | null;
}): string {
  return JSON.stringify({
    op: 'serverInfo',
    name: info.name,
    capabilities: info.capabilities,
    metadata: info.metadata,
    sessionId: info.sessionId,
    ...(info.range && {
      dataStartTime: timeOf(info.range.start),
      dataEndTime: timeOf(info.range.end),
    }),
  });
}

export const advertise = (channels: readonly AdvertisedChannel[]): string =>
  JSON.stringify({ op: 'advertise', channels });

export const unadvertise = (channelIds: readonly number[]): string =>
  JSON.stringify({ op: 'unadvertise', channelIds });

export const status = (level: StatusLevel, message: string): string =>
  JSON.stringify({ op: 'status', level, message });

/** The 13 bytes before a Message Data payload: opcode, subscription id, timestamp (ns). */
export function messageDataHeader(subscriptionId: number, ns: bigint): Buffer {
  const header = Buffer.allocUnsafe(13);
  header[0] = ServerOp.MessageData;
  header.writeUInt32LE(subscriptionId, 1);
  header.writeBigUInt64LE(ns, 5);
  return header;
}

export function timeFrame(ns: bigint): Buffer {
  const frame = Buffer.allocUnsafe(9);
  frame[0] = ServerOp.Time;
  frame.writeBigUInt64LE(ns, 1);
  return frame;
}

export interface PlaybackStateFrame {
  status: PlaybackStatus;
  currentTime: bigint;
  speed: number;
  didSeek: boolean;
  requestId: string | null;
}

export function playbackStateFrame(state: PlaybackStateFrame): Buffer {
  const id = Buffer.from(state.requestId ?? '', 'utf8');
  const frame = Buffer.allocUnsafe(1 + 1 + 8 + 4 + 1 + 4 + id.length);
  frame[0] = ServerOp.PlaybackState;
  frame[1] = state.status;
  frame.writeBigUInt64LE(state.currentTime, 2);
  frame.writeFloatLE(state.speed, 10);
  frame[14] = state.didSeek ? 1 : 0;
  frame.writeUInt32LE(id.length, 15);
  id.copy(frame, 19);
  return frame;
}

export interface PlaybackControlRequest {
  command: 'play' | 'pause';
  speed: number;
  /** Nanoseconds; null when the request does not seek. */
  seekTime: bigint | null;
  requestId: string;
}

/** A problem with a client frame, reported in a status message. */
export class ProtocolError extends Error {}

/** Parses a Playback Control Request (the bytes after its opcode). */
export function parsePlaybackControl(body: Buffer): PlaybackControlRequest {
  if (body.length < 18) throw new ProtocolError('playback control request too short');
  const command = body[0];
  if (command !== PlaybackCommand.Play && command !== PlaybackCommand.Pause) {
    throw new ProtocolError(`unknown playback command ${command}`);
  }
  const speed = body.readFloatLE(1);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new ProtocolError('playback speed must be a positive number');
  }
  const hadSeek = body[5] !== 0;
  const seekTime = body.readBigUInt64LE(6);
  const idLength = body.readUInt32LE(14);
  if (body.length < 18 + idLength) throw new ProtocolError('playback control request too short');
  return {
    command: command === PlaybackCommand.Play ? 'play' : 'pause',
    speed,
    seekTime: hadSeek ? seekTime : null,
    requestId: body.toString('utf8', 18, 18 + idLength),
  };
}

/** A client JSON message: its `op` and fields, or a ProtocolError. */
export function parseClientJson(text: string): { op: string } & Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ProtocolError('malformed JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError('a text message must be a JSON object');
  }
  const op = (parsed as { op?: unknown }).op;
  if (typeof op !== 'string') throw new ProtocolError('a text message needs a string "op"');
  return parsed as { op: string } & Record<string, unknown>;
}

const isId = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** The `subscriptions` of a subscribe message. */
export function parseSubscriptions(
  message: Record<string, unknown>,
): { id: number; channelId: number }[] {
  const subs = message.subscriptions;
  if (!Array.isArray(subs)) throw new ProtocolError('subscribe needs "subscriptions": [...]');
  return subs.map((s: unknown) => {
    const { id, channelId } = (s ?? {}) as { id?: unknown; channelId?: unknown };
    if (!isId(id) || !isId(channelId)) {
      throw new ProtocolError('each subscription needs integer "id" and "channelId"');
    }
    return { id, channelId };
  });
}

/** The `subscriptionIds` of an unsubscribe message. */
export function parseSubscriptionIds(message: Record<string, unknown>): number[] {
  const ids = message.subscriptionIds;
  if (!Array.isArray(ids) || !ids.every(isId)) {
    throw new ProtocolError('unsubscribe needs "subscriptionIds": [integers]');
  }
  return ids;
}
