import { randomFillSync } from 'node:crypto';
import jpeg from 'jpeg-js';
import { encodeGreyJpeg } from './grey-jpeg.js';

/** An image shape as numpy writes it: `[height, width]` (greyscale) or `[height, width, 3]`. */
export type Shape = [number, number] | [number, number, 3];

const MAX_SIDE = 16384;

/** Parses `--shape`: `[700,700,3]`, `700,700,3` or `700x700x3`; `[H,W]` is greyscale. */
export function parseShape(text: string): Shape {
  const parts = text
    .replace(/^\s*[[(]|[\])]\s*$/g, '')
    .split(/[\s,x]+/)
    .filter((p) => p !== '');
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  const sidesOk = dims.length >= 2 && dims.slice(0, 2).every((d) => d >= 1 && d <= MAX_SIDE);
  if (!sidesOk || dims.length > 3 || (dims.length === 3 && dims[2] !== 3)) {
    throw new Error(
      `--shape must be [height, width] (greyscale) or [height, width, 3] (RGB), sides 1..${MAX_SIDE}; got ${JSON.stringify(text)}`,
    );
  }
  return dims.length === 3 ? [dims[0], dims[1], 3] : [dims[0], dims[1]];
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** A JPEG of uniform random noise: RGB for `[H,W,3]`, one grey component for `[H,W]`. */
export function noiseJpeg(shape: Shape, quality: number): Buffer {
  const [height, width] = shape;
  if (shape.length === 2) {
    return encodeGreyJpeg(randomFillSync(Buffer.alloc(width * height)), width, height, quality);
  }
  const rgba = randomFillSync(Buffer.alloc(width * height * 4));
  return jpeg.encode({ data: rgba, width, height }, quality).data;
}

/**
 * A few noise frames encoded once and handed out in turn. Encoding in JavaScript costs about
 * 0.3 s for a 700x700 noise frame, which would cap the push rate at a few frames a second; the
 * data's content does not matter for testing the streamer, its size and rate do.
 */
export class NoisePool {
  private readonly frames: Buffer[];
  private index = 0;

  constructor(shape: Shape, quality: number, size: number) {
    this.frames = Array.from({ length: Math.max(1, size) }, () => noiseJpeg(shape, quality));
  }

  next(): Buffer {
    const frame = this.frames[this.index];
    this.index = (this.index + 1) % this.frames.length;
    return frame;
  }
}

export interface DecodedImage {
  width: number;
  height: number;
  /** `[height, width]` for a grey image (single channel, or R=G=B everywhere), else `[height, width, 3]`. */
  shape: number[];
}

/** Decodes a JPEG (throws when it is not one) and reports its shape. */
export function decodeJpeg(data: Buffer): DecodedImage {
  const image = jpeg.decode(data, {
    useTArray: true,
    formatAsRGBA: false,
    maxMemoryUsageInMB: 1024,
  });
  const { width, height } = image;
  const channels = image.data.length / (width * height);
  return {
    width,
    height,
    shape: channels === 1 || isGrey(image.data) ? [height, width] : [height, width, channels],
  };
}

function isGrey(pixels: Uint8Array): boolean {
  for (let i = 0; i + 2 < pixels.length; i += 3) {
    if (pixels[i] !== pixels[i + 1] || pixels[i] !== pixels[i + 2]) return false;
  }
  return true;
}

/** Bytes as whole kB, for progress lines. */
export function kb(bytes: number): string {
  return (bytes / 1024).toFixed(0);
}
