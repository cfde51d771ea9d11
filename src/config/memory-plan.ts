import type { MemoryLimit } from './memory-limit.js';

const KiB = 1024;
const MiB = 1024 * 1024;

/** The settings a plan sizes; one set explicitly (environment or test override) wins. */
export const PLANNED_SETTINGS = [
  'MAX_PAYLOAD_BYTES',
  'PUSH_MAX_PENDING',
  'PULL_HIGH_WATER_BYTES',
  'PULL_BATCH_BYTES',
] as const;
export type PlannedSetting = (typeof PLANNED_SETTINGS)[number];

/** The sizes with no memory limit known: the service's defaults. */
const UNLIMITED = {
  settings: {
    MAX_PAYLOAD_BYTES: 64 * MiB,
    PUSH_MAX_PENDING: 256,
    PULL_HIGH_WATER_BYTES: 256 * KiB,
    PULL_BATCH_BYTES: 8 * MiB,
  },
  pushInFlightBytes: 16 * MiB,
  pushConnectionBytes: 4 * MiB,
  catchUpReadBytes: MiB,
  semiSpaceMb: 16,
};

/**
 * The smallest old space planned: the service's live heap is about 40 MiB (Nest, GraphQL schema,
 * OpenAPI document), and a heap limit close to its live size fails with "ineffective
 * mark-compacts" at the first burst of allocations; resident memory is what the gate watches.
 */
const MIN_OLD_SPACE_MB = 96;

/** Push batches smaller than this are bounded by count (PUSH_MAX_PENDING), not bytes. */
export const TRACKED_BATCH_BYTES = 4096;

/**
 * How the service spends its memory limit: the byte budgets of the data path and the V8 heap
 * flags, from `planMemory`. Provided by `ConfigModule` (after explicit settings have won).
 */
export class MemoryPlan {
  /** The limit planned for, and where it came from (null: none known, the default sizes). */
  readonly limit: MemoryLimit | null;
  /** Values of the settings the plan sizes (`LimitsConfig` and `HubConfig` carry them). */
  readonly settings: Readonly<Record<PlannedSetting, number>>;
  /** Bytes of large pushed batches in flight to Redis, all push connections together. */
  readonly pushInFlightBytes: number;
  /** The same for one push connection. */
  readonly pushConnectionBytes: number;
  /** What a WebSocket puller that fell behind reads from Redis ahead of its socket. */
  readonly catchUpReadBytes: number;
  /** V8's old space (`--max-old-space-size`, MiB); null: V8 sizes it. */
  readonly oldSpaceMb: number | null;
  /** V8's semi-space (`--max-semi-space-size`, MiB). */
  readonly semiSpaceMb: number;
  /**
   * Private resident memory above which pushed sockets are paused and Redis reads wait, until it
   * falls below `reliefBytes` (null: no limit, no such gate).
   */
  readonly pressureBytes: number | null;
  readonly reliefBytes: number | null;

  constructor(values: Omit<MemoryPlan, 'withSettings'>) {
    this.limit = values.limit;
    this.settings = Object.freeze({ ...values.settings });
    this.pushInFlightBytes = values.pushInFlightBytes;
    this.pushConnectionBytes = values.pushConnectionBytes;
    this.catchUpReadBytes = values.catchUpReadBytes;
    this.oldSpaceMb = values.oldSpaceMb;
    this.semiSpaceMb = values.semiSpaceMb;
    this.pressureBytes = values.pressureBytes;
    this.reliefBytes = values.reliefBytes;
  }

  /** This plan with `explicit` settings in place of the planned ones. */
  withSettings(explicit: Partial<Record<PlannedSetting, number>>): MemoryPlan {
    return new MemoryPlan({ ...this, settings: { ...this.settings, ...explicit } });
  }
}

/**
 * The budgets for a memory limit (bytes; null: none known, the default sizes). A quarter of the
 * limit goes to payload bytes the process holds for clients (push in flight, batches, read-ahead),
 * three eighths (96 MiB at least) to V8's old space (payloads are Buffers, outside it), the rest
 * to the runtime itself (code, young generation, sockets, allocator slack). No budget exceeds its default: more
 * memory does not make Redis or a socket faster.
 */
export function planMemory(limit: MemoryLimit | null): MemoryPlan {
  if (limit === null) {
    return new MemoryPlan({
      ...UNLIMITED,
      limit: null,
      oldSpaceMb: null,
      pressureBytes: null,
      reliefBytes: null,
    });
  }
  const bytes = limit.bytes;
  const data = bytes / 4;
  const pushInFlightBytes = floorKiB(Math.min(UNLIMITED.pushInFlightBytes, data / 4));
  const pushConnectionBytes = floorKiB(Math.min(UNLIMITED.pushConnectionBytes, data / 16));
  const limitMb = Math.floor(bytes / MiB);
  return new MemoryPlan({
    limit,
    settings: {
      MAX_PAYLOAD_BYTES: floorKiB(Math.min(UNLIMITED.settings.MAX_PAYLOAD_BYTES, bytes / 8)),
      // Small batches are counted, not weighed: at most one connection budget of them.
      PUSH_MAX_PENDING: clamp(
        Math.floor(pushConnectionBytes / TRACKED_BATCH_BYTES),
        16,
        UNLIMITED.settings.PUSH_MAX_PENDING,
      ),
      PULL_HIGH_WATER_BYTES: floorKiB(
        clamp(data / 256, 16 * KiB, UNLIMITED.settings.PULL_HIGH_WATER_BYTES),
      ),
      PULL_BATCH_BYTES: floorKiB(clamp(data / 8, 256 * KiB, UNLIMITED.settings.PULL_BATCH_BYTES)),
    },
    pushInFlightBytes,
    pushConnectionBytes,
    catchUpReadBytes: floorKiB(clamp(data / 32, 64 * KiB, UNLIMITED.catchUpReadBytes)),
    oldSpaceMb: Math.max(MIN_OLD_SPACE_MB, Math.floor((limitMb * 3) / 8)),
    semiSpaceMb: clamp(Math.floor(limitMb / 32), 1, UNLIMITED.semiSpaceMb),
    pressureBytes: Math.floor(bytes * 0.85),
    reliefBytes: Math.floor(bytes * 0.75),
  });
}

/** The V8 flags the process should start with (`scripts/start` puts them on node's command line). */
export function heapFlags(plan: MemoryPlan): string[] {
  const flags = [`--max-semi-space-size=${plan.semiSpaceMb}`];
  if (plan.oldSpaceMb !== null) flags.unshift(`--max-old-space-size=${plan.oldSpaceMb}`);
  return flags;
}

/** The plan on one line, for the start-up log. */
export function describePlan(plan: MemoryPlan): string {
  const s = plan.settings;
  const head = plan.limit
    ? `memory plan for ${size(plan.limit.bytes)} (${plan.limit.source})`
    : 'memory plan: no limit known (MEMORY_LIMIT_MB unset, no cgroup limit), default sizes';
  const heap =
    plan.oldSpaceMb === null ? 'V8 old space by V8' : `V8 old space ${plan.oldSpaceMb} MiB`;
  const parts = [
    `${heap}, semi-space ${plan.semiSpaceMb} MiB`,
    `push in flight ${size(plan.pushInFlightBytes)} (${size(plan.pushConnectionBytes)} or ${s.PUSH_MAX_PENDING} entries per connection)`,
    `pull batch ${size(s.PULL_BATCH_BYTES)}, high water ${size(s.PULL_HIGH_WATER_BYTES)}, catch-up read-ahead ${size(plan.catchUpReadBytes)}`,
    `largest payload ${size(s.MAX_PAYLOAD_BYTES)}`,
  ];
  if (plan.pressureBytes !== null) {
    parts.push(`pushes pause and reads wait above ${size(plan.pressureBytes)} private resident`);
  }
  return `${head}: ${parts.join('; ')}`;
}

function size(bytes: number): string {
  if (bytes >= MiB && bytes % (MiB / 4) === 0) return `${bytes / MiB} MiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${Math.round(bytes / KiB)} KiB`;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function floorKiB(bytes: number): number {
  return Math.floor(bytes / KiB) * KiB;
}
