/**
 * The few pieces of the Protocol Buffers wire format the stream formats need: varints and
 * length-delimited fields (https://protobuf.dev/programming-guides/encoding/). Enough to write
 * the messages of `stream-formats.ts` and their `FileDescriptorSet`s, and to read them back.
 */

const VARINT = 0;
const LENGTH_DELIMITED = 2;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(target: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    target[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  target[at++] = value;
  return at;
}

/** One field of a message being written. */
export type Field =
  { n: number; varint: number } | { n: number; bytes: Uint8Array } | { n: number; text: string };

/** A message of `fields` in field order (varints must be non-negative safe integers). */
export function message(fields: readonly Field[]): Buffer {
  const parts = fields.map((f) =>
    'varint' in f ? null : 'text' in f ? Buffer.from(f.text, 'utf8') : f.bytes,
  );
  let size = 0;
  fields.forEach((f, i) => {
    const part = parts[i];
    size += varintSize(f.n * 8);
    size +=
      part === null
        ? varintSize((f as { varint: number }).varint)
        : varintSize(part.length) + part.length;
  });
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  fields.forEach((f, i) => {
    const part = parts[i];
    if (part === null) {
      at = writeVarint(out, at, f.n * 8 + VARINT);
      at = writeVarint(out, at, (f as { varint: number }).varint);
    } else {
      at = writeVarint(out, at, f.n * 8 + LENGTH_DELIMITED);
      at = writeVarint(out, at, part.length);
      out.set(part, at);
      at += part.length;
    }
  });
  return out;
}

/** The tag and length of length-delimited field `n` holding `length` bytes (the bytes follow). */
export function fieldHead(n: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(varintSize(n * 8) + varintSize(length));
  writeVarint(out, writeVarint(out, 0, n * 8 + LENGTH_DELIMITED), length);
  return out;
}

/** The length-delimited fields of `data` numbered `n`, in order; null when `data` is not a message. */
export function lengthDelimited(data: Buffer, n: number): Buffer[] | null {
  const found: Buffer[] = [];
  let at = 0;
  const varint = (): number | null => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= data.length) return null;
      const byte = data[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return null;
  };
  while (at < data.length) {
    const tag = varint();
    if (tag === null) return null;
    const wire = tag % 8;
    if (wire === VARINT) {
      if (varint() === null) return null;
    } else if (wire === LENGTH_DELIMITED) {
      const length = varint();
      if (length === null || at + length > data.length) return null;
      if (Math.floor(tag / 8) === n) found.push(data.subarray(at, at + length));
      at += length;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > data.length) return null;
    } else {
      return null;
    }
  }
  return found;
}
