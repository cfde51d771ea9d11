import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { entryOfMessage, streamChannel } from './stream-formats.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

/** The message type a schema names, built by protobufjs from the schema's FileDescriptorSet. */
function typeOf(schema: { name: string; data: Uint8Array }): protobuf.Type {
  // protobufjs's descriptor extension (the way Foxglove reads protobuf schemas); typed loosely.
  const ext = descriptor as unknown as { FileDescriptorSet: protobuf.Type };
  const set = ext.FileDescriptorSet.decode(schema.data);
  const root = (
    protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }
  ).fromDescriptor(set);
  return root.lookupType(schema.name);
}

describe('streamChannel', () => {
  it('images are foxglove.CompressedImage messages a protobuf library decodes', () => {
    const channel = streamChannel({ format: 'jpeg' }, undefined);
    expect(channel.messageEncoding).toBe('protobuf');
    const type = typeOf(channel.schema!);
    expect(type.fieldsArray.map((f) => [f.name, f.id]).sort()).toEqual(
      [
        ['data', 2],
        ['format', 3],
        ['frame_id', 4],
        ['timestamp', 1],
      ].sort(),
    );
    const decoded = type.toObject(type.decode(channel.encode(JPEG, 1_700_000_000_123)), {
      longs: Number,
    });
    expect(decoded).toEqual({
      timestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
      data: JPEG,
      format: 'jpeg',
    });
  });

  it('other bytes are redis_streamer.RawEntry messages; json stays json', () => {
    const raw = streamChannel({}, Buffer.from('x'));
    const type = typeOf(raw.schema!);
    const payload = Buffer.from([0, 1, 2, 255]);
    expect(type.toObject(type.decode(raw.encode(payload, 0)))).toEqual({ data: payload });
    expect(entryOfMessage(raw.schema!.name, raw.encode(payload, 0))).toEqual(payload);
    expect(entryOfMessage(raw.schema!.name, raw.encode(Buffer.alloc(0), 0))).toEqual(
      Buffer.alloc(0),
    );

    const plain = streamChannel({ format: 'json' }, undefined);
    expect([plain.messageEncoding, plain.schema]).toEqual(['json', null]);
    const typed = streamChannel(
      { format: 'JSON', jsonSchema: { type: 'object' }, schemaName: 'pose' },
      undefined,
    );
    expect(typed.schema?.name).toBe('pose');
    expect(typed.schema?.encoding).toBe('jsonschema');
    expect(JSON.parse(Buffer.from(typed.schema!.data).toString())).toEqual({ type: 'object' });
  });

  it('sniffs images when the metadata names no format', () => {
    expect(streamChannel({}, JPEG).kind).toBe('image');
    expect(streamChannel({ format: 'jpg' }, undefined).kind).toBe('image');
    expect(streamChannel({ format: 'mp4' }, JPEG).kind).toBe('raw');
  });
});
