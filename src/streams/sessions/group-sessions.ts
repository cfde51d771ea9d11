import { Inject, Injectable } from '@nestjs/common';
import { GroupsConfig, LimitsConfig } from '../../config/config-sections.js';
import { GroupOptions, GroupRegistry, GroupSession } from './group-session.js';
import type { PullSink } from './pull-session.js';
import { ReadHub } from '../hub/read-hub.js';
import { GroupRepository } from '../repositories/group.repository.js';
import { StreamRepository } from '../repositories/stream.repository.js';

/**
 * Opens consumer-group sessions on the shared hub (WebSocket and HTTP group reads) and knows this
 * process's sessions per (stream, group): a consumer that leaves with unacknowledged entries wakes
 * the others, which claim them at once. New entries wake a group's consumers in turn: the first
 * one woken reads them all, so each wake starts with the next consumer.
 */
@Injectable()
export class GroupSessions implements GroupRegistry {
  private readonly byGroup = new Map<string, Set<GroupSession>>();
  /** Per (stream, group): how many wakes went round its consumers. */
  private readonly turns = new Map<string, number>();
  /** Consumers the hub woke during the delivery in progress, per (stream, group). */
  private wokenNow = new Map<string, { sid: string; sessions: GroupSession[] }>();
  private wakeScheduled = false;

  constructor(
    private readonly hub: ReadHub,
    private readonly streams: StreamRepository,
    private readonly groups: GroupRepository,
    @Inject(LimitsConfig) private readonly limits: LimitsConfig,
    @Inject(GroupsConfig) private readonly groupsConfig: GroupsConfig,
  ) {}

  /** A session delivering to `sink`; call `start()` on it, and `close()` when the sink goes. */
  create(options: Omit<GroupOptions, 'batchBytes' | 'claimIdleMs'>, sink: PullSink): GroupSession {
    const batchBytes = this.limits.PULL_BATCH_BYTES;
    const claimIdleMs = this.groupsConfig.GROUP_CLAIM_IDLE_MS;
    return new GroupSession(
      this.hub,
      this.streams,
      this.groups,
      this,
      { ...options, batchBytes, claimIdleMs },
      sink,
    );
  }

  add(session: GroupSession): void {
    for (const key of keysOf(session)) {
      let sessions = this.byGroup.get(key);
      if (!sessions) this.byGroup.set(key, (sessions = new Set()));
      sessions.add(session);
    }
  }

  remove(session: GroupSession): void {
    for (const key of keysOf(session)) {
      const sessions = this.byGroup.get(key);
      if (!sessions) continue;
      sessions.delete(session);
      if (sessions.size === 0) {
        this.byGroup.delete(key);
        this.turns.delete(key);
      }
    }
  }

  woken(session: GroupSession, sid: string): void {
    const key = groupKey(sid, session.options.group);
    const woken = this.wokenNow.get(key);
    if (woken) woken.sessions.push(session);
    else this.wokenNow.set(key, { sid, sessions: [session] });
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    // The hub tells every listener of a read in one go: wake them once it is done (same tick).
    queueMicrotask(this.wakeInTurn);
  }

  private readonly wakeInTurn = (): void => {
    this.wakeScheduled = false;
    const woken = this.wokenNow;
    this.wokenNow = new Map();
    for (const [key, { sid, sessions }] of woken) {
      const turn = this.turns.get(key) ?? 0;
      if (this.byGroup.has(key)) this.turns.set(key, turn + 1);
      for (let i = 0; i < sessions.length; i++) {
        sessions[(turn + i) % sessions.length].wake(sid);
      }
    }
  };

  released(sid: string, group: string, by: GroupSession): void {
    for (const session of this.byGroup.get(groupKey(sid, group)) ?? []) {
      if (session !== by) session.sweepNow();
    }
  }
}

function groupKey(sid: string, group: string): string {
  return `${sid}\u0000${group}`;
}

function keysOf(session: GroupSession): string[] {
  return session.options.sids.map((sid) => groupKey(sid, session.options.group));
}
