import { Inject, Injectable } from '@nestjs/common';
import { LimitsConfig } from '../config/config-sections.js';
import { badRequest } from '../common/errors.js';
import { deviceStreamPrefix } from '../devices/device-id.js';
import { idMillis } from '../streams/ids/entry-id.js';
import { assertSid } from '../streams/ids/sid.js';
import { checkRetentionMeta } from '../streams/repositories/retention.js';
import { GroupRepository } from '../streams/repositories/group.repository.js';
import { StreamMetaRepository } from '../streams/repositories/stream-meta.repository.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { Entry, StreamInfo } from '../streams/repositories/stream.types.js';
import { ConsumerGroupModel } from './models/consumer-group.model.js';
import { StreamModel } from './models/stream.model.js';

/** Streams whose XINFO STREAM is asked for in one pipeline. */
const INFO_CHUNK = 16;

/**
 * What the GraphQL queries and mutations do (their arguments were validated by the DTOs in
 * `dto/`): check configured limits, call the repository, shape the answer. `XINFO STREAM` and metadata reads for many streams go out pipelined (one round trip).
 */
@Injectable()
export class StreamMetaService {
  constructor(
    private readonly repository: StreamRepository,
    private readonly meta: StreamMetaRepository,
    private readonly groups: GroupRepository,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /** Every stream key (SCAN … TYPE stream), plus metadata-only sids with `searchMeta`. Sorted. */
  listSids(searchMeta: boolean): Promise<string[]> {
    return this.repository.listSids(searchMeta);
  }

  /** The given streams in the given order, or every stream and metadata-only sid. */
  async streams(sids: readonly string[] | null | undefined): Promise<StreamModel[]> {
    const wanted =
      sids == null
        ? await this.repository.listSids(true)
        : checkSidCount(sids, this.config.MAX_SIDS_PER_REQUEST);
    // A few XINFO replies (each carrying two payloads) in flight at a time, not one per stream.
    const models: StreamModel[] = [];
    for (let i = 0; i < wanted.length; i += INFO_CHUNK) {
      const infos = await this.repository.info(wanted.slice(i, i + INFO_CHUNK));
      for (const info of infos) models.push(toStreamModel(info));
    }
    return models;
  }

  async stream(sid: string): Promise<StreamModel> {
    const [info] = await this.repository.info([sid]);
    return toStreamModel(info);
  }

  /** Replaces (or with `update`, shallow-merges into) the stream's metadata. */
  async setMeta(sid: string, meta: Record<string, unknown>, update: boolean): Promise<boolean> {
    checkRetentionMeta(meta);
    await this.meta.setMeta(sid, meta, update);
    return true;
  }

  /** The consumer groups of a stream with their consumers (none when it is no stream). */
  async consumerGroups(sid: string): Promise<ConsumerGroupModel[]> {
    return this.groups.groups(sid);
  }

  /** Removes a consumer group (and its pending entries); false when there was none. */
  deleteConsumerGroup(sid: string, group: string): Promise<boolean> {
    return this.groups.deleteGroup(sid, group);
  }

  /** Removes the stream and its metadata; false when neither existed. */
  deleteStream(sid: string): Promise<boolean> {
    return this.repository.deleteStream(sid);
  }
}

/** MAX_SIDS_PER_REQUEST for a list of sids from a GraphQL argument. */
export function checkSidCount(sids: readonly string[], max: number): string[] {
  if (sids.length > max) {
    throw badRequest(`at most ${max} stream ids per request, got ${sids.length}`);
  }
  return [...sids];
}

function toStreamModel(info: StreamInfo): StreamModel {
  const model = new StreamModel();
  model.sid = info.sid;
  model.error = info.error;
  model.entriesAdded = info.entriesAdded;
  model.length = info.length;
  model.groups = info.groups;
  model.radixTreeKeys = info.radixTreeKeys;
  model.radixTreeNodes = info.radixTreeNodes;
  model.lastGeneratedId = info.lastGeneratedId;
  model.maxDeletedEntryId = info.maxDeletedEntryId;
  model.recordedFirstEntryId = info.recordedFirstEntryId;
  model.firstEntryId = info.firstEntry?.id ?? null;
  model.firstEntryData = base64(info.firstEntry);
  model.firstEntryMillis = info.firstEntry ? idMillis(info.firstEntry.id) : null;
  model.lastEntryId = info.lastEntry?.id ?? null;
  model.lastEntryData = base64(info.lastEntry);
  model.lastEntryMillis = info.lastEntry ? idMillis(info.lastEntry.id) : null;
  model.firstEntryPayload = info.firstEntry?.data ?? null;
  model.lastEntryPayload = info.lastEntry?.data ?? null;
  model.meta = info.meta;
  return model;
}

/** The stream `updateStreamMeta` names: `sid`, or `streamId` (under `deviceId` when given). */
export function metaTarget(args: {
  sid?: string | null;
  streamId?: string | null;
  deviceId?: string | null;
}): string {
  const { sid, streamId, deviceId } = args;
  if ((sid == null) === (streamId == null)) {
    throw badRequest('name the stream with either sid or streamId');
  }
  if (sid != null) {
    if (deviceId != null) throw badRequest('deviceId goes with streamId, not sid');
    return sid;
  }
  return assertSid(deviceId == null ? streamId! : deviceStreamPrefix(deviceId) + streamId!);
}

function base64(entry: Entry | null): string | null {
  return entry ? entry.data.toString('base64') : null;
}
