import { Readable } from 'node:stream';
import { badRequest, ErrorCode, StreamerError } from '../common/errors.js';

export function tooLarge(limit: number, setting = 'MAX_PAYLOAD_BYTES'): StreamerError {
  return new StreamerError(ErrorCode.TooLarge, `body over ${setting} (${limit} bytes)`);
}

/**
 * Reads a request body into one Buffer, refusing it (TOO_LARGE) as soon as it passes `limit`
 * bytes, so a chunked upload without Content-Length is bounded too. On refusal the stream is
 * paused, not destroyed: destroying a request would destroy its socket and the 413 answer with it.
 */
export function readBody(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        stream.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(badRequest(`request body could not be read: ${err.message}`));
    };
    // 'close' before 'end': the client went away mid-body.
    const onClose = () => {
      cleanup();
      reject(badRequest('request body ended early (client went away)'));
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}
