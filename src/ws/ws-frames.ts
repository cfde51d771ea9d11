import type { Socket } from 'node:net';

/**
 * Server-to-client WebSocket frames (RFC 6455 §5.2: FIN set, unmasked), written straight to the
 * socket under a `ws` WebSocket (`FrameWriter`) so that one pull batch (text header + binary
 * payloads) goes out in one corked write, with the payloads as they came from Redis (no
 * concatenation, no copy). `ws.send` would copy or frame each payload on its own.
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
function binaryFrameHeader(length: number): Buffer {
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

/** Called once the last chunk of a write was handed to the operating system (or failed). */
export type WriteDone = (err?: Error | null) => void;

const EMPTY = Buffer.alloc(0);

/**
 * Writes whole batches of frames to the socket of one open WebSocket, corked, each payload as
 * its own chunk. Only for frames the server sends unprompted while `ws` itself sends nothing at
 * the same time on that socket except through `ws.send` calls made between two batches.
 */
export class FrameWriter {
  constructor(private readonly socket: Socket) {}

  /** One bare binary frame per payload, in one write; answers the payload bytes written. */
  binaryFrames(entries: readonly { data: Buffer }[], done: WriteDone): number {
    const socket = this.socket;
    let bytes = 0;
    // Each chunk is written once the next is known, so the last one carries the callback.
    let held: Buffer = EMPTY;
    socket.cork();
    for (const entry of entries) {
      if (held.length > 0) socket.write(held);
      held = binaryFrameHeader(entry.data.length);
      if (entry.data.length > 0) {
        socket.write(held);
        held = entry.data;
      }
      bytes += entry.data.length;
    }
    socket.write(held, done);
    socket.uncork();
    return bytes;
  }

  /**
   * Binary frames, each the concatenation of its parts, in one write: the parts go out as they
   * are, never copied into one buffer.
   */
  framesOfParts(frames: readonly (readonly Buffer[])[]): void {
    const socket = this.socket;
    socket.cork();
    for (const parts of frames) {
      let length = 0;
      for (const part of parts) length += part.length;
      socket.write(binaryFrameHeader(length));
      for (const part of parts) if (part.length > 0) socket.write(part);
    }
    socket.uncork();
  }

  /** Calls `listener` each time the socket's backlog has drained. */
  onDrain(listener: () => void): void {
    this.socket.on('drain', listener);
  }

  /**
   * `preamble` (see `batchPreamble`), then the payloads, which together are the body of the
   * binary frame the preamble announced, in one write.
   */
  batch(preamble: Buffer, entries: readonly { data: Buffer }[], done: WriteDone): void {
    const socket = this.socket;
    let held = preamble;
    socket.cork();
    for (const entry of entries) {
      if (entry.data.length === 0) continue;
      socket.write(held);
      held = entry.data;
    }
    socket.write(held, done);
    socket.uncork();
  }
}
