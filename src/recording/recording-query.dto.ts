import {
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { badRequest } from '../common/errors.js';
import { BoolQuery, NumberQuery } from '../common/query.js';
import { MAX_SID_BYTES, sidProblem } from '../streams/ids/sid.js';
import { parseBound } from './time-window.js';

/** Fastest replay `speed`; slowest is 1/1000 of the recorded pace. */
export const MAX_SPEED = 1000;
export const MIN_SPEED = 0.001;

/** A `start`/`end` bound `parseBound` accepts. */
function IsWindowBound(side: 'start' | 'end'): PropertyDecorator {
  const problem = (value: unknown): string | null => {
    if (typeof value !== 'string') return `${side} must be a string`;
    try {
      parseBound(value, side, Date.now());
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  return ValidateBy({
    name: 'isWindowBound',
    validator: {
      validate: (value: unknown) => problem(value) === null,
      defaultMessage: (args?: ValidationArguments) => problem(args?.value) ?? '',
    },
  });
}

/** `GET /data/{sid}/export?start=-&end=+&compression=zstd&rate=cam:1` */
export class ExportQuery {
  /** Per-stream decimation (`cam:1,imu:0`; docs/sync.md): the newest entry of each window. */
  @IsOptional() @IsString() @MaxLength(16 * 1024) rate?: string;
  @IsWindowBound('start') start = '-';
  @IsWindowBound('end') end = '+';
  @IsIn(['zstd', 'none'], { message: 'compression must be zstd or none' })
  compression: 'zstd' | 'none' = 'zstd';
}

export interface ImportParams {
  prefix: string;
  /** Replay pace (1 = as recorded), or null: as fast as possible. */
  speed: number | null;
  keepIds: boolean;
}

/** `POST /data/import?prefix=&speed=1&as_fast_as_possible=0&ids=new` */
export class ImportQuery {
  @IsString() @MaxLength(MAX_SID_BYTES) prefix = '';
  @IsOptional() @NumberQuery(MIN_SPEED, MAX_SPEED) speed?: number;
  @BoolQuery() as_fast_as_possible = false;
  @IsIn(['keep', 'new'], { message: 'ids must be keep or new' }) ids: 'keep' | 'new' = 'new';

  params(): ImportParams {
    if (this.prefix !== '') {
      const problem = sidProblem(this.prefix);
      if (problem) throw badRequest(`prefix: ${problem}`);
    }
    if (this.speed !== undefined && this.as_fast_as_possible) {
      throw badRequest('give speed (pace by the recorded timing) or as_fast_as_possible, not both');
    }
    return {
      prefix: this.prefix,
      speed: this.as_fast_as_possible ? null : (this.speed ?? null),
      keepIds: this.ids === 'keep',
    };
  }
}
