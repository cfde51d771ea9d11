import jpeg from 'jpeg-js';
import { formatTable } from './commands/ls.js';
import { printable } from './commands/pull-raw.js';
import { encodeGreyJpeg } from './grey-jpeg.js';
import { decodeJpeg, NoisePool, noiseJpeg, parseShape } from './images.js';

describe('--shape', () => {
  it('accepts numpy-style shapes in several spellings', () => {
    expect(parseShape('[700,700,3]')).toEqual([700, 700, 3]);
    expect(parseShape('(400, 200)')).toEqual([400, 200]);
    expect(parseShape('64x48x3')).toEqual([64, 48, 3]);
  });

  it('refuses other channel counts, zero or huge sides, and junk', () => {
    for (const bad of ['[700,700,4]', '[0,10]', '[10]', '[99999,10]', 'big', '[1,2,3,4]']) {
      expect(() => parseShape(bad)).toThrow(/--shape must be/);
    }
  });
});

describe('noise JPEGs', () => {
  it('encodes RGB noise that decodes to the shape asked for', () => {
    const data = noiseJpeg([24, 40, 3], 80);
    const image = jpeg.decode(data, { useTArray: true });
    expect([image.width, image.height]).toEqual([40, 24]);
    expect(decodeJpeg(data).shape).toEqual([24, 40, 3]);
  });

  it('encodes greyscale as one component that decodes to the image given', () => {
    // A gradient with an edge, 37×21 (not a multiple of the 8×8 blocks).
    const [width, height] = [37, 21];
    const pixels = Uint8Array.from({ length: width * height }, (_, i) =>
      i % width < 20 ? (i % width) * 12 : 255 - Math.floor(i / width) * 10,
    );
    const data = encodeGreyJpeg(pixels, width, height, 95);
    // The frame header (SOF0) declares one component.
    expect(data[data.indexOf(Buffer.from([0xff, 0xc0])) + 9]).toBe(1);
    // jpeg-js decodes it as RGB with R = G = B.
    const image = jpeg.decode(data, { useTArray: true, formatAsRGBA: false });
    expect([image.width, image.height]).toEqual([width, height]);
    const error =
      pixels.reduce((sum, p, i) => sum + Math.abs(p - image.data[3 * i]), 0) / pixels.length;
    expect(error).toBeLessThan(3);
  });

  it('reports greyscale noise as [H, W]', () => {
    expect(decodeJpeg(noiseJpeg([16, 8], 90)).shape).toEqual([16, 8]);
  });

  it('a pool hands out its frames in turn', () => {
    const pool = new NoisePool([8, 8, 3], 50, 2);
    const [a, b, c] = [pool.next(), pool.next(), pool.next()];
    expect(a.equals(b)).toBe(false);
    expect(c).toBe(a);
  });

  it('refuses data that is not a JPEG', () => {
    expect(() => decodeJpeg(Buffer.from('nope'))).toThrow();
  });
});

describe('output', () => {
  it('prints text payloads as text and binary ones as hex', () => {
    expect(printable(Buffer.from('42'))).toBe('42');
    expect(printable(Buffer.from('tab\tok'))).toBe('tab\tok');
    expect(printable(Buffer.from([0, 1, 0xff]))).toBe('<3 bytes: 0001ff>');
    expect(printable(Buffer.alloc(40, 0))).toMatch(/^<40 bytes: (00){32}…>$/);
  });

  it('lays streams out in aligned columns', () => {
    const table = formatTable([
      { sid: 'cam', length: 12, lastEntryId: '1-0', lastEntryTime: 'T', meta: {} },
      { sid: 'meta-only', length: null, lastEntryId: null, lastEntryTime: null, meta: { a: 1 } },
    ]);
    expect(table.split('\n')).toEqual([
      'sid        length  lastEntryId  lastEntryTime  meta',
      '---------  ------  -----------  -------------  -------',
      'cam            12  1-0          T',
      'meta-only       -  -            -              {"a":1}',
      '2 streams',
    ]);
  });
});
