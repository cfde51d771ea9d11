import type { StreamerError } from '../../common/errors.js';
import type { Entry } from '../repositories/stream.types.js';

/** Receives the live entries of the streams it is attached to. */
export interface HubListener {
  /**
   * Entries of `sid` newer than `prevId`, oldest first. `prevId` is the hub's cursor before
   * these entries: together they are every entry in (`prevId`, last id] that the stream still
   * held when the hub read them. `caughtUp` is false when the hub was behind the stream (its read
   * was full, or it followed a moved slot): then trimming may have removed entries after
   * `prevId` before the read, which nothing here would show (the gap signal reads again).
   */
  onEntries(sid: string, prevId: string, entries: Entry[], caughtUp: boolean): void;
  /** The hub could not read (Redis unreachable or failing); the listener should give up. */
  onHubError(error: StreamerError): void;
}
