import { randomBytes } from 'node:crypto';
import {
  decodeCompressedImage,
  encodeCompressedImage,
  exportChannel,
  importChannel,
  META_KEY,
} from './mcap-channels.js';
import { encodeImage } from '../streams/formats/stream-formats.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);

describe('exportChannel', () => {
  it('images (by metadata or by their first bytes) become CompressedImage channels', () => {
    expect(exportChannel({ format: 'JPG' }, undefined).messageEncoding).toBe('protobuf');
    expect(exportChannel({}, JPEG).schema?.name).toBe('foxglove.CompressedImage');
    expect(exportChannel({}, PNG).kind).toBe('image');
  });

  it('json by metadata; anything else raw, with the metadata kept', () => {
    expect(exportChannel({ format: 'json' }, Buffer.from('{}')).messageEncoding).toBe('json');
    const raw = exportChannel({ unit: 'm' }, Buffer.from('{}'));
    expect(raw.messageEncoding).toBe('protobuf');
    expect(raw.schema?.name).toBe('redis_streamer.RawEntry');
    expect(JSON.parse(raw.metadata.get(META_KEY)!)).toEqual({ unit: 'm' });
    expect(exportChannel({}, undefined).metadata.size).toBe(0);
  });
});

describe('CompressedImage CDR', () => {
  it.each([0, 1, 5, 1000])('round-trips %i bytes with its format and stamp', (size) => {
    const data = randomBytes(size);
    const message = encodeCompressedImage(data, 'jpeg', 1_700_000_000_123);
    expect(message.readInt32LE(4)).toBe(1_700_000_000);
    expect(message.readUInt32LE(8)).toBe(123_000_000);
    const decoded = decodeCompressedImage(message);
    expect(decoded.format).toBe('jpeg');
    expect(decoded.data.equals(data)).toBe(true);
  });

  it('refuses truncated messages', () => {
    const message = encodeCompressedImage(randomBytes(10), 'png', 0);
    expect(() => decodeCompressedImage(message.subarray(0, message.length - 1))).toThrow(
      /ends early/,
    );
    expect(() => decodeCompressedImage(Buffer.from([9, 9, 0, 0]))).toThrow(/encapsulation/);
  });

  it('importChannel unwraps images and takes recorded metadata', () => {
    const plan = importChannel(
      'cdr',
      'sensor_msgs/msg/CompressedImage',
      new Map([[META_KEY, '{"format":"jpeg"}']]),
    );
    expect(plan.decode(encodeCompressedImage(JPEG, 'jpeg', 5)).equals(JPEG)).toBe(true);
    expect(plan.meta).toEqual({ format: 'jpeg' });
    expect(importChannel('json', undefined, new Map()).meta).toEqual({ format: 'json' });
    const image = importChannel('protobuf', 'foxglove.CompressedImage', new Map());
    expect(image.decode(encodeImage(JPEG, 'jpeg', 5)).equals(JPEG)).toBe(true);
    const raw = importChannel('protobuf', 'redis_streamer.RawEntry', new Map());
    expect(raw.decode(exportChannel({}, undefined).encode(PNG, 0)).equals(PNG)).toBe(true);
    expect(() => raw.decode(Buffer.from([0x0a, 9, 1]))).toThrow(/not valid protobuf/);
    expect(importChannel('x', undefined, new Map([[META_KEY, 'not json']])).meta).toBeNull();
  });
});
