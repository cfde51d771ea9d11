/**
 * Server-to-client WebSocket frames (RFC 6455 §5.2: FIN set, unmasked), written straight to the
 * socket by the pull path so that one batch (text header + binary payloads) goes out in one
 * write, with the payloads as they came from Redis (no concatenation, no copy).
 */

const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;

/** Bytes of a frame header announcing `length` payload bytes. */
function headerSize(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

function writeHeader(target: Buffer, offset: number, opcode: number, length: number): number {
  target[offset] = 0x80 | opcode;
  if (length < 126) {
    target[offset + 1] = length;
    return offset + 2;
  }
  if (length < 65536) {
    target[offset + 1] = 126;
    target.writeUInt16BE(length, offset + 2);
    return offset + 4;
  }
  target[offset + 1] = 127;
  target.writeUInt32BE(Math.floor(length / 2 ** 32), offset + 2);
  target.writeUInt32BE(length >>> 0, offset + 6);
  return offset + 10;
}

/** The header of a binary frame of `length` bytes (its payload follows separately). */
export function binaryFrameHeader(length: number): Buffer {
  const target = Buffer.allocUnsafe(headerSize(length));
  writeHeader(target, 0, OPCODE_BINARY, length);
  return target;
}

/**
 * A complete text frame holding `text`, followed by the header of a binary frame of
 * `binaryLength` bytes, in one buffer: what precedes the payloads of a pull batch.
 */
export function batchPreamble(text: string, binaryLength: number): Buffer {
  const textLength = Buffer.byteLength(text);
  const size = headerSize(textLength) + textLength + headerSize(binaryLength);
  const target = Buffer.allocUnsafe(size);
  let offset = writeHeader(target, 0, OPCODE_TEXT, textLength);
  offset += target.write(text, offset);
  writeHeader(target, offset, OPCODE_BINARY, binaryLength);
  return target;
}
