import { IsOptional, IsString } from 'class-validator';
import { badRequest } from '../common/errors.js';
import { BoolQuery, IntQuery, NumberQuery } from '../common/query.js';
import { cursorsFor } from '../streams/ids/cursors.js';
import { IsCursorList } from '../streams/ids/validators.js';
import type { Rates, SyncSpec } from '../sampling/sync-options.js';
import { SyncQueryFields } from '../sampling/sync-query.js';

/** Most entries (tuples) per batch. */
const MAX_COUNT = 10_000;
const MAX_BLOCK_MS = 3_600_000;

export interface SyncPullParams {
  sids: string[];
  cursors: string[];
  count: number;
  block: number;
  latest: boolean;
  ack: boolean;
  gaps: boolean;
  /** Send a `{"tuples": …}` text frame before each synchronized batch. */
  tuples: boolean;
  sync: SyncSpec | null;
  rates: Rates | null;
}

/**
 * `ws://HOST/data/{sid}/pull?sync=cam&tolerance_ms=20&rate=cam:2,imu:0&…`: a pull with `sync` or
 * `rate` (docs/sync.md). The plain pull's parameters keep their meaning; those that do not go
 * with these reads are refused at the handshake.
 */
export class SyncPullQuery extends SyncQueryFields {
  @IsCursorList() last_entry_id = '$';
  @IntQuery(1, MAX_COUNT) count = 1;
  @IntQuery(0, MAX_BLOCK_MS) block = 5000;
  @BoolQuery() latest = false;
  @BoolQuery() ack = false;
  @BoolQuery() gaps = false;
  @BoolQuery() tuples = false;
  @BoolQuery() header = true;
  @IsOptional() @NumberQuery(0, Number.MAX_SAFE_INTEGER) max_fps?: number;
  @IsOptional() @IsString() group?: string;
  @IsOptional() @IsString() consumer?: string;

  forSids(sids: string[]): SyncPullParams {
    const what = this.sync !== undefined ? 'sync' : 'rate';
    if (this.group !== undefined || this.consumer !== undefined) {
      throw badRequest(`${what} does not go with group: consumer groups share entries out`);
    }
    if (!this.header)
      throw badRequest(`${what} needs header=1 (batches say which stream each entry is of)`);
    if (this.max_fps !== undefined) throw badRequest(`${what} does not go with max_fps: use rate`);
    const { sync, rates } = this.syncParams(sids);
    if (this.tuples && !sync) throw badRequest('tuples needs sync (the reference stream)');
    return {
      sids,
      cursors: cursorsFor(this.last_entry_id, sids.length, 'last_entry_id'),
      count: this.count,
      block: this.block,
      latest: this.latest,
      ack: this.ack,
      gaps: this.gaps,
      tuples: this.tuples,
      sync,
      rates,
    };
  }
}
