import { IsOptional } from 'class-validator';
import { badRequest } from '../../common/errors.js';
import { BoolOrWordQuery, BoolQuery, IntQuery, NumberQuery } from '../../common/query.js';
import { cursorsFor } from '../../streams/ids/cursors.js';
import { deviceStreamPrefix, devicesOf, IsDeviceId } from '../../devices/device-id.js';
import type { GroupAck } from '../../streams/sessions/group-session.js';
import { IsCursorList, IsGroupName } from '../../streams/ids/validators.js';
import { SyncQueryFields } from '../../sampling/sync-query.js';

/**
 * Query parameters of the data endpoints (SPEC "WebSocket push/pull", "HTTP data endpoints"),
 * validated with class-validator: by the handshake of the WebSocket routes (`StreamRoutes`)
 * and by the global pipe for HTTP. Field names are the wire names. `forSids` adds the checks
 * that need the URL's stream ids and gives the connection's parameters.
 */

/** Most entries per stream in one batch (WebSocket pull, HTTP GET). */
export const MAX_COUNT = 10_000;
/** Longest `block` a puller may ask for (ms). */
export const MAX_BLOCK_MS = 3_600_000;
const MAX_FPS = 10_000;
const GROUP_ACKS: readonly GroupAck[] = ['auto', 'client'];

export interface PushParams {
  sids: string[];
  header: boolean;
  ack: boolean;
  /** The devices this connection keeps connected while it is open (docs/devices.md). */
  devices: string[];
  /** Patterns the caller needs write permission on besides the sids (`<device>:*`). */
  alsoWrite: string[];
}

export interface PullParams {
  sids: string[];
  cursors: string[];
  count: number;
  block: number;
  latest: boolean;
  maxFps: number;
  ack: boolean;
  header: boolean;
  /** Send a `gap` text frame before a batch that follows missed entries. */
  gaps: boolean;
  /** Read as a consumer of a consumer group (`group`, `consumer`, `ack=auto|client`). */
  group: GroupParams | null;
}

export interface GroupParams {
  name: string;
  consumer: string;
  ack: GroupAck;
}

export interface ReadParams {
  sids: string[];
  cursors: string[];
  count: number;
  latest: boolean;
  block: number;
  group: GroupParams | null;
}

/** `ws://HOST/data/{sid}/push?header=1&ack=0&device=<id>` */
export class PushQuery {
  @BoolQuery() header = true;
  @BoolQuery() ack = false;
  /** Names the device this connection speaks for (else: the `<id>:` prefixes of its sids). */
  @IsOptional() @IsDeviceId() device?: string;

  forSids(sids: string[]): PushParams {
    checkHeader(this.header, sids);
    const named = this.device ?? null;
    return {
      sids,
      header: this.header,
      ack: this.ack,
      devices: devicesOf(sids, named),
      // Naming a device speaks for all of its streams: the same permission its mutations need.
      alsoWrite: named === null ? [] : [`${deviceStreamPrefix(named)}*`],
    };
  }
}

/** `ws://HOST/data/{sid}/pull?last_entry_id=$&count=1&block=5000&...` */
export class PullQuery {
  @IsCursorList() last_entry_id = '$';
  @IntQuery(1, MAX_COUNT) count = 1;
  @IntQuery(0, MAX_BLOCK_MS) block = 5000;
  @BoolQuery() latest = false;
  @NumberQuery(0, MAX_FPS) max_fps = 0;
  /** `1/0`; with `group`, `auto` (default) or `client`. */
  @BoolOrWordQuery(GROUP_ACKS) ack: boolean | GroupAck = false;
  @BoolQuery() header = true;
  @BoolQuery() gaps = false;
  @IsOptional() @IsGroupName() group?: string;
  @IsOptional() @IsGroupName() consumer?: string;

  forSids(sids: string[]): PullParams {
    checkHeader(this.header, sids);
    const group = groupOf(this.group, this.consumer, this.ack);
    if (group) {
      if (this.latest)
        throw badRequest('latest does not go with group: group consumers share every entry');
      if (this.gaps) throw badRequest('gaps does not go with group: it is for plain pulls');
    }
    return {
      group,
      gaps: this.gaps,
      sids,
      cursors: cursorsFor(this.last_entry_id, sids.length, 'last_entry_id'),
      count: this.count,
      block: this.block,
      latest: this.latest,
      maxFps: this.max_fps,
      ack: this.ack === true,
      header: this.header,
    };
  }
}

/**
 * `GET /data/{sid}?last_entry_id=$&count=1&latest=0&block=0`, and with `sync` / `rate` a page of
 * tuples or decimated streams (docs/sync.md).
 */
export class ReadQuery extends SyncQueryFields {
  @IsCursorList() last_entry_id = '$';
  @IntQuery(1, MAX_COUNT) count = 1;
  @BoolQuery() latest = false;
  @IntQuery(0, MAX_BLOCK_MS) block = 0;
  /** With `group`: `auto` only (acknowledged once the answer is written). */
  @BoolOrWordQuery(['auto']) ack: boolean | 'auto' = false;
  @IsOptional() @IsGroupName() group?: string;
  @IsOptional() @IsGroupName() consumer?: string;

  forSids(sids: string[]): ReadParams {
    const group = groupOf(this.group, this.consumer, this.ack);
    if (group && this.latest)
      throw badRequest('latest does not go with group: group consumers share every entry');
    if (this.wantsSync()) checkSyncRead(this, group);
    return {
      group,
      sids,
      cursors: cursorsFor(this.last_entry_id, sids.length, 'last_entry_id'),
      count: this.count,
      latest: this.latest,
      block: this.block,
    };
  }
}

/** What an HTTP read with `sync` or `rate` refuses (it answers at once, in order). */
function checkSyncRead(q: ReadQuery, group: GroupParams | null): void {
  const what = q.sync !== undefined ? 'sync' : 'rate';
  if (group) throw badRequest(`${what} does not go with group: consumer groups share entries out`);
  if (q.latest) throw badRequest(`${what} does not go with latest on HTTP GET`);
  if (q.block > 0)
    throw badRequest(`${what} does not go with block on HTTP GET: it answers at once`);
}

/** The consumer-group parameters, checked together (null: not a group read). */
function groupOf(
  group: string | undefined,
  consumer: string | undefined,
  ack: boolean | string,
): GroupParams | null {
  if (group === undefined) {
    if (consumer !== undefined) throw badRequest('consumer needs group (a consumer group name)');
    if (typeof ack === 'string') throw badRequest(`ack=${ack} needs group (consumer groups)`);
    return null;
  }
  if (consumer === undefined) throw badRequest('group needs consumer (a name for this reader)');
  if (ack === true) throw badRequest('with group, ack is auto or client');
  return { name: group, consumer, ack: ack === false ? 'auto' : (ack as GroupAck) };
}

/** `header=0` sends bare binary frames: there is no header to say which stream each is for. */
function checkHeader(header: boolean, sids: readonly string[]): void {
  if (!header && sids.length > 1) throw badRequest('header=0 takes a single stream id');
}

/** Default and largest `max_fps` of an MJPEG view. */
export const DEFAULT_MJPEG_FPS = 30;
export const MAX_MJPEG_FPS = 1000;

/** `GET /data/{sid}/mjpeg?max_fps=30` */
export class MjpegQuery {
  @NumberQuery(0, MAX_MJPEG_FPS) max_fps = DEFAULT_MJPEG_FPS;
}
