import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IntQuery } from '../common/query.js';
import { MAX_SYNC_MS, SyncParams, syncParamsOf } from './sync-options.js';

/** Longest `rate` or `sync` parameter (bytes). */
const MAX_PARAM_LENGTH = 16 * 1024;

/**
 * The query parameters of synchronized and decimated reads, the same on every transport
 * (WebSocket pull, HTTP GET): `sync=<ref>&tolerance_ms=20&max_wait_ms=20&rate=cam:2,imu:0`.
 * Request DTOs extend it; `syncParams` checks them against the URL's stream ids.
 */
export class SyncQueryFields {
  @IsOptional() @IsString() @MaxLength(MAX_PARAM_LENGTH) sync?: string;
  @IsOptional() @IntQuery(1, MAX_SYNC_MS) tolerance_ms?: number;
  @IsOptional() @IntQuery(0, MAX_SYNC_MS) max_wait_ms?: number;
  @IsOptional() @IsString() @MaxLength(MAX_PARAM_LENGTH) rate?: string;

  /** True when the request asks for a synchronized or decimated read. */
  wantsSync(): boolean {
    return this.sync !== undefined || this.rate !== undefined;
  }

  syncParams(sids: readonly string[]): SyncParams {
    return syncParamsOf(this, sids);
  }
}
