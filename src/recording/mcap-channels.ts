import { malformed } from '../common/errors.js';

/**
 * How a stream becomes an MCAP channel and back. A stream whose metadata says `format: jpeg`
 * (or `png`, `webp`), or whose first exported entry is a JPEG or PNG, becomes a ROS 2
 * `sensor_msgs/msg/CompressedImage` channel (CDR), which MCAP viewers show as images; the entry
 * is the message's `data` field, byte for byte. `format: json` becomes a schemaless `json`
 * channel. Anything else is an `application/octet-stream` channel: each message is the entry.
 * The stream's JSON metadata travels in the channel's metadata under `META_KEY`.
 */

/** Channel metadata key holding the stream's metadata as a JSON object string. */
export const META_KEY = 'redis-streamer.meta';
/** The message encoding of channels whose messages are the entries' bytes as they are. */
export const RAW_ENCODING = 'application/octet-stream';
const IMAGE_SCHEMA_NAME = 'sensor_msgs/msg/CompressedImage';

/** `sensor_msgs/msg/CompressedImage` in ROS 2 message definition form, with its dependencies. */
const IMAGE_SCHEMA_TEXT = `std_msgs/Header header
string format
uint8[] data

================================================================================
MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id

================================================================================
MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
`;

const IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp']);

interface SchemaPlan {
  name: string;
  encoding: string;
  data: Uint8Array;
}

/** The channel an exported stream gets, and how each of its entries becomes a message. */
export interface ChannelPlan {
  messageEncoding: string;
  schema: SchemaPlan | null;
  metadata: Map<string, string>;
  /** The message of one entry (`ms`: the entry id's milliseconds). */
  encode: (data: Buffer, ms: number) => Uint8Array;
}

/** The channel of stream `meta`'s stream; `first` is its first exported entry, if any. */
export function exportChannel(
  meta: Record<string, unknown>,
  first: Buffer | undefined,
): ChannelPlan {
  const metadata = new Map<string, string>();
  if (Object.keys(meta).length > 0) metadata.set(META_KEY, JSON.stringify(meta));
  const declared = typeof meta.format === 'string' ? meta.format.toLowerCase() : '';
  const format = declared === 'jpg' ? 'jpeg' : declared || (first ? sniffImage(first) : '');
  if (IMAGE_FORMATS.has(format)) {
    return {
      messageEncoding: 'cdr',
      schema: {
        name: IMAGE_SCHEMA_NAME,
        encoding: 'ros2msg',
        data: Buffer.from(IMAGE_SCHEMA_TEXT),
      },
      metadata,
      encode: (data, ms) => encodeCompressedImage(data, format, ms),
    };
  }
  const raw = (data: Buffer) => data;
  if (format === 'json') return { messageEncoding: 'json', schema: null, metadata, encode: raw };
  return { messageEncoding: RAW_ENCODING, schema: null, metadata, encode: raw };
}

/** How an imported channel's messages become entries, and the metadata its stream may take. */
export interface ImportPlan {
  decode: (message: Uint8Array) => Buffer;
  /** Metadata for a stream that has none yet (null: leave the stream's metadata alone). */
  meta: Record<string, unknown> | null;
}

/**
 * The inverse of `exportChannel` for any MCAP channel: CompressedImage (CDR) messages give their
 * `data`, every other message its bytes as they are.
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
  if (messageEncoding === 'cdr' && schemaName === IMAGE_SCHEMA_NAME) {
    return { decode: (message) => decodeCompressedImage(message).data, meta };
  }
  if (meta === null && messageEncoding === 'json') meta = { format: 'json' };
  return {
    decode: (message) => Buffer.from(message.buffer, message.byteOffset, message.length),
    meta,
  };
}

/** `jpeg` or `png` when `data` starts like one, else ''. */
function sniffImage(data: Buffer): string {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (
    data.length >= 8 &&
    data.readUInt32BE(0) === 0x89504e47 &&
    data.readUInt32BE(4) === 0x0d0a1a0a
  ) {
    return 'png';
  }
  return '';
}

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
