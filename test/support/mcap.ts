import { McapIndexedReader, McapRecordBuilder, McapStreamReader, McapWriter } from '@mcap/core';
import type { Channel, Message, Schema, TypedMcapRecord } from '@mcap/core';
import { zstdDecompressSync } from 'node:zlib';
import { entryOfMessage } from '../../src/streams/formats/stream-formats.js';

/** What an independent reader (@mcap/core) finds in an MCAP file. */
export interface ParsedMcap {
  schemas: Map<number, Schema>;
  channels: Map<number, Channel>;
  /** Every message, in file order. */
  messages: Message[];
  metadata: Map<string, Map<string, string>>;
  /** Chunk compressions seen ('' = uncompressed). */
  compressions: Set<string>;
}

const decompressHandlers = {
  zstd: (data: Uint8Array, size: bigint) =>
    zstdDecompressSync(data, { maxOutputLength: Number(size) }),
};

/** Reads `file` front to back with @mcap/core's stream reader (which checks CRCs and the footer). */
export function parseMcap(file: Uint8Array): ParsedMcap {
  const reader = new McapStreamReader({ decompressHandlers, includeChunks: true });
  reader.append(file);
  const parsed: ParsedMcap = {
    schemas: new Map(),
    channels: new Map(),
    messages: [],
    metadata: new Map(),
    compressions: new Set(),
  };
  let record: TypedMcapRecord | undefined;
  while ((record = reader.nextRecord())) {
    if (record.type === 'Schema') parsed.schemas.set(record.id, record);
    else if (record.type === 'Channel') parsed.channels.set(record.id, record);
    else if (record.type === 'Message') parsed.messages.push(record);
    else if (record.type === 'Metadata') parsed.metadata.set(record.name, record.metadata);
    else if (record.type === 'Chunk') parsed.compressions.add(record.compression);
  }
  if (!reader.done()) throw new Error('MCAP file ends before its footer');
  return parsed;
}

/** The entry each message carries (unwrapped from its schema, as the import does), as text. */
export function entryTexts(parsed: ParsedMcap): string[] {
  return parsed.messages.map((m) => {
    const schema = parsed.schemas.get(parsed.channels.get(m.channelId)?.schemaId ?? 0)?.name;
    const data = Buffer.from(m.data);
    return (entryOfMessage(schema, data) ?? data).toString();
  });
}

/** Opens `file` with @mcap/core's indexed reader (summary, chunk indexes, statistics). */
export function indexedReader(file: Uint8Array): Promise<McapIndexedReader> {
  return McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(file.length),
      read: async (offset: bigint, length: bigint) =>
        file.subarray(Number(offset), Number(offset + length)),
    },
    decompressHandlers,
  });
}

/**
 * A small valid MCAP file: one raw channel per topic, `messages` of each in turn; `compression`
 * labels every chunk (its data stays as it is: a file claiming a compression it does not use).
 */
export async function writeMcap(
  topics: readonly string[],
  messages: readonly { topic: string; logTimeMs: number; data: Uint8Array }[],
  compression?: string,
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let position = 0n;
  const writer = new McapWriter({
    writable: {
      position: () => position,
      write: async (buffer: Uint8Array) => {
        parts.push(buffer.slice());
        position += BigInt(buffer.length);
      },
    },
    compressChunk: compression
      ? (chunk: Uint8Array) => ({ compression, compressedData: chunk })
      : undefined,
  });
  await writer.start({ profile: '', library: 'test' });
  const ids = new Map<string, number>();
  for (const topic of topics) {
    ids.set(
      topic,
      await writer.registerChannel({
        topic,
        schemaId: 0,
        messageEncoding: 'application/octet-stream',
        metadata: new Map(),
      }),
    );
  }
  let sequence = 0;
  for (const m of messages) {
    const time = BigInt(m.logTimeMs) * 1_000_000n;
    await writer.addMessage({
      channelId: ids.get(m.topic)!,
      sequence: sequence++,
      logTime: time,
      publishTime: time,
      data: m.data,
    });
  }
  await writer.end();
  return Buffer.concat(parts);
}

/**
 * An unchunked MCAP file written record by record, so a test can put a bad record where it
 * wants: channel 1 is `topic`, message i (log time `baseMs` + i ms) goes to its `channelId`
 * (default 1); without `footer` the file is cut short after the last message.
 */
export function craftMcap(
  topic: string,
  messages: readonly { channelId?: number; data: string }[],
  { footer = true, baseMs = 0 }: { footer?: boolean; baseMs?: number } = {},
): Buffer {
  const b = new McapRecordBuilder();
  b.writeMagic();
  b.writeHeader({ profile: '', library: 'test' });
  b.writeChannel({ id: 1, topic, schemaId: 0, messageEncoding: 'x', metadata: new Map() });
  messages.forEach((m, i) => {
    const time = BigInt(baseMs + i) * 1_000_000n;
    const data = Buffer.from(m.data);
    b.writeMessage({
      channelId: m.channelId ?? 1,
      sequence: i,
      logTime: time,
      publishTime: time,
      data,
    });
  });
  if (footer) {
    b.writeDataEnd({ dataSectionCrc: 0 });
    b.writeFooter({ summaryStart: 0n, summaryOffsetStart: 0n, summaryCrc: 0 });
    b.writeMagic();
  }
  return Buffer.from(b.buffer);
}
