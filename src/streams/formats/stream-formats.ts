import { Field, fieldHead, lengthDelimited, message } from './protobuf.js';

/**
 * How a stream is shown to viewers (Foxglove, Lichtblick, any MCAP reader): the one mapping from
 * a stream's metadata `format` to a channel's message encoding and schema, used by the MCAP
 * export and the live Foxglove WebSocket endpoint alike.
 *
 * | stream                                                   | encoding   | schema |
 * |----------------------------------------------------------|------------|--------|
 * | `format: jpeg` (`jpg`), `png`, `webp`; or no `format` and a first entry that is a JPEG or PNG | `protobuf` | `foxglove.CompressedImage`: `timestamp` = entry time, `format`, `data` = the entry |
 * | `format: json`                                           | `json`     | the metadata's `jsonSchema` (a JSON Schema object, `jsonschema` encoding) named `schemaName` (default `json`), or none: each message is the entry |
 * | anything else                                            | `protobuf` | `redis_streamer.RawEntry` (`bytes data = 1`): the entry as it is |
 */

type StreamKind = 'image' | 'json' | 'raw';

interface ChannelSchema {
  name: string;
  /** `protobuf` (a binary `FileDescriptorSet`) or `jsonschema` (JSON text). */
  encoding: string;
  data: Uint8Array;
}

/** The channel a stream gets, and how each of its entries becomes a message. */
export interface StreamChannel {
  kind: StreamKind;
  messageEncoding: string;
  schema: ChannelSchema | null;
  /**
   * The bytes that precede an entry of `length` bytes in its message (`ms`: the entry id's
   * milliseconds): the message is `head` followed by the entry as it is, so a sender can write
   * the entry without copying it.
   */
  head: (length: number, ms: number) => Buffer;
  /** The message of one entry, in one buffer. */
  encode: (data: Buffer, ms: number) => Buffer;
}

const EMPTY = Buffer.alloc(0);

function channel(
  kind: StreamKind,
  messageEncoding: string,
  schema: ChannelSchema | null,
  head: (length: number, ms: number) => Buffer,
): StreamChannel {
  return {
    kind,
    messageEncoding,
    schema,
    head,
    encode: (data, ms) => Buffer.concat([head(data.length, ms), data]),
  };
}

const IMAGE_SCHEMA_NAME = 'foxglove.CompressedImage';
const RAW_SCHEMA_NAME = 'redis_streamer.RawEntry';

const IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp']);

// FieldDescriptorProto.Type and .Label values (google/protobuf/descriptor.proto).
const TYPE_INT64 = 3;
const TYPE_INT32 = 5;
const TYPE_STRING = 9;
const TYPE_MESSAGE = 11;
const TYPE_BYTES = 12;
const LABEL_OPTIONAL = 1;

function fieldDescriptor(name: string, number: number, type: number, typeName?: string): Field {
  const fields: Field[] = [
    { n: 1, text: name },
    { n: 3, varint: number },
    { n: 4, varint: LABEL_OPTIONAL },
    { n: 5, varint: type },
  ];
  if (typeName) fields.push({ n: 6, text: typeName });
  return { n: 2, bytes: message(fields) };
}

function fileDescriptor(
  file: string,
  pkg: string,
  dependencies: string[],
  messageName: string,
  fields: Field[],
): Field {
  return {
    n: 1,
    bytes: message([
      { n: 1, text: file },
      { n: 2, text: pkg },
      ...dependencies.map((d): Field => ({ n: 3, text: d })),
      { n: 4, bytes: message([{ n: 1, text: messageName }, ...fields]) },
      { n: 12, text: 'proto3' },
    ]),
  };
}

const TIMESTAMP_FILE = fileDescriptor(
  'google/protobuf/timestamp.proto',
  'google.protobuf',
  [],
  'Timestamp',
  [fieldDescriptor('seconds', 1, TYPE_INT64), fieldDescriptor('nanos', 2, TYPE_INT32)],
);

/** `foxglove.CompressedImage` as Foxglove publishes it, as a `FileDescriptorSet`. */
const IMAGE_DESCRIPTOR = message([
  TIMESTAMP_FILE,
  fileDescriptor(
    'foxglove/CompressedImage.proto',
    'foxglove',
    ['google/protobuf/timestamp.proto'],
    'CompressedImage',
    [
      fieldDescriptor('timestamp', 1, TYPE_MESSAGE, '.google.protobuf.Timestamp'),
      fieldDescriptor('frame_id', 4, TYPE_STRING),
      fieldDescriptor('data', 2, TYPE_BYTES),
      fieldDescriptor('format', 3, TYPE_STRING),
    ],
  ),
]);

/** `redis_streamer.RawEntry { bytes data = 1; }`: an entry whose format no viewer knows. */
const RAW_DESCRIPTOR = message([
  fileDescriptor('redis_streamer/RawEntry.proto', 'redis_streamer', [], 'RawEntry', [
    fieldDescriptor('data', 1, TYPE_BYTES),
  ]),
]);

const IMAGE_SCHEMA: ChannelSchema = {
  name: IMAGE_SCHEMA_NAME,
  encoding: 'protobuf',
  data: IMAGE_DESCRIPTOR,
};
const RAW_SCHEMA: ChannelSchema = {
  name: RAW_SCHEMA_NAME,
  encoding: 'protobuf',
  data: RAW_DESCRIPTOR,
};

/** The stream's format: its metadata's `format` (lower case, `jpg` = `jpeg`), else sniffed from `first`. */
function streamFormat(meta: Record<string, unknown>, first: Buffer | undefined): string {
  const declared = typeof meta.format === 'string' ? meta.format.toLowerCase() : '';
  if (declared === 'jpg') return 'jpeg';
  return declared || (first ? sniffImage(first) : '');
}

/** The channel of a stream with metadata `meta`; `first` is one of its entries, if known. */
export function streamChannel(
  meta: Record<string, unknown>,
  first: Buffer | undefined,
): StreamChannel {
  const format = streamFormat(meta, first);
  if (IMAGE_FORMATS.has(format)) {
    return channel('image', 'protobuf', IMAGE_SCHEMA, (length, ms) =>
      imageHead(length, format, ms),
    );
  }
  if (format === 'json') {
    const jsonSchema = meta.jsonSchema;
    const schema =
      typeof jsonSchema === 'object' && jsonSchema !== null && !Array.isArray(jsonSchema)
        ? {
            name: typeof meta.schemaName === 'string' && meta.schemaName ? meta.schemaName : 'json',
            encoding: 'jsonschema',
            data: Buffer.from(JSON.stringify(jsonSchema)),
          }
        : null;
    return channel('json', 'json', schema, () => EMPTY);
  }
  return channel('raw', 'protobuf', RAW_SCHEMA, (length) => fieldHead(1, length));
}

/**
 * The start of a `foxglove.CompressedImage` (timestamp = `ms`, no frame id, `format`) whose last
 * field, `data`, holds `length` bytes that follow it. Fields may come in any order.
 */
function imageHead(length: number, format: string, ms: number): Buffer {
  const timestamp = message([
    { n: 1, varint: Math.floor(ms / 1000) },
    { n: 2, varint: (ms % 1000) * 1_000_000 },
  ]);
  const fields = message([
    { n: 1, bytes: timestamp },
    { n: 3, text: format },
  ]);
  return Buffer.concat([fields, fieldHead(2, length)]);
}

/** A `foxglove.CompressedImage` holding `data`, in one buffer. */
export function encodeImage(data: Buffer, format: string, ms: number): Buffer {
  return Buffer.concat([imageHead(data.length, format, ms), data]);
}

/**
 * The entry a message of `streamChannel`'s schema `schemaName` carries (its `data` field), or
 * null when `schemaName` is none of them or the message is not such a message.
 */
export function entryOfMessage(schemaName: string | undefined, data: Buffer): Buffer | null {
  const field = schemaName === IMAGE_SCHEMA_NAME ? 2 : schemaName === RAW_SCHEMA_NAME ? 1 : 0;
  if (field === 0) return null;
  const found = lengthDelimited(data, field);
  if (found === null) return null;
  // A proto3 message without the field holds empty bytes; a repeated field's last value wins.
  return found.length === 0 ? Buffer.alloc(0) : found[found.length - 1];
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
