import { Inject, Injectable } from '@nestjs/common';
import type { RedisCommands } from '../../redis/redis-commands.js';
import { REDIS_COMMAND } from '../../redis/redis.tokens.js';
import { AS_BUFFERS, command, RawEntry, toEntry } from '../../redis/replies.js';
import { Entry } from './stream.types.js';

/**
 * The newest entry of each decimation window after ARGV[1] (exclusive), up to ARGV[3] (`+` or an
 * id, inclusive), for at most ARGV[4] windows of ARGV[2] ms and about ARGV[5] payload bytes.
 * Per window two single-entry reads: the first entry after the cursor (which names the window:
 * empty windows cost nothing) and the window's newest (`XREVRANGE end first COUNT 1`); only the
 * kept entries leave Redis. Returns {{newest, firstId}…}, the cursor after the last window read
 * (its last id), and 1 when windows may remain.
 */
const NEWEST_PER_WINDOW = `local key, cursor, w, last = KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3]
local n, budget = tonumber(ARGV[4]), tonumber(ARGV[5])
local lastMs = nil
if last ~= '+' then lastMs = tonumber(string.match(last, '^(%d+)')) end
local out, bytes, more = {}, 0, 0
for i = 1, n do
  local first = redis.call('XRANGE', key, '(' .. cursor, last, 'COUNT', 1)[1]
  if not first then return {out, cursor, 0} end
  local ms = tonumber(string.match(first[1], '^(%d+)'))
  local endMs = (math.floor(ms / w) + 1) * w - 1
  local wend = string.format('%.0f', endMs) .. '-18446744073709551615'
  local upto = wend
  if lastMs ~= nil and lastMs <= endMs then upto = last end
  local newest = redis.call('XREVRANGE', key, upto, first[1], 'COUNT', 1)[1]
  out[#out + 1] = {newest, first[1]}
  cursor = wend
  local f = newest[2]
  for j = 2, #f, 2 do bytes = bytes + #f[j] end
  if upto ~= wend then return {out, cursor, 0} end
  if bytes >= budget then return {out, cursor, 1} end
end
return {out, cursor, 1}`;

/**
 * For each reference time (ms) in ARGV[2…], the entry nearest to it within ARGV[1] ms: the last
 * entry before it (`XREVRANGE t-1 t-tol COUNT 1`) or the first at or after it (`XRANGE t + COUNT
 * 1`), the earlier one on a tie. Returns {{entry or nil, settled}…}: settled = 1 when an entry at
 * or after the time exists (nothing later can come closer); else the entry is the best so far.
 */
const NEAREST = `local key, tol = KEYS[1], tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local t = tonumber(ARGV[i])
  local right = redis.call('XRANGE', key, ARGV[i], '+', 'COUNT', 1)[1]
  local left = nil
  if t > 0 then
    local from = t - tol
    if from < 0 then from = 0 end
    left = redis.call('XREVRANGE', key, string.format('%.0f', t - 1), string.format('%.0f', from), 'COUNT', 1)[1]
  end
  local pick = false
  if right then
    local dr = tonumber(string.match(right[1], '^(%d+)')) - t
    if dr <= tol then pick = right end
    if left and (pick == false or t - tonumber(string.match(left[1], '^(%d+)')) <= dr) then pick = left end
    out[#out + 1] = {pick, 1}
  else
    out[#out + 1] = {left or false, 0}
  end
end
return out`;

/** A page of decimated history: the kept entries and where the next page starts. */
export interface WindowPage {
  /** The newest entry of each window read, oldest first. */
  entries: Entry[];
  /** Per kept entry: the id of its window's first entry (equal: nothing in the window skipped). */
  firstIds: string[];
  /** The last id of the last window read (the next page reads after it). */
  cursor: string;
  /** Windows may remain before the end bound. */
  more: boolean;
}

/** One partner's nearest entry to a reference time, as far as the stream tells now. */
export interface Nearest {
  /** The nearest entry within the tolerance (null: none, so far). */
  entry: Entry | null;
  /** An entry at or after the time exists: `entry` is final. */
  settled: boolean;
}

/**
 * The bounded reads of synchronized pulls and decimation: single-key scripts (so they work the
 * same on a Redis Cluster) that read about one entry per kept entry, whatever they skip.
 */
@Injectable()
export class SamplingRepository {
  constructor(@Inject(REDIS_COMMAND) private readonly redis: RedisCommands) {}

  /**
   * The newest entry of each window of `windowMs` after `afterId` up to `end` (inclusive, `+`:
   * the newest), for at most `maxWindows` windows and about `budget` payload bytes (one entry at
   * least).
   */
  async newestPerWindow(
    sid: string,
    afterId: string,
    windowMs: number,
    end: string,
    maxWindows: number,
    budget: number,
  ): Promise<WindowPage> {
    const args = [
      'EVAL',
      NEWEST_PER_WINDOW,
      '1',
      sid,
      afterId,
      String(windowMs),
      end,
      String(maxWindows),
      String(budget),
    ];
    const [windows, cursor, more] = await command<[[RawEntry, Buffer][], Buffer, number]>(
      this.redis,
      sid,
      args,
      AS_BUFFERS,
    );
    return {
      entries: windows.map(([newest]) => toEntry(newest)),
      firstIds: windows.map(([, first]) => first.toString('latin1')),
      cursor: cursor.toString('latin1'),
      more: Number(more) === 1,
    };
  }

  /** For each of `times` (ms), the entry of `sid` nearest to it within `toleranceMs`. */
  async nearest(sid: string, times: readonly number[], toleranceMs: number): Promise<Nearest[]> {
    const args = ['EVAL', NEAREST, '1', sid, String(toleranceMs), ...times.map(String)];
    const reply = await command<[RawEntry | null, number][]>(this.redis, sid, args, AS_BUFFERS);
    return reply.map(([entry, settled]) => ({
      entry: entry ? toEntry(entry) : null,
      settled: Number(settled) === 1,
    }));
  }
}
