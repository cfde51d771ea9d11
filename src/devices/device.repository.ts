import { Inject, Injectable } from '@nestjs/common';
import type { RedisCommands } from '../redis/redis-commands.js';
import { REDIS_COMMAND } from '../redis/redis.tokens.js';
import { command } from '../redis/replies.js';

/**
 * Device keys (docs/devices.md). The two sets keep the original's names; each device's own keys
 * carry its id as a hash tag, so on a Redis Cluster they share one slot and every presence
 * change is one script on one key.
 */
const CONNECTED_SET = ':devices:connected';
const SEEN_SET = ':devices:seen';
const META_PREFIX = ':devices:meta:';
const PRESENCE_PREFIX = ':devices:presence:';

const metaKey = (id: string) => `${META_PREFIX}{${id}}`;
const presenceKey = (id: string) => `${PRESENCE_PREFIX}{${id}}`;

/**
 * What changes a device's presence hash, one field per holder: `gw:<gateway>` = the Redis time
 * (ms) until which that gateway holds open push connections of the device (refreshed every
 * third of the TTL; a dead gateway's field just runs out), `manual` = connected by the
 * `connectDevice` mutation, `connected` = the state last reported (events fire on its changes),
 * `seen` = the last time anything touched it.
 */
export type PresenceChange =
  /** This gateway holds connections (opened, or refreshed): its field lasts `ttlMs` more. */
  | 'hold'
  /** This gateway's last connection of the device closed. */
  | 'release'
  /** `connectDevice`. */
  | 'connect'
  /** `disconnectDevice`. */
  | 'disconnect'
  /** Drop holders that ran out. */
  | 'sweep';

export interface PresenceState {
  /** True when the device is connected now (a live holder, or connected by mutation). */
  connected: boolean;
  /** True when this change turned `connected` over: its caller fires the event. */
  changed: boolean;
  /** Epoch ms of the last time anything touched the device's presence; null if never. */
  lastSeen: number | null;
  /**
   * Ms until the last live hold runs out unless renewed; null when the device is not
   * connected, or connected by mutation (no hold ends that).
   */
  heldForMs: number | null;
}

/**
 * One script for every change, on the device's presence hash alone, timed by the Redis clock (so
 * gateways' clocks do not matter). Returns {changed, connected, seen}.
 */
const PRESENCE = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key, op, holder = KEYS[1], ARGV[1], ARGV[2]
if op == 'hold' then redis.call('HSET', key, holder, now + tonumber(ARGV[3]))
elseif op == 'release' then redis.call('HDEL', key, holder)
elseif op == 'connect' then redis.call('HSET', key, 'manual', '1')
elseif op == 'disconnect' then redis.call('HDEL', key, 'manual') end
local fields = redis.call('HGETALL', key)
local live, was, seen, manual, last = false, false, false, false, 0
for i = 1, #fields, 2 do
  local f, v = fields[i], fields[i + 1]
  if string.sub(f, 1, 3) == 'gw:' then
    local until_ms = tonumber(v)
    if until_ms > now then
      live = true
      if until_ms > last then last = until_ms end
    else redis.call('HDEL', key, f) end
  elseif f == 'manual' then live, manual = true, true
  elseif f == 'connected' then was = v == '1'
  elseif f == 'seen' then seen = v end
end
if op ~= 'sweep' then seen = tostring(now) redis.call('HSET', key, 'seen', seen) end
if live ~= was then redis.call('HSET', key, 'connected', live and '1' or '0') end
local left = -1
if live and not manual then left = last - now end
return {live ~= was and 1 or 0, live and 1 or 0, seen or '', left}`;

/** The same reckoning without changing anything: {connected, seen}. */
const STATUS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fields = redis.call('HGETALL', KEYS[1])
local live, seen = 0, ''
for i = 1, #fields, 2 do
  local f, v = fields[i], fields[i + 1]
  if (string.sub(f, 1, 3) == 'gw:' and tonumber(v) > now) or f == 'manual' then live = 1
  elseif f == 'seen' then seen = v end
end
return {live, seen}`;

/**
 * Every Redis command of the device feature except appends to the event streams (the stream
 * repository's). Each command touches one key, so each goes to the master of its slot.
 */
@Injectable()
export class DeviceRepository {
  constructor(@Inject(REDIS_COMMAND) private readonly redis: RedisCommands) {}

  /** Applies `change` for `holder` (`gw:<gateway>`, for `hold` and `release`). */
  async changePresence(
    id: string,
    change: PresenceChange,
    holder = '',
    ttlMs = 0,
  ): Promise<PresenceState> {
    const key = presenceKey(id);
    const [changed, connected, seen, left] = await command<[number, number, string, number]>(
      this.redis,
      key,
      ['EVAL', PRESENCE, '1', key, change, holder, String(ttlMs)],
    );
    return {
      changed: changed === 1,
      connected: connected === 1,
      lastSeen: millis(seen),
      heldForMs: left >= 0 ? left : null,
    };
  }

  /** Whether each device is connected now, and when it was last seen (pipelined). */
  presence(ids: readonly string[]): Promise<Pick<PresenceState, 'connected' | 'lastSeen'>[]> {
    return Promise.all(
      ids.map(async (id) => {
        const key = presenceKey(id);
        const args = ['EVAL', STATUS, '1', key];
        const [live, seen] = await command<[number, string]>(this.redis, key, args);
        return { connected: live === 1, lastSeen: millis(seen) };
      }),
    );
  }

  /** Adds the device to the original's "connected" set; true if it was not in it. */
  async addConnected(id: string): Promise<boolean> {
    return (await command<number>(this.redis, CONNECTED_SET, ['SADD', CONNECTED_SET, id])) === 1;
  }

  async removeConnected(id: string): Promise<void> {
    await command(this.redis, CONNECTED_SET, ['SREM', CONNECTED_SET, id]);
  }

  /** Adds the device to the "seen" set; true when it is new. */
  async addSeen(id: string): Promise<boolean> {
    return (await command<number>(this.redis, SEEN_SET, ['SADD', SEEN_SET, id])) === 1;
  }

  /** The ids in the "connected" set (some may have run out since: check `presence`). */
  connectedIds(): Promise<string[]> {
    return command<string[]>(this.redis, CONNECTED_SET, ['SMEMBERS', CONNECTED_SET]);
  }

  seenIds(): Promise<string[]> {
    return command<string[]>(this.redis, SEEN_SET, ['SMEMBERS', SEEN_SET]);
  }

  /** The device's metadata object (`{}` when none or not a JSON object). */
  async getMeta(id: string): Promise<Record<string, unknown>> {
    const key = metaKey(id);
    const raw = await command<string | null>(this.redis, key, ['GET', key]);
    if (raw == null) return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    } catch {
      return {};
    }
  }

  async setMeta(id: string, meta: Record<string, unknown>): Promise<void> {
    const key = metaKey(id);
    await command(this.redis, key, ['SET', key, JSON.stringify(meta)]);
  }
}

function millis(seen: string): number | null {
  const ms = Number(seen);
  return seen !== '' && Number.isFinite(ms) ? ms : null;
}
