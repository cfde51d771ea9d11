import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { GroupOptions, GroupRegistry, GroupSession } from './group-session.js';
import type { PullSink } from './pull-session.js';
import { ReadHub } from './read-hub.js';
import { StreamRepository } from './stream.repository.js';

/**
 * Opens consumer-group sessions on the shared hub (WebSocket and HTTP group reads) and knows this
 * process's sessions per (stream, group): a consumer that leaves with unacknowledged entries wakes
 * the others, which claim them at once.
 */
@Injectable()
export class GroupSessions implements GroupRegistry {
  private readonly byGroup = new Map<string, Set<GroupSession>>();

  constructor(
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A session delivering to `sink`; call `start()` on it, and `close()` when the sink goes. */
  create(options: Omit<GroupOptions, 'batchBytes' | 'claimIdleMs'>, sink: PullSink): GroupSession {
    const { PULL_BATCH_BYTES: batchBytes, GROUP_CLAIM_IDLE_MS: claimIdleMs } = this.config;
    return new GroupSession(
      this.hub,
      this.repository,
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
      if (sessions.size === 0) this.byGroup.delete(key);
    }
  }

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
