import { Injectable } from '@nestjs/common';

/**
 * Counters of the data path, kept as plain numbers (cheap on the hot path). The metrics endpoint
 * reads them; callbacks are bound so they can be passed around as is.
 */
@Injectable()
export class StreamerMetrics {
  entriesPushed = 0;
  bytesPushed = 0;
  entriesPulled = 0;
  bytesPulled = 0;
  entriesDropped = 0;

  readonly pushed = (entries: number, bytes: number): void => {
    this.entriesPushed += entries;
    this.bytesPushed += bytes;
  };

  readonly pulled = (entries: number, bytes: number): void => {
    this.entriesPulled += entries;
    this.bytesPulled += bytes;
  };

  readonly dropped = (entries: number): void => {
    this.entriesDropped += entries;
  };
}
