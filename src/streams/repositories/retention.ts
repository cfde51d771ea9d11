import { badRequest } from '../../common/errors.js';

/**
 * How long and how many entries a stream keeps: `STREAM_MAXLEN` / `STREAM_MAXAGE_MS`, or the
 * stream's own `retention: {maxAgeMs, maxLen}` in its metadata (each field overrides one setting;
 * 0 turns that bound off for the stream).
 */
export interface Retention {
  /** Keep about this many entries (XADD/XTRIM MAXLEN ~); 0 = no count bound. */
  maxLen: number;
  /** Keep entries younger than this (XADD MINID ~ now - maxAgeMs); 0 = no time bound. */
  maxAgeMs: number;
}

/** The metadata key that holds a stream's own retention. */
const RETENTION_KEY = 'retention';

/** How long a stream's retention read from its metadata is used before it is read again. */
const RETENTION_REFRESH_MS = 5000;
/** Streams whose retention is remembered at most (the least recently loaded go first). */
const RETENTION_CACHE_SIZE = 10_000;

/**
 * Why `value` (the `retention` field of a stream's metadata) is not a retention, or null when it
 * is: an object with optional non-negative integer `maxAgeMs` and `maxLen`, and nothing else.
 */
export function retentionProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'retention must be an object {maxAgeMs, maxLen}';
  }
  for (const [key, bound] of Object.entries(value)) {
    if (key !== 'maxAgeMs' && key !== 'maxLen') {
      return `retention has an unknown field ${JSON.stringify(key.slice(0, 32))} (maxAgeMs, maxLen)`;
    }
    if (typeof bound !== 'number' || !Number.isSafeInteger(bound) || bound < 0) {
      return `retention.${key} must be a non-negative integer`;
    }
  }
  return null;
}

/** Refuses metadata whose `retention` field is malformed (BAD_REQUEST). */
export function checkRetentionMeta(meta: Record<string, unknown>): void {
  if (!(RETENTION_KEY in meta)) return;
  const problem = retentionProblem(meta[RETENTION_KEY]);
  if (problem) throw badRequest(problem);
}

/** The retention of a stream whose metadata is `meta`, over the service's defaults. */
export function retentionOf(meta: Record<string, unknown>, defaults: Retention): Retention {
  const own = meta[RETENTION_KEY];
  if (retentionProblem(own) !== null) return defaults;
  const { maxAgeMs, maxLen } = own as Partial<Retention>;
  return { maxLen: maxLen ?? defaults.maxLen, maxAgeMs: maxAgeMs ?? defaults.maxAgeMs };
}

/**
 * With both bounds, XADD carries the time bound (MINID, which moves with every append) and a
 * separate `XTRIM MAXLEN ~` goes out once every this many appends of the stream (Redis takes one
 * trimming strategy per XADD): a tenth of `maxLen`, 1 to 100.
 */
export function countTrimEvery(maxLen: number): number {
  return Math.max(1, Math.min(100, Math.floor(maxLen / 10)));
}

interface Cached {
  retention: Retention;
  /** `MAXLEN ~ n` (count bound only), built once per retention; null when time bounds it. */
  countArgs: string[] | null;
  /** When to read the metadata again (epoch ms). */
  refreshAt: number;
  /** Appends since the last count trim (both bounds set). */
  sinceTrim: number;
  loading: boolean;
}

/** The trimming part of one XADD (reused between calls: read it before the next `next`). */
export interface TrimPlan {
  /** Arguments between the key and the id: none, `MAXLEN ~ n` or `MINID ~ <ms>`. */
  xadd: readonly string[];
  /** When > 0, `XTRIM sid MAXLEN ~ trimTo` should follow the XADD. */
  trimTo: number;
}

const NO_ARGS: readonly string[] = [];

/**
 * Each stream's retention, remembered per stream (bounded, refreshed every RETENTION_REFRESH_MS,
 * forgotten when this process changes the metadata) so that appends never wait for metadata:
 * a stream not known yet is appended with the defaults while its metadata loads in the
 * background, and its own retention applies from the next appends on.
 */
export class RetentionCache {
  private readonly streams = new Map<string, Cached>();
  private readonly plan: TrimPlan = { xadd: NO_ARGS, trimTo: 0 };

  constructor(
    readonly defaults: Retention,
    /** Reads the stream's metadata (the repository's `getMeta`). */
    private readonly load: (sid: string) => Promise<Record<string, unknown>>,
    private readonly maxSize = RETENTION_CACHE_SIZE,
  ) {}

  /** How the next XADD of `sid` at `now` (epoch ms) trims. */
  next(sid: string, now: number): TrimPlan {
    let cached = this.streams.get(sid);
    if (cached === undefined) {
      cached = {
        retention: this.defaults,
        countArgs: null,
        refreshAt: 0,
        sinceTrim: 0,
        loading: false,
      };
      cached.countArgs = countArgsOf(this.defaults);
      if (this.streams.size >= this.maxSize) {
        this.streams.delete(this.streams.keys().next().value as string);
      }
      this.streams.set(sid, cached);
    }
    if (now >= cached.refreshAt && !cached.loading) this.refresh(sid, cached, now);
    const plan = this.plan;
    plan.trimTo = 0;
    const { maxLen, maxAgeMs } = cached.retention;
    if (maxAgeMs === 0) {
      plan.xadd = cached.countArgs ?? NO_ARGS;
      return plan;
    }
    plan.xadd = ['MINID', '~', String(Math.max(0, now - maxAgeMs))];
    if (maxLen > 0 && ++cached.sinceTrim >= countTrimEvery(maxLen)) {
      cached.sinceTrim = 0;
      plan.trimTo = maxLen;
    }
    return plan;
  }

  /** Forgets what is known of `sid` (its metadata changed or it was deleted). */
  forget(sid: string): void {
    this.streams.delete(sid);
  }

  private refresh(sid: string, cached: Cached, now: number): void {
    cached.loading = true;
    cached.refreshAt = now + RETENTION_REFRESH_MS;
    this.load(sid).then(
      (meta) => {
        cached.loading = false;
        cached.retention = retentionOf(meta, this.defaults);
        cached.countArgs = countArgsOf(cached.retention);
      },
      () => {
        // Redis trouble: keep what was known, try again at the next refresh.
        cached.loading = false;
      },
    );
  }
}

function countArgsOf({ maxLen, maxAgeMs }: Retention): string[] | null {
  return maxAgeMs === 0 && maxLen > 0 ? ['MAXLEN', '~', String(maxLen)] : null;
}
