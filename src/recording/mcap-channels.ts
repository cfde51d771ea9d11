import { malformed } from '../common/errors.js';
import { entryOfMessage, StreamChannel, streamChannel } from '../streams/formats/stream-formats.js';

/**
 * How a stream becomes an MCAP channel and back. The channel's encoding and schema are the
 * stream's as `streamChannel` maps them (shared with the live Foxglove endpoint): images become
 * `foxglove.CompressedImage` (protobuf), `format: json` a `json` channel, anything else
 * `redis_streamer.RawEntry` (protobuf). The stream's JSON metadata travels in the channel's
 * metadata under `META_KEY`.
 */

/** Channel metadata key holding the stream's metadata as a JSON object string. */
export const META_KEY = 'redis-streamer.meta';
/** ROS 2 image messages (CDR), as ROS 2 tools record them: imported as their `data`. */
const ROS_IMAGE_SCHEMA_NAME = 'sensor_msgs/msg/CompressedImage';

/** The channel an exported stream gets, and how each of its entries becomes a message. */
export interface ChannelPlan extends StreamChannel {
  metadata: Map<string, string>;
}

/** The channel of stream `meta`'s stream; `first` is its first exported entry, if any. */
export function exportChannel(
  meta: Record<string, unknown>,
  first: Buffer | undefined,
): ChannelPlan {
  const metadata = new Map<string, string>();
  if (Object.keys(meta).length > 0) metadata.set(META_KEY, JSON.stringify(meta));
  return { ...streamChannel(meta, first), metadata };
}

/** How an imported channel's messages become entries, and the metadata its stream may take. */
export interface ImportPlan {
  decode: (message: Uint8Array) => Buffer;
  /** Metadata for a stream that has none yet (null: leave the stream's metadata alone). */
  meta: Record<string, unknown> | null;
}

/**
 * The inverse of `exportChannel` for any MCAP channel: `foxglove.CompressedImage` and
 * `redis_streamer.RawEntry` (protobuf) and ROS 2 `sensor_msgs/msg/CompressedImage` (CDR) messages
 * give their `data` (MALFORMED_DATA when they are not such messages), every other message its
 * bytes as they are.
 */
export function importChannel(
  messageEncoding: string,
  schemaName: string | undefined,
  metadata: ReadonlyMap<string, string>,
): ImportPlan {
  let meta: Record<string, unknown> | null = null;
  const recorded = metadata.get(META_KEY);
  if (recorded !== undefined) {
    try {
      const parsed: unknown = JSON.parse(recorded);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        meta = parsed as Record<string, unknown>;
      }
    } catch {
      // Foreign or damaged metadata: the stream's own metadata stays as it is.
    }
  }
  if (messageEncoding === 'cdr' && schemaName === ROS_IMAGE_SCHEMA_NAME) {
    return { decode: (message) => decodeCompressedImage(message).data, meta };
  }
  if (messageEncoding === 'protobuf' && entryOfMessage(schemaName, Buffer.alloc(0)) !== null) {
    return {
      decode: (message) => {
        const entry = entryOfMessage(schemaName, bufferOf(message));
        if (entry === null) throw malformed(`${schemaName} message is not valid protobuf`);
        return entry;
      },
      meta,
    };
  }
  if (meta === null && messageEncoding === 'json') meta = { format: 'json' };
  return { decode: bufferOf, meta };
}

const bufferOf = (message: Uint8Array) =>
  Buffer.from(message.buffer, message.byteOffset, message.length);

/** CDR encapsulation header: little-endian plain CDR. */
const CDR_LE = Buffer.from([0x00, 0x01, 0x00, 0x00]);
const pad4 = (n: number) => (4 - (n % 4)) % 4;

/**
 * A `sensor_msgs/msg/CompressedImage` in little-endian CDR: header (stamp, empty frame_id),
 * format, data. Offsets are aligned relative to the end of the encapsulation header.
 */
export function encodeCompressedImage(data: Buffer, format: string, ms: number): Buffer {
  const formatBytes = Buffer.byteLength(format) + 1;
  // stamp (8) + frame_id "" (4 + 1) → 13, aligned to 16
  const formatAt = 16;
  const dataLengthAt = formatAt + 4 + formatBytes + pad4(formatAt + 4 + formatBytes);
  const out = Buffer.alloc(CDR_LE.length + dataLengthAt + 4 + data.length);
  CDR_LE.copy(out, 0);
  const body = out.subarray(CDR_LE.length);
  body.writeInt32LE(Math.floor(ms / 1000), 0);
  body.writeUInt32LE((ms % 1000) * 1_000_000, 4);
  body.writeUInt32LE(1, 8); // frame_id: "" plus its terminating NUL
  body.writeUInt32LE(formatBytes, formatAt);
  body.write(format, formatAt + 4, 'utf8');
  body.writeUInt32LE(data.length, dataLengthAt);
  data.copy(body, dataLengthAt + 4);
  return out;
}

/** Reads a CDR `sensor_msgs/msg/CompressedImage` (either byte order); throws MALFORMED_DATA. */
export function decodeCompressedImage(message: Uint8Array): { format: string; data: Buffer } {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.length);
  const fail = (why: string) => malformed(`CompressedImage message is not valid CDR: ${why}`);
  if (buf.length < 4 || buf[0] !== 0 || (buf[1] !== 0 && buf[1] !== 1)) {
    throw fail('unknown encapsulation');
  }
  const little = buf[1] === 1;
  const body = buf.subarray(4);
  let at = 8; // stamp
  const u32 = () => {
    at += pad4(at);
    if (at + 4 > body.length) throw fail('message ends early');
    const value = little ? body.readUInt32LE(at) : body.readUInt32BE(at);
    at += 4;
    return value;
  };
  const bytes = (length: number) => {
    if (at + length > body.length) throw fail('message ends early');
    const slice = body.subarray(at, at + length);
    at += length;
    return slice;
  };
  bytes(u32()); // frame_id
  const format = bytes(u32()).toString('utf8').replace(/\0$/, '');
  const data = bytes(u32());
  return { format, data };
}
