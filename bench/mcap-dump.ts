/**
 * An independent look at an MCAP file with @mcap/core's indexed reader (no server code): the
 * header, every channel with its schema, message count and first/last log time, the chunks'
 * compression, and the first messages. Reads through a file handle, so large files are fine.
 *
 *   node dist-bench/bench/mcap-dump.js recording.mcap [--messages 5]
 */
import { McapIndexedReader } from '@mcap/core';
import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { zstdDecompressSync } from 'node:zlib';

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { messages: { type: 'string', default: '5' } },
  });
  const [path] = positionals;
  if (!path) throw new Error('usage: mcap-dump FILE.mcap [--messages N]');
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const reader = await McapIndexedReader.Initialize({
      readable: {
        size: async () => BigInt(size),
        read: async (offset: bigint, length: bigint) => {
          const buffer = Buffer.alloc(Number(length));
          await file.read(buffer, 0, buffer.length, Number(offset));
          return buffer;
        },
      },
      decompressHandlers: {
        zstd: (data, decompressed) =>
          zstdDecompressSync(data, { maxOutputLength: Number(decompressed) }),
      },
    });
    const stats = reader.statistics;
    console.log(`${path}: ${size} bytes, library ${JSON.stringify(reader.header.library)}`);
    console.log(
      `messages ${stats?.messageCount ?? '?'}, channels ${stats?.channelCount ?? '?'}, chunks ${reader.chunkIndexes.length}` +
        ` (${[...new Set(reader.chunkIndexes.map((c) => c.compression || 'none'))].join(', ')})` +
        (stats ? `, ${iso(stats.messageStartTime)} … ${iso(stats.messageEndTime)}` : ''),
    );
    for (const channel of reader.channelsById.values()) {
      const schema = reader.schemasById.get(channel.schemaId);
      const count = stats?.channelMessageCounts.get(channel.id) ?? 0n;
      let first: bigint | null = null;
      for await (const m of reader.readMessages({ topics: [channel.topic] })) {
        first = m.logTime;
        break;
      }
      console.log(
        `  channel ${channel.id} ${JSON.stringify(channel.topic)}: ${count} messages, ` +
          `encoding ${channel.messageEncoding}, schema ${schema ? `${schema.name} (${schema.encoding})` : 'none'}` +
          `, first log time ${first === null ? '-' : `${first} (${iso(first)})`}` +
          (channel.metadata.size > 0
            ? `, metadata ${JSON.stringify(Object.fromEntries(channel.metadata))}`
            : ''),
      );
    }
    let shown = 0;
    for await (const m of reader.readMessages()) {
      if (shown++ >= Number(values.messages)) break;
      const topic = reader.channelsById.get(m.channelId)?.topic;
      const head = Buffer.from(m.data.subarray(0, 12)).toString('hex');
      console.log(
        `  #${shown} ${topic} log ${m.logTime} seq ${m.sequence} ${m.data.length} bytes ${head}…`,
      );
    }
  } finally {
    await file.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
