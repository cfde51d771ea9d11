/**
 * A baseline JPEG encoder for single-component (greyscale) images: what `push_image --shape
 * [H,W]` sends, matching the Python CLI (Pillow writes mode "L" images with one component).
 * jpeg-js, used for RGB, always writes three components. The tables are the standard ones of
 * ITU-T T.81 Annex K (luminance quantisation and Huffman tables), quality scaled as libjpeg does.
 */

/** Luminance quantisation table (T.81 K.1), natural order. */
const LUMINANCE_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** Zigzag position of each coefficient (natural order → zigzag index). */
const ZIGZAG = [
  0, 1, 5, 6, 14, 15, 27, 28, 2, 4, 7, 13, 16, 26, 29, 42, 3, 8, 12, 17, 25, 30, 41, 43, 9, 11, 18,
  24, 31, 40, 44, 53, 10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60, 21, 34, 37,
  47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
];

/** Number of DC / AC luminance codes of each length 1..16 (T.81 K.3), and their symbols. */
const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125];
const AC_SYMBOLS = [
  1, 2, 3, 0, 4, 17, 5, 18, 33, 49, 65, 6, 19, 81, 97, 7, 34, 113, 20, 50, 129, 145, 161, 8, 35, 66,
  177, 193, 21, 82, 209, 240, 36, 51, 98, 114, 130, 9, 10, 22, 23, 24, 25, 26, 37, 38, 39, 40, 41,
  42, 52, 53, 54, 55, 56, 57, 58, 67, 68, 69, 70, 71, 72, 73, 74, 83, 84, 85, 86, 87, 88, 89, 90,
  99, 100, 101, 102, 103, 104, 105, 106, 115, 116, 117, 118, 119, 120, 121, 122, 131, 132, 133, 134,
  135, 136, 137, 138, 146, 147, 148, 149, 150, 151, 152, 153, 154, 162, 163, 164, 165, 166, 167,
  168, 169, 170, 178, 179, 180, 181, 182, 183, 184, 185, 186, 194, 195, 196, 197, 198, 199, 200,
  201, 202, 210, 211, 212, 213, 214, 215, 216, 217, 218, 225, 226, 227, 228, 229, 230, 231, 232,
  233, 234, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250,
];

/** The Huffman code and its length in bits for each symbol (T.81 Annex C). */
function huffmanCodes(counts: readonly number[], symbols: readonly number[]): [number, number][] {
  const table: [number, number][] = [];
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < counts[length - 1]; i++) table[symbols[k++]] = [code++, length];
    code <<= 1;
  }
  return table;
}

const DC_CODES = huffmanCodes(DC_COUNTS, DC_SYMBOLS);
const AC_CODES = huffmanCodes(AC_COUNTS, AC_SYMBOLS);

/** cos((2x+1)uπ/16) · C(u)/2, for the separable 8×8 forward DCT. */
const DCT = Array.from({ length: 64 }, (_, i) => {
  const u = i >> 3;
  const x = i & 7;
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** The quantisation table for `quality` (1..100), natural order. */
function quantTable(quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return LUMINANCE_QUANT.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

class BitWriter {
  readonly bytes: number[] = [];
  private buffer = 0;
  private count = 0;

  write(code: number, length: number): void {
    for (let bit = length - 1; bit >= 0; bit--) {
      this.buffer = (this.buffer << 1) | ((code >> bit) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  /** Pads the last byte with 1 bits (T.81 F.1.2.3). */
  finish(): void {
    while (this.count !== 0) this.write(1, 1);
  }

  private flushByte(): void {
    this.bytes.push(this.buffer);
    if (this.buffer === 0xff) this.bytes.push(0); // byte stuffing
    this.buffer = 0;
    this.count = 0;
  }
}

/** Bits of a DC difference or AC value: its size category and the value's bits. */
function category(value: number): [number, number] {
  const magnitude = Math.abs(value);
  const size = magnitude === 0 ? 0 : 32 - Math.clz32(magnitude);
  return [size, value < 0 ? value + (1 << size) - 1 : value];
}

/** Encodes `pixels` (one byte a pixel, row by row) as a one-component baseline JPEG. */
export function encodeGreyJpeg(
  pixels: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Buffer {
  const quant = quantTable(quality);
  const out = new BitWriter();
  const block = new Float64Array(64);
  const rows = new Float64Array(64);
  const zigzagged = new Int32Array(64);
  let previousDc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      // Level-shifted samples; edge blocks repeat the last row and column.
      for (let y = 0; y < 8; y++) {
        const row = Math.min(by + y, height - 1) * width;
        for (let x = 0; x < 8; x++)
          block[y * 8 + x] = pixels[row + Math.min(bx + x, width - 1)] - 128;
      }
      // Forward DCT: rows, then columns.
      for (let y = 0; y < 8; y++) {
        for (let u = 0; u < 8; u++) {
          let sum = 0;
          for (let x = 0; x < 8; x++) sum += DCT[u * 8 + x] * block[y * 8 + x];
          rows[y * 8 + u] = sum;
        }
      }
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          let sum = 0;
          for (let y = 0; y < 8; y++) sum += DCT[v * 8 + y] * rows[y * 8 + u];
          const i = v * 8 + u;
          zigzagged[ZIGZAG[i]] = Math.round(sum / quant[i]);
        }
      }
      const [dcSize, dcBits] = category(zigzagged[0] - previousDc);
      previousDc = zigzagged[0];
      out.write(...DC_CODES[dcSize]);
      out.write(dcBits, dcSize);
      let run = 0;
      for (let k = 1; k < 64; k++) {
        if (zigzagged[k] === 0) {
          run++;
          continue;
        }
        for (; run > 15; run -= 16) out.write(...AC_CODES[0xf0]); // sixteen zeros
        const [size, bits] = category(zigzagged[k]);
        out.write(...AC_CODES[(run << 4) | size]);
        out.write(bits, size);
        run = 0;
      }
      if (run > 0) out.write(...AC_CODES[0x00]); // end of block
    }
  }
  out.finish();

  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  const zigzagQuant = new Array<number>(64);
  quant.forEach((value, i) => (zigzagQuant[ZIGZAG[i]] = value));
  return Buffer.from([
    0xff,
    0xd8, // SOI
    ...segment(0xdb, [0x00, ...zigzagQuant]), // DQT: table 0, 8-bit
    // SOF0: 8-bit samples, height, width, one component (id 1, 1×1 sampling, table 0)
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_COUNTS, ...DC_SYMBOLS, 0x10, ...AC_COUNTS, ...AC_SYMBOLS]), // DHT
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS: component 1, tables 0/0, full spectrum
    ...out.bytes,
    0xff,
    0xd9, // EOI
  ]);
}
